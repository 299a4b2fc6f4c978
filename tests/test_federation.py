"""Federation with real peers on loopback: this map (a copy of the project, its registry
naming the peers) asks a second instance of this software serving a Flanders map (seed
002's organisations, under another base, from another region's data folder), an ``oxigraph serve`` holding a Flanders map in
W3C ORG terms, one holding a Wallonia map in schema.org terms, a peer that answers after
the time limit, one that answers garbage, and one that the tests start and kill."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.federation.answers import GarbageAnswer, read_alignments, read_answer, request_text
from kg.federation.client import PeerClient
from kg.federation.matching import reviewed
from kg.federation.registry import Peer, allowed, read_peers
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import app_client
from tests.conftest import BIN, free_port
from tests.federation import (
    ORG_MAP,
    SCHEMA_MAP,
    WALLONIA_ALIGNMENTS,
    flanders_region,
    garbage_peer,
    map_copy,
    oxigraph_peer,
    registry,
    serve_on,
    slow_peer,
)

BRUSSELS = "https://data.creative.brussels/"
FLANDERS = "http://flanders.test/"
PEER = BRUSSELS + "id/peer/"
TIMEOUT = 1.0


@dataclass
class Maps:
    brussels: str
    flanders: str
    settings: Settings
    ports: dict[str, int]
    folder: Path


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Maps]:
    with running_maps(tmp_path_factory.mktemp("federation")) as started:
        yield started


@contextmanager
def running_maps(tmp: Path) -> Iterator[Maps]:
    """This map, the second instance and the peers, built and served under ``tmp`` (also
    the fixture of tests/test_federated_queries.py)."""
    names = ("brussels", "flanders", "org", "schema", "slow", "garbage", "mortal")
    ports = {name: free_port() for name in names}

    def url(name: str) -> str:
        return f"http://127.0.0.1:{ports[name]}"

    ours = registry(
        {
            "flanders": (url("flanders") + "/sparql", "cci", FLANDERS + "ontology#"),
            "flanders-org": (url("org") + "/query", "org", None),
            "wallonia": (url("schema") + "/query", "schema", None),
            "slow": (url("slow") + "/sparql", "cci", None),
            "garbage": (url("garbage") + "/sparql", "cci", None),
            "mortal": (url("mortal") + "/query", "schema", None),
        }
    )
    root = map_copy(tmp / "brussels", ours)
    (root / "data" / "alignments" / "test-wallonia.ttl").write_text(WALLONIA_ALIGNMENTS)
    settings = Settings(root=root, var_dir=tmp / "brussels-var", query_workers=1,
                        peer_timeout=TIMEOUT, peer_cache=0.0)  # fmt: skip
    build.run(settings)
    theirs = registry(
        {"brussels": (url("brussels") + "/sparql", "cci", BRUSSELS + "ontology#")}, "Brussels"
    )
    seed = "seed-002-flanders-creative-industries-platform.ttl"
    # another region's map: its own data folder (tests/federation.py), Dutch first
    flanders_root = flanders_region(map_copy(tmp / "flanders", theirs, curated=[seed]))
    flanders = Settings(root=flanders_root, var_dir=tmp / "flanders-var", base=FLANDERS,
                        languages=("nl", "en", "fr"), query_workers=1, peer_timeout=3.0,
                        peer_cache=0.0)  # fmt: skip
    build.run(flanders)
    with ExitStack() as stack:
        stack.enter_context(oxigraph_peer(tmp / "org", ORG_MAP, ports["org"]))
        stack.enter_context(oxigraph_peer(tmp / "schema", SCHEMA_MAP, ports["schema"]))
        stack.enter_context(serve_on(slow_peer(3 * TIMEOUT), ports["slow"]))
        stack.enter_context(serve_on(garbage_peer(), ports["garbage"]))
        stack.enter_context(serve_on(create_app(flanders), ports["flanders"]))
        stack.enter_context(serve_on(create_app(settings), ports["brussels"]))
        yield Maps(url("brussels"), url("flanders"), settings, ports, tmp)


def _get(url: str, **params: str) -> httpx.Response:
    return httpx.get(url, params=params, timeout=30)


def _by_map(results: list[dict]) -> dict[str | None, list[str]]:
    found: dict[str | None, list[str]] = {}
    for r in results:
        found.setdefault(r["map"], []).append(r["label"])
    return found


def test_peers_page_gives_each_peer_state(maps: Maps) -> None:
    body = _get(maps.brussels + "/peers", format="json").json()
    rows = {r["iri"].rsplit("/", 1)[-1]: r for r in body["peers"]}
    assert set(rows) == {"flanders", "flanders-org", "wallonia", "slow", "garbage", "mortal"}
    states = {slug: r["state"]["status"] for slug, r in rows.items()}
    assert states == {"flanders": "ok", "flanders-org": "ok", "wallonia": "ok",
                      "slow": "slow", "garbage": "garbage", "mortal": "down"}  # fmt: skip
    # what each holds: the ORG map's three organisations (not its concept), one network
    org = rows["flanders-org"]["state"]
    assert org["organisations"] == 3
    assert org["kinds"] == {BRUSSELS + "ontology#Network": 1}
    kinds = rows["wallonia"]["state"]["kinds"]
    assert kinds == {BRUSSELS + "ontology#CreativeHub": 2, BRUSSELS + "ontology#Company": 1}
    # the second instance holds seed 002's organisations
    assert rows["flanders"]["state"]["organisations"] >= 26
    assert rows["slow"]["state"]["latency_ms"] == TIMEOUT * 1000
    html = _get(maps.brussels + "/peers", lang="en").text
    assert "too slow: no answer in time" in html
    assert "answered something that could not be read" in html
    assert "could not be reached" in html
    csv = _get(maps.brussels + "/peers", format="csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("peer,title,region,endpoint,profile,status")
    assert len(lines) == 7


def test_federated_search_merges_ranks_and_attributes(maps: Maps) -> None:
    start = time.monotonic()
    body = _get(maps.brussels + "/search", q="design", peers="1", format="json").json()
    took = time.monotonic() - start
    # the slow peer is given up at the limit: the page answers within it (plus our work)
    assert took < TIMEOUT + 1.5
    found = _by_map(body["peers"]["results"])
    assert "Design Vlaanderen" in found[None]  # this map's own
    assert "Design Vlaanderen" in found[PEER + "flanders"]  # the second instance's
    assert found[PEER + "flanders-org"] == ["Design Museum Gent", "Platform voor design en mode"]
    assert found[PEER + "wallonia"] == ["Atelier de design de Liège"]
    assert set(body["peers"]["missing"]) == {PEER + "slow", PEER + "garbage", PEER + "mortal"}
    asked = {a["peer"]: a for a in body["peers"]["asked"]}
    assert asked[PEER + "slow"]["status"] == "slow"
    assert asked[PEER + "garbage"]["status"] == "garbage"
    # names starting with the words rank before names that only hold them
    labels = [r["label"] for r in body["peers"]["results"]]
    assert labels.index("Design Museum Gent") < labels.index("Atelier de design de Liège")
    html = _get(maps.brussels + "/search", q="design", peers="1", lang="en").text
    assert "from the flanders-org test map" in html
    assert "Missing answers from:" in html and "slow test map (too slow" in html


def test_search_without_peers_asks_none(maps: Maps) -> None:
    body = _get(maps.brussels + "/search", q="design", format="json").json()
    assert "peers" not in body


def test_kinds_sectors_and_services_are_mapped_to_ours(maps: Maps) -> None:
    store = open_store(maps.settings)
    try:
        peers = {p.slug: p for p in read_peers(store, BRUSSELS)}
        alignments = read_alignments(store, BRUSSELS)
    finally:
        store.close()
    client = PeerClient(maps.settings)
    chosen = [peers["wallonia"], peers["flanders-org"], peers["flanders"]]
    outcomes = asyncio.run(client.ask(chosen, None, alignments))
    entities = {e.iri: e for o in outcomes for e in o.entities}
    trakk = entities["http://wallonia.test/id/trakk"]
    assert trakk.kinds == [BRUSSELS + "ontology#CreativeHub"]  # schema:additionalType, SKOS
    assert trakk.services == [BRUSSELS + "id/concept/service/coworking-space"]
    assert trakk.places == ["Namur"] and trakk.websites == ["https://trakk.example/"]
    vai = entities["http://org-peer.test/id/vai"]
    assert vai.sectors == [BRUSSELS + "id/concept/sector/architecture"]  # NACE 7111
    assert vai.places == ["Antwerpen"]
    # the second instance answers in its own namespace; kinds come back in ours
    dv = entities[FLANDERS + "id/organisation/design-vlaanderen"]
    assert BRUSSELS + "ontology#SupportOrganisation" in dv.kinds
    assert all(s.startswith(BRUSSELS + "id/concept/sector/") for s in dv.sectors)


def test_a_peer_built_with_this_software_finds_ours(maps: Maps) -> None:
    body = _get(maps.flanders + "/search", q="trakk", peers="1", format="json").json()
    ours = [r for r in body["peers"]["results"] if r["map"] == FLANDERS + "id/peer/brussels"]
    assert [r["iri"] for r in ours] == [BRUSSELS + "id/organisation/trakk"]
    assert ours[0]["kind_iri"] == FLANDERS + "ontology#CreativeHub"
    assert body["peers"]["missing"] == []


def _select(url: str, query: str) -> list[dict[str, str]]:
    answer = httpx.get(url + "/sparql", params={"query": query}, timeout=30,
                       headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in b.items()} for b in answer.json()["results"]["bindings"]]


def test_the_second_instance_is_another_regions_map(maps: Maps) -> None:
    """The same software on another region's data folder and KG_LANGUAGES=nl,en,fr: its
    pages, languages, catalogue, municipalities and figures are its region's."""
    home = httpx.get(maps.flanders + "/", timeout=30)  # no ?lang=, no Accept-Language
    assert '<html lang="nl">' in home.text
    assert "<title>Creatief Vlaanderen (testkaart)</title>" in home.text
    assert "De organisaties van de Vlaamse testkaart." in home.text
    switcher = re.findall(r'hreflang="(\w+)"', home.text)
    assert switcher[:3] == ["nl", "en", "fr"]
    for brussels in ("bruxellois", "Brusselse", "Brussels creative", "Bruxelles"):
        assert brussels not in home.text
    # a French reader gets French pages; a text the region gave no French for falls back
    # along the region's order (Dutch first), not Brussels' one
    french = httpx.get(maps.flanders + "/", headers={"Accept-Language": "fr"}, timeout=30)
    assert '<html lang="fr">' in french.text
    assert "<title>Creatief Vlaanderen (testkaart)</title>" in french.text
    german = httpx.get(maps.flanders + "/", headers={"Accept-Language": "de"}, timeout=30)
    assert '<html lang="nl">' in german.text
    english = _get(maps.flanders + "/", lang="en").text
    assert "<title>Creative Flanders (test map)</title>" in english
    # this map, in the same process, keeps its own languages and wording
    ours = httpx.get(maps.brussels + "/", timeout=30).text
    assert '<html lang="fr">' in ours and "Écosystème créatif bruxellois" in ours
    # the catalogue and VoID say the region's area and title
    catalogue = _get(maps.flanders + "/catalog", format="ttl")
    assert catalogue.status_code == 200
    assert "dct:spatial nuts:BE2 ;" in catalogue.text and "BE100" not in catalogue.text
    void = _get(maps.flanders + "/.well-known/void", format="ttl").text
    assert "Kennisgraaf van de Vlaamse testkaart" in void and "Brussel" not in void
    # its municipalities, and no culture points (it has none of its own)
    names = _select(maps.flanders, "SELECT ?name WHERE { ?m a <http://flanders.test/"
                    "ontology#Municipality> ; <http://www.w3.org/2004/02/skos/core#prefLabel>"
                    " ?name }")  # fmt: skip
    assert sorted(n["name"] for n in names) == ["Antwerpen", "Gent"]
    places = _select(maps.flanders, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                     "FILTER (CONTAINS(STR(?g), 'culture')) } LIMIT 1")  # fmt: skip
    assert places == []
    # a figure that names no area is the region's: the network metrics
    refs = _select(maps.flanders, "SELECT DISTINCT ?area WHERE { ?o <http://flanders.test/"
                   "ontology#refArea> ?area }")  # fmt: skip
    assert [r["area"] for r in refs] == ["http://data.europa.eu/nuts/code/BE2"]


