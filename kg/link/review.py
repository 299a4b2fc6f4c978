"""The review file of proposed links (CSV, one proposal a row) and the links graph made
from its accepted rows.

A reviewer writes ``accept`` or ``reject`` in the ``decision`` column and their name in
``reviewer``; an empty decision is a proposal still waiting. Proposing again keeps every
decision and adds the new proposals; only accepted rows become ``owl:sameAs`` statements,
each described (an ``rdf:Statement``) with the endpoint asked, the date, the evidence and
who accepted it."""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

from kg.errors import ReviewFileError
from kg.link.wikidata import Proposal

DECISIONS = ("", "accept", "reject")
#: who accepted a row that ``--accept-identifiers`` accepted
AUTO = "auto (unique identifier match)"
ITEM = re.compile(r"^http://www\.wikidata\.org/entity/Q[0-9]+$")


@dataclass
class Row:
    """One proposal as the review file holds it (the column order is the file's)."""

    decision: str
    reviewer: str
    entity: str
    kind: str
    label: str
    wikidata: str
    wikidata_label: str
    matched_by: str
    evidence: str
    score: str
    ambiguous: str
    statement: str
    endpoint: str
    retrieved: str
    note: str = ""
    #: when the decision was taken (ISO date), filled in by the apply step when empty
    decided: str = ""
    #: the line of the file it was read from (not a column)
    line: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.entity, self.wikidata)


COLUMNS = [f.name for f in fields(Row) if f.name != "line"]
#: columns a review file may lack (added after the first files were written)
OPTIONAL = ("note", "decided")


def from_proposal(p: Proposal, endpoint: str, day: date, accept: bool) -> Row:
    return Row(
        decision="accept" if accept else "",
        reviewer=AUTO if accept else "",
        entity=p.entity,
        kind=p.kind,
        label=p.label,
        wikidata=p.item,
        wikidata_label=p.item_label,
        matched_by=p.matched_by,
        evidence=p.evidence,
        score=f"{p.score:.2f}",
        ambiguous="yes" if p.ambiguous else "no",
        statement=p.statement if p.statement != p.item else "",
        endpoint=endpoint,
        retrieved=day.isoformat(),
        decided=day.isoformat() if accept else "",
    )


def read(path: Path, label: str) -> list[Row]:
    """The rows of the review file (none when it does not exist), each checked: a bad row
    is an error naming the file and line, and nothing is applied."""
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or []) and c not in OPTIONAL]
        if missing:
            raise ReviewFileError(label, 1, f"missing columns: {', '.join(missing)}")
        for values in reader:
            line = reader.line_num
            row = Row(**{c: (values.get(c) or "").strip() for c in COLUMNS}, line=line)
            row.decision = row.decision.lower()
            _check(row, label)
            rows.append(row)
    return rows


def _check(row: Row, label: str) -> None:
    def fail(message: str) -> None:
        raise ReviewFileError(label, row.line, message)

    if row.decision not in DECISIONS:
        fail(f"decision {row.decision!r}: write accept, reject, or leave it empty")
    if not ITEM.match(row.wikidata):
        fail(
            f"wikidata {row.wikidata!r} is not a Wikidata item IRI (http://www.wikidata.org/entity/Q…)"
        )
    if not row.entity.startswith(("http://", "https://")):
        fail(f"entity {row.entity!r} is not an IRI")
    if row.decided and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", row.decided):
        fail(f"decided {row.decided!r} is not a date (YYYY-MM-DD)")
    if row.decision == "accept" and not row.reviewer:
        fail("an accepted link names its reviewer (column reviewer)")
    if row.decision == "accept" and row.reviewer == AUTO and row.ambiguous != "no":
        fail("an ambiguous proposal is accepted only by a named reviewer, never automatically")
    if (
        row.decision == "accept"
        and row.reviewer == AUTO
        and row.matched_by not in ("P1567", "P3376")
    ):
        fail("only identifier matches (P1567, P3376) are accepted automatically")


def merge(existing: list[Row], proposed: list[Row]) -> tuple[list[Row], int]:
    """Existing rows keep their decision (a waiting one takes the fresh evidence); new
    proposals are added after them. Returns the rows and how many are new."""
    by_key = {r.key: r for r in existing}
    added = 0
    for new in proposed:
        old = by_key.get(new.key)
        if old is None:
            existing.append(new)
            by_key[new.key] = new
            added += 1
        elif not old.decision:
            new.note = old.note
            existing[existing.index(old)] = new
            by_key[new.key] = new
    return existing, added


def write(path: Path, rows: list[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: v for k, v in asdict(r).items() if k in COLUMNS})
    tmp.replace(path)


def date_decisions(rows: list[Row], day: date) -> bool:
    """Date the decisions taken since the last run; whether any row changed."""
    changed = False
    for r in rows:
        if r.decision and not r.decided:
            r.decided, changed = day.isoformat(), True
        elif not r.decision and r.decided:  # a decision taken back
            r.decided, changed = "", True
    return changed


def accepted(rows: list[Row], label: str) -> list[Row]:
    """The accepted rows; one item per entity and one entity per item, else an error (a
    sameAs between two of our entities would merge them)."""
    chosen = [r for r in rows if r.decision == "accept"]
    seen_entity: dict[str, Row] = {}
    seen_item: dict[str, Row] = {}
    for r in chosen:
        for seen, key, what in ((seen_entity, r.entity, "entity"), (seen_item, r.wikidata, "item")):
            other = seen.get(key)
            if other is not None and other.key != r.key:
                raise ReviewFileError(
                    label,
                    r.line,
                    f"this {what} is also accepted on line {other.line}: "
                    "accept one item per entity, one entity per item",
                )
            seen[key] = r
    return chosen
