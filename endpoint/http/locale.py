"""The deployment's languages and wording for each request: the app's settings
(``KG_LANGUAGES``) and strings (``data/strings/``) set for the request's context, so that
``kg.labels`` and ``translate`` follow them, and two apps in one process keep their own."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from endpoint.http.i18n import Strings, reset_strings, use_strings
from kg.labels import languages_of


class Locale:
    def __init__(self, app: ASGIApp, languages: tuple[str, ...], texts: Strings) -> None:
        self.app = app
        self.languages = languages
        self.texts = texts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        token = use_strings(self.texts)
        try:
            with languages_of(self.languages):
                await self.app(scope, receive, send)
        finally:
            reset_strings(token)
