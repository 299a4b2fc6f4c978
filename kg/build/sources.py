"""Where the graph comes from: every source file and the named graph it goes into."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from kg.settings import Settings

_FORMATS = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class Source:
    """One file to load, the named graph it goes into, and how reports name it."""

    path: Path
    graph: str
    label: str
    kind: str  # ontology | shapes | curated | snapshot | links | import | extra

    @property
    def format(self) -> RdfFormat:
        return rdf_format(self.path)


def rdf_format(path: Path) -> RdfFormat:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"{path}: unknown RDF file extension {path.suffix!r} "
            f"(expected one of {', '.join(sorted(_FORMATS))})"
        ) from None


def graph_iri(base: str, label: str) -> str:
    """``data/curated/x.ttl`` -> ``{base}graph/curated/x``; the graph name mirrors the file."""
    stem = label.rsplit(".", 1)[0]
    for prefix in ("data/",):
        if stem.startswith(prefix):
            stem = stem[len(prefix) :]
    return f"{base}graph/{stem}"


def _files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in folder.glob(pattern) if p.is_file())
    return sorted(found)


def discover(settings: Settings) -> list[Source]:
    """The checked-in sources: ontology, concept schemes, shapes, curated data, snapshots."""
    root = settings.root
    sources: list[Source] = []
    groups = (
        ("ontology", root / "ontology", ("*.ttl", "schemes/*.ttl")),
        ("shapes", root / "shapes", ("*.ttl",)),
        ("curated", root / "data" / "curated", ("**/*.ttl", "**/*.nt")),
        # the network of maps: peers, their profiles and alignments, matches under review
        ("curated", root / "data", ("peers.ttl", "alignments/*.ttl", "federation/*.ttl")),
        # KPI snapshots (`kg snapshot`), append-only: the history survives rebuilds
        ("snapshot", root / "data" / "snapshots", ("*.ttl",)),
        # reviewed links to other datasets (`kg link`), each file its own graph
        ("links", root / "data" / "links", ("*.ttl",)),
    )
    for kind, folder, patterns in groups:
        for path in _files(folder, patterns):
            label = path.relative_to(root).as_posix()
            sources.append(Source(path, graph_iri(settings.base, label), label, kind))
    past = past_kpis_path(settings)
    if past.is_file():
        graph = graph_iri(settings.base, PAST_KPIS_GRAPH)
        sources.append(Source(past, graph, shown_path(past, root), "snapshot"))
    return sources


#: the KPIs of past years (`kg snapshot --past`): computed again from the data whenever
#: wanted, so generated output kept under var/ (never committed), loaded as a snapshot
PAST_KPIS_GRAPH = "snapshots/past"


def past_kpis_path(settings: Settings) -> Path:
    return settings.var / "kpi" / "past.ttl"


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to the project when it is inside it (var/kpi/past.ttl), else
    whole (KG_VAR elsewhere)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def extra_source(settings: Settings, path: Path) -> Source:
    """A file given on the command line (benchmarks, experiments) as its own graph."""
    path = path.resolve()
    rdf_format(path)  # fail early on an unknown extension
    label = path.name
    return Source(path, f"{settings.base}graph/extra/{path.stem}", label, "extra")
