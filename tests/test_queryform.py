"""Reading a query without evaluating it: its form after the prologue, its own dataset, and
every SERVICE endpoint however it is spelled (the allow-list must not be bypassed); an
update's dataset clauses, SERVICE endpoints and LOAD documents. rdflib's parser is the
reference the lexer is held to: both must find the same endpoints and dataset clauses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, Store
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.build import changes
from kg.build.changes import changes_dir
from kg.errors import QueryError
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.sparql.analysis import (
    analyse,
    analyse_update,
    check_services,
    check_update,
    declares_dataset,
    query_form,
)

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


# --- adversarial spellings, held to rdflib's parse -----------------------------------------

HIDDEN = [
    # comments
    f"SELECT * {{ # SERVICE <{EVIL}> {{}}\n SERVICE <{EVIL}> {{}} }}",
    f"SELECT * {{ SERVICE# a comment between the keyword and its IRI\n<{EVIL}> {{}} }}",
    f"SELECT * {{ SERVICE SILENT#\n<{EVIL}>{{}} }}",
    # strings, with escaped quotes and keywords inside
    f"SELECT * {{ ?s ?p 'a\\'' SERVICE <{EVIL}> {{}} }}",
    f'SELECT * {{ ?s ?p """a "" \\" SERVICE <x> """ SERVICE <{EVIL}> {{}} }}',
    f"SELECT * {{ ?s ?p '''it''s''' . SERVICE <{EVIL}> {{}} }}",
    # escapes in the endpoint's IRI
    "SELECT * { SERVICE <\\u0068ttp://127.0.0.1:9/sparql> {} }",
    "SELECT * { SERVICE <http://127.0.0.1:9/\\U00000073parql> {} }",
    # prefixed names: redeclared, empty local part, escaped local part
    "PREFIX e: <http://ok/> PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql {} }",
    "PREFIX e: <http://127.0.0.1:9/sparql> SELECT * { SERVICE e: {} }",
    "PREFIX service: <http://127.0.0.1:9/> SELECT * { SERVICE service:sparql {} }",
    # BASE: twice, relative to the one before; the base itself
    "BASE <http://127.0.0.1:9/sparql> SELECT * { SERVICE <> {} }",
    # variables
    "SELECT * { SERVICE $endpoint {} }",
    "SELECT * { BIND(<http://127.0.0.1:9/> AS ?e) SERVICE SILENT ?e {} }",
    # nested groups: optional, minus, union, subquery, exists, graph
    f"SELECT * {{ {{ {{ {{ OPTIONAL {{ SERVICE <{EVIL}> {{}} }} }} }} }} }}",
    f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }}",
    f"SELECT * {{ {{}} UNION {{ SERVICE <{EVIL}> {{}} }} }}",
    f"SELECT * {{ {{ SELECT ?s {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }} }} }}",
    f"ASK {{ FILTER NOT EXISTS {{ GRAPH ?g {{ SERVICE <{EVIL}> {{}} }} }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"DESCRIBE ?s WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    # case and no spaces
    f"select*{{sErViCe sIlEnT<{EVIL}>{{}}}}",
    f"SELECT*{{?s ?p ?o.SERVICE<{EVIL}>{{}}}}",
    f"SELECT*{{{{}}SERVICE<{EVIL}>{{?s?p?o}}}}",
]


def _walk(node: Any, found: list[str | None]) -> list[str | None]:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            found.append(str(term) if isinstance(term, URIRef) else None)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, found)
    return found


def _by_rdflib(query: str) -> tuple[list[str | None], bool]:
    """The SERVICE endpoints and whether there is a dataset clause, as rdflib reads them."""
    parsed = parseQuery(query)
    algebra = translateQuery(parsed).algebra
    return _walk(algebra, []), "datasetClause" in parsed[1]


def _key(items: tuple[str | None, ...] | list[str | None]) -> list[str]:
    return sorted(str(item) for item in items)


