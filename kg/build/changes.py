"""The change log: edits made through the web, kept as SPARQL Update files in
``data/changes/`` (append-only, versioned with the data). Every build replays them in
order on top of the sources, so nothing entered through the web is lost by a rebuild.

It is write-ahead and crash-safe. A new change is first written under
``data/changes/.pending/``, which no build replays; the build that includes it validates
the result, and only then, before the new store is swapped in, is the file renamed into
the log (one atomic rename: the commit). A write killed before that leaves a pending
file that the next write sets aside in ``data/changes/quarantine/``, and the log as it
was; a write killed after it leaves a validated change that the next build replays. A
change may carry the client's key (``Idempotency-Key``): a retry with the same key and
text finds it in the log and is not applied twice.

A change that cannot be replayed stops the build with a message naming its file and how
to set it aside (``kg changes quarantine N``); its text is checked as a new update is
(size, nesting, SERVICE and LOAD) before the engine reads it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from kg.build import changeroles, changesets, erasure
from kg.errors import ChangeFailed, QueryError
from kg.namespaces import (
    DCT_SOURCE_NODE,
    PROV,
    RDF_TYPE_NODE,
    RDFS_LABEL_NODE,
    XSD_DATETIME_NODE,
    all_prefixes,
)
from kg.settings import Settings
from kg.sparql.analysis import check_update
from kg.store import EmbeddedStore

NAME = re.compile(r"^(\d{6})-[0-9TZ]+\.ru$")
#: the header lines a change file opens with
_HEADER = re.compile(r"^# change (\d+), ([0-9TZ]+), by (.*)$")
_KEY = re.compile(r"^# key: (.*)$")
#: why the change was made (its author's words), and the change a revert undoes
_WHY = re.compile(r"^# why: (.*)$")
_REVERTS = re.compile(r"^# reverts: (\d+)$")
_HEADERS = (_HEADER, _KEY, _WHY, _REVERTS)
#: what a client's idempotency key may be
KEY = re.compile(r"[A-Za-z0-9._:~+/=-]{1,128}")
PENDING = ".pending"
QUARANTINE = "quarantine"

PROV_ACTIVITY = NamedNode(PROV + "Activity")
PROV_ENDED = NamedNode(PROV + "endedAtTime")


@dataclass(frozen=True)
class Change:
    path: Path  # where the file is now (under .pending/ until it is committed)
    label: str  # "data/changes/000001-….ru", where it is (or will be) in the log
    stem: str

    def graph(self, base: str) -> str:
        return f"{base}graph/changes/{self.stem}"

    def iri(self, base: str) -> str:
        return f"{base}id/change/{self.stem}"

    @property
    def when(self) -> str:
        stamp = self.stem.split("-", 1)[1]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()

    @property
    def number(self) -> int:
        return int(self.stem.split("-", 1)[0])

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def _headers(self) -> list[str]:
        found = []
        for line in self.text().splitlines():
            if not any(h.match(line) for h in _HEADERS):
                break
            found.append(line)
        return found

    def header(self) -> tuple[str, str | None]:
        """(author, client key or None), from the file's header lines."""
        author, key = "", None
        for line in self._headers():
            if m := _HEADER.match(line):
                author = m.group(3)
            elif m := _KEY.match(line):
                key = m.group(1)
        return author, key

    def why(self) -> tuple[str, int | None]:
        """(why the change was made or "", the number of the change it reverts or None)."""
        why, reverts = "", None
        for line in self._headers():
            if m := _WHY.match(line):
                why = m.group(1)
            elif m := _REVERTS.match(line):
                reverts = int(m.group(1))
        return why, reverts

    def update(self) -> str:
        """The update as recorded, without the header lines."""
        lines = self.text().splitlines(keepends=True)
        return "".join(lines[len(self._headers()) :])


def change_labels(change: Change) -> list[Literal]:
    """What a change is called, in words, by the role it was made in and with its date as
    people write it ("stated by the organisation (verified owner) on 7 December 2026"), in
    each language (kg.build.changeroles)."""
    role = changeroles.role_of(change.header()[0])
    return changeroles.labels(role, change.number, change.when)


def changes_dir(settings: Settings) -> Path:
    return settings.root / "data" / "changes"


def _listed(settings: Settings, folder: Path) -> list[Change]:
    if not folder.is_dir():
        return []
    log = changes_dir(settings).relative_to(settings.root).as_posix()
    return [
        Change(p, f"{log}/{p.name}", p.stem) for p in sorted(folder.iterdir()) if NAME.match(p.name)
    ]


def list_changes(settings: Settings) -> list[Change]:
    """The committed changes, in the order builds replay them."""
    return _listed(settings, changes_dir(settings))


def quarantined(settings: Settings) -> list[Change]:
    """The changes set aside (``kg changes quarantine``, or interrupted writes)."""
    return _listed(settings, changes_dir(settings) / QUARANTINE)


def _all(settings: Settings) -> list[Change]:
    return list_changes(settings) + _listed(settings, changes_dir(settings) / PENDING)


def find(settings: Settings, number: int) -> Change:
    """The committed change numbered ``number``; KeyError when there is none."""
    for change in list_changes(settings):
        if change.number == number:
            return change
    raise KeyError(number)


