"""Dumps and the VoID description: the files hold exactly the store, the description's
counts equal counts made another way, and the routes serve both (with 406 and 404)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
)

import endpoint.sparql.void
from endpoint.app import create_app
from kg.deployment import graph_texts
from kg.namespaces import DEFAULT_BASE, REUSED_PREFIXES
from kg.publish.dumps import MANIFEST, NQUADS, NTRIPLES, TURTLE, Dump, read_dumps, write_dumps
from kg.publish.void import FILE_NAME, TARGETS, publish, statistics, void_description
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore, open_store
from tests.asgi import app_client
from tests.conftest import ROOT
from tests.jsonld import parsed as parsed_answer

RDF_TYPE = REUSED_PREFIXES["rdf"] + "type"
VOID = REUSED_PREFIXES["void"]
DCT = REUSED_PREFIXES["dct"]
DCAT = REUSED_PREFIXES["dcat"]
SPDX = "http://spdx.org/rdf/terms#"
ORGANIZATION = REUSED_PREFIXES["org"] + "Organization"
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


# --- helpers ------------------------------------------------------------------------------


def store_quads(store: GraphStore) -> set[Quad]:
    """Every quad, read through SPARQL (not through the dump code)."""
    rows = store.query(ALL_QUADS)
    assert isinstance(rows, QuerySolutions)
    return {Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows}


def union(quads: set[Quad]) -> set[Triple]:
    return {q.triple for q in quads}


def parsed(path: Path, fmt: RdfFormat) -> list[Quad]:
    data = path.read_bytes()
    return list(parse(gzip.decompress(data) if path.suffix == ".gz" else data, fmt))


def graph_of(quad: Quad) -> str:
    """The name of the graph a quad is in (the dumps and the store query hold no default
    graph)."""
    assert isinstance(quad.graph_name, NamedNode | BlankNode), quad
    return quad.graph_name.value


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def objects(triples: list[Triple], s: str, p: str) -> list[NamedNode | BlankNode | Literal]:
    found: list[NamedNode | BlankNode | Literal] = []
    for t in triples:
        if t.subject == NamedNode(s) and t.predicate.value == p:
            assert not isinstance(t.object, Triple), t  # VoID has no RDF-star triple terms
            found.append(t.object)
    return found


def one(triples: list[Triple], s: str, p: str) -> NamedNode | BlankNode | Literal:
    found = objects(triples, s, p)
    assert len(found) == 1, (s, p, found)
    return found[0]


def count(triples: list[Triple], s: str, p: str) -> int:
    return int(one(triples, s, p).value)


def partitions(triples: list[Triple], kind: str, key: str, value: str) -> dict[str, int]:
    """``{class or property: count}`` from the class or property partitions."""
    out = {}
    for part in objects(triples, DATASET, VOID + kind):
        out[one(triples, part.value, VOID + key).value] = count(triples, part.value, VOID + value)
    return out


def linksets(triples: list[Triple]) -> dict[tuple[str, str], int]:
    """``{(objects target, link predicate): triples}``."""
    out = {}
    for subset in objects(triples, DATASET, VOID + "subset"):
        if NamedNode(VOID + "Linkset") in objects(triples, subset.value, RDF_TYPE):
            target = one(triples, subset.value, VOID + "objectsTarget").value
            predicate = one(triples, subset.value, VOID + "linkPredicate").value
            out[(target, predicate)] = count(triples, subset.value, VOID + "triples")
    return out


DATASET = DEFAULT_BASE + "id/dataset/kg"
ENDPOINT = DEFAULT_BASE + "sparql"


# --- a small store whose counts are known by hand -------------------------------------------

PREFIXES = """
@prefix o: <https://data.creative.brussels/id/organisation/> .
@prefix doc: <https://data.creative.brussels/id/document/> .
@prefix sector: <https://data.creative.brussels/id/concept/sector/> .
@prefix essnet: <https://data.creative.brussels/id/concept/essnet/> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix nace: <http://data.europa.eu/ux2/nace2/> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .
"""
GRAPH_A = DEFAULT_BASE + "graph/curated/a"
GRAPH_B = DEFAULT_BASE + "graph/curated/b"
#: 14 triples
SMALL_A = f"""{PREFIXES}
<{GRAPH_A}> dct:source doc:a ; dct:title "A"@en .
o:x a org:Organization , foaf:Agent ; skos:prefLabel "X"@en ;
    owl:sameAs wd:Q1 , <http://example.org/x> ; dct:isPartOf nuts:BE100 .
o:y a org:Organization ; owl:sameAs wd:Q2 .
sector:music skos:closeMatch nace:9001 , nace:5920 ; skos:exactMatch nace:9002 ;
    skos:broadMatch essnet:music .