@pytest.mark.parametrize("query", HIDDEN)
def test_every_hidden_call_is_found_as_rdflib_finds_it(query: str) -> None:
    analysis = analyse(query)
    services, dataset = _by_rdflib(query)
    assert _key(analysis.services) == _key(services) and services
    assert analysis.declares_dataset == dataset
    with pytest.raises(QueryError, match="KG_SERVICE_ALLOW"):
        check_services(query, ("http://ok/sparql",))


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p 'SERVICE <http://127.0.0.1:9/> {}' } # SERVICE <x> {}",
        "SELECT * { ?s ?p <http://127.0.0.1:9/\\u0053ERVICE> }",  # an escape in an IRI
        "SELECT ?service { ?service service:x ?SERVICE }",
        "PREFIX service: <http://x/> SELECT * { ?s a service:SERVICE }",
        "SELECT (1 AS ?from) { ?s ?p '''FROM <http://g>''' }",
        "SELECT * { ?s <http://x/service> ?o }",
    ],
)
def test_the_keyword_in_other_places_is_no_call(query: str) -> None:
    analysis = analyse(query, PREFIXES)
    declared = query if "PREFIX" in query else "PREFIX service: <http://x/> " + query
    services, dataset = _by_rdflib(declared)
    assert analysis.services == () and services == []
    assert analysis.declares_dataset is dataset is False


@pytest.mark.parametrize(
    ("prologue", "term"),
    [
        # rdflib reads these two otherwise: it keeps the backslash of a local name's
        # escape, and resolves a BASE against no earlier BASE; Oxigraph follows the spec
        ("PREFIX : <http://127.0.0.1:9/>", ":sp\\.arql"),
        ("BASE <http://ok/> BASE <//127.0.0.1:9/>", "<sparql>"),
        ("PREFIX : <http://127.0.0.1:9/>", ":sp%2Farql"),
        ("BASE <http://127.0.0.1:9/a/b> PREFIX e: <../>", "e:sparql"),
        ("BASE <http://127.0.0.1:9/sparql>", "<>"),
        ("BASE <http://127.0.0.1:9/sparql>", "<?q#f>"),
        ("", "<\\u0068ttp://127.0.0.1:9/sparql>"),
    ],
)
def test_an_endpoint_resolves_as_oxigraph_resolves_it(prologue: str, term: str) -> None:
    """The endpoint refused is the one Oxigraph would call: the same IRI, bound by the
    query parser itself."""
    (found,) = analyse(f"{prologue} SELECT * {{ SERVICE {term} {{}} }}").services
    rows = list(Store().query(f"{prologue} SELECT ?x {{ BIND({term} AS ?x) }}"))  # type: ignore[arg-type]
    assert found == rows[0]["x"].value


def test_an_escaped_keyword_outside_an_iri_is_refused() -> None:
    """Oxigraph decodes ``\\u`` in IRIs and strings only: elsewhere it is no SPARQL, and
    the lexer refuses it rather than guess at what it would be."""
    query = f"SELECT * {{ \\u0053ERVICE <{EVIL}> {{}} }}"
    with pytest.raises(QueryError, match="unexpected character"):
        check_services(query, ())
    with pytest.raises(SyntaxError):
        Store().query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://g> { ?s ?p ?o }",
        "SELECT * fRoM NaMeD <http://g> { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX g: <http://g/> SELECT*FROM g:a{?s ?p ?o}",
        "SELECT * # no dataset here\nFROM<http://g>{}",
        "ASK FROM <http://a> FROM NAMED <http://b> {}",
        "CONSTRUCT { ?s ?p ?o } FROM <http://g> WHERE { ?s ?p ?o }",
    ],
)
def test_every_dataset_clause_is_found_as_rdflib_finds_it(query: str) -> None:
    assert declares_dataset(query) and analyse(query).declares_dataset
    assert _by_rdflib(query)[1]


