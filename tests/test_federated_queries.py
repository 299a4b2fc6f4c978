"""Federated saved queries over the real peers of ``tests/test_federation.py`` (its ``maps``
fixture: a second instance of this software serving a Flanders map, ``oxigraph serve``
peers holding a W3C ORG map and a schema.org Wallonia map, a slow peer, a garbage one, and
one the tests start and kill). Every peer's data is synthetic (tests/federation.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results

from endpoint.app import create_app
from kg.errors import QueryError
from kg.federation.views import find_mark, local_text
from kg.store import open_store
from tests.asgi import app_client
from tests.federation import SCHEMA_MAP, oxigraph_peer
from tests.test_federation import BRUSSELS, PEER, TIMEOUT, Maps, running_maps


@pytest.fixture(scope="module")
def maps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Maps]:
    with running_maps(tmp_path_factory.mktemp("federated-queries")) as started:
        yield started


BY_REGION = "/api/queries/organisations-by-region-across-maps"
COUNT_NAMED = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization ; skos:prefLabel ?name }"""
COUNT_OURS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a org:Organization }"


def _rows(body: bytes) -> list[dict[str, str]]:
    result = parse_query_results(body, QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def _counts(response: httpx.Response) -> dict[str, int]:
    assert response.status_code == 200, response.text
    return {row["map"]: int(row["organisations"]) for row in _rows(response.content)}


def _held(url: str, text: str) -> int:
    """What a peer holds, asked directly on its own endpoint."""
    response = httpx.post(url, data={"query": text},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30)  # fmt: skip
    response.raise_for_status()
    return int(_rows(response.content)[0]["n"])


def _ours(maps: Maps) -> int:
    store = open_store(maps.settings)
    try:
        result = store.query(COUNT_OURS, prefixes={"org": "http://www.w3.org/ns/org#"})
        assert isinstance(result, QuerySolutions)
        return int(next(iter(result))["n"].value)
    finally:
        store.close()


def test_counts_by_region_come_from_each_map_as_each_holds(maps: Maps) -> None:
    start = time.monotonic()
    response = httpx.get(maps.brussels + BY_REGION, timeout=60)
    took = time.monotonic() - start
    counts = _counts(response)
    org_url = f"http://127.0.0.1:{maps.ports['org']}/query"
    schema_url = f"http://127.0.0.1:{maps.ports['schema']}/query"
    assert counts == {
        BRUSSELS: _ours(maps),
        PEER + "flanders": _held(maps.flanders + "/sparql", COUNT_NAMED),
        PEER + "flanders-org": 3,  # its three organisations, not its concept
        PEER + "wallonia": _held(schema_url, _schema_count()),
    }
    assert counts[PEER + "flanders"] >= 26 and counts[PEER + "wallonia"] == 3
    assert _held(org_url, "SELECT (COUNT(*) AS ?n) { ?s a ?c }") > 3  # there is more there
    regions = {row["map"]: row.get("region") for row in _rows(response.content)}
    assert regions[PEER + "wallonia"] == "Test wallonia"  # the registry's cci:placeName
    asked = response.headers["x-peers-asked"].split()
    assert len(asked) == 6
    missing = set(response.headers["x-peers-missing"].split())
    assert missing == {PEER + "slow", PEER + "garbage", PEER + "mortal"}
    # every peer at once, the slow one given up at its limit
    assert took < TIMEOUT + 4.0, took
    assert response.headers["x-total-count"] == "4"


def _schema_count() -> str:
    return """PREFIX schema: <http://schema.org/>
SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o schema:name ?name }"""


def test_sector_and_hub_queries_read_the_peers_in_our_terms(maps: Maps) -> None:
    hubs = httpx.get(maps.brussels + "/api/queries/hubs-and-services-across-maps",
                     params={"lang": "en"}, timeout=60)  # fmt: skip
    assert hubs.status_code == 200, hubs.text
    rows = _rows(hubs.content)
    wallonia = {(r["label"], r.get("service")) for r in rows if r["map"] == PEER + "wallonia"}
    coworking = BRUSSELS + "id/concept/service/coworking-space"
    # schema:additionalType matched to cci:CreativeHub, the service to ours (SKOS)
    assert wallonia == {("Trakk", coworking), ("Wap's", coworking)}
    assert any(r["map"] == BRUSSELS and r["label"] == "Trakk" for r in rows)  # ours too
    named = {r.get("serviceLabel") for r in rows if r.get("service") == coworking}
    assert len(named) == 1 and None not in named  # the label read in this map's store
    sector = httpx.get(maps.brussels + "/api/queries/organisations-in-sector-across-maps",
                       params={"sector": "sector:architecture"}, timeout=60)  # fmt: skip
    assert sector.status_code == 200, sector.text
    found = {(r["map"], r["organisation"]) for r in _rows(sector.content)}
    # the ORG map classifies the VAI with NACE 7111, which ours maps to architecture
    assert (PEER + "flanders-org", "http://org-peer.test/id/vai") in found
    assert all(m != PEER + "wallonia" for m, _ in found)  # it records no sector


def test_a_killed_peer_gives_partial_results_and_is_named(maps: Maps) -> None:
    with oxigraph_peer(maps.folder / "mortal-q", SCHEMA_MAP, maps.ports["mortal"]) as proc:
        first = httpx.get(maps.brussels + BY_REGION, timeout=60)
        assert _counts(first)[PEER + "mortal"] == 3
        assert PEER + "mortal" not in first.headers["x-peers-missing"].split()
        proc.kill()
        proc.wait(10)
        second = httpx.get(maps.brussels + BY_REGION, timeout=60)
        page = httpx.get(maps.brussels + "/queries/organisations-by-region-across-maps",
                         params={"lang": "en"}, timeout=60)  # fmt: skip
    counts = _counts(second)
    assert PEER + "mortal" not in counts
    assert counts[PEER + "wallonia"] == 3 and BRUSSELS in counts  # the others still answer
    assert PEER + "mortal" in second.headers["x-peers-missing"].split()
    assert page.status_code == 200
    assert "Missing answers (partial results) from:" in page.text
    assert "mortal test map (the map could not be asked)" in page.text
    assert "slow test map (too slow: no answer in time)" in page.text


def _query_file(folder: Path, name: str, body: str, federated: bool = True) -> None:
    header = [f"# {k}: {name}" for k in ("title", "title@fr", "title@nl", "description",
                                          "description@fr", "description@nl")]  # fmt: skip
    header += ["# tags: test", "# chart: table"] + (["# federated: organisations"] * federated)
    (folder / f"{name}.rq").write_text("\n".join(header) + "\n" + body, encoding="utf-8")


def test_a_service_outside_the_registry_is_still_refused(maps: Maps) -> None:
    queries = maps.settings.root / "queries"
    org_endpoint = f"http://127.0.0.1:{maps.ports['org']}/query"
    evil = f"http://127.0.0.1:{maps.ports['garbage']}/elsewhere"
    _query_file(queries, "test-evil-federated", f"""SELECT ?map ?s WHERE {{
  ?organisation <urn:kg:federated:organisations> ?map .
  SERVICE <{evil}> {{ ?s ?p ?o }}
}}""")  # fmt: skip
    # a registry endpoint named by hand: the registry allows the views, not any text
    _query_file(queries, "test-by-hand", f"SELECT * WHERE {{ SERVICE <{org_endpoint}> {{ ?s ?p ?o }} }}",
                federated=False)  # fmt: skip
    try:
        for name, iri in (("test-evil-federated", evil), ("test-by-hand", org_endpoint)):
            response = httpx.get(f"{maps.brussels}/api/queries/{name}", timeout=30)
            assert response.status_code == 400, response.text
            assert f"SERVICE <{iri}> is not allowed" in response.text
    finally:
        for name in ("test-evil-federated", "test-by-hand"):
            (queries / f"{name}.rq").unlink()


def test_row_cap_and_time_limit_apply(maps: Maps) -> None:
    capped = maps.settings.with_(max_rows=2)
    with app_client(create_app(capped)) as client:
        response = client.get(BY_REGION)
    assert response.status_code == 200, response.text
    assert len(_rows(response.content)) == 2
    assert response.headers["x-sparql-truncated"] == "true"
    assert "x-total-count" not in response.headers
    # the query's own time limit bounds every peer's, whatever KG_PEER_TIMEOUT says
    hurried = maps.settings.with_(query_timeout=0.5, peer_timeout=30.0, peers=("slow", "wallonia"))
    with app_client(create_app(hurried)) as client:
        start = time.monotonic()
        response = client.get(BY_REGION)
        took = time.monotonic() - start
    assert response.status_code == 200, response.text
    assert set(_counts(response)) == {BRUSSELS, PEER + "wallonia"}
    assert response.headers["x-peers-missing"] == PEER + "slow"
    assert took < 3 * TIMEOUT, took  # the slow peer answers after 3 s: it was not awaited


def test_the_view_is_written_once_and_read_locally() -> None:
    with pytest.raises(QueryError):
        find_mark("SELECT ?map WHERE { ?o ?p ?map }")
    text = "SELECT ?map ?kind WHERE { ?organisation <urn:kg:federated:organisations> ?map . }"
    local = local_text(text, BRUSSELS)
    assert "urn:kg:federated" not in local
    assert f"BIND(<{BRUSSELS}> AS ?map)" in local
    assert "?kind" in local and "offersService" not in local  # only what the text uses