def test_autocomplete_adds_the_peers_names(maps: Maps) -> None:
    response = _get(maps.brussels + "/api/autocomplete", q="trak", peers="1")
    items = response.json()
    assert items[0]["iri"] == BRUSSELS + "id/organisation/trakk"  # ours first
    assert {"iri": "http://wallonia.test/id/trakk", "map": PEER + "wallonia"}.items() <= {
        k: v for k, v in items[1].items() if k in ("iri", "map")
    }.items()
    assert PEER + "slow" in response.headers["x-peers-missing"].split()
    plain = _get(maps.brussels + "/api/autocomplete", q="trak").json()
    assert all("map" not in item for item in plain)


def test_a_peer_killed_mid_test_is_named_and_served_stale(maps: Maps) -> None:
    with oxigraph_peer(maps.folder / "mortal", SCHEMA_MAP, maps.ports["mortal"]) as proc:
        first = _get(maps.brussels + "/search", q="trakk", peers="1", format="json").json()
        assert PEER + "mortal" not in first["peers"]["missing"]
        assert "Trakk" in _by_map(first["peers"]["results"])[PEER + "mortal"]
        proc.kill()
        proc.wait(10)
        second = _get(maps.brussels + "/search", q="trakk", peers="1", format="json").json()
    asked = {a["peer"]: a for a in second["peers"]["asked"]}
    assert asked[PEER + "mortal"]["status"] == "down"
    assert asked[PEER + "mortal"]["stale"] is True
    assert PEER + "mortal" in second["peers"]["missing"]
    stale = [r for r in second["peers"]["results"] if r["map"] == PEER + "mortal"]
    assert [r["label"] for r in stale] == ["Trakk"] and stale[0]["stale"] is True
    html = _get(maps.brussels + "/search", q="trakk", peers="1", lang="en").text
    assert "the map is not answering now" in html