def test_from_in_a_subquery_counts_and_is_refused_by_the_parser() -> None:
    """The grammar has no FROM in a subquery: the analysis still says the query names a
    dataset (so it is not evaluated on the union instead), and the parser refuses it."""
    query = "SELECT * { { SELECT * FROM <http://g> { ?s ?p ?o } } }"
    assert declares_dataset(query) and analyse(query).declares_dataset
    with pytest.raises(SyntaxError):
        Store().query(query)


def test_unreadable_text_is_refused_where_the_dataset_is_asked() -> None:
    with pytest.raises(QueryError, match="unexpected string"):
        declares_dataset("SELECT * FROM <http://g> { ?s ?p 'no end }")


# --- updates ------------------------------------------------------------------------------

UPDATES_CALLING = [
    f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}",
    f"DELETE {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ service silent <{EVIL}> {{ ?s ?p ?o }} }} }}",
    "INSERT DATA { <http://a> <http://b> 'SERVICE' } ;\n"
    "PREFIX e: <http://127.0.0.1:9/> INSERT { ?s ?p ?o } WHERE { SERVICE e:sparql {} }",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { SERVICE ?e {} }",
]


@pytest.mark.parametrize("update", UPDATES_CALLING)
def test_an_update_calling_out_is_refused(update: str) -> None:
    with pytest.raises(QueryError, match="KG_SERVICE_ALLOW"):
        check_update(update, ())
    services = _walk(translateUpdate(parseUpdate(update)).algebra, [])
    assert _key(analyse_update(update).services) == _key(services)


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "load silent <http://127.0.0.1:9/data.ttl> into graph <http://g>",
        "PREFIX e: <http://127.0.0.1:9/> LOAD e:data.ttl",
        "INSERT DATA { <http://a> <http://b> 1 } ; LOAD<http://127.0.0.1:9/x>",
    ],
)
def test_an_update_loading_a_document_is_refused(update: str) -> None:
    with pytest.raises(QueryError, match=r"LOAD <http://127\.0\.0\.1:9/.*> is not allowed"):
        check_update(update, (EVIL,))


@pytest.mark.parametrize(
    ("update", "dataset"),
    [
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", True),
        ("DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }", True),
        ("insert { ?s ?p ?o } using named <http://g> where { GRAPH ?g { ?s ?p ?o } }", True),
        ("INSERT DATA { <http://a> <http://b> 'WITH <http://g> USING' }", False),
        ("DELETE WHERE { ?with ?using <http://x/WITH> }", False),
    ],
)
def test_an_update_dataset_is_found(update: str, dataset: bool) -> None:
    assert analyse_update(update).declares_dataset is dataset
    operation = translateUpdate(parseUpdate(update)).algebra[0]
    assert ("withClause" in operation or "using" in operation) is dataset
    check_update(update, ())  # names a dataset of this store: nothing to refuse


def test_an_update_the_lexer_cannot_read_is_refused() -> None:
    with pytest.raises(QueryError, match="unexpected"):
        check_update("INSERT DATA { <http://a> <http://b> 'no end }", ())
    with pytest.raises(QueryError, match="LOAD is not allowed"):
        check_update("LOAD 'http://127.0.0.1:9/x'", ())


def test_the_change_log_refuses_an_update_that_calls_out(tmp_path: Path) -> None:
    """Every build replays the change log: a call recorded there would be made again at
    every build, so it is refused before anything is written."""
    settings = Settings(root=tmp_path, var_dir=tmp_path / "var", service_allow=(EVIL,))
    insert = "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }"
    for update in (insert, f"LOAD <{EVIL}>"):
        with pytest.raises(QueryError, match="not allowed"):
            changes.record(settings, update, "test")
    assert not changes_dir(settings).exists()
    allowed = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{EVIL}> {{ ?s ?p ?o }} }}"
    assert changes.record(settings, allowed, "test").path.exists()