"""
#: 6 triples, two of them also in graph A
SMALL_B = f"""{PREFIXES}
<{GRAPH_B}> dct:source doc:b .
o:x a org:Organization ; owl:sameAs wd:Q1 ; cci:refArea nuts:BE100 .
nuts:BE100 skos:prefLabel "Brussels"@en .
[] a org:Organization .
"""


@pytest.fixture
def small(tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore.open(None)
    for graph, text in ((GRAPH_A, SMALL_A), (GRAPH_B, SMALL_B)):
        path = tmp_path / (graph.rsplit("/", 1)[1] + ".ttl")
        path.write_text(text)
        store.load(path, RdfFormat.TURTLE, graph)
    return store


def test_small_store_counts_known_by_hand(small: EmbeddedStore, tmp_path: Path) -> None:
    dumps = write_dumps(small, tmp_path / "dumps", DEFAULT_BASE)
    by_name = {d.name: d for d in dumps}
    assert by_name[NQUADS].triples == 20  # every statement of every graph
    assert by_name[NTRIPLES].triples == by_name[TURTLE].triples == 18  # the union, once each
    triples = void_description(small, DEFAULT_BASE, dumps, ENDPOINT, graph_texts(ROOT))
    assert count(triples, DATASET, VOID + "triples") == 18
    assert count(triples, DATASET, VOID + "distinctSubjects") == 7
    assert count(triples, DATASET, VOID + "entities") == 3  # o:x, o:y, sector:music
    assert count(triples, DATASET, VOID + "properties") == 10
    assert count(triples, DATASET, VOID + "classes") == 2
    dct, skos, owl = DCT, REUSED_PREFIXES["skos"], REUSED_PREFIXES["owl"]
    assert partitions(triples, "propertyPartition", "property", "triples") == {
        dct + "source": 2,
        dct + "title": 1,
        dct + "isPartOf": 1,
        RDF_TYPE: 4,
        skos + "prefLabel": 2,
        skos + "closeMatch": 2,
        skos + "exactMatch": 1,
        skos + "broadMatch": 1,
        owl + "sameAs": 3,
        DEFAULT_BASE + "ontology#refArea": 1,
    }
    assert partitions(triples, "classPartition", "class", "entities") == {
        ORGANIZATION: 3,
        REUSED_PREFIXES["foaf"] + "Agent": 1,
    }
    targets = {t.key: t.dataset for t in TARGETS}
    assert linksets(triples) == {
        (targets["wikidata"], owl + "sameAs"): 2,
        (targets["nace"], skos + "closeMatch"): 2,
        (targets["nace"], skos + "exactMatch"): 1,
        (targets["nuts"], dct + "isPartOf"): 1,
        (targets["nuts"], DEFAULT_BASE + "ontology#refArea"): 1,
    }
    assert [e.value for e in objects(triples, DATASET, VOID + "exampleResource")] == [
        DEFAULT_BASE + "id/organisation/x",
        DEFAULT_BASE + "id/organisation/y",
    ]
    assert count(triples, GRAPH_A, VOID + "triples") == 14
    assert count(triples, GRAPH_B, VOID + "triples") == 6
    assert one(triples, GRAPH_A, DCT + "source").value == DEFAULT_BASE + "id/document/a"
    assert one(triples, GRAPH_A, DCT + "title") == Literal("A", language="en")
    vocabularies = {v.value for v in objects(triples, DATASET, VOID + "vocabulary")}
    assert vocabularies == {
        REUSED_PREFIXES[p] for p in ("rdf", "dct", "skos", "owl", "foaf", "org")
    } | {DEFAULT_BASE + "ontology#"}


class Interface:
    """Only the store interface, no ``raw``: what a remote store offers."""

    def __init__(self, inner: EmbeddedStore) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # whatever the inner store's attribute is
        if name == "raw":
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_dumps_through_the_interface_alone_hold_the_same(
    small: EmbeddedStore, tmp_path: Path
) -> None:
    fast = {d.name: d for d in write_dumps(small, tmp_path / "fast", DEFAULT_BASE)}
    slow = {d.name: d for d in write_dumps(Interface(small), tmp_path / "slow", DEFAULT_BASE)}
    assert {n: d.triples for n, d in slow.items()} == {n: d.triples for n, d in fast.items()}
    for name, fmt in ((NQUADS, RdfFormat.N_QUADS), (NTRIPLES, RdfFormat.N_TRIPLES)):
        assert set(parsed(tmp_path / "slow" / name, fmt)) == set(
            parsed(tmp_path / "fast" / name, fmt)
        )


# --- the real project ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(built: Settings) -> GraphStore:
    return open_store(built)


@pytest.fixture(scope="module")
def written(built: Settings, store: GraphStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dumps, dumps.json and void.ttl of the real build, written here into tmp."""
    out = tmp_path_factory.mktemp("dumps")
    texts = graph_texts(built.root)
    publish(store, out, built.base, built.base + "sparql", texts, build_id="test-build")
    return out


