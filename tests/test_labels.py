"""The label fallback chain (kg/labels.py): requested -> fr -> nl -> en -> any."""

from __future__ import annotations

from kg.labels import pick, pick_with_language


def test_the_language_given_back_is_the_one_the_chain_picked() -> None:
    # the same text in two languages: the language is fr (the chain), not en (sorted)
    assert pick_with_language({"fr": "design", "en": "design"}, "nl") == ("design", "fr")
    assert pick_with_language({"en": "design", "nl": "design"}, "fr") == ("design", "nl")
    assert pick_with_language({"fr": "x", "nl": "x", "en": "x"}, "en") == ("x", "en")


def test_the_chain_falls_back_to_fr_nl_en_then_any() -> None:
    labels = {"en": "house", "nl": "huis", "de": "Haus"}
    assert pick_with_language(labels, "fr") == ("huis", "nl")
    assert pick_with_language(labels, "en") == ("house", "en")
    assert pick_with_language({"de": "Haus", "it": "casa"}, "fr") == ("Haus", "de")
    assert pick_with_language({"": "untagged"}, "nl") == ("untagged", "")
    assert pick_with_language({"fr-BE": "maison"}, "en") == ("maison", "fr")
    assert pick_with_language({}, "fr") is None
    assert pick(labels, "fr") == "huis"
    assert pick({}, "fr") is None
