"""The inputs of tests/test_validation_reference.py, and pyshacl's run on them started early.

pyshacl, the reference validator, takes about ten seconds on them, on one core, with each
SHACL-SPARQL text parsed once (bench.validators.queries_parsed_once; it parses each for
every focus node otherwise, and takes over a minute). When that
test is among those collected, ``start`` (called by tests/conftest.py) runs pyshacl in a
process of its own as the session starts, on inputs made the same way (the generator is
deterministic), so that it uses the second core while other tests run; the test takes
the answer with ``reference_keys``. Selected alone, the test runs pyshacl itself."""

from __future__ import annotations

import tempfile
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bench.generate import generate
from bench.schemes import write_fallback
from bench.seeded import ERROR_KINDS
from bench.validators import Key, prepare, queries_parsed_once, reference
from kg.build.importers import municipalities
from kg.build.sources import Source, discover, extra_source
from kg.settings import Settings

ORGANISATIONS = 60
#: one of each kind the generator knows
ERRORS = len(ERROR_KINDS)
#: the node id's end, to tell whether the test was collected
TEST = "test_validation_reference.py::test_fast_validator_agrees_with_pyshacl_and_finds_every_seeded_error"

_early: tuple[BaseProcess, Connection] | None = None


def synthetic(settings: Settings, folder: Path, errors: int) -> tuple[list[Path], set[Key]]:
    """Generated data (plus stand-ins for concepts the schemes lack) and the expected keys."""
    data = folder / ("seeded.nt" if errors else "clean.nt")
    seeded = generate(ORGANISATIONS, data, errors=errors, root=settings.root)
    stand_ins = write_fallback(settings.root, folder / "schemes-fallback.nt")
    return [data] + ([stand_ins] if stand_ins else []), {
        (e.focus, e.path, e.component) for e in seeded
    }


def union_of(settings: Settings, folder: Path, extra: list[Path]) -> tuple[bytes, Path]:
    """The shapes and one union: ontology, schemes, municipalities and the synthetic data."""
    graph = f"{settings.base}graph/import/municipalities"
    mun = municipalities.write(settings.root, settings.base, graph, folder / "mun.nt")
    sources = [
        *discover(settings),
        Source(mun, graph, "municipalities", "import"),
        *(extra_source(settings, p) for p in extra),
    ]
    return prepare(settings, sources, folder / "work")


def _run(conn: Connection) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(var_dir=folder / "var")
        extra, _ = synthetic(settings, folder, ERRORS)
        with queries_parsed_once():
            keys, _ = reference(*union_of(settings, folder, extra))
    conn.send(keys)


def start() -> None:
    """pyshacl on the test's inputs, in a process of its own (spawned: no state shared)."""
    global _early
    ctx = get_context("spawn")
    mine, theirs = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_run, args=(theirs,), daemon=True, name="pyshacl-reference")
    process.start()
    theirs.close()
    _early = (process, mine)


def stop() -> None:
    global _early
    if _early is not None:
        process, conn = _early
        process.terminate()
        process.join(10)
        conn.close()
        _early = None


def reference_keys(shapes_nt: bytes, union: Path) -> list[Key]:
    """pyshacl's results: the early run's if one was started, else a run here."""
    if _early is None:
        with queries_parsed_once():
            return reference(shapes_nt, union)[0]
    conn = _early[1]
    if not conn.poll(900):
        raise RuntimeError("the early pyshacl run gave no answer within 15 minutes")
    keys: list[Key] = conn.recv()
    return keys
