"""Synthetic, CCI-shaped organisations as N-Triples, for benchmarks and reference tests.

Everything generated is labelled synthetic: IRIs ``o:synthetic-NNNNNN`` (and ``p:``/``rel:``
``synthetic-NNNNNN-K``), and every organisation says so in ``dct:description``. The output is
deterministic for a given size, seed and error count, conforms to the project's shapes when
no errors are asked for, and with ``--errors N`` carries N violations of known kinds whose
expected SHACL results (focus node, path, component) are written beside it as JSON.

    python -m bench.generate S|M|L [--errors N] [--out PATH] [--seed SEED]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from random import Random

from bench.seeded import ERROR_KINDS
from bench.synthetic import municipality_areas, organisation
from kg.settings import Settings

SIZES = {"S": 2_000, "M": 22_000, "L": 100_000}
SEED = 20_251_122
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class SeededError:
    """One violation put in on purpose, as the validators should report it."""

    kind: str
    focus: str  # IRI, without <>
    path: str | None  # predicate IRI, without <>; None for SPARQL constraints on a node
    component: str  # constraint component, local name without "ConstraintComponent"


def _bare(term: str | None) -> str | None:
    return term[1:-1] if term and term.startswith("<") else term


def generate(
    n: int,
    out: Path,
    *,
    errors: int = 0,
    seed: int = SEED,
    root: Path | None = None,
) -> list[SeededError]:
    """Write ``n`` organisations to ``out`` (N-Triples); return the seeded errors.

    The errors come from a random stream of their own, so the file with errors is the
    clean file with only the mutated organisations changed."""
    if not 0 <= errors <= n:
        raise ValueError(f"--errors must be between 0 and the number of organisations ({n})")
    rng, err_rng = Random(seed), Random(seed + 1)
    muns = municipality_areas(root or Settings().root)
    kinds = list(ERROR_KINDS)
    planned = {
        i: kinds[k % len(kinds)] for k, i in enumerate(sorted(err_rng.sample(range(n), errors)))
    }
    seeded: list[SeededError] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            o = organisation(i, n, rng, muns)
            if i in planned:
                focus, path, component = ERROR_KINDS[planned[i]](o, err_rng, n)
                seeded.append(SeededError(planned[i], _bare(focus) or "", _bare(path), component))
            f.write("".join(f"{s} {p} {obj} .\n" for s, p, obj in o.triples))
    return seeded


def default_out(size: str, errors: int) -> Path:
    return DATA_DIR / (f"{size}-errors{errors}.nt" if errors else f"{size}.nt")


def write_expected(seeded: list[SeededError], path: Path) -> Path:
    path.write_text(json.dumps([asdict(e) for e in seeded], indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("size", choices=SIZES, help="S = 2,000, M = 22,000, L = 100,000 orgs")
    parser.add_argument("--errors", type=int, default=0, help="violations to seed")
    parser.add_argument("--out", type=Path, help="default bench/data/{size}[-errorsN].nt")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = args.out or default_out(args.size, args.errors)
    seeded = generate(SIZES[args.size], out, errors=args.errors, seed=args.seed)
    print(f"wrote {out} ({SIZES[args.size]:,} synthetic organisations)")
    if seeded:
        expected = write_expected(seeded, out.with_suffix(".errors.json"))
        for e in seeded:
            print(f"  {e.kind}: {e.focus} {e.path or '-'} {e.component}")
        print(f"expected results: {expected}")


if __name__ == "__main__":
    main()