def test_answers_are_reused_while_fresh(maps: Maps) -> None:
    settings = maps.settings.with_(peer_cache=60.0, peers=("wallonia",))
    with app_client(create_app(settings)) as client:
        first = client.get("/search", params={"q": "waps", "peers": "1", "format": "json"})
        second = client.get("/search", params={"q": "waps", "peers": "1", "format": "json"})
    a, b = first.json()["peers"]["asked"], second.json()["peers"]["asked"]
    assert [x["peer"] for x in a] == [PEER + "wallonia"]  # KG_PEERS narrows who is asked
    assert a[0]["cached"] is False and a[0]["latency_ms"] is not None
    assert b[0]["cached"] is True and b[0]["latency_ms"] is None


def test_no_peer_is_asked_when_settings_say_none(maps: Maps) -> None:
    with app_client(create_app(maps.settings.with_(peers=("none",)))) as client:
        body = client.get("/search", params={"q": "x", "peers": "1", "format": "json"}).json()
    assert body["peers"]["asked"] == [] and body["peers"]["missing"] == []
    assert all(r["map"] is None for r in body["peers"]["results"])


def test_registry_of_the_project_calls_nobody(built: Settings) -> None:
    """The real registry cites its sources and names no endpoint: nothing is called."""
    store = open_store(built)
    try:
        peers = read_peers(store, built.base)
    finally:
        store.close()
    assert {p.slug for p in peers} >= {"flanders", "trakk", "waps"}
    assert all(p.sources and p.endpoint is None for p in peers)
    assert allowed(peers, built) == []


