"""Whole-dataset dumps, written once per build next to the store.

- ``dataset.nq.gz``: every named graph as gzipped N-Quads, so provenance is kept;
- ``dataset.nt.gz``: the union of the graphs as gzipped N-Triples, each triple once;
- ``dataset.ttl``: the same union as Turtle with the project's prefixes;
- ``dumps.json``: name, media type, size, SHA-256 and statement count of each, and the build.

Everything streams: pyoxigraph writes straight into a chain of small writers (line count,
gzip, SHA-256, file), so no list of triples is ever held in Python. From the embedded store
both gzipped dumps come from one pass, graph by graph: each graph's N-Triples become its
N-Quads lines and, the first time a triple is seen, a line of the union (only digests of
the lines are remembered). Other stores are asked with SPARQL. The Turtle file is made by
re-reading the N-Triples dump, not by asking the store a second time.

The output is deterministic for a given store content: the lines follow the graphs in
order of their IRIs and, within a graph, the store's index order, both fixed by the terms
themselves, and the gzip header carries no name or time. Lines are not sorted: that would
need an external sort and buys nothing here, since the order is already stable. Blank-node
labels are the store's, so two builds of the same sources differ wherever the sources have
anonymous blank nodes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, BinaryIO, Protocol, cast

from pyoxigraph import (
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
)
from pyoxigraph import serialize as rdf_serialize

from kg.errors import StoreError
from kg.namespaces import all_prefixes
from kg.store import GraphStore, QueryResult

NQUADS = "dataset.nq.gz"
NTRIPLES = "dataset.nt.gz"
TURTLE = "dataset.ttl"
MANIFEST = "dumps.json"
GZIP_LEVEL = 6

#: The union of all named graphs, each triple once (a triple stated in two graphs is one).
UNION_TRIPLES = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"
#: One graph's triples, run with that graph as the default graph (stores other than the
#: embedded one, which dumps N-Quads directly).
GRAPH_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"


@dataclass(frozen=True)
class Dump:
    """One dump file. ``triples`` counts statements: quads for N-Quads, triples otherwise."""

    name: str
    media_type: str
    compression: str | None
    byte_size: int
    sha256: str
    triples: int

    @property
    def content_type(self) -> str:
        """What the file's bytes are, for a download's Content-Type."""
        return "application/gzip" if self.compression == "gzip" else self.media_type

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Dump:
        compression = data.get("compression")
        return cls(
            name=str(data["name"]),
            media_type=str(data["media_type"]),
            compression=None if compression is None else str(compression),
            byte_size=int(str(data["byte_size"])),
            sha256=str(data["sha256"]),
            triples=int(str(data["triples"])),
        )


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _Digest:
    """Passes bytes to a file, keeping their SHA-256 and count."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.hash, self.size = file, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()


class _Lines:
    """Counts lines on the way through: N-Triples and N-Quads put one statement per line
    (a newline inside a literal is written escaped)."""

    def __init__(self, out: _Writable) -> None:
        self.out, self.count = out, 0

    def write(self, data: bytes) -> int:
        self.count += data.count(b"\n")
        return self.out.write(data)

    def flush(self) -> None:
        pass


class _Counted:
    """An iterable that counts what has been taken from it."""

    def __init__(self, items: Iterable[Triple]) -> None:
        self.items, self.count = items, 0

    def __iter__(self) -> Iterator[Triple]:
        for item in self.items:
            self.count += 1
            yield item


def _io(sink: object) -> IO[bytes]:
    """pyoxigraph only calls ``write`` (and ``read`` when parsing): any such object will do."""
    return cast(IO[bytes], sink)


def _gzip(out: _Digest) -> gzip.GzipFile:
    """A gzip stream into ``out``, with no file name and time 0 in its header: the same
    content gives the same bytes."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=GZIP_LEVEL, mtime=0)


@contextmanager
def _output(path: Path, compress: bool) -> Iterator[tuple[_Writable, _Digest]]:
    """A stream into ``path`` (gzipped or not) through a temporary file, which replaces
    ``path`` when the block ends and is removed if it fails; and the digest of the bytes
    written, whole once the block has ended."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as raw:
            digest = _Digest(raw)
            if compress:
                with _gzip(digest) as zipped:
                    yield zipped, digest
            else:
                yield digest, digest
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: what writing a dump gives: bytes, SHA-256 (hex), statements
Written = tuple[int, str, int]


def _write(path: Path, compress: bool, produce: Callable[[_Writable], int]) -> Written:
    """Write ``path`` with ``produce`` (which returns the statements it wrote)."""
    with _output(path, compress) as (out, digest):
        count = produce(out)
    return digest.size, digest.hash.hexdigest(), count


def _triples(result: QueryResult) -> Iterable[Triple]:
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        raise StoreError("the store answered a CONSTRUCT query with solutions")
    return result


def _graph_quads(store: GraphStore) -> Iterator[Quad]:
    """Every named graph's triples as quads, graph by graph, through the store interface."""
    for graph in store.named_graphs():
        node = NamedNode(graph)
        for t in _triples(store.query(GRAPH_TRIPLES, default_graph=[graph])):
            yield Quad(t.subject, t.predicate, t.object, node)


