"""Accounts and their roles. Everyone signed in is a contributor; owners are those with a
verified claim (kg.accounts.claims); moderators and administrators are given their role
here (``kg users``). An administrator can do all a moderator can."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from kg.accounts.db import transaction
from kg.errors import BadRequest, NotFound

ROLES = ("moderator", "administrator")
#: an address as forms accept it: something@domain.tld, no spaces, no angle brackets
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    roles: frozenset[str]

    @property
    def moderator(self) -> bool:
        return bool(self.roles & set(ROLES))

    @property
    def administrator(self) -> bool:
        return "administrator" in self.roles

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1].lower()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalise_email(value: str) -> str:
    """The address as kept (domain in lower case), or BadRequest saying what is wrong."""
    value = value.strip()
    if not EMAIL.match(value):
        raise BadRequest(f"{value[:80]!r} is not an e-mail address", parameter="email")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _account(conn: sqlite3.Connection, row: sqlite3.Row) -> Account:
    roles = {
        r["role"] for r in conn.execute("SELECT role FROM roles WHERE account = ?", (row["id"],))
    }
    return Account(row["id"], row["email"], row["name"], frozenset(roles))


def get(conn: sqlite3.Connection, account_id: int) -> Account:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no account {account_id}")
    return _account(conn, row)


def by_email(conn: sqlite3.Connection, email: str) -> Account | None:
    row = conn.execute("SELECT * FROM accounts WHERE email = ?", (email,)).fetchone()
    return None if row is None else _account(conn, row)


def ensure(conn: sqlite3.Connection, email: str) -> Account:
    """The account of ``email``, made when it signs in (or is invited) the first time."""
    email = normalise_email(email)
    with transaction(conn):
        conn.execute(
            "INSERT INTO accounts (email, created) VALUES (?, ?) ON CONFLICT (email) DO NOTHING",
            (email, now()),
        )
    found = by_email(conn, email)
    assert found is not None
    return found


def everyone(conn: sqlite3.Connection) -> list[Account]:
    rows = conn.execute("SELECT * FROM accounts ORDER BY email").fetchall()
    return [_account(conn, row) for row in rows]


def _role(role: str) -> str:
    if role not in ROLES:
        raise BadRequest(f"the role is one of {', '.join(ROLES)}, not {role!r}")
    return role


def add_role(conn: sqlite3.Connection, email: str, role: str) -> Account:
    account = ensure(conn, email)
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO roles (account, role) VALUES (?, ?)", (account.id, _role(role))
        )
    return get(conn, account.id)


def remove_role(conn: sqlite3.Connection, email: str, role: str) -> Account:
    account = by_email(conn, normalise_email(email))
    if account is None:
        raise NotFound(f"there is no account for {email}")
    with transaction(conn):
        conn.execute("DELETE FROM roles WHERE account = ? AND role = ?", (account.id, _role(role)))
    return get(conn, account.id)


def erase(conn: sqlite3.Connection, email: str) -> Account | None:
    """Erase an account on request: the account, its sessions, roles, claims and
    reminders (the foreign keys cascade), its sign-in links, and its address on the
    proposals it sent (which stay, unsigned, for the moderators' record). The change log
    names accounts by number only: it keeps "account N" as the tombstone."""
    account = by_email(conn, email)
    with transaction(conn):
        conn.execute("DELETE FROM signin_links WHERE email = ?", (email,))
        conn.execute("UPDATE proposals SET email = '' WHERE email = ? COLLATE NOCASE", (email,))
        if account is not None:
            conn.execute("UPDATE proposals SET account = NULL WHERE account = ?", (account.id,))
            for table in ("claims", "proposals"):  # what a moderator decided stays decided
                conn.execute(
                    f"UPDATE {table} SET decided_by = NULL WHERE decided_by = ?", (account.id,)
                )
            conn.execute("DELETE FROM accounts WHERE id = ?", (account.id,))
    return account
