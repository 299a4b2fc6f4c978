"""Reading a query without evaluating it: its form after the prologue, its own dataset, and
every SERVICE endpoint however it is spelled (the allow-list must not be bypassed)."""

from __future__ import annotations

import re

import pytest
from pyoxigraph import NamedNode, Store

from kg.errors import QueryError
from kg.namespaces import all_prefixes
from kg.sparql.analysis import analyse, check_services, declares_dataset, query_form

PREFIXES = all_prefixes("https://data.creative.brussels/")
EVIL = "http://127.0.0.1:9/sparql"


@pytest.mark.parametrize(
    "query",
    [
        f"SELECT * WHERE {{ SERVICE<{EVIL}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{EVIL}> {{ }} }}",
        f"SELECT * {{ SERVICE SILENT <{EVIL}> {{ }} }}",
        f"SELECT * {{ SeRvIcE\tsilent\n<{EVIL}>{{}} }}",
        "PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICE ex:sparql {} }",
        "PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICE ex:a\\/b {} }",
        "BASE <http://127.0.0.1:9/a/> SELECT * { SERVICE <../sparql> {} }",
        "BASE <http://127.0.0.1:9/a/> PREFIX e: <b/> SELECT * { SERVICE e:c {} }",
        "SELECT * { SERVICE <http\\u003A//127.0.0.1:9/sparql> {} }",
        "SELECT * { SERVICE ?endpoint {} }",
        f"SELECT * {{ # a comment ends at a carriage return\r SERVICE <{EVIL}> {{}} }}",
        f'SELECT * {{ ?s ?p "a # not a comment" SERVICE <{EVIL}> {{}} }}',
        f"SELECT * {{ ?s ?p '''long\n'string''' SERVICE <{EVIL}> {{}} }}",
        f"SELECT * {{ ?s ?p ex:a\\#b . SERVICE <{EVIL}> {{}} }}",
        # `<` is an operator here, not an IRI, whatever a simple scanner thinks
        f"SELECT * {{ BIND(1 AS ?a) FILTER(?a<?b)SERVICE<{EVIL}>#>\n{{}} }}",
    ],
)
def test_every_spelling_of_service_is_refused(query: str) -> None:
    with pytest.raises(QueryError, match="KG_SERVICE_ALLOW"):
        check_services(query, (), {**PREFIXES, "ex": "http://example.org/"})


def test_allowed_endpoints_pass_and_others_do_not() -> None:
    allowed = ("http://127.0.0.1:9/sparql",)
    check_services("PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql {} }", allowed)
    with pytest.raises(
        QueryError, match=re.escape("SERVICE <http://127.0.0.1:9/other> is not allowed")
    ):
        check_services("BASE <http://127.0.0.1:9/x> ASK { SERVICE <other> {} }", allowed)


def test_the_project_prefix_service_is_no_keyword() -> None:
    check_services("SELECT * { ?o cci:offers service:prototyping }", (), PREFIXES)
    with pytest.raises(QueryError, match="not allowed"):
        check_services("SELECT * { SERVICE service:x {} }", (), PREFIXES)


def test_two_readings_of_less_than_cannot_hide_a_call() -> None:
    """Read as an IRI, ``<'>`` would make the rest of the line a string; the parser reads
    ``<`` as less-than. The evaluated text is guarded so that both readings agree."""
    tricky = "SELECT * { BIND(1 AS ?a) FILTER(?a<'>') SERVICE <http://127.0.0.1:9/> {} #'\n}"
    guarded = analyse(tricky).text
    assert "\\u0027" in guarded
    with pytest.raises(SyntaxError):  # the parser cannot read the guarded text as a call
        Store().query(guarded)
    # an IRI keeps its meaning when guarded
    iri = "SELECT ?x { BIND(<http://x/service?a#b'> AS ?x) }"
    rows = list(Store().query(analyse(iri).text))  # type: ignore[arg-type]
    assert rows[0]["x"] == NamedNode("http://x/service?a#b'")


def test_unreadable_text_is_refused_not_guessed() -> None:
    with pytest.raises(QueryError, match="unexpected string"):
        analyse("SELECT * { ?s ?p 'no end }")
    with pytest.raises(QueryError, match="unexpected character"):
        analyse("SELECT * { ?s ?p ?o \\ }")
    with pytest.raises(QueryError, match="unexpected character '_:-x"):
        analyse("SELECT * { _:-x ?p ?o }")  # a blank node label or nothing


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("PREFIX ask: <http://ex/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "graph"),
        ("PREFIX select: <http://ex/select#> ASK { ?s select:ask ?o }", "boolean"),
        ("# ASK in a comment\nBASE <http://ex/ask/> DESCRIBE <x>", "graph"),
        ("prefix : <http://ex/construct> select * { ?s ?p ?o }", "solutions"),
    ],
)
def test_the_form_is_the_first_keyword_after_the_prologue(query: str, form: str) -> None:
    assert query_form(query) == form


