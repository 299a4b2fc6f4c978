"""The state database: SQLite in WAL mode (readers never wait for the one writer), its
schema brought up to date by numbered migrations recorded in ``PRAGMA user_version``.
A connection is opened per use: nothing is kept between requests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import StoreError
from kg.settings import Settings

FILE = "state.sqlite"

#: migration n brings the schema from version n to n + 1; never edit one that shipped
MIGRATIONS: list[str] = [
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        public INTEGER NOT NULL DEFAULT 0,   -- the owner agreed to show the name
        created TEXT NOT NULL
    );
    CREATE TABLE roles (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('moderator', 'administrator')),
        PRIMARY KEY (account, role)
    );
    CREATE TABLE signin_links (
        hash TEXT PRIMARY KEY,               -- sha256 of the token: the token is never kept
        email TEXT NOT NULL COLLATE NOCASE,
        next TEXT NOT NULL DEFAULT '/',
        expires REAL NOT NULL,
        used REAL
    );
    CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires REAL NOT NULL
    );
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        entity TEXT NOT NULL,
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected', 'revoked')),
        method TEXT NOT NULL CHECK (method IN ('domain', 'evidence', 'invitation')),
        evidence TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        decided TEXT,
        decided_by INTEGER REFERENCES accounts(id),
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX claims_entity ON claims (entity, status);
    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('correction', 'organisation')),
        entity TEXT NOT NULL,
        account INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
        email TEXT NOT NULL DEFAULT '',      -- to answer an anonymous proposer, if given
        body TEXT NOT NULL,                  -- JSON: what is proposed (kg.accounts.proposals)
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
        created TEXT NOT NULL,
        decided TEXT,
        decided_by INTEGER REFERENCES accounts(id),
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX proposals_status ON proposals (status, id);
    CREATE TABLE hits (
        key TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX hits_key ON hits (key, at);
    """,
    """
    CREATE TABLE reminders (                 -- kg remind: who was mailed about what, when
        entity TEXT NOT NULL,
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sent TEXT NOT NULL
    );
    CREATE INDEX reminders_entity ON reminders (entity, account, sent);
    """,
    """
    CREATE TABLE relations (                 -- kg.accounts.relations: awaiting the other side
        id INTEGER PRIMARY KEY,
        subject TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object TEXT NOT NULL,
        account INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'declined')),
        created TEXT NOT NULL,
        decided TEXT,
        decided_by INTEGER REFERENCES accounts(id) ON DELETE SET NULL
    );
    CREATE INDEX relations_object ON relations (object, status);
    CREATE INDEX relations_subject ON relations (subject, status);
    """,
]


def path(settings: Settings) -> Path:
    return settings.state / FILE


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the state database {FILE} is at schema version {version}, newer than this "
            f"software's {len(MIGRATIONS)}: run the newer version"
        )
    for number in range(version, len(MIGRATIONS)):
        # one transaction per migration, the version bumped with it
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};\nCOMMIT;"
        )


def open_db(settings: Settings) -> sqlite3.Connection:
    """A connection to the state database, created and migrated when needed."""
    folder = settings.state
    try:
        folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path(settings), timeout=10.0, isolation_level=None)
    except (OSError, sqlite3.Error) as err:
        raise StoreError(f"cannot open the state database in {folder}: {err}") from err
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # an acknowledged claim survives a power cut
    conn.execute("PRAGMA foreign_keys = ON")
    _migrate(conn)
    return conn


@contextmanager
def connected(settings: Settings) -> Iterator[sqlite3.Connection]:
    conn = open_db(settings)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (taken at once, so that two writers never deadlock)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
