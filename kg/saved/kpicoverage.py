"""How much of the data a KPI rests on: of the organisations, how many have the field it
counts (``# coverage: FIELD`` in the query's header). A figure over a field nobody has is
not recorded, not zero: the dashboard says so instead of showing 0
(docs/kpi.md, "Coverage").
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from pyoxigraph import QuerySolutions

from kg.namespaces import all_prefixes
from kg.store import GraphStore

#: field -> the pattern an organisation ?o matches when it has the field (per ?subject
#: when the KPI's rows are split by it: the matrix's sectors, whose services are recorded)
FIELDS: dict[str, str] = {
    "kind": "?o a ?kind . ?kind rdfs:subClassOf org:Organization "
    "FILTER(?kind != cci:OrganisationOfUnstatedKind && STRSTARTS(STR(?kind), STR(cci:)))",
    "sector": "?o cci:sector ?subject",
    "municipality": "?o cci:municipality|locn:address/cci:municipality ?subject",
    "audience": "?o cci:catersFor ?subject",
    # the services of the organisations of each sector
    "sector-service": "?o cci:sector ?subject ; cci:offersService ?service",
}

#: fields split by ?subject (the count per subject is kept)
BY_SUBJECT = {"sector", "municipality", "audience", "sector-service"}

TOTAL = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization }"


@dataclass(frozen=True)
class Coverage:
    """Of ``total`` organisations, ``covered`` have ``field``; ``by_subject``: how many
    per subject (a sector, a municipality) for the fields split by one."""

    field: str
    covered: int
    total: int
    by_subject: dict[str, int] = default(default_factory=dict)

    @property
    def recorded(self) -> bool:
        """Whether any organisation has the field (else the KPI's figures are not
        recorded, rather than zero)."""
        return self.covered > 0

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 0.0


def _count(store: GraphStore, base: str, sparql: str) -> int:
    rows = store.query(sparql, prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        term = row["n"]
        return int(term.value) if term is not None else 0
    return 0


def coverage(store: GraphStore, base: str, name: str) -> Coverage:
    """The coverage of the field ``name`` (a key of FIELDS) in ``store``."""
    pattern = FIELDS[name]
    total = _count(store, base, TOTAL)
    covered = _count(
        store,
        base,
        f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a org:Organization . {pattern} }}",
    )
    by_subject: dict[str, int] = {}
    if name in BY_SUBJECT:
        rows = store.query(
            "SELECT ?subject (COUNT(DISTINCT ?o) AS ?n) WHERE "
            f"{{ ?o a org:Organization . {pattern} }} GROUP BY ?subject",
            prefixes=all_prefixes(base),
        )
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            subject, n = row["subject"], row["n"]
            if subject is not None and n is not None:
                by_subject[subject.value] = int(n.value)
    return Coverage(name, covered, total, by_subject)
