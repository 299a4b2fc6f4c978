"""Triples put in the order Turtle writes best, for the descriptions the build writes
(VoID, the DCAT-AP catalogue)."""

from __future__ import annotations

from pyoxigraph import Triple


def by_subject(triples: list[Triple]) -> list[Triple]:
    """Each subject's triples together (in order of first mention), so that Turtle states
    each subject once), a triple stated twice once."""
    groups: dict[str, dict[Triple, None]] = {}
    for t in triples:
        groups.setdefault(str(t.subject), {})[t] = None
    return [t for group in groups.values() for t in group]
