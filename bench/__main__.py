"""``make bench``: build and validation at S and M scale, side by side with reference tools.

For each size: ``kg build`` with the synthetic file added vs the raw ``oxigraph load`` CLI on
the same file; then, on the data with seeded errors, the project's validator vs pyshacl on the
same shapes and union. Each step runs in a fresh process (wall time, peak RSS of its process
tree). Prints a table and writes bench/results/latest.json.

    python -m bench [--sizes S M] [--errors 50] [--skip-pyshacl-m] [--skip-pyshacl]
                    [--pyshacl-cap SECONDS]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench import generate as gen
from bench import seeded as seeded_errors
from bench import synthetic
from bench.schemes import write_fallback
from bench.validators import prepare
from kg.build.pipeline import all_sources
from kg.build.sources import extra_source
from kg.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
BIN = Path(sys.executable).parent
BUILD_TARGET, PYSHACL_TARGET = 2.0, 30.0

Row = dict[str, Any]


def measure(cmd: list[str], interval: float = 0.05, cap: float | None = None) -> Row:
    """Run ``cmd``; its wall time, the peak RSS of its process tree, and its JSON output.
    With ``cap`` seconds, a run still going then is ended: ``{"capped": True, …}`` with
    what its stderr said so far."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=HERE.parent)
    watched = psutil.Process(proc.pid)
    peak = 0
    capped = False
    while proc.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        if cap is not None and time.perf_counter() - start > cap:
            proc.kill()
            capped = True
            break
        time.sleep(interval)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if capped:
        return {
            "capped": True,
            "wall": round(wall, 3),
            "peak_rss_mb": round(peak / 2**20),
            "stderr": err.decode()[-2000:],
        }
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    lines = out.decode().strip().splitlines()
    row: Row = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return {**row, "wall": round(wall, 3), "peak_rss_mb": round(peak / 2**20)}


