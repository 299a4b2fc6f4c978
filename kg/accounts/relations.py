"""Relations between organisations that wait for the other side: when an owner states
that their organisation is a member or a partner of another (a property of the edit form
whose shape asks for an ``org:Organization``), the statement is not made at once; it is
proposed, and made once an owner of the other organisation, or a moderator, confirms it
(endpoint/accounts/relations.py). Pages show the proposed ones as such."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kg.accounts import people
from kg.accounts.db import transaction
from kg.errors import BadRequest, NotFound


@dataclass(frozen=True)
class Relation:
    id: int
    subject: str
    predicate: str
    object: str
    account: int | None
    status: str
    created: str


_SELECT = "SELECT id, subject, predicate, object, account, status, created FROM relations"


def _relation(row: sqlite3.Row) -> Relation:
    return Relation(*tuple(row))


def propose(
    conn: sqlite3.Connection, account: int, subject: str, predicate: str, obj: str
) -> Relation:
    """A pending relation (the same one pending already is given back, not doubled)."""
    found = conn.execute(
        f"{_SELECT} WHERE subject = ? AND predicate = ? AND object = ? AND status = 'pending'",
        (subject, predicate, obj),
    ).fetchone()
    if found is not None:
        return _relation(found)
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO relations (subject, predicate, object, account, status, created)"
            " VALUES (?, ?, ?, ?, 'pending', ?)",
            (subject, predicate, obj, account, people.now()),
        )
    return get(conn, int(cursor.lastrowid or 0))


def get(conn: sqlite3.Connection, relation_id: int) -> Relation:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (relation_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no proposed relation {relation_id}")
    return _relation(row)


def pending_about(conn: sqlite3.Connection, entity: str) -> list[Relation]:
    """The pending relations that start from or go to ``entity``, oldest first."""
    rows = conn.execute(
        f"{_SELECT} WHERE status = 'pending' AND (subject = ? OR object = ?) ORDER BY id",
        (entity, entity),
    ).fetchall()
    return [_relation(r) for r in rows]


def decide(conn: sqlite3.Connection, relation_id: int, account: int, status: str) -> Relation:
    """Record a decision on a pending relation (the caller made the statement first)."""
    if status not in ("confirmed", "declined"):
        raise BadRequest("the decision is confirmed or declined", parameter="decision")
    found = get(conn, relation_id)
    if found.status != "pending":
        raise BadRequest(f"relation {relation_id} was decided already")
    with transaction(conn):
        conn.execute(
            "UPDATE relations SET status = ?, decided = ?, decided_by = ? WHERE id = ?",
            (status, people.now(), account, relation_id),
        )
    return get(conn, relation_id)
