"""Reading a query without evaluating it: its form after the prologue, its own dataset, and
every SERVICE endpoint however it is spelled (the allow-list must not be bypassed)."""

from __future__ import annotations

import re

import pytest
from pyoxigraph import NamedNode, Store

from kg.errors import QueryError
from kg.namespaces import all_prefixes
from kg.queryform import analyse, check_services, declares_dataset, query_form

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
