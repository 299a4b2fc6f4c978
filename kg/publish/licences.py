"""Which licence covers which named graph, read from what the sources state, for the VoID
description and the DCAT-AP catalogue (one answer for both).

A graph's licences are those its sources state (``<graph> dct:source ?d . ?d dct:license
?l``: the importers state each open dataset's licence); a graph whose sources state none
(the ontology, the shapes, the text curated from documents, the figures the build computes)
is the project's own work, under the project's licence. Licences are named by their IRI in
the EU licence table (``…/authority/licence/CC_BY_4_0``) where the MQA licence list
(``data/reference/mqa/licenses.csv``) maps the IRI a source gives onto one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions

from kg.errors import StoreError
from kg.namespaces import DCT, EU_AUTHORITY
from kg.store import GraphStore

#: the licence of what the project itself writes (ontology, shapes, curation, figures)
PROJECT_LICENCE = EU_AUTHORITY + "licence/CC_BY_4_0"
#: the licence table's own file: licence page, code, table IRI (one row a licence)
LICENCE_TABLE = Path("data/reference/mqa/licenses.csv")

#: every graph's sources with the licence, rights and publisher each states
GRAPH_SOURCE_LICENCES = """
SELECT ?g ?d ?licence ?rights ?publisher WHERE {
  GRAPH ?g { ?g dct:source ?d }
  OPTIONAL { ?d dct:license ?licence }
  OPTIONAL { ?d dct:rights ?rights }
  OPTIONAL { ?d dct:publisher ?publisher }
}
"""


@dataclass
class GraphLicence:
    """What covers one graph: its licences (table IRIs), the rights statements its sources
    give in words, and who holds the rights (names, in the sources' words)."""

    licences: list[str] = field(default_factory=list)
    rights: list[Literal] = field(default_factory=list)
    holders: list[str] = field(default_factory=list)

    def statements(self) -> list[tuple[str, NamedNode | Literal]]:
        """(predicate, value) of the licences and rights statements, for VoID."""
        out: list[tuple[str, NamedNode | Literal]] = [
            (DCT + "license", NamedNode(lic)) for lic in self.licences
        ]
        return out + [(DCT + "rights", text) for text in self.rights]


#: what a description of the whole graph says of its licences
WHOLE_RIGHTS = (
    "Each named graph is under the licence of its source, which its own description names; "
    "the whole graph is under all of them."
)


def every_licence(entries: Iterable[GraphLicence]) -> list[str]:
    """Every licence of any graph, sorted: those the whole graph is under."""
    return sorted({lic for entry in entries for lic in entry.licences})


def licence_table(root: Path) -> dict[str, tuple[str, str]]:
    """Table IRI -> (code, licence page), and each licence page -> the same, so that either
    form a source uses is found."""
    out: dict[str, tuple[str, str]] = {}
    with open(root / LICENCE_TABLE, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 3 and row[2].startswith(EU_AUTHORITY):
                out[row[2]] = (row[1], row[0])
                out.setdefault(row[0], (row[1], row[0]))
                out.setdefault(row[0].rstrip("/") + "/", (row[1], row[0]))
                out.setdefault(row[0].replace("http://", "https://", 1), (row[1], row[0]))
    return out


def table_iri(iri: str, table: dict[str, tuple[str, str]]) -> str:
    """The EU licence table's IRI for ``iri`` (itself when the table does not list it)."""
    found = table.get(iri) or table.get(iri.rstrip("/") + "/")
    return EU_AUTHORITY + "licence/" + found[0] if found else iri


def graph_licences(
    store: GraphStore, graphs: list[str], table: dict[str, tuple[str, str]]
) -> dict[str, GraphLicence]:
    """Each of ``graphs`` with what covers it (one query over the graphs' sources)."""
    rows = store.query(GRAPH_SOURCE_LICENCES, prefixes={"dct": DCT})
    if not isinstance(rows, QuerySolutions):
        raise StoreError("the store answered a SELECT query without solutions")
    found: dict[str, GraphLicence] = {g: GraphLicence() for g in graphs}
    for row in rows:
        entry = found.get(row["g"].value)
        if entry is None:
            continue
        licence, rights, publisher = row["licence"], row["rights"], row["publisher"]
        if isinstance(licence, NamedNode):
            iri = table_iri(licence.value, table)
            if iri not in entry.licences:
                entry.licences.append(iri)
        if isinstance(rights, Literal) and rights not in entry.rights:
            entry.rights.append(rights)
        stated = isinstance(publisher, Literal) and licence is not None
        if stated and publisher.value not in entry.holders:
            entry.holders.append(publisher.value)
    for entry in found.values():
        entry.licences.sort()
        entry.holders.sort()
        entry.rights.sort(key=lambda lit: (lit.language or "", lit.value))
        if not entry.licences:
            entry.licences.append(PROJECT_LICENCE)
    return found


def one_licence(licences: list[str]) -> str | None:
    """The one licence a file holding all of ``licences`` can be given: CC0 waives every
    right, so it adds no condition to another licence; two licences that both impose
    conditions have no single one (None)."""
    conditions = [lic for lic in licences if lic != EU_AUTHORITY + "licence/CC0"]
    if not conditions:
        return licences[0] if licences else None
    return conditions[0] if len(conditions) == 1 else None
