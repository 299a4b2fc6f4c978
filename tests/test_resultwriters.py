"""The result writers state truncation in the body wherever the format allows, and every
reader we serve still parses it (pyoxigraph, as Oxigraph's SERVICE does; json)."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
)

from kg.sparql import writers as resultwriters
from kg.sparql.writers import BY_KEY, Buffer, closing, write_solutions, write_triples


def solutions(n: int) -> QuerySolutions:
    result = Store().query(
        "SELECT ?i ?label WHERE { VALUES ?i { "
        + " ".join(str(i) for i in range(n))
        + ' } BIND(CONCAT("row ", STR(?i)) AS ?label) }'
    )
    assert isinstance(result, QuerySolutions)
    return result


def write(n: int, key: str, max_rows: int, max_bytes: int) -> tuple[bytes, bool]:
    sink = Buffer()
    outcome = write_solutions(
        solutions(n), BY_KEY[key], sink, max_rows, lambda: True, max_bytes=max_bytes
    )
    return bytes(sink.data), outcome.truncated


def test_json_says_truncated_before_the_results() -> None:
    body, truncated = write(50, "json", 10, 10**9)
    assert truncated and json.loads(body)["truncated"] is True
    assert body.index(b'"truncated"') < body.index(b'"results"')
    assert len(list(parse_query_results(body, QueryResultsFormat.JSON))) == 10  # type: ignore[arg-type]
    whole, cut = write(5, "json", 10, 10**9)
    assert not cut and "truncated" not in json.loads(whole)


def test_the_byte_cap_stops_at_a_row_and_says_so() -> None:
    body, truncated = write(2000, "json", 10**6, 2000)
    rows = list(parse_query_results(body, QueryResultsFormat.JSON))  # type: ignore[arg-type]
    assert truncated and json.loads(body)["truncated"] is True
    assert 10 < len(rows) < 100 and len(body) < 2000 + 200
    xml, _ = write(2000, "xml", 10**6, 2000)
    assert b"<!-- truncated" in xml
    assert len(list(parse_query_results(xml, QueryResultsFormat.XML))) < 100  # type: ignore[arg-type]


def test_a_large_json_answer_is_written_results_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too large to hold back: the rows go out first and the note comes last."""
    monkeypatch.setattr(resultwriters, "HOLD", 1000)
    body, truncated = write(500, "json", 100, 10**9)
    assert truncated and body.startswith(b'{"results"')
    document = json.loads(body)
    assert document["truncated"] is True and document["head"]["vars"] == ["i", "label"]
    assert len(list(parse_query_results(body, QueryResultsFormat.JSON))) == 100  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["json", "xml"])
def test_a_document_cut_after_any_write_is_closed_by_closing(key: str) -> None:
    class Writes(Buffer):
        def __init__(self) -> None:
            super().__init__()
            self.ends: list[int] = []

        def write(self, data: bytes) -> int:
            super().write(data)
            self.ends.append(len(self.data))
            return len(data)

    sink = Writes()
    hold = resultwriters.HOLD
    resultwriters.HOLD = 200  # results first after a few rows
    try:
        write_solutions(solutions(40), BY_KEY[key], sink, 100, lambda: True, max_bytes=10**9)
    finally:
        resultwriters.HOLD = hold
    end = closing(BY_KEY[key], ["i", "label"])
    assert end is not None
    fmt = QueryResultsFormat.JSON if key == "json" else QueryResultsFormat.XML
    for cut in sink.ends[:-1]:  # after every write but the last
        document = bytes(sink.data[:cut]) + end
        list(parse_query_results(document, fmt))  # type: ignore[arg-type]
        assert b"truncated" in document
    assert closing(BY_KEY["csv"], ["i"]) is None and closing(BY_KEY["tsv"], ["i"]) is None


@pytest.mark.parametrize(
    ("key", "fmt"),
    [
        ("turtle", RdfFormat.TURTLE),
        ("ntriples", RdfFormat.N_TRIPLES),
        ("nquads", RdfFormat.N_QUADS),
        ("trig", RdfFormat.TRIG),
        ("rdfxml", RdfFormat.RDF_XML),
    ],
)
def test_rdf_syntaxes_with_comments_end_with_the_note(key: str, fmt: RdfFormat) -> None:
    triples = [
        Triple(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal(i))
        for i in range(30)
    ]
    sink = Buffer()
    outcome = write_triples(triples, BY_KEY[key], sink, 10, lambda: True, max_bytes=10**9)
    assert outcome.truncated and b"truncated" in sink.data
    assert len(list(parse(bytes(sink.data), fmt))) == 10


TRICKY_TERMS = [
    NamedNode("http://example.org/a?b=c&d=é%20f"),
    BlankNode("b0"),
    Literal("plain"),
    Literal('quote " backslash \\ tab \t newline \n cr \r bell \x07 nul \x00'),
    Literal("Brussel – Bruxelles ✓ 🙂 \u2028 \u2029"),
    Literal("Maison de la mode", language="fr"),
    Literal("Huis", language="nl-BE"),
    Literal("42", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    Literal("x", datatype=NamedNode("http://example.org/dté")),
    Triple(NamedNode("http://s"), NamedNode("http://p"), Literal("o", language="en")),
]


@pytest.mark.parametrize("term", TRICKY_TERMS, ids=repr)
def test_a_json_cell_is_written_as_json_dumps_writes_it(term: object) -> None:
    """The direct writer of a SPARQL JSON cell gives the same text as ``json.dumps`` of its
    dictionary: escapes, non-ASCII characters and members in the same order."""
    expected = json.dumps(resultwriters._json_term(term), ensure_ascii=False)
    assert resultwriters._json_term_text(term) == expected
    assert json.loads(resultwriters._json_term_text(term)) == resultwriters._json_term(term)


def test_unbound_cells_are_left_out_of_a_json_row() -> None:
    result = Store().query("SELECT ?a ?b ?c WHERE { BIND(1 AS ?a) BIND(<http://x> AS ?c) }")
    assert isinstance(result, QuerySolutions)
    sink = Buffer()
    write_solutions(result, BY_KEY["json"], sink, 10, lambda: True, max_bytes=10**9)
    (row,) = json.loads(bytes(sink.data))["results"]["bindings"]
    assert set(row) == {"a", "c"} and row["c"] == {"type": "uri", "value": "http://x"}
