"""The DCAT-AP catalogue (`/catalog`): what it says against what the store and the dumps
hold, the official DCAT-AP 3.0.1 shapes run with pyshacl, the recommended shapes' warnings
against the list in docs/catalog.md, the data.europa.eu MQA score against the figure the
docs give, and the licences VoID states graph by graph."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import rdflib
import rdflib.compare
from pyoxigraph import QuerySolutions, RdfFormat, Triple, parse
from pyshacl import validate

from endpoint.app import create_app
from endpoint.sparql.void import dumps_dir
from kg.namespaces import DCAT, DCT, EU_AUTHORITY, RDF, SKOS, VOID
from kg.publish import mqa
from kg.publish.catalog import FILE_NAME, build_day, write_catalog
from kg.publish.dumps import read_dumps
from kg.publish.licences import PROJECT_LICENCE
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import app_client
from tests.conftest import SHARED
from tests.jsonld import inlined, parsed, served_context

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "data" / "reference" / "dcat-ap-3.0.1"
DOC = ROOT / "docs" / "catalog.md"
SPDX = "http://spdx.org/rdf/terms#"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
#: the shared reference material, when this machine has it (tests that compare with it)
REFERENCE = SHARED / "reference"

#: the official validator's "Full" profile of 3.0.1, less imports.ttl (remote ontologies,
#: which the catalogue replaces by stating the types it uses)
FULL = ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl", "deprecateduris.ttl")


@pytest.fixture(scope="module")
def client(built: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


@pytest.fixture(scope="module")
def catalogue(built: Settings) -> list[Triple]:
    return mqa.catalogue_triples(dumps_dir(built) / FILE_NAME)


def text(term: object) -> str:
    """An IRI's or literal's text (the catalogue has no blank nodes, no RDF-star)."""
    return str(getattr(term, "value", ""))


def values(triples: list[Triple], s: str, p: str) -> list[str]:
    return sorted(
        text(t.object) for t in triples if text(t.subject) == s and t.predicate.value == p
    )


def of_type(triples: list[Triple], cls: str) -> set[str]:
    return {
        text(t.subject)
        for t in triples
        if t.predicate.value == RDF + "type" and text(t.object) == cls
    }


def as_rdflib(triples: list[Triple]) -> rdflib.Graph:
    from pyoxigraph import serialize

    return rdflib.Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")


# --- served --------------------------------------------------------------------------------


def test_catalogue_is_served_in_every_format_by_accept_and_suffix(
    client: httpx.Client, catalogue: list[Triple]
) -> None:
    expected = set(catalogue)
    for media, ext, fmt in (
        ("text/turtle", "ttl", RdfFormat.TURTLE),
        ("application/ld+json", "jsonld", RdfFormat.JSON_LD),
        ("application/rdf+xml", "rdf", RdfFormat.RDF_XML),
        ("application/n-triples", "nt", RdfFormat.N_TRIPLES),
    ):
        negotiated = client.get("/catalog", headers={"Accept": media})
        suffixed = client.get(f"/catalog.{ext}")
        for answer in (negotiated, suffixed):
            assert answer.status_code == 200, answer.text
            assert answer.headers["content-type"].startswith(media)
            assert {q.triple for q in parsed(answer.content, fmt, client)} == expected, media
        assert "/catalog.jsonld" in negotiated.headers["link"]
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    missing = client.get("/catalog.xlsx")
    assert missing.status_code == 404 and "ttl" in missing.json()["error"]["message"]


def test_home_void_and_service_description_link_the_catalogue(
    client: httpx.Client, built: Settings
) -> None:
    assert 'href="/catalog"' in client.get("/", headers={"Accept": "text/html"}).text
    catalog = built.base + "catalog"
    void = {q.triple for q in parse(client.get("/void.ttl").content, RdfFormat.TURTLE)}
    assert any(t.object.value == catalog for t in void)
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert any(
        q.triple.object.value.endswith("/catalog") for q in parse(sd.content, RdfFormat.TURTLE)
    )


# --- content -------------------------------------------------------------------------------


def test_one_dataset_per_graph_and_the_whole_graph(
    built: Settings, catalogue: list[Triple]
) -> None:
    store = open_store(built, read_only=True)
    graphs = set(store.named_graphs())
    catalog = built.base + "catalog"
    kg = built.base + "id/dataset/kg"
    listed = set(values(catalogue, catalog, DCAT + "dataset"))
    assert listed == graphs | {kg}
    assert of_type(catalogue, DCAT + "Dataset") == listed
    assert set(values(catalogue, kg, DCT + "hasPart")) == graphs
    service = built.base + "sparql"
    assert set(values(catalogue, service, DCAT + "servesDataset")) == listed
    assert values(catalogue, service, DCAT + "endpointURL") == [service]
    assert values(catalogue, service, DCAT + "endpointDescription") == [service]
    for dataset in listed:
        for p in (DCT + "title", DCT + "description", DCAT + "distribution", DCAT + "theme"):
            assert values(catalogue, dataset, p), (dataset, p)


def test_dump_distributions_match_the_files(built: Settings, catalogue: list[Triple]) -> None:
    directory = dumps_dir(built)
    _, dumps = read_dumps(directory)
    assert dumps
    kg = built.base + "id/dataset/kg"
    for dump in dumps:
        url = built.base + "dumps/" + dump.name
        assert url in values(catalogue, kg, DCAT + "distribution")
        data = (directory / dump.name).read_bytes()
        assert values(catalogue, url, DCAT + "byteSize") == [str(len(data))]
        checksum = values(catalogue, url, SPDX + "checksum")
        assert len(checksum) == 1
        assert values(catalogue, checksum[0], SPDX + "checksumValue") == [
            hashlib.sha256(data).hexdigest()
        ]
        assert values(catalogue, url, DCAT + "mediaType") == [
            "https://www.iana.org/assignments/media-types/" + dump.media_type
        ]
        assert values(catalogue, url, DCAT + "downloadURL") == [url]


def test_contact_area_and_periods(built: Settings, tmp_path: Path) -> None:
    """The contact address comes from the settings; the area's box holds every municipality;
    a source's year is its graph's period."""
    settings = Settings(root=built.root, var_dir=built.var, contact_email="data@example.org")
    store = open_store(settings, read_only=True)
    build_id, dumps = read_dumps(dumps_dir(built))
    path = write_catalog(settings, store, tmp_path, dumps, build_day(build_id))
    triples = mqa.catalogue_triples(path)
    contact = built.base + "catalog#contact"
    assert values(triples, contact, "http://www.w3.org/2006/vcard/ns#hasEmail") == [
        "mailto:data@example.org"
    ]
    box = values(triples, "http://data.europa.eu/nuts/code/BE100", DCAT + "bbox")
    corners = [float(v) for v in re.findall(r"-?[\d.]+", box[0])]
    west, south, east, north = corners[0], corners[1], corners[2], corners[5]
    rows = store.query(
        "SELECT ?wkt WHERE { ?m a cci:Municipality ; locn:geometry/geo:asWKT ?wkt }",
        prefixes={
            "cci": built.base + "ontology#",
            "locn": "http://www.w3.org/ns/locn#",
            "geo": "http://www.opengis.net/ont/geosparql#",
        },
    )
    assert isinstance(rows, QuerySolutions)
    points = [
        (float(x), float(y))
        for row in rows
        for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", row["wkt"].value)
    ]
    assert len(points) > 19
    assert all(
        west - 1e-4 <= x <= east + 1e-4 and south - 1e-4 <= y <= north + 1e-4 for x, y in points
    )
    graph = built.base + "graph/import/municipalities"
    period = values(triples, graph, DCT + "temporal")
    assert values(triples, period[0], DCAT + "startDate") == ["2020"]


def test_each_graph_states_the_licences_its_sources_state(
    built: Settings, catalogue: list[Triple]
) -> None:
    store = open_store(built, read_only=True)
    rows = store.query(
        "SELECT ?g ?l WHERE { GRAPH ?g { ?g dct:source ?d } ?d dct:license ?l }",
        prefixes={"dct": DCT},
    )
    assert isinstance(rows, QuerySolutions)
    stated: dict[str, set[str]] = {}
    for row in rows:
        stated.setdefault(row["g"].value, set()).add(row["l"].value)
    assert stated, "the importers state licences"
    for graph in store.named_graphs():
        expected = stated.get(graph, {PROJECT_LICENCE})
        assert set(values(catalogue, graph, DCT + "license")) == expected, graph
    municipalities = built.base + "graph/import/municipalities"
    assert len(stated[municipalities]) == 2
    # one file of CC0 and MIT data can be offered under MIT; the whole graph under no one
    (turtle,) = values(catalogue, municipalities, DCAT + "distribution")
    assert values(catalogue, turtle, DCT + "license") == [EU_AUTHORITY + "licence/MIT"]
    kg = built.base + "id/dataset/kg"
    every = set().union(*stated.values(), {PROJECT_LICENCE})
    assert set(values(catalogue, kg, DCT + "license")) == every
    for dump in values(catalogue, kg, DCAT + "distribution"):
        assert values(catalogue, dump, DCT + "license") == []
        assert values(catalogue, dump, DCT + "rights")
    # curated text credited to its document
    seed = built.base + "graph/curated/seed-001-cci-platform-internationalisation"
    assert values(catalogue, seed, "http://www.w3.org/ns/prov#wasDerivedFrom") == [
        built.base + "id/document/seed-001"
    ]


def test_void_states_the_licence_of_each_graph(client: httpx.Client, built: Settings) -> None:
    void = [q.triple for q in parse(client.get("/void.ttl").content, RdfFormat.TURTLE)]
    kg = built.base + "id/dataset/kg"
    municipalities = built.base + "graph/import/municipalities"
    assert set(values(void, municipalities, DCT + "license")) == {
        EU_AUTHORITY + "licence/CC0",
        EU_AUTHORITY + "licence/MIT",
    }
    curated = built.base + "graph/curated/seed-001-cci-platform-internationalisation"
    assert values(void, curated, DCT + "license") == [PROJECT_LICENCE]
    subsets = values(void, kg, VOID + "subset")
    licensed = {t.subject.value for t in void if t.predicate.value == DCT + "license"}
    assert {s for s in subsets if "#linkset-" not in s} <= licensed
    assert len(values(void, kg, DCT + "license")) > 1


def test_concepts_come_from_the_eu_tables(catalogue: list[Triple]) -> None:
    """Every theme, language, format and frequency used is described with its scheme, and
    (where the reference material is at hand) with the labels the authority table gives."""
    used = {
        text(t.object)
        for t in catalogue
        if t.predicate.value
        in (DCAT + "theme", DCT + "language", DCT + "format", DCT + "accrualPeriodicity")
    }
    assert used
    for concept in used:
        scheme = concept.rsplit("/", 1)[0]
        assert values(catalogue, concept, SKOS + "inScheme") == [scheme], concept
        assert values(catalogue, concept, SKOS + "prefLabel"), concept
    tables = REFERENCE / "vocab" / "op-authority"
    if not tables.is_dir():
        pytest.skip(f"{tables} is not on this machine")
    official = rdflib.Graph()
    for name in tables.glob("*.rdf"):
        official.parse(name)
    for concept in used:
        mine = {
            (text(t.object), getattr(t.object, "language", None))
            for t in catalogue
            if text(t.subject) == concept and t.predicate.value == SKOS + "prefLabel"
        }
        theirs = {
            (str(lit), getattr(lit, "language", None))
            for lit in official.objects(rdflib.URIRef(concept), rdflib.SKOS.prefLabel)
        }
        assert mine and mine <= theirs, concept


# --- the official shapes --------------------------------------------------------------------


def shapes_graph(names: tuple[str, ...], patched: bool = False) -> rdflib.Graph:
    g = rdflib.Graph()
    for name in names:
        text = (SHAPES / name).read_text(encoding="utf-8")
        if patched:
            # the one defect of the 3.0.1 shapes that a correct catalogue meets (see
            # docs/catalog.md): SPDX's own IRIs are http, the pattern wants https
            text = text.replace(
                'sh:pattern "^https://spdx.org/rdf/terms"',
                'sh:pattern "^https?://spdx.org/rdf/terms"',
            )
        g.parse(data=text, format="turtle")
    return g


def results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[str, str, str, str]]:
    """(severity, focus node, path, value) of each top-level result."""
    _, report, _ = validate(data, shacl_graph=shapes, allow_warnings=True)
    out = []
    for r in report.objects(None, SH.result):
        out.append(
            (
                str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
                str(report.value(r, SH.focusNode)),
                str(report.value(r, SH.resultPath)),
                str(report.value(r, SH.value)),
            )
        )
    return out


@pytest.fixture(scope="module")
def full_results(catalogue: list[Triple]) -> list[tuple[str, str, str, str]]:
    return results(as_rdflib(catalogue), shapes_graph(FULL))


def test_no_violation_of_the_official_shapes(
    catalogue: list[Triple], full_results: list[tuple[str, str, str, str]]
) -> None:
    violations = [r for r in full_results if r[0] == "Violation"]
    # unpatched, the only violations are the checksums' algorithm, the SPDX IRI itself
    checksums = of_type(catalogue, SPDX + "Checksum")
    assert checksums
    assert {(r[1], r[2], r[3]) for r in violations} == {
        (c, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256") for c in checksums
    }
    patched = results(as_rdflib(catalogue), shapes_graph(FULL, patched=True))
    assert [r for r in patched if r[0] == "Violation"] == []


def documented_warnings() -> set[tuple[str, str]]:
    """(shapes file, property) of each row of the warnings table in docs/catalog.md."""
    rows = re.findall(r"^\| `([\w.-]+\.ttl)` \| `([\w:]+)` \|", DOC.read_text(), re.M)
    return set(rows)


def short(iri: str) -> str:
    for prefix, ns in (("dcatap", "http://data.europa.eu/r5r/"), ("dcat", DCAT), ("dct", DCT)):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def test_remaining_warnings_are_the_documented_ones(
    catalogue: list[Triple], full_results: list[tuple[str, str, str, str]]
) -> None:
    recommended = results(as_rdflib(catalogue), shapes_graph(("shapes_recommended.ttl",)))
    assert all(r[0] == "Warning" for r in recommended)
    found = {("shapes_recommended.ttl", short(r[2])) for r in recommended}
    found |= {
        ("mdr-vocabularies.shape.ttl", short(r[2])) for r in full_results if r[0] == "Warning"
    }
    assert found == documented_warnings()


# --- the MQA score --------------------------------------------------------------------------


def test_mqa_score_is_the_one_the_docs_give(
    client: httpx.Client, built: Settings, catalogue: list[Triple]
) -> None:
    def reachable(url: str) -> bool:
        assert url.startswith(built.base), url
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.get(path).status_code == 200

    patched = results(as_rdflib(catalogue), shapes_graph(FULL, patched=True))
    compliant = not [r for r in patched if r[0] == "Violation"]
    scored = mqa.score(catalogue, mqa.Tables.read(built.root), reachable, compliant)
    by_name = {i.name: i for i in scored.indicators}
    assert sum(i.points for i in scored.indicators) == mqa.TOTAL
    # every access URL and every download URL given answers
    accessed = by_name["dcat:accessURL answers"]
    assert accessed.met == accessed.population > 0
    assert by_name["dcat:downloadURL answers"].met == by_name["dcat:downloadURL"].met > 0
    match = re.search(r"MQA score: \*\*([\d.]+)\*\* of 405 \((\w+)\)", DOC.read_text())
    assert match, "docs/catalog.md gives the score"
    table = "\n".join(f"{i.name}: {i.met}/{i.population}, {i.earned}" for i in scored.indicators)
    print(f"MQA score {scored.total} ({scored.rating})\n{table}")
    # every graph added moves the figure a little: the docs need a new one past ten points
    assert match.group(2) == scored.rating
    assert abs(float(match.group(1)) - scored.total) <= 10, scored.total


def test_mqa_counts_what_is_missing(built: Settings, catalogue: list[Triple]) -> None:
    """Taking the keywords and the licences out lowers the score by their indicators."""
    tables = mqa.Tables.read(built.root)
    full = mqa.score(catalogue, tables, lambda _: True, True)
    stripped = [
        t for t in catalogue if t.predicate.value not in (DCAT + "keyword", DCT + "license")
    ]
    less = mqa.score(stripped, tables, lambda _: True, True)
    lost = {i.name: i.earned for i in full.indicators}
    for i in less.indicators:
        if i.name in ("dcat:keyword", "dct:license", "licence from vocabulary"):
            assert i.earned == 0 and lost[i.name] > 0
    assert less.total < full.total
    unreachable = mqa.score(catalogue, tables, lambda _: False, True)
    for i in unreachable.indicators:
        if i.name.endswith("answers"):
            assert i.earned == 0 and lost[i.name] > 0


def test_the_jsonld_context_is_published_for_others_to_use(client: httpx.Client) -> None:
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "max-age" in response.headers["cache-control"]
    context = served_context(client)["@context"]
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["skos"] == str(SKOS)
    assert context["dcat"] == str(DCAT)
    assert client.head("/context.jsonld").status_code == 200


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/organisation/hub-brussels.jsonld", None),
        ("/id/concept/sector/all-cci.jsonld", None),
        ("/catalog.jsonld", None),
        ("/void.jsonld", None),
        ("/sparql", "application/ld+json"),  # the service description
        ("/ontology", "application/ld+json"),
    ],
)
def test_every_jsonld_document_compacts_to_readable_keys_and_means_its_turtle(
    client: httpx.Client, path: str, accept: str | None
) -> None:
    """Compacted with the published context, read back by another JSON-LD processor
    (rdflib's), the document says exactly what the Turtle twin says."""
    headers = {"Accept": accept} if accept else {}
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["@context"] == str(client.base_url).rstrip("/") + "/context.jsonld"
    nodes = document["@graph"]
    assert nodes and all(isinstance(n, dict) for n in nodes)
    keys = {k for n in nodes for k in n}
    assert "id" in keys and "@id" not in keys and "@type" not in keys
    # no key spelled out in full where a prefix of the context covers it
    prefixes = served_context(client)["@context"]
    covered = [ns for ns in prefixes.values() if ns.startswith("http")]
    assert not [k for k in keys if any(k.startswith(ns) for ns in covered)], keys
    turtle_headers = {"Accept": "text/turtle"}
    turtle_path = path[: -len(".jsonld")] + ".ttl" if path.endswith(".jsonld") else path
    turtle = client.get(turtle_path, headers=turtle_headers)
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    read = rdflib.Graph().parse(
        data=inlined(answer.content, served_context(client)), format="json-ld"
    )
    expected = rdflib.Graph().parse(data=turtle.content, format="turtle")
    assert len(read) == len(expected) > 0
    assert rdflib.compare.isomorphic(read, expected)
