"""Labels in the reader's language, with one fallback chain used everywhere: the requested
language, then the deployment's languages in their order (French, Dutch, English for
Brussels, which is bilingual FR/NL, with English for international readers), then any
language.

The deployment's languages (``KG_LANGUAGES``) are set for the work at hand, the way
Django activates a translation: the web app sets them for each request (the app's
settings; two apps in one process keep theirs), each ``kg`` command at its start
(``use_languages``). Code that sets nothing gets ``SUPPORTED`` in that order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token

#: the languages the interface is written in (endpoint/strings): a deployment orders them,
#: or leaves some out, with KG_LANGUAGES
SUPPORTED = ("fr", "nl", "en")

_ORDER: ContextVar[tuple[str, ...]] = ContextVar("kg_languages", default=SUPPORTED)


def languages() -> tuple[str, ...]:
    """The deployment's languages, in its order; the first is the default one."""
    return _ORDER.get()


def default_language() -> str:
    return _ORDER.get()[0]


def check_languages(order: Iterable[str]) -> tuple[str, ...]:
    """``order`` as a tuple, or ValueError saying what is wrong with it."""
    out = tuple(order)
    if not out:
        raise ValueError("no language given")
    unknown = [code for code in out if code not in SUPPORTED]
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: the interface is written in {', '.join(SUPPORTED)} only"
        )
    if len(set(out)) != len(out):
        raise ValueError(f"a language is named twice in {','.join(out)}")
    return out


def use_languages(order: Iterable[str]) -> Token[tuple[str, ...]]:
    """Set the languages for the current context (a command, a request)."""
    return _ORDER.set(check_languages(order))


@contextmanager
def languages_of(order: Iterable[str]) -> Iterator[None]:
    token = use_languages(order)
    try:
        yield
    finally:
        _ORDER.reset(token)


def chain(lang: str | None) -> tuple[str, ...]:
    """``chain("en")`` -> ("en", "fr", "nl") with Brussels' languages; an unknown language
    falls back to the deployment's order."""
    order = _ORDER.get()
    first = (lang,) if lang in order else ()
    return first + tuple(code for code in order if code != lang)


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
    """The page language: ``?lang=`` first, then Accept-Language, then the deployment's
    first language."""
    order = _ORDER.get()
    if query_lang in order:
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
            if code in order and q > 0:
                ranked.append((-q, position, code))
        if ranked:
            return sorted(ranked)[0][2]
    return order[0]


def group_by_language(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """[(text, language)] -> {language: text}, keeping the first text per language."""
    out: dict[str, str] = {}
    for text, language in pairs:
        out.setdefault(language, text)
    return out
