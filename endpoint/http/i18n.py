"""Interface text in French, Dutch and English.

Strings live in ``endpoint/strings/*.json`` (one file per area of the site, so that areas
are added without touching each other): ``{"key": {"fr": …, "nl": …, "en": …}}``. A missing
translation falls back along the same chain as data labels (kg.labels)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request

from kg.labels import LANGUAGES, chain, negotiate

STRINGS_DIR = Path(__file__).parent.parent / "strings"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


@cache
def strings() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path.name}: the string {key!r} is defined twice")
            merged[key] = texts
    return merged


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
    for code in LANGUAGES:
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
