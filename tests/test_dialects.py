"""The dialects' request and answer rewriting, without a server (the servers themselves:
tests/test_store.py and tests/test_virtuoso.py)."""

from __future__ import annotations

import pytest
from pyoxigraph import BlankNode, Literal, QueryResultsFormat, QuerySolutions, parse_query_results

from kg.errors import StoreError
from kg.store.dialects import (
    ACCEPT_ANY,
    EMPTY_GRAPH,
    OXIGRAPH,
    VIRTUOSO,
    without_dataset_clauses,
)

G = "http://example.org/graph/one"


def test_dataset_clauses_are_cut_by_token_not_by_text() -> None:
    text = (
        "PREFIX g: <http://example.org/graph/>\n"
        "SELECT ?s FROM g:one from named <http://example.org/graph/two>\n"
        "# FROM <http://example.org/in-a-comment>\n"
        'WHERE { ?s ?p "FROM <http://example.org/in-a-string>" }'
    )
    cut = without_dataset_clauses(text)
    assert "g:one" not in cut and "graph/two" not in cut
    assert "# FROM <http://example.org/in-a-comment>" in cut
    assert '"FROM <http://example.org/in-a-string>"' in cut


def test_oxigraph_sends_the_protocols_dataset_parameters() -> None:
    request = OXIGRAPH.query_request("SELECT * WHERE { ?s ?p ?o }", [G], None)
    assert request.params == [("default-graph-uri", G)]
    assert request.headers["Content-Type"] == "application/sparql-query"
    assert request.headers["Accept"] == ACCEPT_ANY


def test_virtuoso_sends_a_form_with_the_dataset_as_pragmas() -> None:
    request = VIRTUOSO.query_request(f"SELECT * FROM <{G}2> WHERE {{ ?s ?p ?o }}", None, [G])
    assert request.params == [] and request.data is not None
    query = request.data["query"]
    assert query.startswith(
        f"define input:default-graph-uri <{EMPTY_GRAPH}> define input:named-graph-uri <{G}> "
    )
    assert f"<{G}2>" not in query and "\n" not in query.split("SELECT")[0]
    # without a dataset the query goes as it is
    plain = VIRTUOSO.query_request("SELECT * WHERE { ?s ?p ?o }", None, None)
    assert plain.data == {"query": "SELECT * WHERE { ?s ?p ?o }"}


def test_virtuoso_asks_for_one_format_per_query_form() -> None:
    def accept(text: str) -> str:
        return VIRTUOSO.query_request(text, None, None).headers["Accept"]

    assert accept("PREFIX ex: <http://example.org/>\nSELECT * { ?s ?p ?o }").endswith("+json")
    assert accept("ASK {}") == "application/sparql-results+json"
    assert accept("# construct\nCONSTRUCT WHERE { ?s ?p ?o }") == "application/n-triples"
    assert accept("DESCRIBE <http://example.org/a>") == "application/n-triples"
    assert accept("SELECT 'unterminated") == ACCEPT_ANY  # the server will say what is wrong


def test_virtuoso_json_is_mended_for_pyoxigraph() -> None:
    body = (
        b'{ "head": { "link": [], "vars": ["b", "t", "f", "s"] },\n'
        b'  "results": { "distinct": false, "ordered": true, "bindings": [\n'
        b'    { "b": { "type": "bnode", "value": "nodeID://b10000" }\t, '
        b'"t": { "type": "typed-literal", "datatype": '
        b'"http://www.w3.org/2001/XMLSchema#boolean", "value": "1" }\t, '
        b'"f": { "type": "typed-literal", "datatype": '
        b'"http://www.w3.org/2001/XMLSchema#boolean", "value": "0" }\t, '
        b'"s": { "type": "literal", "value": "nodeID://not-a-node" }} ] } }'
    )
    rows = parse_query_results(VIRTUOSO.mend_json(body), QueryResultsFormat.JSON)
    assert isinstance(rows, QuerySolutions)
    (row,) = list(rows)
    assert row["b"] == BlankNode("b10000")
    assert row["t"] == Literal(True) and row["f"] == Literal(False)
    assert row["s"] == Literal("nodeID://not-a-node")  # a string is left as it is
    assert OXIGRAPH.mend_json(body) is body


def test_virtuoso_gives_a_query_with_from_alone_no_named_graphs() -> None:
    def sent(text: str) -> str:
        data = VIRTUOSO.query_request(text, None, None).data
        assert data is not None
        return data["query"]

    alone = f"SELECT * FROM <{G}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert sent(alone) == f"define input:named-graph-uri <{EMPTY_GRAPH}> {alone}"
    both = f"SELECT * FROM <{G}> FROM NAMED <{G}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert sent(both) == both
    named = f"SELECT * FROM NAMED <{G}> WHERE {{ ?s ?p ?o }}"
    assert sent(named) == named
    from_in_a_string = 'SELECT * WHERE { ?s ?p "FROM <x>" }'
    assert sent(from_in_a_string) == from_in_a_string


def test_an_answer_virtuoso_cut_at_its_row_cap_is_refused() -> None:
    VIRTUOSO.check_whole({"Content-Type": "application/sparql-results+json"})
    with pytest.raises(StoreError, match="ResultSetMaxRows"):
        VIRTUOSO.check_whole({"X-SPARQL-MaxRows": "10000"})
    OXIGRAPH.check_whole({"X-SPARQL-MaxRows": "10000"})  # not a header Oxigraph sends


def test_a_cut_past_the_rows_a_streamed_answer_reads_changes_nothing() -> None:
    # /sparql reads at most max_rows + 1 rows: a server cut beyond them is never reached
    VIRTUOSO.check_whole({"X-SPARQL-MaxRows": "10000"}, reads=500)
    for at_or_under in ("500", "499", "not a number"):
        with pytest.raises(StoreError, match="ResultSetMaxRows"):
            VIRTUOSO.check_whole({"X-SPARQL-MaxRows": at_or_under}, reads=500)


def test_virtuoso_json_is_mended_as_it_arrives_in_any_chunks() -> None:
    term = (
        b'{ "b": { "type": "bnode", "value": "nodeID://b1" }, "t": { "type": "typed-literal",'
        b' "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1" },'
        b' "s": { "type": "literal", "value": "} nodeID://b2 {" } }'
    )
    body = b'{ "head": { "vars": ["b", "t", "s"] }, "results": { "bindings": [\n'
    body += b",\n".join([term] * 3) + b"] } }"
    whole = VIRTUOSO.mend_json(body)
    for size in (1, 7, 64, len(body)):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        assert b"".join(VIRTUOSO.mended(iter(chunks))) == whole, size
    assert b"nodeID://b1" not in whole and b'"value": "true"' in whole
    assert list(OXIGRAPH.mended(iter([body]))) == [body]
