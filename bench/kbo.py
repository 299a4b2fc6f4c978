"""The register import (`kg import kbo`) on a SYNTHETIC full-size extract
(bench/kboextract.py), side by side with its floor: one plain ``csv`` module pass over
the same files, reading every row and doing nothing with it. Target: peak memory under
1 GB at full size (about 2 million enterprises).

    python -m bench.kbo [--size 2000000] [--json FILE]

Each side runs in a fresh process (``python -m bench.kbo child …``) that reports its
wall time and its own peak RSS (``ru_maxrss``). The import writes into a throwaway copy
of the project's ontology/ and data/ so that the checkout's data/imports/kbo/ is not
touched. A third run imports with ``--addresses`` a SYNTHETIC BeST Address file of about
700,000 rows (``kboextract.write_addresses``, the size of the real Brussels file): the
geocoding's cost in time and memory."""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import kboextract

ROOT = Path(__file__).resolve().parent.parent
TARGET_BYTES = 1024**3


def floor(folder: str) -> dict[str, object]:
    """Every file of the extract read once with the csv module."""
    start = time.perf_counter()
    rows = 0
    for path in sorted(Path(folder).glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for _ in csv.reader(f):
                rows += 1
    return {"seconds": round(time.perf_counter() - start, 2), "rows": rows}


def import_(folder: str, root: str, addresses: str = "") -> dict[str, object]:
    from kg.build.importers import kbo
    from kg.build.importers.kbofiles import Progress
    from kg.settings import Settings

    start = time.perf_counter()
    where = Path(addresses) if addresses else None
    settings = Settings(root=Path(root))
    result = kbo.run(settings, Path(folder), lambda n, w: Progress(), addresses=where)
    found: dict[str, object] = {
        "seconds": round(time.perf_counter() - start, 2),
        "enterprises": result.tally.enterprises,
        "kept": result.tally.kept,
        "output_bytes": sum(p.stat().st_size for p in result.files),
    }
    if result.geocoding is not None:
        found["address_rows"] = result.geocoding.rows
        found["geocoding"] = dict(result.geocoding.outcomes)
    return found


def child(step: str, *args: str) -> None:
    found = floor(*args) if step == "floor" else import_(*args)
    found["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(found))


def run_child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.kbo", "child", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mib(n: object) -> str:
    return f"{int(str(n)) / 1024**2:,.0f} MiB"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    folder = ROOT / "bench" / "data" / f"kbo-{args.size}"
    if not (folder / "README.md").is_file():
        print(f"writing a synthetic extract of {args.size:,} enterprises to {folder}…")
        started = time.perf_counter()
        kboextract.write(args.size, folder)
        print(f"  written in {time.perf_counter() - started:.0f} s")
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("ontology", "data"):
            shutil.copytree(ROOT / name, Path(tmp) / name, ignore=shutil.ignore_patterns("kbo"))
        base = run_child("floor", str(folder))
        mine = run_child("import", str(folder), tmp)
        best = ROOT / "bench" / "data" / "openaddress-synthetic.csv"  # not in the extract
        if not best.is_file():
            kboextract.write_addresses(best)
        geo = run_child("import", str(folder), tmp, str(best))
    print(f"\nsynthetic extract: {args.size:,} enterprises, {size / 1024**2:,.0f} MiB of CSV")
    print(f"{'':24}{'seconds':>10}{'peak RSS':>14}")
    print(f"{'csv pass (floor)':24}{base['seconds']:>10}{mib(base['peak_rss_bytes']):>14}")
    print(f"{'kg import kbo':24}{mine['seconds']:>10}{mib(mine['peak_rss_bytes']):>14}")
    ratio = float(str(mine["seconds"])) / float(str(base["seconds"]))
    peak = int(str(mine["peak_rss_bytes"]))
    verdict = "met" if peak < TARGET_BYTES else "MISSED"
    print(f"time: {ratio:.2f} x the floor; peak RSS {mib(peak)} (target < 1 GiB: {verdict})")
    print(f"{'… with --addresses':24}{geo['seconds']:>10}{mib(geo['peak_rss_bytes']):>14}")
    print(f"kept {mine['kept']:,} of {mine['enterprises']:,} enterprises")
    print(f"geocoding with {geo['address_rows']:,} synthetic BeST rows: {geo['geocoding']}")
    figures = {"size": args.size, "csv_bytes": size, "floor": base, "import": mine, "geo": geo}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
