"""Who is asking, and the protection every form gets.

- The session is a random token in the ``kg_session`` cookie (HttpOnly, SameSite=Lax,
  Secure), of which the database keeps only the hash.
- ``Secure`` is left off only for plain ``http://`` to a loopback host (``127.0.0.1``,
  ``localhost``, ``::1``): a developer's ``kg serve``. Anywhere else the cookie is sent
  over HTTPS only.
- Every form carries a CSRF token: the session's own when signed in, else the one of the
  ``kg_csrf`` cookie (SameSite=Strict, double submit); a POST whose token does not match,
  or whose ``Origin`` is another site, is refused (403).
- Anonymous forms have a honeypot field (``website``) hidden from people: a bot that
  fills it in is answered as if it had succeeded, and nothing is done."""

from __future__ import annotations

import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kg.accounts import db, signin
from kg.accounts.people import Account
from kg.errors import Forbidden, PayloadTooLarge, TooManyRequests, Unauthorized
from kg.settings import Settings

SESSION = "kg_session"
CSRF = "kg_csrf"
HONEYPOT = "website"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: bytes a form may send
MAX_FORM = 64 * 1024


def settings(request: Request) -> Settings:
    return request.app.state.settings


@contextmanager
def database(request: Request) -> Iterator[sqlite3.Connection]:
    with db.connected(settings(request)) as conn:
        yield conn


def secure(request: Request) -> bool:
    return not (request.url.scheme == "http" and request.url.hostname in LOOPBACK)


def current(request: Request, conn: sqlite3.Connection) -> signin.Session | None:
    return signin.session(conn, request.cookies.get(SESSION))


def require_account(request: Request, conn: sqlite3.Connection) -> Account:
    found = current(request, conn)
    if found is None:
        raise Unauthorized("sign in first (/signin): the link comes by e-mail")
    return found.account


def csrf_token(request: Request, conn: sqlite3.Connection, response_cookies: dict[str, str]) -> str:
    """The token a form of this page carries. A new anonymous one is put in
    ``response_cookies`` for ``set_cookies`` to send."""
    found = current(request, conn)
    if found is not None:
        return found.csrf
    token = request.cookies.get(CSRF) or ""
    if len(token) < 20 or len(token) > 100:
        token = response_cookies[CSRF] = secrets.token_urlsafe(24)
    return token


def set_cookies(request: Request, response: Response, cookies: dict[str, str]) -> Response:
    for name, value in cookies.items():
        if name == SESSION:
            days = settings(request).session_days
            response.set_cookie(
                SESSION,
                value,
                max_age=days * 86400,
                httponly=True,
                samesite="lax",
                secure=secure(request),
                path="/",
            )
        else:
            response.set_cookie(
                name, value, httponly=True, samesite="strict", secure=secure(request), path="/"
            )
    return response


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.url.netloc


async def checked_form(request: Request, conn: sqlite3.Connection) -> FormData:
    """The POSTed form, once its CSRF token and origin are checked."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_FORM:
        raise PayloadTooLarge(f"a form may send at most {MAX_FORM // 1024} KiB")
    form = await request.form()
    sent = form.get("csrf")
    found = current(request, conn)
    expected = found.csrf if found is not None else request.cookies.get(CSRF, "")
    if not _same_origin(request):
        raise Forbidden("this form was sent from another site")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("the form's security token is missing or wrong: reload the page")
    return form


def text(form: FormData, name: str, limit: int = 4000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def is_bot(form: FormData) -> bool:
    return bool(text(form, HONEYPOT))


def client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit(conn: sqlite3.Connection, key: str, count: int, seconds: float) -> None:
    if not signin.allow(conn, key, count, seconds):
        raise TooManyRequests("too many attempts: wait a few minutes and try again")
