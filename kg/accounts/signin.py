"""One-time sign-in links and sessions. Only the SHA-256 of a token is kept: a copy of
the database lets nobody sign in. A link is used once and expires
(``KG_SIGNIN_MINUTES``); a session lasts ``KG_SESSION_DAYS`` and carries its own CSRF
token."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from kg.accounts import people
from kg.accounts.db import transaction
from kg.errors import BadRequest
from kg.settings import Settings


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(conn: sqlite3.Connection, settings: Settings, email: str, next_path: str) -> str:
    """A new sign-in token for ``email`` (to be mailed); the caller checks the address."""
    token = secrets.token_urlsafe(32)
    expires = time.time() + settings.signin_minutes * 60
    with transaction(conn):
        conn.execute("DELETE FROM signin_links WHERE expires < ?", (time.time() - 86400,))
        conn.execute(
            "INSERT INTO signin_links (hash, email, next, expires) VALUES (?, ?, ?, ?)",
            (digest(token), email, next_path, expires),
        )
    return token


def redeem(conn: sqlite3.Connection, token: str) -> tuple[people.Account, str]:
    """The account a link signs in, and where it leads; the link is spent. BadRequest
    when it is unknown, used or expired (the same words for all three)."""
    with transaction(conn):
        # the UPDATE is the check: two clicks racing, only one finds it unused
        row = conn.execute(
            "UPDATE signin_links SET used = ? WHERE hash = ? AND used IS NULL AND expires > ? "
            "RETURNING email, next",
            (time.time(), digest(token), time.time()),
        ).fetchone()
    if row is None:
        raise BadRequest("this sign-in link is not valid any more: ask for a new one")
    return people.ensure(conn, row["email"]), row["next"]


@dataclass(frozen=True)
class Session:
    account: people.Account
    csrf: str


def new_session(conn: sqlite3.Connection, settings: Settings, account: people.Account) -> str:
    token = secrets.token_urlsafe(32)
    expires = time.time() + settings.session_days * 86400
    with transaction(conn):
        conn.execute("DELETE FROM sessions WHERE expires < ?", (time.time(),))
        conn.execute(
            "INSERT INTO sessions (hash, account, csrf, expires) VALUES (?, ?, ?, ?)",
            (digest(token), account.id, secrets.token_urlsafe(24), expires),
        )
    return token


def session(conn: sqlite3.Connection, token: str | None) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = conn.execute(
        "SELECT account, csrf FROM sessions WHERE hash = ? AND expires > ?",
        (digest(token), time.time()),
    ).fetchone()
    if row is None:
        return None
    return Session(people.get(conn, row["account"]), row["csrf"])


def end_session(conn: sqlite3.Connection, token: str | None) -> None:
    if token:
        with transaction(conn):
            conn.execute("DELETE FROM sessions WHERE hash = ?", (digest(token),))


def allow(conn: sqlite3.Connection, key: str, limit: int, seconds: float) -> bool:
    """Count one attempt under ``key`` (an address, a client): False, and nothing
    counted, when ``limit`` were made in the last ``seconds``. Kept in the database, so
    that it holds across server processes and restarts."""
    now = time.time()
    with transaction(conn):
        conn.execute("DELETE FROM hits WHERE key = ? AND at < ?", (key, now - seconds))
        made = conn.execute("SELECT COUNT(*) FROM hits WHERE key = ?", (key,)).fetchone()[0]
        if made >= limit:
            return False
        conn.execute("INSERT INTO hits (key, at) VALUES (?, ?)", (key, now))
    return True


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 for c in value) or len(value) > 500:
        raise BadRequest("the page to return to is not a path of this site")
    return value
