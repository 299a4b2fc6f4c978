"""Labels in the reader's language, with one fallback chain used everywhere: the requested
language, then French, Dutch, English, then any language (Brussels is bilingual FR/NL;
English for international readers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"


def chain(lang: str | None) -> tuple[str, ...]:
    """``chain("en")`` -> ("en", "fr", "nl"); an unknown language falls back to fr, nl, en."""
    first = (lang,) if lang in LANGUAGES else ()
    return first + tuple(code for code in LANGUAGES if code != lang)


def pick(labels: Mapping[str, str], lang: str | None) -> str | None:
    """The label to show from ``{language tag: text}`` ("" for untagged)."""
    picked = pick_with_language(labels, lang)
    return picked[0] if picked else None


def pick_with_language(labels: Mapping[str, str], lang: str | None) -> tuple[str, str] | None:
    """Like ``pick``, with the language the fallback chain picked (for a ``lang``
    attribute): ``({"fr": "design", "en": "design"}, "nl")`` -> ("design", "fr")."""
    if not labels:
        return None
    normalised = {tag.lower().split("-")[0]: text for tag, text in labels.items()}
    for code in chain(lang):
        if code in normalised:
            return normalised[code], code
    tag = sorted(labels)[0]  # any language, but always the same one
    return labels[tag], tag.lower().split("-")[0]


def negotiate(query_lang: str | None, accept_language: str | None) -> str:
    """The page language: ``?lang=`` first, then Accept-Language, then French."""
    if query_lang in LANGUAGES:
        return query_lang
    if accept_language:
        ranked: list[tuple[float, int, str]] = []
        for position, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            code = tag.strip().lower().split("-")[0]
            if code in LANGUAGES and q > 0:
                ranked.append((-q, position, code))
        if ranked:
            return sorted(ranked)[0][2]
    return DEFAULT_LANGUAGE


def group_by_language(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """[(text, language)] -> {language: text}, keeping the first text per language."""
    out: dict[str, str] = {}
    for text, language in pairs:
        out.setdefault(language, text)
    return out