def test_dumps_parse_back_to_exactly_the_store(store: GraphStore, written: Path) -> None:
    quads = store_quads(store)
    build, dumps = read_dumps(written)
    assert build == "test-build"
    by_name = {d.name: d for d in dumps}
    assert set(by_name) == {NQUADS, NTRIPLES, TURTLE}

    nquads = parsed(written / NQUADS, RdfFormat.N_QUADS)
    assert len(nquads) == by_name[NQUADS].triples == len(quads)
    assert set(nquads) == quads
    graphs = Counter(graph_of(q) for q in nquads)
    assert graphs == {g: store.triple_count(g) for g in store.named_graphs()}

    for name, fmt in ((NTRIPLES, RdfFormat.N_TRIPLES), (TURTLE, RdfFormat.TURTLE)):
        triples = [q.triple for q in parsed(written / name, fmt)]
        assert len(triples) == len(set(triples)) == by_name[name].triples, name
        assert set(triples) == union(quads), name


def test_checksums_sizes_and_media_types_describe_the_files(written: Path) -> None:
    _, dumps = read_dumps(written)
    for dump in dumps:
        path = written / dump.name
        assert dump.byte_size == path.stat().st_size
        assert dump.sha256 == sha256(path)
    media = {d.name: (d.media_type, d.content_type) for d in dumps}
    assert media == {
        NQUADS: ("application/n-quads", "application/gzip"),
        NTRIPLES: ("application/n-triples", "application/gzip"),
        TURTLE: ("text/turtle", "text/turtle"),
    }
    with open(written / TURTLE) as ttl:
        assert "@prefix cci: <https://data.creative.brussels/ontology#> ." in ttl.read(10_000)


def test_the_same_store_gives_the_same_bytes(store: GraphStore, tmp_path: Path) -> None:
    first = write_dumps(store, tmp_path / "1", DEFAULT_BASE)
    second = write_dumps(store, tmp_path / "2", DEFAULT_BASE)
    assert [d.sha256 for d in first] == [d.sha256 for d in second]
    assert (tmp_path / "1" / MANIFEST).read_bytes() == (tmp_path / "2" / MANIFEST).read_bytes()


def test_void_counts_equal_counts_made_another_way(
    built: Settings, store: GraphStore, written: Path
) -> None:
    triples = [q.triple for q in parse(path=written / FILE_NAME, format=RdfFormat.TURTLE)]
    quads = store_quads(store)
    graph = union(quads)  # counted here in Python, from the quads
    subjects = {t.subject for t in graph}
    space = built.base + "id/"

    assert count(triples, DATASET, VOID + "triples") == len(graph)
    assert count(triples, DATASET, VOID + "distinctSubjects") == len(subjects)
    entities = {s for s in subjects if isinstance(s, NamedNode) and s.value.startswith(space)}
    assert count(triples, DATASET, VOID + "entities") == len(entities)
    by_property = Counter(t.predicate.value for t in graph)
    assert partitions(triples, "propertyPartition", "property", "triples") == by_property
    assert count(triples, DATASET, VOID + "properties") == len(by_property)
    instances: dict[str, set[object]] = {}
    for t in graph:
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode):
            instances.setdefault(t.object.value, set()).add(t.subject)
    assert partitions(triples, "classPartition", "class", "entities") == {
        c: len(s) for c, s in instances.items()
    }
    assert count(triples, DATASET, VOID + "classes") == len(instances)
    assert one(triples, DATASET, VOID + "uriSpace") == Literal(space)
    assert one(triples, DATASET, VOID + "sparqlEndpoint") == NamedNode(built.base + "sparql")
    titles = set()
    for title in objects(triples, DATASET, DCT + "title"):
        assert isinstance(title, Literal), title
        titles.add(title.language)
    assert titles == {"fr", "nl", "en"}

    # each named graph is a subset with its own count and the source it cites
    per_graph = Counter(graph_of(q) for q in quads)
    subsets = objects(triples, DATASET, VOID + "subset")
    for g, n in per_graph.items():
        assert NamedNode(g) in subsets
        assert count(triples, g, VOID + "triples") == n
        cited = {
            q.object
            for q in quads
            if q.graph_name == NamedNode(g)
            and q.subject == NamedNode(g)
            and q.predicate == NamedNode(DCT + "source")
        }
        assert set(objects(triples, g, DCT + "source")) == cited
        if g.startswith(built.base + "graph/curated/"):
            assert objects(triples, g, DCT + "source"), g

    # linksets: every (target, predicate) with links, counted in Python
    expected: Counter[tuple[str, str]] = Counter()
    for target in TARGETS:
        for t in graph:
            if (
                isinstance(t.object, NamedNode)
                and t.object.value.startswith(target.uri_space)
                and (
                    not target.predicates or t.predicate.value in target.predicates_for(built.base)
                )
            ):
                expected[(target.dataset, t.predicate.value)] += 1
    found = linksets(triples)
    assert found == expected
    nuts = {t.key: t.dataset for t in TARGETS}["nuts"]
    assert found[(nuts, DCT + "isPartOf")] == 19  # the 19 municipalities are in BE100
    assert any(target == {t.key: t.dataset for t in TARGETS}["nace"] for target, _ in found)

    # examples are organisations in the URI space
    examples = objects(triples, DATASET, VOID + "exampleResource")
    assert examples
    for example in examples:
        assert isinstance(example, NamedNode), example
        assert example.value.startswith(space)
        assert Triple(example, NamedNode(RDF_TYPE), NamedNode(ORGANIZATION)) in graph

    # every dump, with its size and checksum
    _, dumps = read_dumps(written)
    assert len(objects(triples, DATASET, VOID + "dataDump")) == len(dumps)
    for dump in dumps:
        url = built.base + "dumps/" + dump.name
        assert NamedNode(url) in objects(triples, DATASET, VOID + "dataDump")
        assert count(triples, url, DCAT + "byteSize") == dump.byte_size
        checksum = one(triples, url, SPDX + "checksum").value
        assert one(triples, checksum, SPDX + "checksumValue").value == dump.sha256