def dataset(size: str, errors: int) -> tuple[Path, list[dict[str, Any]]]:
    """The generated file for ``size`` (made again only when the generator changed)."""
    path = gen.default_out(size, errors)
    expected = path.with_suffix(".errors.json")
    stamp = path.with_suffix(".stamp")
    # the generator's code: made again when any of its modules changes
    modules = (gen, synthetic, seeded_errors)
    code = b"".join(Path(str(m.__file__)).read_bytes() for m in modules)
    key = hashlib.sha256(code).hexdigest() + f"{gen.SEED}:{errors}"
    if not (path.exists() and stamp.exists() and stamp.read_text() == key):
        print(f"generating {path.name}…", flush=True)
        partial = path.with_suffix(".partial")  # others may be reading the old file
        seeded = gen.generate(gen.SIZES[size], partial, errors=errors)
        partial.replace(path)
        gen.write_expected(seeded, expected)
        stamp.write_text(key)
    return path, json.loads(expected.read_text())


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def python(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench.child", *args]


def bench_size(
    size: str, tmp: Path, errors: int, stand_ins: list[Path], pyshacl: bool, cap: float | None
) -> Row:
    settings = Settings(var_dir=tmp / "var")
    clean, _ = dataset(size, 0)
    seeded_path, seeded = dataset(size, errors)
    row: Row = {"organisations": gen.SIZES[size], "synthetic_triples": count_lines(clean)}

    print(f"[{size}] kg build…", flush=True)
    row["build"] = measure(python("build", str(settings.var), str(clean), *map(str, stand_ins)))
    print(f"[{size}] oxigraph load…", flush=True)
    graph = extra_source(settings, clean).graph
    oxigraph = [str(BIN / "oxigraph"), "load", "--location", str(tmp / "oxigraph")]
    row["oxigraph_load"] = measure([*oxigraph, "--file", str(clean), "--graph", graph])
    row["build_over_oxigraph"] = round(row["build"]["wall"] / row["oxigraph_load"]["wall"], 2)
    # the store alone: parse, validate, load, commit; the derived outputs (dumps, VoID,
    # search index, network metrics…) are products `oxigraph load` does not make
    store_only = row["build"]["wall"] - row["build"]["timings"].get("derived", 0.0)
    row["store_build"] = round(store_only, 3)
    row["store_build_over_oxigraph"] = round(store_only / row["oxigraph_load"]["wall"], 2)

    work = tmp / "validation"
    sources = all_sources(settings, work, [seeded_path, *stand_ins])
    shapes_nt, union = prepare(settings, sources, work)
    (shapes := work / "shapes.nt").write_bytes(shapes_nt)
    row["validation_triples"] = count_lines(union)
    row["seeded_errors"] = len(seeded)
    expected = {(e["focus"], e["path"], e["component"]) for e in seeded}
    print(f"[{size}] fast validation…", flush=True)
    fast = measure(python("fast", str(shapes), str(union)))
    keys = fast.pop("results")
    found = {tuple(k) for k in keys}
    fast.update(results=len(keys), seeded_found=len(expected & found))
    row["fast"] = fast
    if pyshacl:
        print(f"[{size}] pyshacl (slow{f', at most {cap:.0f} s' if cap else ''})…", flush=True)
        ref = measure(python("pyshacl", str(shapes), str(union)), cap=cap)
        if ref.get("capped"):
            # it did not finish: its validation ran at least (cap - parse) seconds
            said = re.findall(r"parsed ([\d.]+)", ref.pop("stderr"))
            parse = float(said[-1]) if said else ref["wall"]
            ref.update(parse=round(parse, 3), validate_at_least=round(ref["wall"] - parse, 3))
            row["pyshacl"] = ref
            row["pyshacl_over_fast_at_least"] = round(ref["validate_at_least"] / fast["seconds"], 1)
            return row
        keys = ref.pop("results")
        ref_found = {tuple(k) for k in keys}
        ref.update(results=len(keys), seeded_found=len(expected & ref_found))
        row["pyshacl"] = ref
        row["pyshacl_over_fast"] = round(ref["validate"] / fast["seconds"], 1)
        row["results_agree"] = found == ref_found
        row["only_fast"] = sorted(map(list, found - ref_found))[:20]
        row["only_pyshacl"] = sorted(map(list, ref_found - found))[:20]
    return row


def _mb(step: Row) -> str:
    return f"{step['wall']:.2f} s, {step['peak_rss_mb']:,} MB"


def table(sizes: dict[str, Row]) -> str:
    def line(label: str, cell: Any) -> str:
        cells = []
        for row in sizes.values():
            try:
                cells.append(f"{cell(row):>24}")
            except KeyError:
                cells.append(f"{'–':>24}")
        return f"{label:<38}" + "".join(cells)

    def verdict(value: float, target: float, at_most: bool) -> str:
        ok = value <= target if at_most else value >= target
        return f"{value:.1f}× ({'ok' if ok else 'MISSES'} {'≤' if at_most else '≥'}{target:.0f}×)"

    out = [f"{'':<38}" + "".join(f"{s:>24}" for s in sizes)]
    out += [
        line("synthetic organisations", lambda r: f"{r['organisations']:,}"),
        line("triples in the synthetic file", lambda r: f"{r['synthetic_triples']:,}"),
        line("kg build (wall, peak RSS)", lambda r: _mb(r["build"])),
    ]
    steps = dict.fromkeys(k for r in sizes.values() for k in r["build"]["timings"])
    subs = dict.fromkeys(k for r in sizes.values() for k in r["build"].get("derived_steps", {}))
    for step in steps:
        out.append(line(f"  {step} (s)", lambda r, s=step: f"{r['build']['timings'][s]:.2f}"))
        if step == "derived":
            for sub in subs:
                cell = lambda r, s=sub: f"{r['build']['derived_steps'][s]:.2f}"  # noqa: E731
                out.append(line(f"    {sub} (s)", cell))
    out += [
        line("  triples / s (whole build)", lambda r: f"{r['build']['triples_per_second']:,}"),
        line("oxigraph load CLI (wall, peak RSS)", lambda r: _mb(r["oxigraph_load"])),
        line(
            "build / oxigraph load",
            lambda r: verdict(r["build_over_oxigraph"], BUILD_TARGET, True),
        ),
        line("kg build without derived outputs (s)", lambda r: f"{r['store_build']:.2f}"),
        line(
            "  that / oxigraph load",
            lambda r: verdict(r["store_build_over_oxigraph"], BUILD_TARGET, True),
        ),
        line("triples validated (with errors)", lambda r: f"{r['validation_triples']:,}"),
        line("fast validation (wall, peak RSS)", lambda r: _mb(r["fast"])),
        line("  in process (s)", lambda r: f"{r['fast']['seconds']:.2f}"),
        line(
            "pyshacl (wall, peak RSS)",
            lambda r: ("ended at " if r["pyshacl"].get("capped") else "") + _mb(r["pyshacl"]),
        ),
        line(
            "  rdflib parse + validate (s)",
            lambda r: f"{r['pyshacl']['parse']:.1f} + {r['pyshacl']['validate']:.1f}",
        ),
        line(
            "pyshacl validate / fast",
            lambda r: (
                "at least " + verdict(r["pyshacl_over_fast_at_least"], PYSHACL_TARGET, False)
                if "pyshacl_over_fast_at_least" in r
                else verdict(r["pyshacl_over_fast"], PYSHACL_TARGET, False)
            ),
        ),
        line(
            "results (fast / pyshacl)",
            lambda r: f"{r['fast']['results']} / {r['pyshacl']['results']}",
        ),
        line("same (focus, path, component) set", lambda r: "yes" if r["results_agree"] else "NO"),
        line(
            "seeded errors found (fast)",
            lambda r: f"{r['fast']['seeded_found']}/{r['seeded_errors']}",
        ),
        line(
            "seeded errors found (pyshacl)",
            lambda r: f"{r['pyshacl']['seeded_found']}/{r['seeded_errors']}",
        ),
    ]
    return "\n".join(out)


def versions() -> dict[str, str]:
    import pyoxigraph
    import pyshacl
    import shacl

    cli = subprocess.run([str(BIN / "oxigraph"), "--version"], capture_output=True, text=True)
    return {
        "python": platform.python_version(),
        "cpus": str(psutil.cpu_count()),
        "memory_gb": f"{psutil.virtual_memory().total / 2**30:.1f}",
        "pyoxigraph": pyoxigraph.__version__,
        "shacl": shacl.__version__,
        "pyshacl": pyshacl.__version__,
        "oxigraph_cli": cli.stdout.strip(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", nargs="+", choices=gen.SIZES, default=["S", "M"])
    parser.add_argument("--errors", type=int, default=50, help="violations seeded (default 50)")
    parser.add_argument("--skip-pyshacl-m", action="store_true", help="no pyshacl on M or L")
    parser.add_argument("--skip-pyshacl", action="store_true", help="no pyshacl at all")
    parser.add_argument(
        "--pyshacl-cap",
        type=float,
        default=600,
        help="seconds pyshacl may take on M and L before it is ended and the ratio reported "
        "as a lower bound (default 600; 0: no cap)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    root = Settings().root
    report: Row = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": versions()}
    report["sizes"] = sizes = {}
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        stand_in = write_fallback(root, tmp / "schemes-fallback.nt")
        report["scheme_stand_ins"] = stand_in is not None
        for size in args.sizes:
            run_pyshacl = not args.skip_pyshacl and not (args.skip_pyshacl_m and size != "S")
            cap = None if size == "S" or args.pyshacl_cap <= 0 else args.pyshacl_cap
            sizes[size] = bench_size(
                size, tmp / size, args.errors, [stand_in] if stand_in else [], run_pyshacl, cap
            )
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(sizes))
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