def by_key(settings: Settings, key: str) -> Change | None:
    """The committed change that carries the client's key, if any."""
    for change in reversed(list_changes(settings)):
        if change.header()[1] == key:
            return change
    return None


def record(
    settings: Settings,
    update: str,
    author: str,
    key: str | None = None,
    why: str = "",
    reverts: int | None = None,
) -> Change:
    """Write a change as pending (the caller builds with it, then ``commit``s it), with
    why it was made (one line) and the change it reverts, if any. An
    update that cannot be read, nests too deep, calls a SERVICE outside
    ``KG_SERVICE_ALLOW`` or LOADs a document is refused first: every later build would
    replay it. Call with the build lock held: a pending file found now was left by a
    write that was interrupted, and is set aside."""
    check_update(update, settings.service_allow, all_prefixes(settings.base))
    if key is not None and not KEY.fullmatch(key):
        raise QueryError("the idempotency key is 1 to 128 letters, digits or ._:~+/=-")
    folder = changes_dir(settings)
    pending = folder / PENDING
    pending.mkdir(parents=True, exist_ok=True)
    for left in _listed(settings, pending):
        set_aside(settings, left, "interrupted before its build ended: never applied")
    existing = list_changes(settings) + quarantined(settings)
    number = max((c.number for c in existing), default=0) + 1
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{number:06d}-{stamp}.ru"
    header = f"# change {number}, {stamp}, by {author}\n"
    if key is not None:
        header += f"# key: {key}\n"
    why = " ".join(why.split())[:2000]  # one line: the header ends at the line's end
    if why:
        header += f"# why: {why}\n"
    if reverts is not None:
        header += f"# reverts: {int(reverts)}\n"
    path = pending / name
    with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite another change
        f.write(header + update.rstrip() + "\n")
        f.flush()
        os.fsync(f.fileno())
    label = f"{folder.relative_to(settings.root).as_posix()}/{name}"
    return Change(path, label, path.stem)


def commit(settings: Settings, change: Change) -> Change:
    """Move a pending change into the log (after its build validated it): one rename."""
    target = changes_dir(settings) / change.path.name
    os.replace(change.path, target)
    _sync_dir(target.parent)
    return Change(target, change.label, change.stem)


def set_aside(settings: Settings, change: Change, reason: str) -> Path:
    """Move a change out of the log into ``quarantine/``, with the reason beside it; no
    build replays it, nothing is deleted."""
    folder = changes_dir(settings) / QUARANTINE
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / change.path.name
    os.replace(change.path, target)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    target.with_suffix(".reason").write_text(f"{stamp} {reason}\n", encoding="utf-8")
    _sync_dir(folder)
    return target


def restore(settings: Settings, change: Change) -> Path:
    """Put a change that was set aside back into the log (its reason file goes)."""
    target = changes_dir(settings) / change.path.name
    if target.exists():
        raise FileExistsError(target)
    os.replace(change.path, target)
    change.path.with_suffix(".reason").unlink(missing_ok=True)
    _sync_dir(target.parent)
    return target


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def apply(store: EmbeddedStore, change: Change, settings: Settings, new: bool = False) -> None:
    """Replay a change on the store being built. Raises ChangeFailed, naming the file and
    how to set it aside, when a change of the log cannot be replayed; QueryError (the
    client's 400, positions in its own text) when the ``new`` one cannot be applied."""
    base = settings.base
    text = change.update() if new else change.text()
    before = changesets.snapshot(store, base)
    try:
        # the checks of a new update, before the engine reads the text: a file edited by
        # hand, or recorded by an older version, must not crash the build
        check_update(text, settings.service_allow, all_prefixes(base))
        store.update(text, prefixes=all_prefixes(base))
    except (QueryError, OSError, ValueError, RuntimeError) as err:
        if new:
            raise QueryError(f"the update cannot be applied: {err}") from None
        raise ChangeFailed(change.label, change.number, str(err)) from None
    graph = NamedNode(change.graph(base))
    # what the update put in the default graph belongs to the change's own graph
    store.move_default_graph(graph.value)
    after = changesets.snapshot(store, base)
    change_iri = NamedNode(change.iri(base))
    when = Literal(change.when, datatype=XSD_DATETIME_NODE)
    author = change.header()[0]
    why, reverts = change.why()
    reverted = None
    if reverts is not None:
        reverted = next((c.iri(base) for c in _all(settings) if c.number == reverts), None)
    # an erasure's change set records no statements: they would be the erased data again
    erased = erasure.is_erasure(change.update())
    store.extend(
        changesets.describe(
            change_iri.value,
            graph.value,
            change.when,
            author.split(" (", 1)[0],
            why,
            reverted,
            set() if erased else after - before,
            set() if erased else before - after,
        )
    )
    store.extend(
        [
            Quad(graph, DCT_SOURCE_NODE, change_iri, graph),
            Quad(change_iri, RDF_TYPE_NODE, PROV_ACTIVITY, graph),
            Quad(change_iri, PROV_ENDED, when, graph),
            *(Quad(change_iri, RDFS_LABEL_NODE, label, graph) for label in change_labels(change)),
            *changeroles.association(
                change_iri.value, graph.value, changeroles.role_of(author), base
            ),
        ]
    )