def test_statistics_of_the_real_store_match_a_plain_sparql_count(store: GraphStore) -> None:
    stats = statistics(store, DEFAULT_BASE)
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert isinstance(rows, QuerySolutions)
    assert stats.triples == int(next(iter(rows))["n"].value)
    assert stats.graphs == {g: store.triple_count(g) for g in store.named_graphs()}


# --- over HTTP -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(built: Settings, store: GraphStore) -> Path:
    """The serving build's dumps directory, written here if the build did not."""
    directory = endpoint.sparql.void.dumps_dir(built)
    if not (directory / FILE_NAME).exists():
        build_id = directory.parent.name
        texts = graph_texts(built.root)
        publish(store, directory, built.base, built.base + "sparql", texts, build_id=build_id)
    return directory


@pytest.fixture(scope="module")
def client(built: Settings, published: Path) -> Iterator[httpx.Client]:
    with app_client(create_app(built)) as http:
        yield http


def test_void_is_turtle_by_default_and_negotiated(client: httpx.Client, published: Path) -> None:
    expected = {q.triple for q in parse(path=published / FILE_NAME, format=RdfFormat.TURTLE)}
    for path in ("/.well-known/void", "/void"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/turtle")
        assert response.content == (published / FILE_NAME).read_bytes()
        assert "Accept" in response.headers["vary"]
    for media, fmt in (
        ("application/n-triples", RdfFormat.N_TRIPLES),
        ("application/ld+json", RdfFormat.JSON_LD),
        ("application/rdf+xml", RdfFormat.RDF_XML),
        ("text/turtle", RdfFormat.TURTLE),
    ):
        response = client.get("/.well-known/void", headers={"Accept": media})
        assert response.status_code == 200, media
        assert response.headers["content-type"].split(";")[0] == media
        assert {q.triple for q in parsed_answer(response.content, fmt, client)} == expected, media
    preferred = client.get(
        "/void", headers={"Accept": "application/rdf+xml;q=0.5, application/n-triples"}
    )
    assert preferred.headers["content-type"].startswith("application/n-triples")
    browser = client.get("/void", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/turtle")


def test_void_links_its_alternates(client: httpx.Client) -> None:
    link = client.get("/.well-known/void").headers["link"]
    for media, ext in (
        ("text/turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
    ):
        assert f'/void.{ext}>; rel="alternate"; type="{media}"' in link
        response = client.get(f"/void.{ext}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == media
    unknown = client.get("/void.csv")
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "NotFound"


def test_unacceptable_void_is_406_with_the_error_shape(client: httpx.Client) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "image/png"})
    assert response.status_code == 406
    error = response.json()["error"]
    assert error["type"] == "NotAcceptable" and "text/turtle" in error["message"]
    assert 'rel="alternate"' in response.headers["link"]
    zero = client.get("/void", headers={"Accept": "text/turtle;q=0, application/json;q=0"})
    assert zero.status_code == 406


def test_dumps_page_and_json_list_every_dump(client: httpx.Client, published: Path) -> None:
    build, dumps = read_dumps(published)
    page = client.get("/dumps", params={"lang": "en"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text and "<script" not in page.text
    for dump in dumps:
        assert f'/dumps/{dump.name}" download>{dump.name}</a>' in page.text
        assert dump.sha256 in page.text and f"{dump.triples:,}" in page.text
    listed = client.get("/dumps.json").json()
    assert listed["build"] == build
    assert [Dump.from_json(d) for d in listed["dumps"]] == dumps
    assert [d["url"] for d in listed["dumps"]] == [
        str(client.base_url.join(f"/dumps/{d.name}")) for d in dumps
    ]


def test_each_listed_dump_downloads_intact(client: httpx.Client, published: Path) -> None:
    _, dumps = read_dumps(published)
    for dump in dumps:
        response = client.get(f"/dumps/{dump.name}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == dump.content_type
        assert hashlib.sha256(response.content).hexdigest() == dump.sha256
        assert len(response.content) == dump.byte_size
        assert "sha-256=:" in response.headers["repr-digest"]
        head = client.head(f"/dumps/{dump.name}")
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) == dump.byte_size


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/nothing.nq.gz",
        "/dumps/" + MANIFEST,  # on disk, not a dump
        "/dumps/" + FILE_NAME,
        "/dumps/..%2Fmanifest.json",
        "/dumps/..%2F..%2Fmanifest.json",
        "/dumps/%2e%2e%2fmanifest.json",
        "/dumps/..%2Fstore%2FCURRENT",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps/dataset.ttl%2F",
        "/dumps/sub/dataset.ttl",
    ],
)
def test_only_listed_names_are_served(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert response.json()["error"]["type"] == "NotFound"


def test_a_build_without_dumps_says_so(tmp_path: Path) -> None:
    with app_client(create_app(Settings(var_dir=tmp_path / "var"))) as client:
        missing = client.get("/.well-known/void")
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFound"
        assert client.get("/dumps.json").json()["dumps"] == []
        assert "No files have been written" in client.get("/dumps?lang=en").text
        assert "Aucun fichier" in client.get("/dumps?lang=fr").text
        assert client.get("/dumps/" + NQUADS).status_code == 404


def test_a_tampered_list_is_escaped_and_cannot_reach_outside(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    directory = endpoint.sparql.void.dumps_dir(settings)
    directory.mkdir(parents=True)
    (tmp_path / "var" / "secret.txt").write_text("secret")
    outside = Dump(
        "../secret.txt", "text/plain", None, 6, sha256(tmp_path / "var" / "secret.txt"), 0
    )
    listed = Dump("<i>x.ttl", "text/turtle", None, 0, hashlib.sha256(b"").hexdigest(), 0)
    (directory / listed.name).write_bytes(b"")
    manifest = {
        "build": "<script>alert(1)</script>",
        "dumps": [outside.to_json(), listed.to_json()],
    }
    (directory / MANIFEST).write_text(json.dumps(manifest))
    with app_client(create_app(settings)) as client:
        page = client.get("/dumps").text
        assert "<script>" not in page  # a build id that is no date is not shown at all
        assert "<i>x" not in page and "&lt;i&gt;x.ttl" in page
        assert client.get("/dumps/..%2Fsecret.txt").status_code == 404
        assert client.get("/dumps/%3Ci%3Ex.ttl").status_code == 200


def test_the_service_description_takes_its_counts_from_the_builds_void(
    built: Settings, tmp_path: Path
) -> None:
    # what the build wrote is what counting the serving store gives, graph by graph
    from endpoint.sparql import service

    store = open_store(built)
    void_file = endpoint.sparql.void.dumps_dir(built) / FILE_NAME
    from_void = service.figures_from_void(void_file, built.base)
    assert from_void is not None
    assert from_void == service.figures(store)
    assert from_void.triples > 0 and len(from_void.graphs) > 5
    # no file, or one without the dataset's total: counted instead
    assert service.figures_from_void(tmp_path / "none.ttl", built.base) is None
    other = tmp_path / "other.ttl"
    other.write_text("<http://example.org/d> <http://rdfs.org/ns/void#triples> 3 .\n")
    assert service.figures_from_void(other, built.base) is None
    described = service.describe(built, store, "http://127.0.0.1/sparql", other)
    assert described.figures == from_void
