"""The SHACL-SPARQL constraints the build runs in Oxigraph (kg/shapesparql.py) report
exactly what the compiled validator reports when it runs them itself, on every shape
example; shapes whose targets are not handled stay with the compiled validator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.build import shapesparql
from kg.build.validation import run_shacl, validate_file
from tests.test_shapes import ALL, example_id, shapes_nt, to_ntriples

BLANK = re.compile(r"_:[\w.-]+|\b\d+:b\d+\b")


def key(issue: object) -> tuple[object, ...]:
    """An issue's fields, with blank-node labels (which each run numbers its own
    way, and the split shapes graph has fewer blank nodes) made one."""
    return tuple(
        BLANK.sub("_:b", str(getattr(issue, f)))
        for f in ("entity", "property", "check", "message", "value", "shape")
    )


def test_every_node_shape_sparql_constraint_is_moved() -> None:
    core, moved = shapesparql.split(shapes_nt())
    assert len(moved) >= 7
    assert b"http://www.w3.org/ns/shacl#sparql" not in core
    assert b"http://www.w3.org/ns/shacl#select" not in core
    assert {c.shape for c in moved} >= {
        "<https://data.creative.brussels/shapes#RelationshipShape>",
        "<https://data.creative.brussels/shapes#EnterpriseNumberShape>",
    }


@pytest.mark.parametrize("example", ALL, ids=example_id)
def test_oxigraph_reports_what_the_compiled_validator_reports(
    example: Path, tmp_path: Path
) -> None:
    data = to_ntriples(example, tmp_path)
    alone = sorted(map(str, map(key, run_shacl(shapes_nt(), str(data)))))
    split = sorted(map(str, map(key, validate_file(shapes_nt(), data))))
    assert split == alone


UNHANDLED = b"""
<urn:s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/shacl#NodeShape> .
<urn:s> <http://www.w3.org/ns/shacl#target> _:t .
_:t <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:custom-target> .
<urn:s> <http://www.w3.org/ns/shacl#sparql> _:c .
_:c <http://www.w3.org/ns/shacl#select> "SELECT $this WHERE { $this ?p ?o }" .
<urn:k> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/shacl#NodeShape> .
<urn:k> <http://www.w3.org/ns/shacl#targetClass> <urn:C> .
<urn:k> <http://www.w3.org/ns/shacl#severity> <http://www.w3.org/ns/shacl#Warning> .
<urn:k> <http://www.w3.org/ns/shacl#sparql> _:d .
_:d <http://www.w3.org/ns/shacl#select> "SELECT $this ?value WHERE { $this <urn:p> ?value }" .
_:d <http://www.w3.org/ns/shacl#message> "p is set"@en .
"""


def test_unhandled_targets_stay_with_the_compiled_validator() -> None:
    core, moved = shapesparql.split(UNHANDLED)
    assert [c.shape for c in moved] == ["<urn:k>"]
    assert moved[0].severity == "Warning" and moved[0].message == "p is set"
    assert b"<urn:s> <http://www.w3.org/ns/shacl#sparql>" in core
    assert b"<urn:k> <http://www.w3.org/ns/shacl#sparql>" not in core
