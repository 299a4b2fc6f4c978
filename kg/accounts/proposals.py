"""The moderation queue: corrections suggested by anyone and organisations added by
contributors. A proposal is kept as what it changes (a property, a language, a new
value); the moderator sees it beside what the graph says now, and an accepted proposal
becomes a change of the change log (kg.build.changes), validated and applied by the
same path as an authorised SPARQL Update. Values enter the update as RDF terms
serialised by pyoxigraph, never as pasted text."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions

from kg.accounts import people
from kg.accounts.db import transaction
from kg.errors import BadRequest, Conflict, Forbidden, NotFound
from kg.labels import languages
from kg.namespaces import DCT, FOAF, ORG, SKOS
from kg.store import GraphStore

#: what a correction may change: form name -> (property, kind: "text" per language or "iri")
EDITABLE: dict[str, tuple[str, str]] = {
    "name": (SKOS + "prefLabel", "text"),
    "description": (DCT + "description", "text"),
    "homepage": (FOAF + "homepage", "iri"),
}
WEB = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


@dataclass(frozen=True)
class Proposal:
    id: int
    kind: str
    entity: str
    account: int | None
    email: str
    body: dict[str, Any] = field(hash=False)
    status: str
    created: str
    decided: str | None
    reason: str


def _row(row: sqlite3.Row) -> Proposal:
    return Proposal(
        row["id"],
        row["kind"],
        row["entity"],
        row["account"],
        row["email"],
        json.loads(row["body"]),
        row["status"],
        row["created"],
        row["decided"],
        row["reason"],
    )


def get(conn: sqlite3.Connection, proposal_id: int) -> Proposal:
    row = conn.execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
    if row is None:
        raise NotFound(f"there is no proposal {proposal_id}")
    return _row(row)


def pending(conn: sqlite3.Connection) -> list[Proposal]:
    rows = conn.execute("SELECT * FROM proposals WHERE status = 'pending' ORDER BY id")
    return [_row(r) for r in rows.fetchall()]


def check_value(name: str, lang: str, value: str) -> tuple[str, str, str]:
    """(property, language, value) of a correction, or BadRequest naming the field."""
    if name not in EDITABLE:
        raise BadRequest(f"{name!r} cannot be corrected here", parameter="property")
    prop, kind = EDITABLE[name]
    value = value.strip()
    if not value or len(value) > 4000:
        raise BadRequest("give the new value (at most 4000 characters)", parameter="value")
    if kind == "iri":
        if not WEB.match(value):
            raise BadRequest("a web address starts with http:// or https://", parameter="value")
        return prop, "", value
    if lang not in languages():
        raise BadRequest(f"the language is one of {', '.join(languages())}", parameter="lang")
    return prop, lang, value


def _insert(
    conn: sqlite3.Connection,
    kind: str,
    entity: str,
    account: int | None,
    email: str,
    body: dict[str, Any],
) -> Proposal:
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO proposals (kind, entity, account, email, body, status, created) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            (kind, entity, account, email, json.dumps(body, ensure_ascii=False), people.now()),
        )
    assert cur.lastrowid is not None
    return get(conn, cur.lastrowid)


def suggest(
    conn: sqlite3.Connection,
    entity: str,
    account: people.Account | None,
    email: str,
    name: str,
    lang: str,
    value: str,
    comment: str,
) -> Proposal:
    """A correction of one value of an entity, into the queue."""
    check_value(name, lang, value)
    body = {"property": name, "lang": lang, "value": value.strip(), "comment": comment[:2000]}
    return _insert(conn, "correction", entity, account.id if account else None, email, body)


def slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "organisation"


def new_iri(store: GraphStore, base: str, name: str) -> str:
    """An IRI for a new organisation that nothing in the graph uses yet."""
    stem = f"{base}id/organisation/{slugify(name)}"
    for n in range(1, 1000):
        iri = stem if n == 1 else f"{stem}-{n}"
        rows = store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", {"s": NamedNode(iri)})
        assert isinstance(rows, QuerySolutions)
        if not list(rows):
            return iri
    raise Conflict("too many organisations of that name")


def add_organisation(
    conn: sqlite3.Connection,
    store: GraphStore,
    base: str,
    account: people.Account,
    names: dict[str, str],
    homepage: str,
    descriptions: dict[str, str],
) -> Proposal:
    names = {lang: v.strip() for lang, v in names.items() if lang in languages() and v.strip()}
    descriptions = {k: v.strip() for k, v in descriptions.items() if k in languages() and v.strip()}
    if not names:
        raise BadRequest("give the organisation's name in at least one language", parameter="name")
    if homepage and not WEB.match(homepage.strip()):
        raise BadRequest("a web address starts with http:// or https://", parameter="homepage")
    first = next(iter(names.values()))
    body = {"names": names, "descriptions": descriptions, "homepage": homepage.strip()}
    return _insert(conn, "organisation", new_iri(store, base, first), account.id, "", body)


def current(store: GraphStore, proposal: Proposal) -> list[str]:
    """What the graph says now of the value a correction changes (the diff's old side)."""
    if proposal.kind != "correction":
        return []
    prop, kind = EDITABLE[proposal.body["property"]]
    rows = store.query(
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
        {"s": NamedNode(proposal.entity), "p": NamedNode(prop)},
    )
    assert isinstance(rows, QuerySolutions)
    found = []
    for row in rows:
        o = row["o"]
        if kind == "text" and (not isinstance(o, Literal) or o.language != proposal.body["lang"]):
            continue
        found.append(o.value)
    return found


def update_text(proposal: Proposal, base: str) -> str:
    """The SPARQL Update an accepted proposal becomes (terms serialised, not pasted)."""
    s = NamedNode(proposal.entity)
    b = proposal.body
    if proposal.kind == "correction":
        prop, lang, value = check_value(b["property"], b["lang"], b["value"])
        p = NamedNode(prop)
        new = NamedNode(value) if not lang else Literal(value, language=lang)
        same_lang = f'FILTER (lang(?old) = "{lang}")' if lang else ""  # lang: one of languages()
        return (
            f"DELETE {{ GRAPH ?g {{ {s} {p} ?old }} }} WHERE {{ GRAPH ?g {{ {s} {p} ?old "
            f"{same_lang} }} }} ;\nINSERT DATA {{ {s} {p} {new} }}"
        )
    cci = base + "ontology#"
    triples = [
        f"{s} a {NamedNode(ORG + 'Organization')}, {NamedNode(FOAF + 'Agent')}, "
        f"{NamedNode(cci + 'OrganisationOfUnstatedKind')} ."
    ]
    for lang, name in b["names"].items():
        triples.append(f"{s} {NamedNode(SKOS + 'prefLabel')} {Literal(name, language=lang)} .")
    for lang, text in b["descriptions"].items():
        triples.append(f"{s} {NamedNode(DCT + 'description')} {Literal(text, language=lang)} .")
    if b["homepage"]:
        triples.append(f"{s} {NamedNode(FOAF + 'homepage')} {NamedNode(b['homepage'])} .")
    return "INSERT DATA {\n" + "\n".join(triples) + "\n}"


def decide(
    conn: sqlite3.Connection,
    moderator: people.Account | None,
    proposal_id: int,
    status: str,
    reason: str,
) -> Proposal:
    """Record a decision (the caller applied an accepted proposal first). ``moderator``
    None: accepted because the adder's address is on the new organisation's domain."""
    if moderator is not None and not moderator.moderator:
        raise Forbidden("only a moderator can decide on proposals")
    if status not in ("accepted", "rejected"):
        raise BadRequest("a proposal is accepted or rejected", parameter="decision")
    with transaction(conn):
        done = conn.execute(
            "UPDATE proposals SET status = ?, decided = ?, decided_by = ?, reason = ? "
            "WHERE id = ? AND status = 'pending' RETURNING id",
            (
                status,
                people.now(),
                moderator.id if moderator else None,
                reason.strip()[:2000],
                proposal_id,
            ),
        ).fetchone()
    if done is None:
        raise Conflict(f"proposal {proposal_id} was decided already")
    return get(conn, proposal_id)


def recipient(conn: sqlite3.Connection, proposal: Proposal) -> str | None:
    """Whom to tell of the decision: the proposer's account, else the address given."""
    if proposal.account is not None:
        return people.get(conn, proposal.account).email
    return proposal.email or None
