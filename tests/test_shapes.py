"""The SHACL shapes, shape by shape: each one rejects a bad example, accepts a good one, and
tells the data editor what to fix.

``tests/shape_examples/<ShapeLocalName>/`` holds, for every named shape in ``shapes/``:

* ``good.ttl``: a small, self-contained example that conforms to *all* shapes;
* ``bad-*.ttl``: examples that break one rule of *that* shape and nothing else. Each has one
  or more ``# expect: <text>`` comment lines, text that the ``sh:message`` of a violation
  must contain, so that a bad example cannot pass by failing for some other reason.

A shape without a target (``shx:SectorConceptShape`` …) is only ever checked through the
targeted shape that points to it with ``sh:node``: its examples go through that shape, and
the violation is reported under it.

The examples run through the project's fast validator (``kg.validation.validate_file``) and,
as the reference, through pyshacl; both must report the same (focus node, shape) pairs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import QuerySolutions, RdfFormat, Store, parse, serialize

from bench.validators import queries_parsed_once
from kg.build.report import Issue
from kg.build.sources import discover
from kg.build.validation import shapes_ntriples, validate_file
from kg.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).resolve().parent / "shape_examples"
SH = "http://www.w3.org/ns/shacl#"
PREFIXES = f"PREFIX sh: <{SH}>\n"
TARGETS = "sh:targetClass sh:targetSubjectsOf sh:targetObjectsOf sh:targetNode sh:target"
#: Parameters that make a node shape a constraint of its own (not just a holder of sh:property).
NODE_LEVEL_PARAMETERS = (
    "sh:class sh:datatype sh:nodeKind sh:in sh:hasValue sh:pattern sh:languageIn sh:minLength "
    "sh:maxLength sh:minInclusive sh:maxInclusive sh:minExclusive sh:maxExclusive sh:or sh:and "
    "sh:not sh:xone sh:node sh:closed sh:equals sh:disjoint sh:lessThan sh:lessThanOrEquals"
)
EXPECT = re.compile(r"^#\s*expect:\s*(.+?)\s*$", re.MULTILINE)


# --- the shapes -----------------------------------------------------------------------------


@cache
def shapes_nt() -> bytes:
    """The shapes exactly as the build hands them to the validator."""
    sources = [s for s in discover(Settings(root=ROOT)) if s.kind == "shapes"]
    assert sources, "no shapes found under shapes/"
    return shapes_ntriples(sources)


@cache
def shapes_store() -> Store:
    store = Store()
    store.load(shapes_nt(), format=RdfFormat.N_TRIPLES)
    return store


def select(query: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the shapes, each term as its plain value."""
    solutions = shapes_store().query(PREFIXES + query)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in solutions]


def local(iri: str) -> str:
    """``https://…/shapes#EnterpriseNumberShape`` -> ``EnterpriseNumberShape``."""
    return re.split(r"[#/]", iri)[-1]


@cache
def named_shapes() -> dict[str, bool]:
    """Every shape with an IRI -> whether it has a target of its own."""
    rows = select(f"""
        SELECT ?shape (COUNT(?target) AS ?targets) WHERE {{
          {{ ?shape a sh:NodeShape }} UNION {{ ?shape a sh:PropertyShape }}
          UNION {{ VALUES ?t {{ {TARGETS} }} ?shape ?t [] }}
          FILTER(isIRI(?shape))
          OPTIONAL {{ VALUES ?tp {{ {TARGETS} }} ?shape ?tp ?target }}
        }} GROUP BY ?shape""")
    return {row["shape"]: int(row["targets"]) > 0 for row in rows}


@cache
def users(helper: str) -> frozenset[tuple[str, str]]:
    """(named shape, path) of each property shape that applies ``helper`` with ``sh:node``."""
    rows = select(f"""
        SELECT ?root ?path WHERE {{
          ?root sh:property ?ps . ?ps sh:node <{helper}> ; sh:path ?path .
          FILTER(isIRI(?root) && isIRI(?path))
        }}""")
    return frozenset((f"<{r['root']}>", f"<{r['path']}>") for r in rows)