def test_an_update_sent_as_a_query_is_named() -> None:
    with pytest.raises(QueryError, match="update"):
        query_form("PREFIX ex: <http://ex/> INSERT DATA { ex:a ex:b ex:c }")


def test_from_is_found_as_a_keyword_only() -> None:
    assert declares_dataset("SELECT * FROM <http://g> { ?s ?p ?o }")
    assert declares_dataset("select * from named <http://g> { graph ?g { ?s ?p ?o } }")
    assert not declares_dataset("SELECT ?from { ?from ex:from 'FROM' } # FROM")


# --- one-scan queries: answered without a worker, so the shape must really be one scan ------


@pytest.mark.parametrize(
    ("query", "offset", "limit"),
    [
        ("SELECT ?l WHERE { <http://ex/a> <http://ex/p> ?l }", 0, None),
        ("select ?l { <http://ex/a> skos:prefLabel ?l . }", 0, None),
        ("SELECT * { ?s a org:Organization } LIMIT 5 OFFSET 10", 10, 5),
        ("SELECT ?s { ?s ?p 'Bruxelles'@fr } offset 3", 3, None),
        ('SELECT ?s ?p { ?s ?p "42"^^xsd:integer }', 0, None),
        ("SELECT ?s { ?s cci:population 1000 }", 0, None),
        ("SELECT ?s { ?s ?p true }", 0, None),
        ("PREFIX ex: <http://ex/> BASE <http://ex/> SELECT ?o { <a> ex:p ?o } LIMIT 1", 0, 1),
        ("SELECT ?unbound ?o WHERE { <http://ex/a> ?p ?o }", 0, None),
        ("ASK { <http://ex/a> ?p ?o }", 0, None),
        ("SELECT * { ?s ?p ?o }", 0, None),  # every triple, read no further than the cap
    ],
)
def test_one_triple_pattern_is_one_scan(query: str, offset: int, limit: int | None) -> None:
    scan = analyse(query, PREFIXES).scan
    assert scan is not None and (scan.offset, scan.limit) == (offset, limit)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o . ?o ?q ?r }",  # a join
        "SELECT * { <http://ex/a> ?p ?o ; ?q ?r }",
        "SELECT * { <http://ex/a> ?p ?o , ?r }",
        "SELECT * { ?s ?p ?o FILTER(?o = 1) }",  # a filter reads every row to drop them
        "SELECT * { ?x ?x ?o }",  # a repeated variable filters too
        "SELECT * { ?x ?p $x }",
        "SELECT DISTINCT ?p { ?s ?p ?o }",  # reads every triple for a few predicates
        "SELECT REDUCED ?p { ?s ?p ?o }",
        "SELECT ?s { ?s ?p ?o } ORDER BY ?s",
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        "SELECT ?p { ?s ?p ?o } GROUP BY ?p",
        "SELECT * { ?s <http://ex/p>* ?o }",  # a path
        "SELECT * { ?s ^<http://ex/p> ?o }",
        "SELECT * { ?s <http://ex/p>/<http://ex/q> ?o }",
        "SELECT * { [] ?p ?o }",  # a blank node is a variable by another name
        "SELECT * { _:b ?p ?o }",
        "SELECT * { ?s ?p ( 1 2 ) }",
        "SELECT * FROM <http://ex/g> { ?s ?p ?o }",  # its own dataset
        "SELECT * { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o } VALUES ?s { <http://ex/a> }",
        "SELECT * { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
        "SELECT * { { SELECT ?s { ?s ?p ?o } } }",
        "SELECT * { ?s ?p ?o } LIMIT 5 LIMIT 6",
        "SELECT * { ?s ?p ?o } LIMIT ?n",
        "SELECT * { ?s ?p ?o } LIMIT ²",  # a digit to str.isdigit, not to SPARQL
        "SELECT * { ?s ?p ?o } LIMIT ٣",
        "SELECT * { ?s ?p ?o } LIMIT 1e3",
        "SELECT * { ?s ?p -1 }",
        "SELECT * { SERVICE <http://ex/sparql> { ?s ?p ?o } }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "DESCRIBE <http://ex/a>",
    ],
)
def test_anything_more_than_one_scan_is_not(query: str) -> None:
    assert analyse(query, PREFIXES).scan is None


def test_only_prefixes_used_and_not_declared_are_needed() -> None:
    query = "PREFIX ex: <http://ex/> SELECT * { ?s skos:prefLabel ?l ; ex:p '1'^^xsd:integer }"
    assert analyse(query, PREFIXES).prefixes_used == {"skos", "xsd"}
    assert analyse("SELECT * { <http://ex/a> ?p ?o }", PREFIXES).prefixes_used == frozenset()