def _union(store: GraphStore) -> Iterator[Triple]:
    rows = store.query(UNION_TRIPLES)
    if not isinstance(rows, QuerySolutions):
        raise StoreError("the store answered a SELECT query without solutions")
    for s, p, o in rows:
        yield Triple(s, p, o)


def _quads_to(store: GraphStore, out: _Writable) -> int:
    lines = _Lines(out)
    store.dump(_io(lines), RdfFormat.N_QUADS)
    return lines.count


def _union_to(store: GraphStore, out: _Writable) -> int:
    lines = _Lines(out)
    rdf_serialize(_union(store), _io(lines), RdfFormat.N_TRIPLES)
    return lines.count


def _turtle_to(ntriples: Path, out: _Writable, prefixes: Mapping[str, str]) -> int:
    with gzip.open(ntriples, "rb") as source:
        triples = _Counted(t.triple for t in parse(_io(source), RdfFormat.N_TRIPLES))
        rdf_serialize(triples, _io(out), RdfFormat.TURTLE, prefixes=dict(prefixes))
    return triples.count


class _GraphLines:
    """Takes one graph's N-Triples from pyoxigraph (in chunks that may cut a line) and
    writes each line twice: as an N-Quads line of the graph, and, the first time the triple
    is seen in any graph, as an N-Triples line of the union. A triple is remembered by a
    16-byte digest of its line (about 80 bytes a triple in memory), not by the line."""

    def __init__(self, quads: _Writable, union: _Writable) -> None:
        self.quads, self.union = quads, union
        self.seen: set[bytes] = set()
        self.quad_count = self.triple_count = 0
        self.graph = b""
        self.rest = b""

    def start(self, graph: str) -> None:
        self.graph = str(NamedNode(graph)).encode()

    def write(self, data: bytes) -> int:
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        quads, union = [], []
        for line in lines:
            # "<s> <p> <o> ." -> "<s> <p> <o> <g> ."
            quads.append(line[:-1] + self.graph + b" .\n")
            key = hashlib.blake2b(line, digest_size=16).digest()
            if key not in self.seen:
                self.seen.add(key)
                union.append(line + b"\n")
        self.quads.write(b"".join(quads))
        self.union.write(b"".join(union))
        self.quad_count += len(quads)
        self.triple_count += len(union)
        return len(data)

    def flush(self) -> None:
        if self.rest:
            raise StoreError("a graph's N-Triples dump ended inside a line")


def _both_from_graphs(store: GraphStore, out_dir: Path) -> dict[str, Written]:
    """The N-Quads and N-Triples dumps in one pass over the store, graph by graph (reading
    the store's terms is what costs: about 20 s a pass at M, where a second pass and a
    SELECT DISTINCT over the union took 60 s), by file name."""
    with (
        _output(out_dir / NQUADS, True) as (quads, quads_digest),
        _output(out_dir / NTRIPLES, True) as (union, union_digest),
    ):
        lines = _GraphLines(quads, union)
        for graph in store.named_graphs():
            lines.start(graph)
            store.dump(_io(lines), RdfFormat.N_TRIPLES, graph)
            lines.flush()
    return {
        NQUADS: (quads_digest.size, quads_digest.hash.hexdigest(), lines.quad_count),
        NTRIPLES: (union_digest.size, union_digest.hash.hexdigest(), lines.triple_count),
    }


def write_dumps(
    store: GraphStore, out_dir: Path, base: str, build_id: str | None = None
) -> list[Dump]:
    """Write the three dumps and ``dumps.json`` into ``out_dir``; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # the two gzipped dumps at once, graph by graph; a store with default-graph triples
    # (or one that cannot tell) is dumped the general way, which keeps them
    done = _both_from_graphs(store, out_dir) if store.default_graph_empty() else {}
    plan: list[tuple[str, RdfFormat, bool, Callable[[_Writable], int]]] = [
        (NQUADS, RdfFormat.N_QUADS, True, lambda out: _quads_to(store, out)),
        (NTRIPLES, RdfFormat.N_TRIPLES, True, lambda out: _union_to(store, out)),
        (
            TURTLE,
            RdfFormat.TURTLE,
            False,
            lambda out: _turtle_to(out_dir / NTRIPLES, out, all_prefixes(base)),
        ),
    ]
    dumps = []
    for name, fmt, compress, produce in plan:
        if name in done:
            size, sha256, count = done[name]
        else:
            size, sha256, count = _write(out_dir / name, compress, produce)
        compression = "gzip" if compress else None
        dumps.append(Dump(name, fmt.media_type, compression, size, sha256, count))
    manifest = {"build": build_id, "dumps": [d.to_json() for d in dumps]}
    text = (json.dumps(manifest, indent=2) + "\n").encode()
    _write(out_dir / MANIFEST, False, lambda out: out.write(text))
    return dumps


def read_dumps(out_dir: Path) -> tuple[str | None, list[Dump]]:
    """The build id and dumps listed in ``out_dir/dumps.json``; (None, []) if there is none."""
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None, []
    except (OSError, ValueError) as err:
        raise StoreError(f"cannot read {path}: {err}") from err
    try:
        build = data.get("build")
        return (None if build is None else str(build)), [Dump.from_json(d) for d in data["dumps"]]
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise StoreError(f"{path} is not a dump list: {err}") from err
