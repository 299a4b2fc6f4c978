"""Saved queries (docs/saved-queries.md): every file's header is valid and its parameters
projected; the API runs each one in every format with the same rows as the store gives;
parameters are checked and bound as single terms (no injection); pages and their Link
headers; one documented OpenAPI operation per query; the HTML catalogue and pages."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)

from endpoint.app import create_app
from endpoint.saved import api as saved_api
from endpoint.saved import catalogue as saved_catalogue
from endpoint.saved import forms as saved_forms
from kg.namespaces import all_prefixes
from kg.saved import parameters as binding
from kg.saved import queries as saved
from kg.saved.parameters import Param, ParameterError, ParamSpecError
from kg.saved.queries import QueryFileError, SavedQuery
from kg.settings import Settings
from kg.store import GraphStore, Term, open_store
from tests.asgi import app_client
from tests.browser import Chromium, serve
from tests.conftest import ROOT

FILES = sorted((ROOT / "queries").glob("*.rq"), key=lambda p: p.stem)  # by name, as listed
PREFIXES = all_prefixes(Settings().base)
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


@pytest.fixture(scope="module")
def store(built: Settings) -> GraphStore:
    return open_store(built)


def example(param: Param, store: GraphStore) -> str:
    """A value a required parameter accepts, for running every query."""
    if param.values:
        return param.values[0]
    if param.type == "iri":
        if param.class_ or param.scheme:
            key = "class" if param.class_ else "scheme"
            target = binding.parse_iri(param.class_ or param.scheme or "", PREFIXES)
            rows = store.query(saved_forms.MEMBERS[key], {key: target})
            assert isinstance(rows, QuerySolutions)
            return next(iter(rows))["value"].value
        return PREFIXES["cci"] + "Municipality"
    return {"string": "a", "language": "en", "integer": str(param.min or 1)}.get(
        param.type, "2020-01-01"
    )


def arguments(query: SavedQuery, store: GraphStore) -> dict[str, str]:
    return {p.name: example(p, store) for p in query.params if p.required}


def direct(
    settings: Settings, store: GraphStore, name: str, raw: dict[str, str]
) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    """The query run on the store itself, bound the same way."""
    result = saved.run(settings, store, saved.get(settings, name), raw)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return names, [tuple(row[n] for n in names) for row in result]


def parsed(body: bytes, fmt: QueryResultsFormat) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    result = parse_query_results(body, fmt)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return names, [tuple(row[n] for n in names) for row in result]


def value_of(term: Term | None) -> str:
    """The value of a bound IRI, blank node or literal (an unbound cell is None)."""
    assert isinstance(term, NamedNode | BlankNode | Literal), term
    return term.value


def link_rels(header: str) -> dict[str, dict[str, list[str]]]:
    """rel -> query parameters of the URL, from an RFC 8288 Link header."""
    out = {}
    for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header):
        out[rel] = parse_qs(urlsplit(url).query)
    return out


# ---- the files ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_saved_query_has_a_valid_header(path: Path) -> None:
    settings = Settings(root=ROOT)
    query = saved.get(settings, path.stem)
    assert set(query.titles) == set(query.descriptions) == {"en", "fr", "nl"}
    assert all(query.titles.values()) and all(query.descriptions.values())
    assert query.tags and query.chart in saved.CHARTS
    # each parameter's variable is projected by name (pyoxigraph binds only those)
    projected = saved.projected(query.text)
    for param in query.params:
        assert param.name in projected, f"{path.name}: ?{param.name} is not in the SELECT clause"


def test_all_saved_queries_load_together_and_cover_the_parameter_types() -> None:
    queries = saved.load_all(Settings(root=ROOT))
    assert [q.name for q in queries] == [p.stem for p in FILES]
    params = [p for q in queries for p in q.params]
    assert {"iri", "string", "language", "integer"} <= {p.type for p in params}
    assert any(p.class_ for p in params) and any(p.scheme for p in params)
    assert any(p.values_query for p in params)
    assert len(queries) >= 4


def test_projection_is_read_from_the_outer_select_clause() -> None:
    text = (
        "# x\nSELECT ?a $b (COUNT(?c) AS ?n) (CONCAT('?z', STR(?d)) AS ?e) WHERE {\n"
        "  { SELECT ?inner WHERE { ?inner ?p ?o } } # ?comment\n} GROUP BY ?a ?b"
    )
    assert saved.projected(text) == {"a", "b"}
    assert saved.projected("SELECT * WHERE { ?s ?p ?o }") == set()
    assert saved.projected("SELECT DISTINCT ?s\nFROM <urn:g> WHERE { ?s ?p ?o }") == {"s"}


HEADER = """\
# title: T
# title@fr: T fr
# title@nl: T nl
# description: D.
# description@fr: D fr.
# description@nl: D nl.
# tags: test
# chart: table
"""

BROKEN = [
    # (file text, line, words the message holds)
    ("SELECT * WHERE { ?s ?p ?o }\n", 1, "no header"),
    (HEADER.replace("# title@nl: T nl\n", ""), 8, "`title@nl`"),
    (HEADER.replace("# description@fr: D fr.\n", ""), 8, "`description@fr`"),
    (HEADER.replace("# chart: table\n", ""), 8, "`chart`"),
    (HEADER.replace("# tags: test\n", ""), 8, "`tags`"),
    (HEADER.replace("# chart: table", "# chart: histogram"), 8, "histogram"),
    (HEADER.replace("# tags: test", "# tags: Test, x"), 7, "'Test'"),
    (HEADER.replace("# tags: test", "# tags: a, , b"), 7, "''"),
    (HEADER.replace("# tags: test", "# tags: a, a"), 7, "twice"),
    (HEADER + "# kpi: Not An Id\nASK {}\n", 9, "kpi"),
    (HEADER + "# snapshot: no\nASK {}\n", 9, "give `kpi` too"),
    (HEADER + "# kpi: x\n# snapshot: never\nASK {}\n", 10, "`yes` or `no`"),
    (HEADER + "# past: no\nASK {}\n", 9, "give `kpi` too"),
    (HEADER + "# kpi: x\n# past: sometimes\nASK {}\n", 10, "`yes` or `no`"),
    (HEADER + "# param: param | string\nSELECT ?param WHERE {}\n", 9, "reserved"),
    (HEADER + "# param: page | integer\nSELECT ?page WHERE {}\n", 9, "reserved"),
    (HEADER + "# title: again\nASK {}\n", 9, "twice"),
    (HEADER + "# titel: typo\nASK {}\n", 9, "unknown header key 'titel'"),
    (HEADER + "# title@en: T\nASK {}\n", 9, "`title`"),
    (HEADER + "# just a comment\nASK {}\n", 9, "not a `# key: value`"),
    (HEADER + "# param: x | float\nSELECT ?x WHERE {}\n", 9, "unknown type 'float'"),
    (HEADER + "# param: x | iri | class=nope:Thing\nSELECT ?x WHERE {}\n", 9, "nope:Thing"),
    (HEADER + "# param: x | string | min=1\nSELECT ?x WHERE {}\n", 9, "integer parameters"),
    (HEADER + "# param: x | integer | min=5 | max=1\nSELECT ?x WHERE {}\n", 9, "min=5"),
    (HEADER + "# param: x | integer | default=abc\nSELECT ?x WHERE {}\n", 9, "default=abc"),
    (
        HEADER + "# param: x | integer | values=1,2 | default=3\nSELECT ?x WHERE {}\n",
        9,
        "default=3",
    ),
    (HEADER + "# param: x | language | default=de\nSELECT ?x WHERE {}\n", 9, "'de'"),
    (HEADER + "# param: x | date | default=2020-13-01\nSELECT ?x WHERE {}\n", 9, "2020-13-01"),
    (HEADER + "# param: x | string | sometimes\nSELECT ?x WHERE {}\n", 9, "'sometimes'"),
    (HEADER + "# param: format | string\nSELECT ?format WHERE {}\n", 9, "reserved"),
    (HEADER + "# param: ?x | string\nSELECT ?x WHERE {}\n", 9, "'?x'"),
    (
        HEADER + "# param: x | string\n# param: x | integer\nSELECT ?x WHERE {}\n",
        10,
        "declared twice",
    ),
    (HEADER + "# param: x | string\nSELECT ?y WHERE { BIND(?x AS ?y) }\n", 9, "?x"),
    (HEADER + "# param: x | string\nSELECT * WHERE { ?s ?p ?x }\n", 9, "SELECT *"),
    (HEADER + "# param: x | string\nSELECT (?x AS ?y) WHERE { }\n", 9, "AS ?x"),
    (HEADER + "# param: x | string\nASK { ?s ?p ?x }\n", 9, "ASK"),
    (
        HEADER + "# param: x | string\nSELECT ?s ?x (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n"
        "GROUP BY ?s\n",
        9,
        "GROUP BY",
    ),
    (
        HEADER + "# param: x | string\nSELECT ?x ?s WHERE { ?s ?p ?o FILTER(!BOUND(?x)) }\n",
        9,
        "COALESCE",
    ),
    (HEADER + "SELECT ?s WHERE {\n  ?s ?p\n}\n", 11, "SPARQL"),
    (HEADER + "CONSTRUCT WHERE { ?s ?p ?o }\n", 9, "SELECT or ASK"),
    (HEADER + "INSERT DATA { <urn:a> <urn:b> <urn:c> }\n", 9, "update"),
    (HEADER, 9, "no SPARQL text"),
    (HEADER + "# param: x | iri | values=query:broken\nSELECT ?x WHERE {}\n", 9, "itself"),
    (HEADER + "# columns: s Subject\nSELECT ?s WHERE { ?s ?p ?o }\n", 9, "variable=Heading"),
    (HEADER + "# coverage: sector\nSELECT ?s WHERE { ?s ?p ?o }\n", 9, "give `kpi` too"),
    (
        HEADER + "# kpi: t\n# coverage: colour\nSELECT ?s WHERE { ?s ?p ?o }\n",
        10,
        "'colour' is not one of kind, sector",
    ),
    (HEADER + "# columns@fr: s=\nSELECT ?s WHERE { ?s ?p ?o }\n", 9, "variable=Heading"),
    (HEADER + "# columns: nothing=No\nSELECT ?s WHERE { ?s ?p ?o }\n", 1, "?nothing"),
    # a federated query: a known view, named once, its rows saying which map they are from
    (
        HEADER
        + "# federated: people\nSELECT ?map WHERE { ?organisation <urn:kg:federated:organisations> ?map . }\n",
        9,
        "the views are",
    ),
    (
        HEADER
        + "# kpi: t\n# federated: organisations\nSELECT ?map WHERE { ?organisation <urn:kg:federated:organisations> ?map . }\n",
        10,
        "drop `federated` or `kpi`",
    ),
    (HEADER + "# federated: organisations\nSELECT ?map WHERE { ?o ?p ?map }\n", 9, "found 0"),
    (
        HEADER
        + "# federated: organisations\nSELECT ?organisation WHERE { ?organisation <urn:kg:federated:organisations> ?map . }\n",
        9,
        "projects ?map",
    ),
]


@pytest.mark.parametrize(("text", "line", "words"), BROKEN)
def test_a_broken_header_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "broken.rq").write_text(text, encoding="utf-8")
    settings = Settings(root=tmp_path, var_dir=tmp_path / "var")
    with pytest.raises(QueryFileError) as caught:
        saved.get(settings, "broken")
    message = str(caught.value)
    assert message.startswith(f"queries/broken.rq:{line}: "), message
    assert words in message, message
    with pytest.raises(QueryFileError, match=r"^queries/broken\.rq:\d+: "):
        saved.load_all(settings)
    good, problems = saved.load_valid(settings)
    assert good == [] and [p.file for p in problems] == ["queries/broken.rq"]


def test_references_between_queries_are_checked(tmp_path: Path) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    ref = "# param: x | iri | values=query:{}\nSELECT ?x WHERE {{}}\n"
    loop = "# param: x | iri | optional | values=query:{}\nSELECT ?x WHERE {{}}\n"
    (queries / "a.rq").write_text(HEADER + loop.format("b"))
    (queries / "b.rq").write_text(HEADER + loop.format("a"))
    (queries / "c.rq").write_text(HEADER + ref.format("missing"))
    (queries / "d.rq").write_text(HEADER + "# param: y | string\nSELECT ?y WHERE {}\n")
    (queries / "e.rq").write_text(HEADER + ref.format("d"))
    (queries / "f.rq").write_text(HEADER + "ASK {}\n")
    (queries / "g.rq").write_text(HEADER + ref.format("f"))
    (queries / "Bad_Name.rq").write_text(HEADER + "ASK {}\n")
    (queries / "k1.rq").write_text(HEADER + "# kpi: same\nASK {}\n")
    (queries / "k2.rq").write_text(HEADER + "# kpi: same\nASK {}\n")
    good, problems = saved.load_valid(Settings(root=tmp_path, var_dir=tmp_path / "var"))
    assert [q.name for q in good] == ["d", "f", "k1"]
    messages = "\n".join(str(p) for p in problems)
    assert "queries/a.rq:9: values=query: references go round: a -> b -> a" in messages
    assert "queries/c.rq:9: param `x`: values=query:missing names no valid saved query" in messages
    assert "queries/e.rq:9: param `x`: d needs parameters (y)" in messages
    assert "queries/g.rq:9: param `x`: f is not a SELECT query" in messages
    assert "queries/Bad_Name.rq:1: 'Bad_Name' is not a saved query name" in messages
    assert "queries/k2.rq:9: kpi 'same' is already measured by queries/k1.rq" in messages


# ---- parameters, without a store -----------------------------------------------------------


def test_values_are_parsed_by_type() -> None:
    def value(spec: str, raw: str) -> object:
        return binding.parse_value(binding.parse_param(spec, PREFIXES), raw, PREFIXES)

    sector = NamedNode(PREFIXES["sector"] + "music")
    assert value("s | iri", "sector:music") == sector
    assert value("s | iri", PREFIXES["sector"] + "music") == sector
    assert value("s | iri", f"<{PREFIXES['sector']}music>") == sector
    assert value("s | string", ' "} ; DROP ALL # ') == Literal(' "} ; DROP ALL # ')
    assert value("l | language", "NL") == Literal("nl")
    assert value("n | integer | min=-3 | max=10", "+7") == Literal(
        "7", datatype=NamedNode(XSD + "integer")
    )
    assert value("d | date", "2024-02-29") == Literal(
        "2024-02-29", datatype=NamedNode(XSD + "date")
    )
    assert value("k | iri | values=cci:Network,cci:School", "cci:School") == NamedNode(
        PREFIXES["cci"] + "School"
    )
    refused = [
        ("s | iri", "music"),
        ("s | iri", "nope:music"),
        ("s | iri", "javascript:alert(1)"),
        ("s | iri", "sector:music> } ; DROP ALL #"),
        ("s | iri", "<relative>"),
        ("l | language", "de"),
        ("n | integer", "1.5"),
        ("n | integer", "1e3"),
        ("n | integer | max=10", "11"),
        ("n | integer | min=0", "-1"),
        ("d | date", "2023-02-29"),
        ("d | date", "29/02/2024"),
        ("k | integer | values=1,2", "3"),
    ]
    for spec, raw in refused:
        with pytest.raises(ParameterError) as caught:
            value(spec, raw)
        assert caught.value.name == spec.split(" ")[0]
        assert str(caught.value).startswith(f"parameter `{caught.value.name}`: ")


def test_parameter_declarations() -> None:
    param = binding.parse_param(
        "kind | iri | optional | class=owl:Class | default=org:Organization", PREFIXES
    )
    assert param == Param(
        "kind", "iri", optional=True, default="org:Organization", class_="owl:Class"
    )
    assert not param.required
    assert binding.parse_param("name | string", PREFIXES).required
    assert binding.parse_param("n | integer | min=1 | max=9 | default=2", PREFIXES).schema() == {
        "type": "integer",
        "minimum": 1,
        "maximum": 9,
        "default": 2,
    }
    assert binding.parse_param("k | string | values=a,b", PREFIXES).schema()["enum"] == ["a", "b"]
    with pytest.raises(ParamSpecError, match="declared twice"):
        binding.parse_params(["a | string", "a | integer"], PREFIXES)


@pytest.mark.parametrize(
    "term",
    [
        NamedNode("https://data.creative.brussels/id/organisation/x"),
        Literal('"} ; DROP ALL #'),
        Literal("line\nbreak\t\\ <script>"),
        Literal("Bruxelles", language="fr"),
        Literal("2020-01-01", datatype=NamedNode(XSD + "date")),
    ],
)
def test_terms_cross_to_a_worker_as_ntriples(term: NamedNode | Literal) -> None:
    encoded = binding.to_ntriples({"v": term})
    assert binding.from_ntriples(encoded) == {"v": term}


def test_a_forged_ntriples_term_is_refused() -> None:
    for text in ['"a" . <urn:x> <urn:y> "b"', "_:b", '"a"\n', "?x", ""]:
        with pytest.raises(ValueError):
            binding.from_ntriples({"v": text})
    assert isinstance(BlankNode(), BlankNode)


# ---- the API ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_query_answers_in_every_format_with_the_stores_rows(
    path: Path, built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    query = saved.get(built, path.stem)
    args = arguments(query, store)
    names, rows = direct(built, store, query.name, args)
    api = f"/api/queries/{query.name}"
    whole = {**args, "per_page": str(built.max_rows)}

    response = client.get(api, params={**whole, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert parsed(response.content, QueryResultsFormat.JSON) == (names, rows)
    assert response.headers["X-Total-Count"] == str(len(rows))
    assert response.headers["X-SPARQL-Rows"] == str(len(rows))

    response = client.get(api, params=whole, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert parsed(response.content, QueryResultsFormat.TSV) == (names, rows)

    response = client.get(api, params={**whole, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text, newline="")))
    assert table[0] == names
    # SPARQL 1.1 CSV keeps lexical values only: an IRI's, a literal's (no datatype nor
    # language), "" for unbound; a blank node's label is the writer's own
    assert len(table) - 1 == len(rows)
    for line, row in zip(table[1:], rows, strict=True):
        assert len(line) == len(names)
        for cell, term in zip(line, row, strict=True):
            if isinstance(term, BlankNode):
                assert cell.startswith("_:")
            else:
                assert cell == ("" if term is None else value_of(term)), (names, row)

    response = client.get(api, params={**whole, "format": "xml"})
    assert response.status_code == 200
    assert parsed(response.content, QueryResultsFormat.XML) == (names, rows)

    for page in (
        client.get(api, params={**args, "format": "html"}),
        client.get(f"/queries/{query.name}", params={**args, "lang": "nl"}),
    ):
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert f"<h1>{query.titles['nl' if 'lang=nl' in str(page.url) else 'fr']}" in (
            page.text.replace("&#39;", "'")
        )


def test_the_default_format_is_json_and_a_browser_gets_the_page(client: httpx.Client) -> None:
    api = "/api/queries/organisations-by-kind"
    assert client.get(api).headers["content-type"].startswith("application/sparql-results+json")
    browser = client.get(api, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/html")
    assert client.get(api, headers={"Accept": "text/csv"}).text.startswith("kind,label,")
    refused = client.get(api, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.json()["error"]["type"] == "NotAcceptable"
    assert client.get(api, params={"format": "turtle"}).status_code == 406


def test_unknown_queries_are_404(client: httpx.Client) -> None:
    for url in ("/api/queries/nope", "/queries/nope", "/api/queries/..%2Fpyproject"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["type"] == "NotFound"


def error_of(response: object) -> dict[str, str]:
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert isinstance(error, dict)
    return error


def test_a_wrong_value_is_a_400_naming_the_parameter(client: httpx.Client) -> None:
    cases = [
        ("organisations-in-several-sectors", {"at_least": "two"}, "at_least", "integer"),
        ("organisations-in-several-sectors", {"at_least": "0"}, "at_least", "minimum"),
        ("organisations-in-several-sectors", {"at_least": "51"}, "at_least", "maximum"),
        ("organisations-in-several-sectors", {"lang": "de"}, "lang", "'de'"),
        ("organisations-in-sector", {"sector": "not an iri"}, "sector", "IRI"),
        ("organisations-in-sector", {"sector": "sector:nope"}, "sector", "scheme:sectors"),
        ("organisations-in-sector", {"sector": "cci:Network"}, "sector", "scheme:sectors"),
        (
            "cultural-places-in-municipality",
            {"municipality": "o:bam"},
            "municipality",
            "cci:Municipality",
        ),
        ("search-by-name", {}, "name", "required"),
        ("search-by-name", {"name": ""}, "name", "required"),
        ("search-by-name", {"name": "x", "nmae": "y"}, "nmae", "no such parameter"),
    ]
    for name, params, parameter, words in cases:
        error = error_of(client.get(f"/api/queries/{name}", params=params))
        assert error["type"] == "ParameterError"
        assert error["parameter"] == parameter
        assert f"parameter `{parameter}`" in error["message"] and words in error["message"], error
    # the page says so too, in its form, with the same status
    page = client.get("/queries/organisations-in-sector", params={"sector": "sector:nope"})
    assert page.status_code == 400 and "parameter `sector`" in page.text
    repeated = client.get("/api/queries/search-by-name?name=a&name=b")
    assert error_of(repeated)["type"] == "BadRequest"


def test_an_iri_of_the_right_class_is_accepted_in_any_spelling(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    api = "/api/queries/cultural-places-in-municipality"
    iri = PREFIXES["mun"] + "21001"
    answers = [
        client.get(api, params={"municipality": m, "per_page": "1000"})
        for m in ("mun:21001", iri, f"<{iri}>")
    ]
    assert all(a.status_code == 200 for a in answers)
    assert answers[0].content == answers[1].content == answers[2].content
    names, rows = parsed(answers[0].content, QueryResultsFormat.JSON)
    assert rows and all(r[names.index("municipality")] == NamedNode(iri) for r in rows)
    assert (names, rows) == direct(
        built, store, "cultural-places-in-municipality", {"municipality": iri}
    )


INJECTIONS = [
    '"',
    "'",
    "{",
    "}",
    '"} ; DROP ALL #',
    "' } } ; DELETE WHERE { ?s ?p ?o } #",
    '"""\n} ; CLEAR ALL ; SELECT * WHERE { #',
    "<script>alert(1)</script>",
    "\\",
    "?x",
    ") ) ) }",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_are_one_literal_and_change_nothing(
    value: str, store: GraphStore, client: httpx.Client
) -> None:
    before = store.triple_count()
    response = client.get("/api/queries/search-by-name", params={"name": value})
    assert response.status_code == 200, response.text
    names, rows = parsed(response.content, QueryResultsFormat.JSON)
    # the text is searched for as it is: one literal, in every row, in every label found
    for row in rows:
        assert row[names.index("name")] == Literal(value)
        assert value.lower() in value_of(row[names.index("label")]).lower()
    if len(value) > 3:
        assert rows == [], rows
    page = client.get("/queries/search-by-name", params={"name": value})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    iri = client.get("/api/queries/cultural-places-in-municipality", params={"municipality": value})
    assert error_of(iri)["parameter"] == "municipality"
    assert store.triple_count() == before


def test_a_value_is_bound_as_exactly_one_term(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    response = client.get("/api/queries/search-by-name", params={"name": "BRUSSELS creative"})
    names, rows = parsed(response.content, QueryResultsFormat.JSON)
    assert rows and all(r[names.index("name")] == Literal("BRUSSELS creative") for r in rows)
    assert any(value_of(r[names.index("label")]) == "Brussels Creative" for r in rows)
    only_nl = client.get(
        "/api/queries/search-by-name", params={"name": "brussel", "language": "nl"}
    )
    _, nl_rows = parsed(only_nl.content, QueryResultsFormat.JSON)
    assert nl_rows and all(isinstance(r[3], Literal) and r[3].language == "nl" for r in nl_rows)


def test_pages_slice_the_result_in_order_with_link_headers(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    args = {"municipality": "mun:21004"}
    _, rows = direct(built, store, "cultural-places-in-municipality", args)
    per_page = 7
    assert len(rows) > 3 * per_page
    last = math.ceil(len(rows) / per_page)
    api = "/api/queries/cultural-places-in-municipality"

    def get(page: int | None) -> object:
        params = {**args, "per_page": str(per_page)}
        if page is not None:
            params["page"] = str(page)
        return client.get(api, params=params)

    first, second = get(None), get(2)
    got = parsed(first.content, QueryResultsFormat.JSON)[1]  # type: ignore[attr-defined]
    got += parsed(second.content, QueryResultsFormat.JSON)[1]  # type: ignore[attr-defined]
    assert got == rows[: 2 * per_page]
    for response in (first, second):
        assert response.headers["X-Total-Count"] == str(len(rows))  # type: ignore[attr-defined]

    links = link_rels(first.headers["Link"])  # type: ignore[attr-defined]
    assert set(links) == {"first", "next", "last"}
    assert links["next"]["page"] == ["2"] and links["last"]["page"] == [str(last)]
    assert links["next"]["municipality"] == ["mun:21004"]
    assert links["next"]["per_page"] == [str(per_page)]
    links = link_rels(second.headers["Link"])  # type: ignore[attr-defined]
    assert {r: v["page"] for r, v in links.items()} == {
        "first": ["1"],
        "prev": ["1"],
        "next": ["3"],
        "last": [str(last)],
    }
    final = get(last)
    assert parsed(final.content, QueryResultsFormat.JSON)[1] == rows[(last - 1) * per_page :]  # type: ignore[attr-defined]
    assert set(link_rels(final.headers["Link"])) == {"first", "prev", "last"}  # type: ignore[attr-defined]
    beyond = get(last + 5)
    assert parsed(beyond.content, QueryResultsFormat.JSON)[1] == []  # type: ignore[attr-defined]
    assert link_rels(beyond.headers["Link"])["prev"]["page"] == [str(last)]  # type: ignore[attr-defined]

    # the default page holds 100 rows
    default = client.get(api, params=args)
    assert parsed(default.content, QueryResultsFormat.JSON)[1] == rows[:100]

    # the HTML page pages the same way
    page = client.get(
        "/queries/cultural-places-in-municipality", params={**args, "page": "2", "per_page": "7"}
    )
    assert page.status_code == 200
    assert f"8 à 14 sur {len(rows)}" in page.text
    assert 'rel="next"' in page.text and 'rel="prev"' in page.text

    for bad in (
        {"page": "0"},
        {"page": "x"},
        {"per_page": "0"},
        {"per_page": str(built.max_rows + 1)},
    ):
        assert error_of(client.get(api, params={**args, **bad}))["type"] == "BadRequest"


def test_a_result_over_the_row_cap_is_truncated_and_says_so(built: Settings) -> None:
    capped = built.with_(max_rows=10)
    api = "/api/queries/cultural-places-in-municipality"
    with app_client(create_app(capped)) as client:
        params = {"municipality": "mun:21004", "per_page": "4", "page": "2"}
        response = client.get(api, params=params)
        assert response.status_code == 200
        assert response.headers["X-SPARQL-Truncated"] == "true"
        assert "X-Total-Count" not in response.headers
        assert set(link_rels(response.headers["Link"])) == {"first", "prev", "next"}
        end = client.get(api, params={"municipality": "mun:21004", "per_page": "4", "page": "3"})
        assert len(parsed(end.content, QueryResultsFormat.JSON)[1]) == 2
        assert set(link_rels(end.headers["Link"])) == {"first", "prev"}
        assert client.get(api, params={"per_page": "11"}).status_code == 400


# ---- a project with queries made for the tests ----------------------------------------------


LAB = {
    "kinds": HEADER
    + "# param: kind | iri | values=cci:Network,cci:School | default=cci:Network\n"
    + "SELECT ?kind (COUNT(?o) AS ?n) WHERE { ?o a ?kind } GROUP BY ?kind\n",
    "few-municipalities": HEADER
    + "SELECT ?m WHERE { ?m a cci:Municipality } ORDER BY ?m LIMIT 3\n",
    "listed-municipality": HEADER
    + "# param: m | iri | values=query:few-municipalities\n"
    + "SELECT ?m ?label WHERE { ?m skos:prefLabel ?label } ORDER BY ?label\n",
    "since": HEADER
    + "# param: since | date | optional\n"
    + 'SELECT ?since ?later WHERE { VALUES ?d { "2019-05-01"^^xsd:date "2021-05-01"^^xsd:date }'
    + " FILTER(COALESCE(?d >= ?since, true)) BIND(STR(?d) AS ?later) } ORDER BY ?later\n",
    "has-municipalities": HEADER + "ASK { ?m a cci:Municipality }\n",
    "broken": "# title: only a title\nSELECT * WHERE { ?s ?p ?o }\n",
}


@pytest.fixture(scope="module")
def lab(
    built: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, httpx.Client]]:
    root = tmp_path_factory.mktemp("lab")
    (root / "queries").mkdir()
    for name, text in LAB.items():
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    settings = built.with_(root=root, var_dir=built.var)
    with app_client(create_app(settings)) as http:
        yield settings, http


def test_values_lists_and_values_from_a_query(lab: tuple[Settings, httpx.Client]) -> None:
    _, client = lab
    ok = client.get("/api/queries/kinds", params={"kind": "cci:School"})
    assert ok.status_code == 200
    assert parsed(ok.content, QueryResultsFormat.JSON)[1][0][0] == NamedNode(
        PREFIXES["cci"] + "School"
    )
    error = error_of(client.get("/api/queries/kinds", params={"kind": "cci:Funder"}))
    assert (
        error["parameter"] == "kind"
        and "allowed values: cci:Network, cci:School" in error["message"]
    )

    listed = client.get("/api/queries/listed-municipality", params={"m": "mun:21001"})
    assert listed.status_code == 200 and parsed(listed.content, QueryResultsFormat.JSON)[1]
    error = error_of(client.get("/api/queries/listed-municipality", params={"m": "mun:21019"}))
    assert error["parameter"] == "m" and "few-municipalities" in error["message"]
    # the form offers exactly the values the other query gives
    page = client.get("/queries/listed-municipality")
    assert page.status_code == 200
    assert re.findall(r'<option value="(mun:\d+)"', page.text) == [
        "mun:21001",
        "mun:21002",
        "mun:21003",
    ]


def test_dates_optional_parameters_and_ask(lab: tuple[Settings, httpx.Client]) -> None:
    _, client = lab
    everything = parsed(client.get("/api/queries/since").content, QueryResultsFormat.JSON)[1]
    assert [value_of(r[1]) for r in everything] == ["2019-05-01", "2021-05-01"]
    assert everything[0][0] is None  # optional and not given: unbound
    later = parsed(
        client.get("/api/queries/since", params={"since": "2020-01-01"}).content,
        QueryResultsFormat.JSON,
    )[1]
    assert [value_of(r[1]) for r in later] == ["2021-05-01"]
    assert (
        error_of(client.get("/api/queries/since", params={"since": "2020-02-30"}))["parameter"]
        == "since"
    )
    ask = client.get("/api/queries/has-municipalities")
    assert ask.status_code == 200 and ask.json() == {"head": {}, "boolean": True}
    assert client.get("/api/queries/has-municipalities", params={"format": "csv"}).text.split() == [
        "_askResult",
        "true",
    ]
    assert '<p class="boolean">' in client.get("/queries/has-municipalities").text


def test_a_broken_file_is_left_out_of_the_catalogue_and_reported(
    lab: tuple[Settings, httpx.Client],
) -> None:
    _, client = lab
    names = [q["name"] for q in client.get("/api/queries").json()["queries"]]
    assert "broken" not in names and "kinds" in names
    response = client.get("/api/queries/broken")
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "QueryFileError"
    assert response.json()["error"]["message"].startswith("queries/broken.rq:")
    assert "/api/queries/broken" not in client.get("/openapi.json").json()["paths"]


# ---- the documentation ----------------------------------------------------------------------


def test_openapi_documents_every_saved_query(built: Settings, client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    for query in saved.load_all(built):
        operation = document["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.titles["en"]
        assert operation["description"].startswith(query.descriptions["en"])
        assert operation["tags"] == list(query.tags)
        assert operation["operationId"] == "saved_query_" + query.name.replace("-", "_")
        params = {p["name"]: p for p in operation["parameters"]}
        assert list(params) == [p.name for p in query.params] + ["format", "page", "per_page"]
        for param in query.params:
            documented = params[param.name]
            assert documented["in"] == "query"
            assert documented["required"] is param.required
            assert documented["schema"] == param.schema()
            assert documented["description"] == param.explain()
        assert set(operation["responses"]["200"]["content"]) >= {
            "application/sparql-results+json",
            "text/csv",
            "text/tab-separated-values",
            "text/html",
        }
        assert "400" in operation["responses"]
    kinds = {
        p["name"]: p
        for p in document["paths"]["/api/queries/organisations-in-several-sectors"]["get"][
            "parameters"
        ]
    }
    assert kinds["at_least"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 50,
        "default": 2,
    }
    assert kinds["lang"]["schema"] == {
        "type": "string",
        "enum": ["fr", "nl", "en"],
        "default": "fr",
    }
    search = {
        p["name"]: p for p in document["paths"]["/api/queries/search-by-name"]["get"]["parameters"]
    }
    assert search["name"]["required"] is True and search["language"]["required"] is False
    sector = {
        p["name"]: p
        for p in document["paths"]["/api/queries/organisations-in-sector"]["get"]["parameters"]
    }
    assert sector["sector"]["schema"]["format"] == "iri"
    assert "scheme:sectors" in sector["sector"]["description"]
    assert "/api/queries" in document["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def test_openapi_lists_allowed_values_as_an_enum(lab: tuple[Settings, httpx.Client]) -> None:
    _, client = lab
    document = client.get("/openapi.json").json()
    (kind,) = [
        p
        for p in document["paths"]["/api/queries/kinds"]["get"]["parameters"]
        if p["name"] == "kind"
    ]
    assert kind["schema"]["enum"] == ["cci:Network", "cci:School"]
    assert kind["schema"]["default"] == "cci:Network"


def test_the_catalogue_as_json(built: Settings, client: httpx.Client) -> None:
    catalogue = client.get("/api/queries").json()["queries"]
    assert [q["name"] for q in catalogue] == [p.stem for p in FILES]
    for entry in catalogue:
        query = saved.get(built, entry["name"])
        assert entry["titles"] == query.titles and entry["descriptions"] == query.descriptions
        assert entry["tags"] == list(query.tags) and entry["chart"] == query.chart
        assert entry["kpi"] == query.kpi
        assert entry["federated"] is (query.federated is not None)
        assert [p["name"] for p in entry["params"]] == [p.name for p in query.params]
        assert entry["links"]["self"] == f"/api/queries/{query.name}"
        assert entry["links"]["csv"] == f"/api/queries/{query.name}?format=csv"
        assert (
            client.get(
                entry["links"]["tsv"], params=arguments(query, open_store(built))
            ).status_code
            == 200
        )


# ---- the pages ------------------------------------------------------------------------------


def test_the_catalogue_page_groups_by_tag_in_three_languages(
    built: Settings, client: httpx.Client
) -> None:
    queries = saved.load_all(built)
    for lang in ("fr", "nl", "en"):
        page = client.get("/queries", params={"lang": lang})
        assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
        text = page.text.replace("&#39;", "'")
        items = re.findall(r'<li><a href="/queries/([\w-]+)\?lang=', text)
        # each query once, under its first tag, in headings all in the page's language
        assert sorted(items) == sorted(q.name for q in queries)
        for query in queries:
            assert query.titles[lang] in text
            assert f'id="{saved_catalogue.tag_id(query.tags[0])}"' in text
            for tag in query.tags:
                assert saved_catalogue.tag_name(tag, lang) != tag, (tag, lang)
    dutch = client.get("/queries", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"})
    assert '<html lang="nl">' in dutch.text and "Opgeslagen query" in dutch.text


def test_the_query_page_has_form_results_chart_downloads_and_editor_link(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    page = client.get("/queries/cultural-places-by-municipality", params={"lang": "en"})
    assert page.status_code == 200
    text = page.text
    assert "<h1>Cultural places by municipality</h1>" in text
    assert (
        '<form class="params" method="get" action="/queries/cultural-places-by-municipality">'
        in text
    )
    assert '<option value="en" selected>' in text
    # the chart: series from the numeric column, labels from the label column
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', text, re.S)
    assert found
    chart = json.loads(found.group(1))
    names, rows = direct(built, store, "cultural-places-by-municipality", {"lang": "en"})
    assert chart["type"] == "bar"
    assert chart["labels"] == [value_of(r[names.index("label")]) for r in rows]
    assert chart["datasets"] == [
        {"label": "places", "data": [float(value_of(r[names.index("places")])) for r in rows]}
    ]
    assert '<script src="/static/lib/chartjs/chart.umd.min.js"></script>' in text
    assert '<script src="/static/app/queries.js"></script>' in text
    assert client.get("/static/app/queries.js").status_code == 200
    # downloads keep the parameters
    for fmt in ("json", "csv", "tsv"):
        href = re.search(
            rf'href="(/api/queries/cultural-places-by-municipality\?[^"]*format={fmt}[^"]*)"', text
        )
        assert href, fmt
        download = client.get(href.group(1).replace("&amp;", "&"))
        assert download.status_code == 200
        assert parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)["lang"] == ["en"]
    # the SPARQL text, and the editor link carrying it
    assert "?municipality ?label ?lang (COUNT(DISTINCT ?place) AS ?places)" in text
    editor = re.search(r'<a href="(/query\?[^"]*)" class="editor-link">', text)
    assert editor
    carried = parse_qs(urlsplit(editor.group(1).replace("&amp;", "&")).query)
    assert carried["query"] == [saved.get(built, "cultural-places-by-municipality").text]
    # a table-only query draws no chart
    table = client.get("/queries/organisations-in-sector", params={"sector": "sector:audiovisual"})
    assert table.status_code == 200 and "chart-data" not in table.text
    assert "chart.umd.min.js" not in table.text


def chart_of(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert found, "the page carries no chart-data"
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


def test_a_map_query_gives_its_rows_geometries_for_leaflet(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    args = {"municipality": "mun:21009", "lang": "en"}
    page = client.get("/queries/cultural-places-in-municipality", params=args)
    assert page.status_code == 200
    chart = chart_of(page.text)
    assert chart["type"] == "map" and chart["lang"] == "en"
    assert chart["tiles"] == built.tile_url and chart["boundaries"].startswith("/map/boundaries")  # type: ignore[attr-defined]
    names, rows = direct(built, store, "cultural-places-in-municipality", args)
    placed = [r for r in rows[: saved_api.PER_PAGE] if r[names.index("wkt")] is not None]
    features = chart["geojson"]["features"]  # type: ignore[index]
    assert placed and len(features) == len(placed)
    for feature, row in zip(features, placed, strict=True):
        place, wkt = row[names.index("place")], row[names.index("wkt")]
        lon, lat = (float(x) for x in re.findall(r"-?[0-9.]+", value_of(wkt))[-2:])
        assert feature["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
        assert feature["id"] == value_of(place)
        assert feature["properties"]["href"] == "/" + value_of(place)[len(built.base) :]
        assert feature["properties"]["label"] == value_of(row[names.index("label")])
    # Leaflet from node_modules, no Chart.js
    assert '<link rel="stylesheet" href="/static/lib/leaflet/leaflet.css">' in page.text
    assert '<script src="/static/lib/leaflet/leaflet.js"></script>' in page.text
    assert "chart.umd.min.js" not in page.text
    assert client.get("/static/lib/leaflet/leaflet.js").status_code == 200


def test_a_network_query_gives_its_rows_as_cytoscape_elements(
    built: Settings, store: GraphStore, client: httpx.Client
) -> None:
    args = {"sector": "sector:all-cci", "lang": "en"}
    page = client.get("/queries/relations-in-sector", params=args)
    assert page.status_code == 200
    chart = chart_of(page.text)
    assert chart["type"] == "network"
    names, rows = direct(built, store, "relations-in-sector", args)
    shown = rows[: saved_api.PER_PAGE]
    elements = chart["elements"]
    edges = [e["data"] for e in elements["edges"]]  # type: ignore[index]
    nodes = {n["data"]["id"]: n["data"] for n in elements["nodes"]}  # type: ignore[index]
    a, b = names.index("organisation"), names.index("other")
    assert [(e["source"], e["target"]) for e in edges] == [
        (value_of(r[a]), value_of(r[b])) for r in shown
    ]
    assert set(nodes) == {value_of(r[a]) for r in shown} | {value_of(r[b]) for r in shown}
    for r in shown:
        assert nodes[value_of(r[a])]["label"] == value_of(r[names.index("organisationLabel")])
    assert {e["label"] for e in edges} == {value_of(r[names.index("relation")]) for r in shown}
    assert '<script src="/static/lib/cytoscape/cytoscape.min.js"></script>' in page.text


def test_charts_from_hand_made_rows() -> None:
    from endpoint.saved import charts as querycharts

    def query(chart: str) -> SavedQuery:
        return SavedQuery("q", {}, {}, ("t",), chart, None, (), "")

    cci = PREFIXES["cci"]
    wkt = NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
    rows: list[dict[str, Term | None]] = [
        {
            "m": NamedNode(cci + "m1"),
            "name": Literal("Square", language="en"),
            "shape": Literal("POLYGON((4 50, 4.1 50, 4.1 50.1, 4 50))", datatype=wkt),
        },
        {"m": NamedNode(cci + "m2"), "name": Literal("Nowhere"), "shape": None},
    ]
    chart = querycharts.chart_data(query("map"), ["m", "name", "shape"], rows, PREFIXES, cci)
    assert chart is not None
    (feature,) = chart["geojson"]["features"]  # the row without geometry is left out
    assert feature["geometry"] == {
        "type": "Polygon",
        "coordinates": [[[4.0, 50.0], [4.1, 50.0], [4.1, 50.1], [4.0, 50.0]]],
    }
    assert feature["properties"] == {"label": "Square", "lang": "en", "href": "/m1"}
    # no geometry column, or fewer than two IRI columns: nothing to draw
    assert querycharts.chart_data(query("map"), ["m", "name"], rows, PREFIXES) is None
    assert querycharts.chart_data(query("network"), ["m", "name"], rows, PREFIXES) is None
    assert querycharts.chart_data(query("table"), ["m", "name"], rows, PREFIXES) is None


def test_the_page_asks_for_required_parameters_before_running(client: httpx.Client) -> None:
    page = client.get("/queries/search-by-name", params={"lang": "fr"})
    assert page.status_code == 200
    assert "Remplissez les paramètres" in page.text
    assert '<input id="param-name" name="name" type="text" value="" required>' in page.text
    assert 'class="results"' not in page.text
    found = client.get("/queries/search-by-name", params={"lang": "fr", "name": "brussels"})
    assert found.status_code == 200 and 'class="results"' in found.text
    assert "Brussels Creative" in found.text
    # select lists of the graph's members, labelled in the reader's language
    sector = client.get("/queries/organisations-in-sector", params={"lang": "nl"})
    assert '<option value="sector:music">muziek (sector:music)</option>' in sector.text
    assert '<option value="sector:all-cci" selected>' in sector.text


# ---- in a real browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_url(built: Settings) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, in a thread of this process."""
    with serve(create_app(built), "/queries") as url:
        yield url


def test_chart_form_and_editor_link_in_chromium(
    live_url: str, built: Settings, chromium: Chromium
) -> None:
    from playwright.sync_api import ConsoleMessage, Request

    problems: list[str] = []
    tile_host = urlsplit(built.tile_url.replace("{s}", "a")).hostname
    local = urlsplit(live_url).hostname

    def is_tile(url: str) -> bool:
        return urlsplit(url).hostname == tile_host

    def on_console(message: ConsoleMessage) -> None:
        # the tiles fail on purpose (no network here): their errors are expected
        if message.type == "error" and not is_tile((message.location or {}).get("url", "")):
            problems.append(f"console: {message.text}")

    def on_request(request: Request) -> None:
        if not is_tile(request.url) and urlsplit(request.url).hostname not in (local, None):
            problems.append(f"left this machine: {request.url}")

    with chromium as browser:
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            page.on("console", on_console)
            page.on("request", on_request)
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )
            page.route(lambda url: is_tile(url), lambda route: route.abort())
            page.goto(live_url + "/queries/cultural-places-by-municipality?lang=en")
            page.wait_for_selector("figure.chart:not([hidden]) canvas", timeout=20_000)
            drawn = page.evaluate("() => Chart.getChart(document.getElementById('chart')).data")
            assert drawn["labels"][0] == "Bruxelles" and drawn["datasets"][0]["data"][0] > 100

            # a map query: Leaflet draws a marker per place with coordinates, over the
            # municipalities' outlines, although no tile loads
            page.goto(live_url + "/queries/cultural-places-in-municipality?lang=en")
            page.wait_for_selector("#query-map[data-ready=true]", timeout=20_000)
            assert page.locator("figure.chart.map").is_visible()
            features = int(page.locator("#query-map").get_attribute("data-features") or 0)
            markers = page.locator("#query-map .leaflet-marker-icon")
            assert features > 0 and markers.count() == features
            assert page.locator("#query-map path.municipality-outline").count() == 19
            markers.first.click()
            link = page.locator("#query-map .leaflet-popup-content a")
            link.wait_for(timeout=10_000)
            assert re.fullmatch(r"/id/place/[^?]+\?lang=en", link.get_attribute("href") or "")

            # a network query: Cytoscape.js draws its relations
            page.goto(live_url + "/queries/relations-in-sector?lang=en")
            page.wait_for_selector("#query-network[data-ready=true]", timeout=20_000)
            counts = page.evaluate(
                "() => [window.kgQueryNetwork.nodes().length, window.kgQueryNetwork.edges().length]"
            )
            chart = chart_of(page.content())
            elements = chart["elements"]
            assert counts == [len(elements["nodes"]), len(elements["edges"])] and counts[1] > 0  # type: ignore[index]

            # the form runs the query without JavaScript's help (a plain GET)
            page.goto(live_url + "/queries/search-by-name?lang=fr")
            page.fill("#param-name", "design")
            page.click("form.params button[type=submit]")
            page.wait_for_selector("section.results")
            assert parse_qs(urlsplit(page.url).query)["name"] == ["design"]
            assert page.locator("section.results tbody tr").count() > 0

            # the editor link opens the query's text in a YASGUI tab
            page.goto(live_url + "/queries/organisations-by-kind?lang=en")
            page.click("a.editor-link")
            page.wait_for_selector(".yasgui .yasqe .CodeMirror", timeout=20_000)
            text = page.evaluate(
                "() => document.querySelector('.yasqe .CodeMirror').CodeMirror.getValue()"
            )
            assert text == (ROOT / "queries" / "organisations-by-kind.rq").read_text()
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


def test_a_runaway_saved_query_is_stopped_at_the_time_limit(
    built: Settings, tmp_path: Path
) -> None:
    """Saved queries run in the killable query workers like /sparql, their parameters
    travelling with the job: at the limit the client gets 503 and the CPU comes back."""
    import time

    import psutil

    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "runaway.rq").write_text(
        HEADER
        + "# param: m | iri | class=cci:Municipality | default=mun:21001\n"
        + "SELECT ?m (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?m a cci:Municipality }"
        + " GROUP BY ?m\n",
        encoding="utf-8",
    )
    settings = built.with_(root=tmp_path, var_dir=built.var, query_timeout=2.0)
    with app_client(create_app(settings)) as client:
        started = time.monotonic()
        response = client.get("/api/queries/runaway", params={"m": "mun:21004"})
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert response.json()["error"]["type"] == "QueryTimeout"
        assert 1.9 < elapsed < 6
        time.sleep(0.5)
        workers = [
            p
            for p in psutil.Process().children(recursive=True)
            if "forkserver" in " ".join(p.cmdline())
        ]
        for p in workers:  # each one's CPU over the same half second
            p.cpu_percent(None)
        time.sleep(0.5)
        assert workers and all(p.cpu_percent(None) < 50 for p in workers)
        # nor in this process (a query in a thread here would go on to its end)
        assert psutil.Process().cpu_percent(interval=1.0) < 50
