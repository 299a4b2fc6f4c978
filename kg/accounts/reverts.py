"""Reverting a change set (kg.views.history): a new change, through the same write path
as every edit, that removes what the change set added and restores what it removed
(into the revert's own graph). It is safe only while the graph still holds what the
change set added and lacks what it removed: a statement changed since is a conflict,
and nothing is written."""

from __future__ import annotations

from kg.errors import BadRequest
from kg.store import GraphStore
from kg.views.history import ChangeSet, Statement, holds


def conflicts(store: GraphStore, base: str, change: ChangeSet) -> list[tuple[str, Statement]]:
    """("added", st) for what it added and the graph no longer says; ("removed", st) for
    what it removed and the graph says again."""
    found = [("added", st) for st in change.added if not holds(store, base, st)]
    found += [("removed", st) for st in change.removed if holds(store, base, st)]
    return found


def update_text(change: ChangeSet) -> str:
    """The SPARQL Update that undoes ``change`` (terms serialised by pyoxigraph)."""
    if not change.added and not change.removed:
        raise BadRequest(f"change {change.number} changed no statement: nothing to revert")
    parts = []
    for st in change.added:
        t = st.triple
        parts.append(f"DELETE WHERE {{ GRAPH ?g {{ {t.subject} {t.predicate} {t.object} }} }}")
    if change.removed:
        removed = [st.triple for st in change.removed]
        body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in removed)
        parts.append(f"INSERT DATA {{\n{body}\n}}")
    return " ;\n".join(parts)