def expected_source(folder: str) -> frozenset[tuple[str, str | None]]:
    """Where a violation of the folder's shape is reported: (root shape, path), path None
    when any path will do. A helper shape reports through the shapes that use it."""
    (iri,) = [iri for iri in named_shapes() if local(iri) == folder]
    if named_shapes()[iri]:
        return frozenset({(f"<{iri}>", None)})
    return users(iri)


def matches(issue: Issue, sources: frozenset[tuple[str, str | None]]) -> bool:
    return any(issue.shape == shape and path in (None, issue.property) for shape, path in sources)


# --- the examples ---------------------------------------------------------------------------


def example_files(pattern: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"*/{pattern}"))


def example_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


GOOD = example_files("good.ttl")
BAD = example_files("bad-*.ttl")
ALL = GOOD + BAD


def to_ntriples(example: Path, tmp_path: Path) -> Path:
    """The example as N-Triples, the input the build gives the validator."""
    triples = [
        q.triple for q in parse(path=example, format=RdfFormat.TURTLE, base_iri=example.as_uri())
    ]
    out = tmp_path / f"{example.parent.name}-{example.stem}.nt"
    out.write_bytes(serialize(triples, format=RdfFormat.N_TRIPLES) or b"")
    return out


def fast_validate(example: Path, tmp_path: Path) -> list[Issue]:
    return validate_file(shapes_nt(), to_ntriples(example, tmp_path))


def describe(issues: list[Issue]) -> str:
    return "\n".join(
        f"  {local(i.shape.strip('<>')) if i.shape else '?'} {i.entity} {i.property or ''} "
        f"[{i.check}] {i.message}"
        for i in sorted(
            issues, key=lambda i: (i.shape or "", i.entity, i.property or "", i.message)
        )
    )


def expectations(example: Path) -> list[str]:
    return EXPECT.findall(example.read_text(encoding="utf-8"))


# --- every shape has examples, every constraint a message ------------------------------------


def test_shapes_are_found() -> None:
    targeted = [s for s, has_target in named_shapes().items() if has_target]
    assert len(targeted) >= 20, sorted(named_shapes())


def test_every_named_shape_has_a_good_and_a_bad_example() -> None:
    missing = []
    for iri in sorted(named_shapes()):
        folder = EXAMPLES / local(iri)
        if not (folder / "good.ttl").is_file():
            missing.append(f"{folder.relative_to(ROOT)}/good.ttl")
        if not list(folder.glob("bad-*.ttl")):
            missing.append(f"{folder.relative_to(ROOT)}/bad-*.ttl")
    assert not missing, "shapes without examples:\n  " + "\n  ".join(missing)


def test_every_example_folder_names_a_shape() -> None:
    shapes = {local(iri) for iri in named_shapes()}
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    assert folders <= shapes, f"example folders without a shape: {sorted(folders - shapes)}"
    stray = [
        p.relative_to(EXAMPLES).as_posix()
        for p in EXAMPLES.rglob("*")
        if p.is_file() and (p.suffix != ".ttl" or not re.fullmatch(r"good|bad-[a-z0-9-]+", p.stem))
    ]
    assert not stray, f"files that are neither good.ttl nor bad-*.ttl: {stray}"


def test_every_constraint_has_a_message() -> None:
    """Property shapes, SPARQL constraints and node shapes with constraints of their own each
    carry an English sh:message (shapes nested in sh:or or sh:qualifiedValueShape are part of
    the constraint that holds them, and speak through its message)."""
    rows = select(f"""
        SELECT ?kind ?owner ?path (BOUND(?message) AS ?ok) WHERE {{
          {{ ?owner sh:property ?shape . BIND("property shape" AS ?kind) }}
          UNION {{ ?owner sh:sparql ?shape . BIND("sh:sparql constraint" AS ?kind) }}
          UNION {{
            ?shape a sh:NodeShape .
            FILTER EXISTS {{ VALUES ?p {{ {NODE_LEVEL_PARAMETERS} }} ?shape ?p [] }}
            BIND(?shape AS ?owner) BIND("node-level constraint" AS ?kind)
          }}
          OPTIONAL {{ ?shape sh:path ?path }}
          OPTIONAL {{
            ?shape sh:message ?message .
            FILTER(LANGMATCHES(LANG(?message), "en") && STRLEN(STR(?message)) > 10)
          }}
        }}""")
    kinds = {r["kind"] for r in rows}
    assert len(rows) >= 100 and len(kinds) == 3, "the query found too few constraints"
    missing = sorted(
        {
            f"{r['kind']} of {local(r['owner'])} {r.get('path', '')}"
            for r in rows
            if r["ok"] != "true"
        }
    )
    assert not missing, "constraints without an English sh:message:\n  " + "\n  ".join(missing)


