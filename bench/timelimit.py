"""Time-limit benchmark: how soon after its limit a runaway query is stopped by the query
worker pool (kg.sparql.pool), with its thread's priority left alone and lowered
(``nice_after`` longer and shorter than the limit).

The tests check the behaviour (stopped at the limit, not long after); how close to the
limit it stops is a figure, printed here and written to bench/results/timelimit.json.

    python -m bench.timelimit [--limit 2.0] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import QueryTimeout
from kg.sparql.pool import WorkerPool
from kg.sparql.worker import Job
from kg.store import EmbeddedStore

RESULTS = Path(__file__).resolve().parent / "results" / "timelimit.json"
#: three patterns over 3,000 triples: a query that runs until it is stopped
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def small_store(path: Path) -> str:
    store = EmbeddedStore.open(path)
    graph = NamedNode("https://example.org/graph")
    p = NamedNode("https://example.org/p")
    store.raw.extend(
        Quad(NamedNode(f"https://example.org/{i}"), p, Literal(str(i)), graph) for i in range(3000)
    )
    store.raw.flush()
    del store
    return str(path)


def stopped_after(pool: WorkerPool, store_dir: str, limit: float) -> float:
    """Seconds from the request to the QueryTimeout."""
    job = Job(
        store_path=store_dir,
        text=RUNAWAY,
        solutions_format="json",
        graph_format="turtle",
        prefixes={},
    )
    began = time.monotonic()
    try:
        for _ in pool.stream(job, timeout=limit):
            pass
    except QueryTimeout:
        return time.monotonic() - began
    raise RuntimeError("the runaway query was not stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store_dir = small_store(Path(tmp) / "store")
        for case, nice_after in (("not lowered", args.limit * 2), ("lowered", 0.5)):
            pool = WorkerPool(size=1, max_size=2, nice_after=nice_after, warm=lambda: store_dir)
            pool.wait_ready(60)
            late = [
                stopped_after(pool, store_dir, args.limit) - args.limit for _ in range(args.runs)
            ]
            pool.close()
            results[case] = {
                "limit_s": args.limit,
                "nice_after_s": nice_after,
                "late_p50_ms": statistics.median(late) * 1000,
                "late_max_ms": max(late) * 1000,
            }
            print(
                f"{case:<12} limit {args.limit:.1f} s: stopped {results[case]['late_p50_ms']:.0f} ms"
                f" after it (median of {args.runs}), {results[case]['late_max_ms']:.0f} ms at most"
            )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