def test_request_text_binds_the_words_as_a_literal() -> None:
    rule = (
        "PREFIX cci: <https://data.creative.brussels/ontology#>\nSELECT * { VALUES ?q { UNDEF } }"
    )
    peer = Peer(PEER + "x", endpoint="http://127.0.0.1:1/sparql", rule=rule)
    text = request_text(peer, 'a" } ; DROP ALL ; #', BRUSSELS)
    assert 'VALUES ?q { "a\\" } ; DROP ALL ; #" }' in text
    peer.vocabulary = FLANDERS + "ontology#"
    assert "PREFIX cci: <http://flanders.test/ontology#>" in request_text(peer, None, BRUSSELS)


def test_garbage_is_refused() -> None:
    peer = Peer(PEER + "x")
    from kg.federation.answers import Alignments

    with pytest.raises(GarbageAnswer):
        read_answer(b"<html>not rdf", peer, Alignments(BRUSSELS))


def _status(review: Path, theirs: str, status: str) -> None:
    """A reviewer's decision, written into the review file as a person would."""
    blocks = review.read_text(encoding="utf-8").split("\n\n")
    changed = [b.replace('"proposed"', f'"{status}"') if theirs in b else b for b in blocks]
    review.write_text("\n\n".join(changed), encoding="utf-8")