def test_every_bad_example_says_what_it_breaks() -> None:
    vague = [example_id(p) for p in BAD if not expectations(p)]
    assert not vague, f"bad examples without an '# expect: <message text>' line: {vague}"


# --- good examples conform, bad ones are rejected by their own shape -------------------------


@pytest.mark.parametrize("example", GOOD, ids=example_id)
def test_good_example_conforms(example: Path, tmp_path: Path) -> None:
    issues = fast_validate(example, tmp_path)
    assert not issues, f"{example_id(example)} should conform:\n{describe(issues)}"


@pytest.mark.parametrize("example", BAD, ids=example_id)
def test_bad_example_is_rejected_by_its_shape(example: Path, tmp_path: Path) -> None:
    issues = fast_validate(example, tmp_path)
    sources = expected_source(example.parent.name)
    assert sources, f"{example.parent.name} has no target and no shape applies it with sh:node"
    own = [i for i in issues if matches(i, sources) and i.is_error]
    assert own, f"{example_id(example)}: no violation of its shape; got:\n{describe(issues)}"
    assert all(i.message.strip() for i in own), describe(own)
    for text in expectations(example):
        assert any(text in i.message for i in own), (
            f"{example_id(example)}: no violation says {text!r}; got:\n{describe(issues)}"
        )
    # the example isolates its shape: nothing else in it is wrong
    others = [i for i in issues if not matches(i, sources)]
    assert not others, f"{example_id(example)} also breaks other shapes:\n{describe(others)}"


# --- pyshacl, the reference implementation, agrees -------------------------------------------


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(data=shapes_nt(), format="nt")


def root_shape(graph: rdflib.Graph, shape: rdflib.term.Node) -> rdflib.term.Node:
    """The nearest enclosing shape with an IRI, walking sh:property upwards."""
    seen = set()
    while isinstance(shape, rdflib.BNode) and shape not in seen:
        seen.add(shape)
        parent = graph.value(predicate=rdflib.URIRef(SH + "property"), object=shape)
        if parent is None:
            break
        shape = parent
    return shape


def term(node: rdflib.term.Node | str) -> str:
    """A node in N-Triples syntax, with every blank node alike (labels differ per parser)."""
    text = node.n3() if isinstance(node, rdflib.term.Node) else str(node)
    return "_:b" if text.startswith("_:") else text


def reference_validate(nt: Path) -> set[tuple[str, str]]:
    data = rdflib.Graph().parse(nt, format="nt")
    shapes = shapes_graph()
    with queries_parsed_once():
        _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    found = set()
    # top-level results only: those nested under sh:detail (sh:node) are not reported
    report = results.value(predicate=rdflib.RDF.type, object=rdflib.URIRef(SH + "ValidationReport"))
    for result in results.objects(report, rdflib.URIRef(SH + "result")):
        focus = results.value(result, rdflib.URIRef(SH + "focusNode"))
        source = results.value(result, rdflib.URIRef(SH + "sourceShape"))
        found.add((term(focus), term(root_shape(shapes, source))))
    return found


@pytest.mark.parametrize("example", ALL, ids=example_id)
def test_pyshacl_agrees(example: Path, tmp_path: Path) -> None:
    nt = to_ntriples(example, tmp_path)
    fast = {(term(i.entity), term(i.shape or "")) for i in validate_file(shapes_nt(), nt)}
    reference = reference_validate(nt)
    assert fast == reference, (
        f"{example_id(example)}: only the fast validator: {sorted(fast - reference)}; "
        f"only pyshacl: {sorted(reference - fast)}"
    )
