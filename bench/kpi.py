"""KPIs at S and M scale: the time to compute every KPI query, the network metrics (the
derived build step), and a snapshot, on the project's data plus the synthetic organisations
of bench/generate.py. Target: every KPI at M in under 30 s, network metrics included.

    python -m bench.kpi [--sizes S M] [--json FILE]

Each size is built once (``kg build`` with the synthetic file added); the network metrics
are timed as that build ran them (its first derived step, alone, into the new store). Then,
on the store: every KPI query (kg.kpi.compute, in worker processes as the dashboard runs
them), ``kg snapshot`` (which computes them all again and writes the Turtle file) into a
throwaway copy of queries/, and last, for the parts it takes, the network step again into
its graph cleared (slower than in the build: the deletions stay in the store).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from bench import generate as gen
from bench.__main__ import dataset
from bench.child import derived_steps
from bench.schemes import write_fallback
from kg.build import pipeline as build
from kg.deployment import region_area
from kg.namespaces import QB
from kg.saved import kpi, kpisnapshot, network
from kg.settings import Settings
from kg.store import EmbeddedStore

TARGET_M = 30.0
ROOT = Path(__file__).resolve().parent.parent


def bench_size(size: str, tmp: Path, stand_ins: list[Path]) -> dict[str, Any]:
    clean, _ = dataset(size, 0)
    settings = Settings(var_dir=tmp / "var")
    row: dict[str, Any] = {"organisations": gen.SIZES[size]}

    print(f"[{size}] kg build…", flush=True)
    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    built = build.run(
        settings,
        extra=[clean, *stand_ins],
        progress=lambda message: marks.append((time.perf_counter(), message)),
    )
    row["build"] = round(time.perf_counter() - start, 2)
    row["triples"] = built.triples
    # the network metrics as the build computes them: the first derived step, alone, into
    # the new store
    row["network_in_build"] = derived_steps(marks)["network metrics"]

    # queries/ copied: the snapshot goes to a throwaway data/snapshots/
    project = Settings(root=tmp / "project", var_dir=settings.var)
    shutil.copytree(ROOT / "queries", project.root / "queries")
    store = EmbeddedStore.open(settings.store_path.resolve())

    print(f"[{size}] every KPI…", flush=True)
    start = time.perf_counter()
    results = kpi.compute(project, store)
    row["kpis"] = round(time.perf_counter() - start, 2)
    row["kpi_values"] = sum(len(r.values(settings.base)) for r in results)
    row["per_kpi"] = {r.kpi: round(r.seconds, 2) for r in results}
    failed = {r.kpi: r.error for r in results if r.error}
    if failed:
        raise SystemExit(f"KPI queries failed: {failed}")

    print(f"[{size}] kg snapshot…", flush=True)
    start = time.perf_counter()
    path = kpisnapshot.snapshot(project, store, date.today(), build_id=built.build_id)
    row["snapshot"] = round(time.perf_counter() - start, 2)
    row["snapshot_kb"] = round(path.stat().st_size / 1024)

    # last, as it disturbs the store for what would follow: the network step again, part by
    # part, into the graph cleared (its deletions make this slower than in the build)
    print(f"[{size}] network metrics, part by part…", flush=True)
    store.clear_graph(network.graph_iri(settings.base))
    start = time.perf_counter()
    graph = network.read_graph(store, settings.base)
    read = time.perf_counter() - start
    metrics = network.compute(graph)
    computed = time.perf_counter() - start - read
    quads = network.quads(metrics, settings.base, date.today(), region_area(settings.root))
    network.write(store, settings.base, quads)
    observation = NamedNode(QB + "Observation")
    row["network"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "read": round(read, 2),
        "structure": round(metrics.seconds["structure"], 2),
        "betweenness": round(metrics.seconds["betweenness"], 2),
        "compute": round(computed, 2),
        "write": round(time.perf_counter() - start - read - computed, 2),
        "organisations": len(graph.nodes),
        "relations": len(graph.statements),
        "pivots": metrics.pivots,
        "quads": len(quads),
        "observations": sum(1 for q in quads if q.object == observation),
    }
    return row


def table(sizes: dict[str, dict[str, Any]]) -> str:
    lines = [
        "size  orgs     build    network   (again: read / compute / write; pivots; statements)"
        "   KPIs     snapshot",
    ]
    for size, r in sizes.items():
        n = r["network"]
        lines.append(
            f"{size:<5} {r['organisations']:<8,} {r['build']:6.1f} s {r['network_in_build']:6.1f} s "
            f"({n['read']:.1f} / {n['compute']:.1f} / {n['write']:.1f} s; {n['pivots']}; "
            f"{n['quads']:,})   {r['kpis']:6.1f} s {r['snapshot']:6.1f} s ({r['snapshot_kb']:,} KB)"
        )
    lines.append("")
    names = sorted({k for r in sizes.values() for k in r["per_kpi"]})
    lines.append("per KPI query (s): " + "  ".join(sizes))
    for name in names:
        cells = "  ".join(f"{r['per_kpi'].get(name, 0):5.2f}" for r in sizes.values())
        lines.append(f"  {name:<32} {cells}")
    if "M" in sizes:
        m = sizes["M"]
        total = m["kpis"] + m["network_in_build"]
        ok = total < TARGET_M
        lines.append(
            f"\nall KPIs at M, network metrics included: {m['kpis']:.1f} + "
            f"{m['network_in_build']:.1f} (the build's network step) = {total:.1f} s "
            f"({'within' if ok else 'OVER'} the {TARGET_M:.0f} s target)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.kpi", description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=gen.SIZES, default=["S", "M"])
    parser.add_argument("--json", type=Path, help="also write the figures there")
    args = parser.parse_args(argv)
    sizes: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-kpi-") as tmp_dir:
        tmp = Path(tmp_dir)
        stand_in = write_fallback(ROOT, tmp / "schemes-fallback.nt")
        for size in args.sizes:
            sizes[size] = bench_size(size, tmp / size, [stand_in] if stand_in else [])
    print()
    print(table(sizes))
    if args.json:
        args.json.write_text(json.dumps(sizes, indent=2) + "\n")


if __name__ == "__main__":
    main()