def test_matches_across_maps_are_proposed_reviewed_and_shown_once_accepted(maps: Maps) -> None:
    """Last in the module: it rebuilds the served map's store with the review file."""
    env = {**os.environ, "KG_ROOT": str(maps.settings.root), "KG_VAR": str(maps.settings.var),
           "KG_PEERS": "wallonia,flanders-org", "KG_QUERY_WORKERS": "1"}  # fmt: skip
    kg = [str(BIN / "kg"), "peers", "match"]
    out = subprocess.run(kg, env=env, check=True, capture_output=True, text=True).stdout
    review = maps.settings.root / "data" / "federation" / "matches.ttl"
    proposals = reviewed(review)
    trakk = (BRUSSELS + "id/organisation/trakk", "http://wallonia.test/id/trakk")
    waps = (BRUSSELS + "id/organisation/waps", "http://wallonia.test/id/waps")
    assert set(proposals) == {trakk, waps}, out  # name and place agree; nothing else does
    match, status = proposals[trakk]
    assert status == "proposed" and match.peer == PEER + "wallonia"
    assert match.score >= 0.75 and match.evidence == ("name", "place")
    # nothing is asserted before review
    build.run(maps.settings)
    page = _get(maps.brussels + "/id/organisation/trakk", format="json").json()
    assert page["also_on"] == []
    _status(review, trakk[1], "accepted")
    _status(review, waps[1], "rejected")
    subprocess.run(kg, env=env, check=True, capture_output=True)  # decisions survive a run
    assert {k: s for k, (_, s) in reviewed(review).items()} == {trakk: "accepted", waps: "rejected"}
    build.run(maps.settings)
    page = _get(maps.brussels + "/id/organisation/trakk", format="json").json()
    assert page["also_on"] == [
        {"iri": trakk[1], "map": PEER + "wallonia", "map_title": "wallonia test map"}
    ]
    html = _get(maps.brussels + "/id/organisation/trakk", lang="en").text
    assert "Also on the wallonia test map" in html and f'href="{trakk[1]}"' in html
    assert _get(maps.brussels + "/id/organisation/waps", format="json").json()["also_on"] == []
