"""``kg build``: every source -> validated -> a new on-disk store, swapped in atomically.

A build writes ``var/stores/<id>.partial/``; only when everything parsed, validated and
loaded is it renamed to ``var/stores/<id>/`` and the ``var/store`` symlink replaced (an
atomic rename). A failure or a kill at any earlier point leaves the serving store as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat

from kg.build import erasure, shapesparql
from kg.build.changes import PENDING, Change, list_changes
from kg.build.changes import apply as apply_change
from kg.build.changes import commit as commit_change
from kg.build.changes import record as record_change
from kg.build.importers import run_importers
from kg.build.normalise import normalise
from kg.build.provenance import check_sources_cited
from kg.build.report import Issue, Report
from kg.build.sources import Source, discover, extra_source
from kg.build.validation import MAX_RESULTS, BackgroundValidation, shapes_ntriples
from kg.build.vocabulary import check_vocabulary
from kg.errors import BuildBusy, ValidationFailed
from kg.labels import languages_of
from kg.publish import derived
from kg.settings import Settings
from kg.store import EmbeddedStore, GraphStore
from kg.store.remote import RemoteStore

Progress = Callable[[str], None]
#: a new change: (update text, author[, client key[, why[, number of the change it reverts]]])
NewChange = (
    tuple[str, str]
    | tuple[str, str, str | None]
    | tuple[str, str, str | None, str]
    | tuple[str, str, str | None, str, int | None]
)

#: sources whose named graph must cite where its statements come from
CITED_KINDS = ("curated", "import", "snapshot", "links")

ENTITY_GRAPHS = "SELECT DISTINCT ?e ?g WHERE { GRAPH ?g { ?e ?p ?o } }"
OBJECT_GRAPHS = "SELECT DISTINCT ?e ?g WHERE { GRAPH ?g { ?s ?p ?e } }"


@dataclass
class BuildResult:
    build_id: str
    store_dir: Path | None
    graphs: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    report: Report = field(default_factory=Report)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


class _Timer:
    def __init__(self, timings: dict[str, float], progress: Progress) -> None:
        self.timings, self.progress = timings, progress

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.progress(f"{name}…")
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)
        self.progress(f"{name}: {self.timings[name]:.2f} s")


@contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    settings.var.mkdir(parents=True, exist_ok=True)
    with open(settings.var / "build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy("another build is running (var/build.lock is held)") from None
        yield


def all_sources(settings: Settings, workdir: Path, extra: Sequence[Path]) -> list[Source]:
    sources = discover(settings)
    sources += run_importers(settings, workdir / "imports")
    sources += [extra_source(settings, p) for p in extra]
    return sources


def locate(store: GraphStore, issues: list[Issue], labels: dict[str, str]) -> list[Issue]:
    """Fill in the file of each issue from the named graphs that hold its entity."""
    located = []
    cache: dict[str, str] = {}
    for issue in issues:
        if issue.file:
            located.append(issue)
            continue
        if issue.entity not in cache:
            files: list[str] = []
            if issue.entity.startswith("<"):
                entity = NamedNode(issue.entity[1:-1])
                for sparql in (ENTITY_GRAPHS, OBJECT_GRAPHS):
                    rows = store.query(sparql, {"e": entity})
                    assert isinstance(rows, QuerySolutions)
                    files = sorted({labels.get(r["g"].value, r["g"].value) for r in rows})
                    if files:
                        break
            cache[issue.entity] = ", ".join(files) or "(unknown file)"
        located.append(replace(issue, file=cache[issue.entity]))
    return located


def _concat(paths: Sequence[Path], out: Path) -> None:
    with open(out, "wb") as target:
        for path in paths:
            with open(path, "rb") as part:
                shutil.copyfileobj(part, target, 1 << 20)
            target.write(b"\n")


def _prune(settings: Settings, keep: Path) -> None:
    """Remove stale partial builds and all but the newest ``keep_stores`` older stores."""
    stores = sorted(p for p in settings.stores_dir.iterdir() if p.is_dir())
    finished = [p for p in stores if not p.name.endswith(".partial") and p != keep]
    stale = [p for p in stores if p.name.endswith(".partial")]
    stale += finished[: max(0, len(finished) - settings.keep_stores)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


def swap_in(settings: Settings, store_dir: Path) -> None:
    """Point ``var/store`` at ``store_dir`` with one atomic rename."""
    link = settings.store_path
    tmp = link.with_name(f".store.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(store_dir.relative_to(settings.var))
    os.replace(tmp, link)


def run(
    settings: Settings,
    *,
    extra: Sequence[Path] = (),
    progress: Progress = lambda _: None,
    keep: bool = True,
    new_change: NewChange | None = None,
) -> BuildResult:
    """Parse, validate and load everything. With ``keep``, swap the result in as the
    serving store; without (``kg validate``), load into memory and throw it away.
    ``new_change`` (update text, author, client key, why, reverted change) is written as
    a pending change under the build lock, replayed after the log, and committed into the
    log once the build that includes it has validated, just before its store is swapped
    in; else removed (``kg.build.changes``)."""
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    result = BuildResult(build_id, None)
    timer = _Timer(result.timings, progress)
    # the search index sorts by the deployment's languages, whoever calls the build
    with build_lock(settings), languages_of(settings.languages):
        settings.stores_dir.mkdir(parents=True, exist_ok=True)
        workdir = settings.stores_dir / f"{build_id}.partial"
        workdir.mkdir()
        change = record_change(settings, *new_change) if new_change else None
        try:
            return _run(settings, result, timer, workdir, extra, keep, change)
        finally:
            if change is not None:  # not committed: nothing of it stays
                change.path.unlink(missing_ok=True)
            # after a successful build the directory was renamed: this removes only
            # what a failed build or ``kg validate`` left behind
            shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class _Parsed:
    """The sources, parsed once into N-Triples files, and what the steps take from them."""

    sources: list[Source]
    data: list[Source]
    shapes: list[Source]
    files: dict[str, Path]  # graph -> its N-Triples file
    shapes_nt: bytes
    constraints: list[shapesparql.SparqlConstraint]
    union: Path  # every data graph, for the validator
    norm_dir: Path


def _parse(settings: Settings, workdir: Path, extra: Sequence[Path], erased: set[str]) -> _Parsed:
    sources = all_sources(settings, workdir, extra)
    norm_dir = workdir / "norm"
    norm_dir.mkdir()
    data = [s for s in sources if s.kind != "shapes"]
    shapes = [s for s in sources if s.kind == "shapes"]
    files = {
        s.graph: normalise(s, norm_dir / f"{i:03d}.nt", settings.base)
        for i, s in enumerate(sources)
    }
    # what erasures of the change log erase never reaches the store (kg.build.erasure)
    erasure.leave_out([files[s.graph] for s in data], erased, settings.base)
    # the SHACL-SPARQL constraints run in Oxigraph once the store is loaded
    shapes_nt, constraints = shapesparql.split(shapes_ntriples(shapes, files))
    union = workdir / "union.nt"
    _concat([files[s.graph] for s in data], union)
    return _Parsed(sources, data, shapes, files, shapes_nt, constraints, union, norm_dir)


def _run(
    settings: Settings,
    result: BuildResult,
    timer: _Timer,
    workdir: Path,
    extra: Sequence[Path],
    keep: bool,
    pending: Change | None = None,
) -> BuildResult:
    changes = list_changes(settings) + ([pending] if pending else [])
    with timer.step("parse"):
        gone = erasure.erased(c.update() for c in changes)
        parsed = _parse(settings, workdir, extra, gone)
    change_labels = {c.graph(settings.base): c.label for c in changes}
    labels = {s.graph: s.label for s in parsed.sources} | change_labels
    timer.progress("validate and load…")
    start = time.perf_counter()
    store, issues = _validate_and_load(settings, timer, workdir, parsed, changes, keep)
    result.timings["validate"] = round(time.perf_counter() - start, 3)
    vocab_issues, shacl_issues = issues
    result.report.extend(vocab_issues + locate(store, shacl_issues, labels))
    for graph, label in labels.items():
        result.graphs[label] = store.triple_count(graph)
    parsed.union.unlink()
    shutil.rmtree(parsed.norm_dir)
    if not result.report.conforms:
        raise ValidationFailed(result.report)
    if not keep:
        return result
    if settings.store_backend == "remote":
        with timer.step("derived"):
            derived.run(settings, store, workdir, timer.progress, only_data=True)
        if pending is not None:
            commit_change(settings, pending)
        with timer.step("publish"):
            publish_remote(RemoteStore.from_settings(settings), store, workdir, settings.base)
        return result
    with timer.step("derived"):
        derived.run(settings, store, workdir, timer.progress)
    graphs = _manifest_graphs(settings, result, store, parsed.sources, change_labels)
    with timer.step("commit"):
        store.flush()
        store.optimize()
        del store
        # the change goes into the log before its store serves: a kill in between leaves
        # a validated change that the next build replays, never a store the log lacks
        if pending is not None:
            commit_change(settings, pending)
        _commit(settings, result, workdir, graphs)
    return result


def _validate_and_load(
    settings: Settings,
    timer: _Timer,
    workdir: Path,
    parsed: _Parsed,
    changes: Sequence[Change],
    keep: bool,
) -> tuple[EmbeddedStore, tuple[list[Issue], list[Issue]]]:
    """Load the data graphs and the changes into a new store while the validator runs;
    then the vocabulary check and the SPARQL constraints. Returns the store and (vocabulary
    issues, SHACL issues)."""
    files, data = parsed.files, parsed.data
    data_labels = {s.graph: s.label for s in data} | {
        c.graph(settings.base): c.label for c in changes
    }
    # Without web edits the validator reads the sources while the store loads (two cores);
    # with edits it must see their result, so it starts after they are applied.
    validation = None if changes else BackgroundValidation(parsed.shapes_nt, parsed.union)
    try:
        with timer.step("load"):
            on_disk = keep and settings.store_backend == "embedded"
            store = EmbeddedStore.open(workdir / "store" if on_disk else None)
            # the shapes go in after the SPARQL constraints ran on the union of the data
            # graphs (the union default graph, much faster than naming the graphs)
            for source in data:
                store.load(files[source.graph], RdfFormat.N_TRIPLES, source.graph)
            for change in changes:
                apply_change(store, change, settings, new=change.path.parent.name == PENDING)
        if validation is None:
            dump_graphs(store, store.named_graphs(), parsed.union)
            validation = BackgroundValidation(parsed.shapes_nt, parsed.union)
        # the vocabulary check and the SPARQL constraints read the store side by side
        with timer.step("checks"), ThreadPoolExecutor(2, thread_name_prefix="checks") as pool:
            ontology = [s.graph for s in parsed.sources if s.kind == "ontology"]
            cited = {s.graph: s.label for s in data if s.kind in CITED_KINDS}
            vocabulary = pool.submit(
                _vocabulary_issues, store, ontology, data_labels, settings.base, cited
            )
            sparql_issues = shapesparql.check(store, parsed.constraints, MAX_RESULTS, pool)
            vocab_issues = vocabulary.result()
        for source in parsed.shapes:
            store.load(files[source.graph], RdfFormat.N_TRIPLES, source.graph)
        shacl_issues = validation.result() + sparql_issues
    except BaseException:
        if validation is not None:
            validation.cancel()
        raise
    return store, (vocab_issues, shacl_issues)


def _manifest_graphs(
    settings: Settings,
    result: BuildResult,
    store: EmbeddedStore,
    sources: Sequence[Source],
    change_labels: dict[str, str],
) -> dict[str, dict[str, str | None]]:
    """Every graph of the store for the manifest: sources, web edits, derived data (whose
    triples are counted into the result)."""
    graphs: dict[str, dict[str, str | None]] = {
        s.graph: {"file": s.label, "kind": s.kind} for s in sources
    }
    for graph in sorted(set(store.named_graphs()) - set(graphs)):
        if graph in change_labels:
            graphs[graph] = {"file": change_labels[graph], "kind": "change"}
        else:
            graphs[graph] = {"file": None, "kind": "derived"}
            result.graphs[graph.removeprefix(settings.base + "graph/")] = store.triple_count(graph)
    return graphs


def _commit(
    settings: Settings,
    result: BuildResult,
    workdir: Path,
    graphs: dict[str, dict[str, str | None]],
) -> None:
    """Write the manifest, move the build into place and swap it in."""
    manifest = {
        "build": result.build_id,
        "base": settings.base,
        "graphs": graphs,
        "triples": result.graphs,
        "timings": result.timings,
    }
    (workdir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    final = settings.stores_dir / result.build_id
    workdir.rename(final)
    swap_in(settings, final / "store")
    result.store_dir = final
    _prune(settings, final)


def _vocabulary_issues(
    store: EmbeddedStore,
    ontology: list[str],
    labels: dict[str, str],
    base: str,
    cited: dict[str, str],
) -> list[Issue]:
    """Terms outside the known vocabularies, and sources that do not cite their origin."""
    return check_vocabulary(store, ontology, labels, base) + check_sources_cited(store, cited)


def dump_graphs(store: EmbeddedStore, graphs: Sequence[str], out: Path) -> None:
    """The given named graphs, one after the other, as one N-Triples file."""
    with open(out, "wb") as target:
        for graph in graphs:
            store.dump(target, RdfFormat.N_TRIPLES, graph)


def publish_remote(remote: GraphStore, built: EmbeddedStore, workdir: Path, base: str) -> None:
    """Replace each graph of the validated build on a remote server (Graph Store Protocol
    PUT) and drop the project's graphs that are gone. Unlike the embedded swap this is
    graph by graph: a reader may see a mix of old and new graphs meanwhile."""
    current = built.named_graphs()
    part = workdir / "graph.nt"
    for graph in current:
        dump_graphs(built, [graph], part)
        remote.replace_graph(part, RdfFormat.N_TRIPLES, graph)
    for graph in remote.named_graphs():
        if graph.startswith(base + "graph/") and graph not in current:
            remote.clear_graph(graph)
