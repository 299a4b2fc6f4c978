"""The change log: edits made through the web, kept as SPARQL Update files in
``data/changes/`` (append-only, versioned with the data). Every build replays them in
order on top of the sources, so nothing entered through the web is lost by a rebuild;
a change that would make the data invalid is refused and never recorded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import QueryError, SourceSyntaxError
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.sparql.analysis import check_update
from kg.store import EmbeddedStore

NAME = re.compile(r"^(\d{6})-[0-9TZ]+\.ru$")

DCT_SOURCE = NamedNode("http://purl.org/dc/terms/source")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PROV_ACTIVITY = NamedNode("http://www.w3.org/ns/prov#Activity")
PROV_ENDED = NamedNode("http://www.w3.org/ns/prov#endedAtTime")
XSD_DATETIME = NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


@dataclass(frozen=True)
class Change:
    path: Path
    label: str  # "data/changes/000001-….ru"
    stem: str

    def graph(self, base: str) -> str:
        return f"{base}graph/changes/{self.stem}"

    def iri(self, base: str) -> str:
        return f"{base}id/change/{self.stem}"

    @property
    def when(self) -> str:
        stamp = self.stem.split("-", 1)[1]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()


def changes_dir(settings: Settings) -> Path:
    return settings.root / "data" / "changes"


def list_changes(settings: Settings) -> list[Change]:
    folder = changes_dir(settings)
    if not folder.is_dir():
        return []
    return [
        Change(p, p.relative_to(settings.root).as_posix(), p.stem)
        for p in sorted(folder.iterdir())
        if NAME.match(p.name)
    ]


def record(settings: Settings, update: str, author: str) -> Change:
    """Append a change to the log (the caller rebuilds, and removes it if the build fails).
    An update that calls a SERVICE outside ``KG_SERVICE_ALLOW`` or LOADs a document is
    refused first: every later build would replay the call."""
    check_update(update, settings.service_allow, all_prefixes(settings.base))
    folder = changes_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    existing = list_changes(settings)
    number = int(NAME.match(existing[-1].path.name).group(1)) + 1 if existing else 1  # type: ignore[union-attr]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{number:06d}-{stamp}.ru"
    header = f"# change {number}, {stamp}, by {author}\n"
    with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite another change
        f.write(header + update.rstrip() + "\n")
    return Change(path, path.relative_to(settings.root).as_posix(), path.stem)


def apply(store: EmbeddedStore, change: Change, base: str) -> None:
    text = change.path.read_text(encoding="utf-8")
    try:
        store.update(text, prefixes=all_prefixes(base))
    except QueryError as err:
        raise SourceSyntaxError(change.label, None, None, str(err)) from None
    graph = NamedNode(change.graph(base))
    # what the update put in the default graph belongs to the change's own graph
    store.move_default_graph(graph.value)
    change_iri = NamedNode(change.iri(base))
    store.extend(
        [
            Quad(graph, DCT_SOURCE, change_iri, graph),
            Quad(change_iri, RDF_TYPE, PROV_ACTIVITY, graph),
            Quad(change_iri, PROV_ENDED, Literal(change.when, datatype=XSD_DATETIME), graph),
            Quad(change_iri, RDFS_LABEL, Literal(f"web edit {change.stem}", language="en"), graph),
        ]
    )
