"""Search benchmark: the side index (kg.search) on the synthetic M store.

Builds the index from the store (the derived build step, timed on its own), then runs a
few hundred varied searches and autocomplete prefixes drawn from the index's own names
(whole names, first words, short and long prefixes, several words, accents, other
languages, misses, FTS syntax) and prints p50/p99/max. As the reference, the same kind of
lookup as SPARQL (``FILTER(CONTAINS(LCASE(STR(?label)), ?term))`` over every name) on the
same store, for a few terms: what search would cost without a text index.

    python -m bench.search [--size M] [--reuse-store DIR] [--terms 300]

``--reuse-store`` takes a KG_VAR whose store is already built, for example after
``KG_VAR=/tmp/kgm kg build --add bench/data/M.nt``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

from pyoxigraph import Literal, QuerySolutions

from bench import generate as gen
from bench.endpoint import m_store
from kg.namespaces import all_prefixes
from kg.publish.autocomplete import autocomplete
from kg.publish.search import search
from kg.publish.searchindex import INDEX_FILE, build_index
from kg.publish.searchtext import fold
from kg.settings import Settings
from kg.store import EmbeddedStore
from kg.store.cache import StoreCache

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "search.json"
SEED = 20_251_122
TARGET_AUTOCOMPLETE_P99_MS = 50.0

#: the reference: a case-insensitive substring scan in SPARQL (the term is a bound value)
SPARQL_CONTAINS = """
SELECT ?e ?term WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel foaf:name dct:title }
  ?e ?p ?label .
  FILTER(CONTAINS(LCASE(STR(?label)), ?term))
} LIMIT 20"""

FIXED = [
    "bruxelles",
    "Schaerbeek",
    "schaarbeek",
    "théâtre",
    "THEATRE",
    "ixelles",
    "réseau",
    "netwerk",
    "atelier créatif",
    "visual arts network",
    "hub",
    "media clusters brussels",
    "synthetic",
    "a",
    "zzzz",
    "qwertyuiop",
    '"',
    "NEAR(a b)",
    "-x *",
    "<script>",
    "{}",
    "x" * 300,
]


def terms(index: Path, count: int) -> tuple[list[str], list[str]]:
    """Search terms and autocomplete prefixes, drawn at random (seeded) from the names."""
    rng = Random(SEED)
    with sqlite3.connect(index.as_uri() + "?mode=ro", uri=True) as conn:
        names = [row[0] for row in conn.execute("SELECT text FROM name ORDER BY rowid")]
    sample = [rng.choice(names) for _ in range(count)]
    queries = list(FIXED)
    for i, name in enumerate(sample):
        words = name.split()
        kind = i % 6
        if kind == 0:
            queries.append(name)  # a whole name
        elif kind == 1:
            queries.append(words[0])  # its first word
        elif kind == 2:
            queries.append(" ".join(words[-2:]))  # two words
        elif kind == 3:
            queries.append(name[: rng.randint(2, 6)])  # a short prefix
        elif kind == 4:
            queries.append(fold(name).upper())  # no accents, capitals
        else:
            queries.append(words[-1] + " " + words[0])  # words out of order
    prefixes = list(FIXED[:12])
    for name in sample:
        prefixes.append(name[: rng.randint(1, 8)])
    return queries[: count + len(FIXED)], prefixes[: count + 12]


def typos(index: Path, count: int) -> list[tuple[str, str]]:
    """(a name with one word mistyped, the IRI it names): a letter dropped or two
    neighbours swapped in its longest word, of at least 5 letters."""
    rng = Random(SEED + 1)
    with sqlite3.connect(index.as_uri() + "?mode=ro", uri=True) as conn:
        names = conn.execute(
            "SELECT n.text, e.iri FROM name AS n JOIN entity AS e ON e.id = n.entity"
            " ORDER BY n.rowid"
        ).fetchall()
    out: list[tuple[str, str]] = []
    while len(out) < count:
        name, iri = rng.choice(names)
        word = max(name.split(), key=len)
        if len(word) < 5 or not word.isalpha():
            continue
        i = rng.randrange(1, len(word) - 1)
        typo = (
            word[:i] + word[i + 1 :] if i % 2 else word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        )
        out.append((name.replace(word, typo, 1), iri))
    return out


def _measure_typos(index: Path, count: int, results: dict[str, Any]) -> None:
    """Searches for names with a typo: how long the fuzzy path takes, how often the name
    meant is on the first page."""
    cache = StoreCache()
    search(index, "warm up", "fr", {}, cache=cache)
    timings, found = [], 0
    for typo, iri in typos(index, count):
        start = time.perf_counter()
        result = search(index, typo, "fr", {}, cache=cache)
        timings.append(time.perf_counter() - start)
        found += iri in {h.iri for h in result.hits}
    results["search_typos"] = percentiles(timings)
    results["search_typos"]["found_share"] = round(found / count, 3)


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "p50_ms": round(q[49], 3),
        "p99_ms": round(q[98], 3),
        "max_ms": round(ms[-1], 3),
    }


def _build(settings: Settings, store: EmbeddedStore, tmp: Path, results: dict[str, Any]) -> Path:
    start = time.perf_counter()
    build_index(settings, store, tmp)
    results["index_build_s"] = round(time.perf_counter() - start, 2)
    index = tmp / INDEX_FILE
    with sqlite3.connect(index.as_uri() + "?mode=ro", uri=True) as conn:
        results["entities"] = conn.execute("SELECT COUNT(*) FROM entity").fetchone()[0]
        results["names"] = conn.execute("SELECT COUNT(*) FROM name").fetchone()[0]
    results["index_mb"] = round(index.stat().st_size / 1e6, 1)
    print(
        f"index: {results['entities']} entities, {results['names']} names, "
        f"{results['index_mb']} MB, built in {results['index_build_s']:.2f} s"
    )
    return index


def _measure_index(index: Path, terms_count: int, results: dict[str, Any]) -> None:
    """Search, search with a facet (page 2), autocomplete."""
    queries, prefixes = terms(index, terms_count)
    langs = ("fr", "nl", "en")
    cache = StoreCache()  # the index stays open across calls, as in the server
    search(index, "warm up", "fr", {}, cache=cache)  # opens the file, loads the facet values
    timings, totals = [], []
    for i, q in enumerate(queries):
        start = time.perf_counter()
        found = search(index, q, langs[i % 3], {}, cache=cache)
        timings.append(time.perf_counter() - start)
        totals.append(found.total)
    results["search"] = percentiles(timings)
    results["search"]["median_total"] = statistics.median(totals)
    kinds = [v.value for v in search(index, "", "fr", {}, cache=cache).facets["kind"][:5]]
    faceted = []
    for i, q in enumerate(queries[:100]):
        facets = {"kind": [kinds[i % len(kinds)]]}
        start = time.perf_counter()
        search(index, q, langs[i % 3], facets, page=2, cache=cache)
        faceted.append(time.perf_counter() - start)
    results["search_faceted_page2"] = percentiles(faceted)
    ac = []
    for i, prefix in enumerate(prefixes):
        start = time.perf_counter()
        autocomplete(index, prefix, langs[i % 3], cache=cache)
        ac.append(time.perf_counter() - start)
    results["autocomplete"] = percentiles(ac)


def _measure_reference(settings: Settings, store: EmbeddedStore, results: dict[str, Any]) -> None:
    """The same words looked up with a SPARQL CONTAINS scan."""
    reference = []
    prefixes_map = all_prefixes(settings.base)
    for q in ("bruxelles", "schaerbeek", "theatre", "atelier", "zzzz"):
        start = time.perf_counter()
        rows = store.query(SPARQL_CONTAINS, {"term": Literal(q)}, prefixes=prefixes_map)
        assert isinstance(rows, QuerySolutions)
        list(rows)
        reference.append(time.perf_counter() - start)
    results["sparql_contains_reference"] = percentiles(reference)


def _report(results: dict[str, Any]) -> None:
    print(f"\n{'':<28} {'n':>5} {'p50':>9} {'p99':>9} {'max':>9}")
    for key, title in (
        ("search", "search (page 1)"),
        ("search_faceted_page2", "search + kind facet, page 2"),
        ("search_typos", "search, a word mistyped"),
        ("autocomplete", "autocomplete"),
        ("sparql_contains_reference", "SPARQL CONTAINS (reference)"),
    ):
        r = results[key]
        print(
            f"{title:<28} {r['n']:>5} {r['p50_ms']:>7.2f}ms {r['p99_ms']:>7.2f}ms {r['max_ms']:>7.2f}ms"
        )
    ratio = results["sparql_contains_reference"]["p50_ms"] / max(results["search"]["p50_ms"], 1e-3)
    results["reference_p50_ratio"] = round(ratio, 1)
    print(f"typos: the name meant on the first page {results['search_typos']['found_share']:.0%}")
    ok = results["autocomplete"]["p99_ms"] < TARGET_AUTOCOMPLETE_P99_MS
    print(
        f"\nSPARQL CONTAINS p50 / search p50: {ratio:.0f}x; autocomplete p99 "
        f"{results['autocomplete']['p99_ms']:.2f} ms (target < {TARGET_AUTOCOMPLETE_P99_MS:.0f} ms: "
        f"{'met' if ok else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M", choices=sorted(gen.SIZES))
    parser.add_argument("--reuse-store", type=Path, help="a KG_VAR whose store is already built")
    parser.add_argument("--terms", type=int, default=300)
    args = parser.parse_args()

    settings = m_store(args.size, args.reuse_store)
    store_dir = settings.store_path.resolve()
    store = EmbeddedStore.open(store_dir, read_only=True)
    results: dict[str, Any] = {"size": args.size, "store": str(store_dir)}
    with tempfile.TemporaryDirectory(prefix="kg-search-bench-") as tmp:
        index = _build(settings, store, Path(tmp), results)
        _measure_index(index, args.terms, results)
        _measure_typos(index, args.terms // 3, results)
        _measure_reference(settings, store, results)
    _report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
