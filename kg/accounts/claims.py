"""Claims of organisations ("this is my organisation") and their owners.

A claim is verified at once when the claimant's address is on the organisation's own web
domain (its ``foaf:homepage`` or ``schema:url`` in the graph); otherwise it waits for a
moderator with the evidence the claimant gave. An organisation may have several owners;
an owner may invite a co-owner (verified at once: an owner vouches); a moderator may
revoke any claim. Claims are kept in the state database, never in the graph: who owns an
entry is personal data."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyoxigraph import NamedNode, QuerySolutions

from kg.accounts import people
from kg.accounts.db import transaction
from kg.errors import BadRequest, Conflict, Forbidden, NotFound
from kg.namespaces import FOAF, ORG, SCHEMA
from kg.store import GraphStore

ORGANISATION = f"""SELECT ?org ?home WHERE {{
  ?org a <{ORG}Organization> .
  OPTIONAL {{ ?org <{FOAF}homepage>|<{SCHEMA}url> ?home }}
}}"""


@dataclass(frozen=True)
class Claim:
    id: int
    entity: str
    account: int
    email: str
    status: str
    method: str
    evidence: str
    created: str
    decided: str | None
    reason: str


def web_domains(store: GraphStore, entity: str) -> list[str]:
    """The hosts of the organisation's own web addresses (``www.`` taken off); NotFound
    when ``entity`` is no organisation of the graph."""
    rows = store.query(ORGANISATION, {"org": NamedNode(entity)})
    assert isinstance(rows, QuerySolutions)
    found, hosts = False, []
    for row in rows:
        found = True
        home = row["home"]
        if home is not None:
            host = (urlsplit(home.value).hostname or "").lower()
            host = host.removeprefix("www.")
            if host and host not in hosts:
                hosts.append(host)
    if not found:
        raise NotFound(f"there is no organisation {entity}")
    return hosts


def domain_matches(email_domain: str, hosts: list[str]) -> bool:
    """Whether the address is on one of the web domains: the same host, or a sub-domain
    of it (``press.example.org`` is on ``example.org``), never a parent domain."""
    email_domain = email_domain.lower()
    return any(email_domain == h or email_domain.endswith("." + h) for h in hosts)


def _claim(row: sqlite3.Row) -> Claim:
    return Claim(
        row["id"],
        row["entity"],
        row["account"],
        row["email"],
        row["status"],
        row["method"],
        row["evidence"],
        row["created"],
        row["decided"],
        row["reason"],
    )


_SELECT = (
    "SELECT claims.*, accounts.email FROM claims JOIN accounts ON accounts.id = claims.account"
)


def of_entity(conn: sqlite3.Connection, entity: str) -> list[Claim]:
    rows = conn.execute(f"{_SELECT} WHERE entity = ? ORDER BY claims.id", (entity,)).fetchall()
    return [_claim(r) for r in rows]


def of_account(conn: sqlite3.Connection, account: int) -> list[Claim]:
    rows = conn.execute(f"{_SELECT} WHERE account = ? ORDER BY claims.id", (account,)).fetchall()
    return [_claim(r) for r in rows]


def pending(conn: sqlite3.Connection) -> list[Claim]:
    rows = conn.execute(f"{_SELECT} WHERE status = 'pending' ORDER BY claims.id").fetchall()
    return [_claim(r) for r in rows]


def verified(conn: sqlite3.Connection) -> list[Claim]:
    rows = conn.execute(f"{_SELECT} WHERE status = 'verified' ORDER BY entity, claims.id")
    return [_claim(r) for r in rows.fetchall()]


def get(conn: sqlite3.Connection, claim_id: int) -> Claim:
    row = conn.execute(f"{_SELECT} WHERE claims.id = ?", (claim_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no claim {claim_id}")
    return _claim(row)


def is_owner(conn: sqlite3.Connection, account: int, entity: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM claims WHERE account = ? AND entity = ? AND status = 'verified'",
        (account, entity),
    ).fetchone()
    return row is not None


def make(
    conn: sqlite3.Connection,
    store: GraphStore,
    account: people.Account,
    entity: str,
    evidence: str,
) -> Claim:
    """The account claims the organisation: verified when its address is on the
    organisation's web domain, else pending with ``evidence`` (which is then needed)."""
    hosts = web_domains(store, entity)
    for claim in of_entity(conn, entity):
        if claim.account == account.id and claim.status in ("pending", "verified"):
            raise Conflict(f"you have claimed this organisation already ({claim.status})")
    verified = domain_matches(account.domain, hosts)
    evidence = evidence.strip()[:4000]
    if not verified and not evidence:
        raise BadRequest(
            "your address is not on the organisation's web domain: say how you are part of "
            "it (your role, a page that names you) for a moderator to check",
            parameter="evidence",
        )
    status, method = ("verified", "domain") if verified else ("pending", "evidence")
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO claims (entity, account, status, method, evidence, created, decided) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entity,
                account.id,
                status,
                method,
                evidence,
                people.now(),
                people.now() if verified else None,
            ),
        )
    assert cur.lastrowid is not None
    return get(conn, cur.lastrowid)


def invite(
    conn: sqlite3.Connection, owner: people.Account, entity: str, email: str
) -> tuple[people.Account, Claim]:
    """An owner makes another address a co-owner of the same organisation."""
    if not is_owner(conn, owner.id, entity):
        raise Forbidden("only an owner of this organisation can invite a co-owner")
    invited = people.ensure(conn, email)
    if is_owner(conn, invited.id, entity):
        raise Conflict(f"{invited.email} is an owner of this organisation already")
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO claims (entity, account, status, method, evidence, created, decided, "
            "decided_by) VALUES (?, ?, 'verified', 'invitation', ?, ?, ?, ?)",
            (entity, invited.id, f"invited by {owner.email}", people.now(), people.now(), owner.id),
        )
    assert cur.lastrowid is not None
    return invited, get(conn, cur.lastrowid)


def decide(
    conn: sqlite3.Connection, moderator: people.Account, claim_id: int, status: str, reason: str
) -> Claim:
    """A moderator verifies or rejects a pending claim, or revokes a verified one."""
    if not moderator.moderator:
        raise Forbidden("only a moderator can decide on claims")
    claim = get(conn, claim_id)
    allowed = {"verified": ("pending",), "rejected": ("pending",), "revoked": ("verified",)}
    if status not in allowed:
        raise BadRequest("a claim is verified, rejected or revoked", parameter="decision")
    if claim.status not in allowed[status]:
        raise Conflict(f"claim {claim_id} is {claim.status}: it cannot be {status} now")
    with transaction(conn):
        conn.execute(
            "UPDATE claims SET status = ?, decided = ?, decided_by = ?, reason = ? WHERE id = ?",
            (status, people.now(), moderator.id, reason.strip()[:2000], claim_id),
        )
    return get(conn, claim_id)
