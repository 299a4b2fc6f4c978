"""Every curated or imported graph cites where its statements come from."""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import NamedNode, QuerySolutions

from kg.build.report import Issue
from kg.namespaces import DCT_SOURCE
from kg.store import GraphStore

#: The graph describes itself: ``<> dct:source doc:…`` in the file.
CITED = f"""
SELECT ?g ?source WHERE {{
  GRAPH ?g {{ ?g <{DCT_SOURCE}> ?source }}
}}
"""


def check_sources_cited(store: GraphStore, graphs: Mapping[str, str]) -> list[Issue]:
    """``graphs``: graph IRI -> file label, for the graphs that must cite a source."""
    issues = []
    for graph, label in graphs.items():
        rows = store.query(CITED, {"g": NamedNode(graph)})
        assert isinstance(rows, QuerySolutions)
        if next(iter(rows), None) is None:
            issues.append(
                Issue(
                    file=label,
                    entity=f"<{graph}>",
                    property=f"<{DCT_SOURCE}>",
                    message=(
                        "the file does not say where its statements come from: add "
                        "`<> dct:source doc:…` naming its source document or dataset"
                    ),
                    check="provenance",
                )
            )
    return issues
