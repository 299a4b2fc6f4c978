"""Web benchmark: what a reader and an API client wait for, over HTTP, at S and M.

For each size the synthetic store (built once under bench/data/, as bench/endpoint.py does)
is served by ``kg serve`` on a loopback port, and one client sends requests one after the
other (keep-alive) and records each latency:

- an entity page (HTML, as a browser asks), a different organisation each time;
- a search page (HTML) and an autocomplete call (JSON), with the terms bench/search.py
  draws from the index's own names;
- a saved query through the API (``/api/queries/{name}`` with its parameters) and the same
  query text sent to ``/sparql`` with the same values in a VALUES block at the top of its
  WHERE clause, alternated call by call.

Targets: entity page p50 under 30 ms at M and within 1.3× between S and M; autocomplete
well under 50 ms; a saved-query API call within 1.2× of /sparql (p50).

    python -m bench.web [--sizes S M] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from random import Random
from typing import Any

import httpx
from pyoxigraph import QuerySolutions

from bench import generate as gen
from bench.endpoint import free_port, m_store, wait
from bench.search import percentiles, terms
from kg.publish.searchindex import index_path_for
from kg.settings import Settings
from kg.store import EmbeddedStore

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results" / "web.json"
SEED = 20_251_201
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON = "application/json"
TARGET_PAGE_MS, TARGET_GROWTH, TARGET_AUTOCOMPLETE_MS, TARGET_API = 30.0, 1.3, 50.0, 1.2

ORGANISATIONS = "SELECT ?o WHERE { ?o a <http://www.w3.org/ns/org#Organization> }"

#: saved query, its parameters as the API takes them, the same values as a VALUES block
SAVED = [
    (
        "organisations-in-sector",
        {"sector": "sector:design", "lang": "nl"},
        'VALUES (?sector ?lang) { (sector:design "nl") }',
    ),
    ("kpi-organisations-by-kind", {"lang": "fr"}, 'VALUES ?lang { "fr" }'),
]


def entity_paths(settings: Settings, count: int) -> list[str]:
    """``count`` organisation pages drawn at random (seeded), as paths on the server."""
    store = EmbeddedStore.open(settings.store_path.resolve(), read_only=True)
    rows = store.query(ORGANISATIONS)
    assert isinstance(rows, QuerySolutions)
    iris = sorted(r["o"].value for r in rows)
    del store
    rng = Random(SEED)
    picked = rng.sample(iris, min(count, len(iris)))
    return ["/" + iri.removeprefix(settings.base) for iri in picked]


def timed(client: httpx.Client, path: str, accept: str, **params: str) -> float:
    start = time.perf_counter()
    response = client.get(path, params=params or None, headers={"Accept": accept})
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:300]}")
    return elapsed


def run_size(size: str, requests: int) -> dict[str, Any]:
    settings = m_store(size, None)
    index = index_path_for(settings.store_path)
    pages = entity_paths(settings, requests)
    queries, prefixes = terms(index, requests)
    port = free_port()
    env = {**os.environ, "KG_VAR": str(settings.var), "KG_PORT": str(port)}
    server = subprocess.Popen(
        [str(BIN / "kg"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    row: dict[str, Any] = {"organisations": gen.SIZES[size]}
    langs = ("fr", "nl", "en")
    try:
        url = f"http://127.0.0.1:{port}"
        wait(url + "/sparql")
        with httpx.Client(base_url=url, timeout=60) as client:
            for path in pages[:20]:  # warm up: workers, caches of the vocabulary
                timed(client, path, BROWSER)
            timed(client, "/search", BROWSER, q="warm up")
            print(f"[{size}] entity pages…", flush=True)
            row["entity_page"] = percentiles(
                [timed(client, p, BROWSER, lang=langs[i % 3]) for i, p in enumerate(pages)]
            )
            print(f"[{size}] search and autocomplete…", flush=True)
            row["search_page"] = percentiles(
                [
                    timed(client, "/search", BROWSER, q=q, lang=langs[i % 3])
                    for i, q in enumerate(queries)
                ]
            )
            row["autocomplete"] = percentiles(
                [
                    timed(client, "/api/autocomplete", JSON, q=p, lang=langs[i % 3])
                    for i, p in enumerate(prefixes)
                ]
            )
            print(f"[{size}] saved queries: API and /sparql…", flush=True)
            for name, params, values in SAVED:
                text = (settings.root / "queries" / f"{name}.rq").read_text(encoding="utf-8")
                # the values at the top of the (outer) WHERE, as someone writing it would
                sparql = text.replace("WHERE {", "WHERE {\n  " + values, 1)
                api, direct = [], []
                for _ in range(3):  # warm up both
                    timed(client, f"/api/queries/{name}", JSON, **params)
                    timed(client, "/sparql", "application/sparql-results+json", query=sparql)
                for _ in range(max(50, requests // 3)):
                    api.append(timed(client, f"/api/queries/{name}", JSON, **params))
                    direct.append(
                        timed(client, "/sparql", "application/sparql-results+json", query=sparql)
                    )
                a, d = percentiles(api), percentiles(direct)
                row[f"saved:{name}"] = {
                    "api": a,
                    "sparql": d,
                    "p50_ratio": round(a["p50_ms"] / max(d["p50_ms"], 1e-3), 2),
                }
    finally:
        server.terminate()
        server.wait(20)
    return row


def table(sizes: dict[str, dict[str, Any]]) -> str:
    names = list(sizes)
    head = f"{'':<44}" + "".join(f"{s + ' p50 / p99 (ms)':>24}" for s in names)
    out = [head]

    def line(label: str, key: str, sub: str | None = None) -> None:
        cells = []
        for r in sizes.values():
            v = r[key][sub] if sub else r[key]
            cells.append(f"{v['p50_ms']:>10.1f} / {v['p99_ms']:>8.1f}   ")
        out.append(f"{label:<44}" + "".join(f"{c:>24}" for c in cells))

    line("entity page (HTML)", "entity_page")
    line("search page (HTML)", "search_page")
    line("autocomplete (JSON)", "autocomplete")
    for name, _, _ in SAVED:
        line(f"{name}: API", f"saved:{name}", "api")
        line(f"{name}: same query to /sparql", f"saved:{name}", "sparql")
    out.append("")
    last = sizes[names[-1]]
    page = last["entity_page"]["p50_ms"]
    out.append(
        f"entity page p50 at {names[-1]}: {page:.1f} ms "
        f"({'met' if page < TARGET_PAGE_MS else 'MISSED'}: < {TARGET_PAGE_MS:.0f} ms)"
    )
    if len(names) > 1:
        first = sizes[names[0]]["entity_page"]["p50_ms"]
        growth = page / max(first, 1e-3)
        out.append(
            f"entity page p50 {names[-1]} / {names[0]}: {growth:.2f}× "
            f"({'met' if growth <= TARGET_GROWTH else 'MISSED'}: ≤ {TARGET_GROWTH}×)"
        )
    ac = last["autocomplete"]["p99_ms"]
    out.append(
        f"autocomplete p99 at {names[-1]}: {ac:.1f} ms "
        f"({'met' if ac < TARGET_AUTOCOMPLETE_MS else 'MISSED'}: < {TARGET_AUTOCOMPLETE_MS:.0f} ms)"
    )
    for name, _, _ in SAVED:
        ratio = last[f"saved:{name}"]["p50_ratio"]
        out.append(
            f"{name}: API p50 / /sparql p50 = {ratio:.2f}× "
            f"({'met' if ratio <= TARGET_API else 'MISSED'}: ≤ {TARGET_API}×)"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=gen.SIZES, default=["S", "M"])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    sizes = {size: run_size(size, args.requests) for size in args.sizes}
    print()
    print(table(sizes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(sizes, indent=2) + "\n")
    print(f"\nwritten {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
