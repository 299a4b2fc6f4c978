"""One measured step, run in a fresh process so that its wall time and peak memory are its own.
Prints one JSON object on stdout.

    python -m bench.child build VAR_DIR FILE...      # kg build with FILEs added
    python -m bench.child fast SHAPES.nt UNION.nt    # the project's validator
    python -m bench.child pyshacl SHAPES.nt UNION.nt # pyshacl, no inference
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path


def derived_steps(marks: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds of each derived step, from the build's progress messages and when they came:
    a step is announced "derived: NAME…" and "derived: NAME done" (two lanes run side by
    side, so a step lasts from its own start to its own end)."""
    started = {
        m.removeprefix("derived: ").removesuffix("…"): t
        for t, m in marks
        if m.startswith("derived: ") and m.endswith("…")
    }
    return {
        name: round(t - started[name], 3)
        for t, m in marks
        if m.startswith("derived: ")
        and m.endswith(" done")
        and (name := m.removeprefix("derived: ").removesuffix(" done")) in started
    }


def build(var_dir: str, *files: str) -> dict[str, object]:
    from kg.build import pipeline as build
    from kg.settings import Settings

    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    result = build.run(
        Settings(var_dir=Path(var_dir)),
        extra=[Path(f) for f in files],
        progress=lambda message: marks.append((time.perf_counter(), message)),
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 3),
        "timings": result.timings,
        "derived_steps": derived_steps(marks),
        "triples": result.triples,
        "triples_per_second": round(result.triples / seconds),
    }


def fast(shapes: str, union: str) -> dict[str, object]:
    from bench.validators import fast

    start = time.perf_counter()
    keys = fast(Path(shapes).read_bytes(), Path(union))
    return {"seconds": round(time.perf_counter() - start, 3), "results": keys}


def pyshacl(shapes: str, union: str) -> dict[str, object]:
    from bench.validators import reference

    def parsed(seconds: float) -> None:  # read by a parent that ends a capped run
        print(f"parsed {seconds:.3f}", file=sys.stderr, flush=True)

    keys, timings = reference(Path(shapes).read_bytes(), Path(union), parsed)
    return {"seconds": round(sum(timings.values()), 3), **timings, "results": keys}


def main(argv: list[str]) -> None:
    steps: dict[str, Callable[..., dict[str, object]]] = {
        "build": build,
        "fast": fast,
        "pyshacl": pyshacl,
    }
    if not argv or argv[0] not in steps:
        sys.exit(__doc__)
    print(json.dumps(steps[argv[0]](*argv[1:])))


if __name__ == "__main__":
    main(sys.argv[1:])
