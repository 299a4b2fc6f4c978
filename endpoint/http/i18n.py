"""Interface text in French, Dutch and English.

Strings live in ``endpoint/strings/*.json`` (one file per area of the site, so that areas
are added without touching each other): ``{"key": {"fr": …, "nl": …, "en": …}}``. They say
nothing of a region: the words that name one (the site's title, the home page's lead, the
sign-in mail…) come from the deployment's data, ``data/strings/*.json`` in the same form,
each key there replacing the interface's (docs/region.md). A missing translation falls
back along the same chain as data labels (kg.labels).

The app reads its deployment's strings once (``deployment_strings``) and sets them for
each request (``use_strings``, endpoint.http.locale), so that two apps in one process keep
their own."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request

from kg.labels import SUPPORTED, chain, languages, negotiate

STRINGS_DIR = Path(__file__).parent.parent / "strings"
#: a deployment's own wording, under its root (KG_ROOT)
DEPLOYMENT_STRINGS = Path("data/strings")
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}

Strings = Mapping[str, Mapping[str, str]]

_STRINGS: ContextVar[Strings | None] = ContextVar("endpoint_strings", default=None)
_PLACEHOLDER = re.compile(r"{(\w*)}")


@cache
def interface_strings() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path.name}: the string {key!r} is defined twice")
            merged[key] = texts
    return merged


def deployment_strings(root: Path) -> dict[str, dict[str, str]]:
    """The interface's strings with ``root/data/strings/*.json`` in place of theirs.
    ValueError, naming the file and the key, for a key the interface does not have (a
    typo would otherwise be silently ignored), a language it is not written in, or a text
    that drops or adds a ``{placeholder}`` (a sign-in mail without its ``{url}``)."""
    merged = dict(interface_strings())
    replaced: dict[str, str] = {}
    for path in sorted((root / DEPLOYMENT_STRINGS).glob("*.json")):
        where = (DEPLOYMENT_STRINGS / path.name).as_posix()
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{where}: not JSON ({err})") from None
        if not isinstance(items, dict):
            raise ValueError(f"{where}: an object of strings is expected")
        for key, texts in items.items():
            if key not in merged:
                raise ValueError(f"{where}: {key!r} is not a string of the interface")
            if key in replaced:
                raise ValueError(f"{where}: {key!r} is given in {replaced[key]} too")
            if not isinstance(texts, dict) or not texts:
                raise ValueError(f"{where}: {key!r} needs texts by language")
            wanted = set(_PLACEHOLDER.findall(next(iter(merged[key].values()))))
            for code, text in texts.items():
                if code not in SUPPORTED or not isinstance(text, str):
                    raise ValueError(
                        f"{where}: {key!r} has {code!r}; the languages are {', '.join(SUPPORTED)}"
                    )
                if set(_PLACEHOLDER.findall(text)) != wanted:
                    named = ", ".join("{" + name + "}" for name in sorted(wanted)) or "none"
                    raise ValueError(
                        f"{where}: {key!r} in {code} must keep the placeholders ({named})"
                    )
            merged[key] = texts
            replaced[key] = where
    return merged


def use_strings(texts: Strings) -> Token[Strings | None]:
    return _STRINGS.set(texts)


def reset_strings(token: Token[Strings | None]) -> None:
    _STRINGS.reset(token)


def strings() -> Strings:
    """The strings of the deployment this request is for (the interface's own outside a
    request)."""
    texts = _STRINGS.get()
    return texts if texts is not None else interface_strings()


def translate(key: str, lang: str) -> str:
    texts = strings().get(key)
    if texts is None:
        return key
    for code in chain(lang):
        if code in texts:
            return texts[code]
    return key


def page_language(request: Request) -> str:
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


def vary(*headers: str) -> str:
    """The ``Vary`` value of an answer in the page language: the request headers it
    depends on (``Accept``, ``Accept-Encoding``…) and Accept-Language, which
    ``page_language`` reads when there is no ``?lang=``."""
    return ", ".join(dict.fromkeys((*headers, "Accept-Language")))


def language_links(request: Request) -> list[dict[str, str]]:
    """The same page in each language (``?lang=`` kept with the other parameters)."""
    links = []
    for code in languages():
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        params.append(("lang", code))
        links.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "href": f"{request.url.path}?{urlencode(params)}",
            }
        )
    return links


def long_date(value: str, lang: str) -> str:
    """An ISO date or date-time (``2026-12-07``, ``2026-12-07T01:20:00+00:00``) as people
    write it: "7 décembre 2026", "7 december 2026", "7 December 2026"; a year or a
    year-month as far as it goes ("décembre 2026"). What is not a date is given back."""
    parts = value[:10].split("-")
    if not (1 <= len(parts) <= 3 and all(p.isascii() and p.isdigit() for p in parts)):
        return value
    if len(parts) == 1:
        return parts[0]
    month = int(parts[1])
    if not 1 <= month <= 12:
        return value
    name = translate("date.months", lang).split()[month - 1]
    if len(parts) == 2:
        return f"{name} {parts[0]}"
    return f"{int(parts[2])} {name} {parts[0]}"


def context(request: Request, **values: object) -> dict[str, object]:
    """What every page template gets: the language, ``t(key)``, ``long_date(iso)``, the
    language switcher."""
    lang = page_language(request)
    return {
        "lang": lang,
        "t": lambda key: translate(key, lang),
        "long_date": lambda value: long_date(str(value), lang),
        "languages": language_links(request),
        **values,
    }
