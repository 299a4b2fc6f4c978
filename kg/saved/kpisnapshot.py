"""``kg snapshot``: the value of every recorded KPI at a date, appended to
``data/snapshots/DATE.ttl``.

A snapshot records the KPIs whose header does not say ``# snapshot: no`` (a KPI that shows
observations with their own period, like the published sector figures, is not copied into
each snapshot with the snapshot's date). The file cites its activity with ``<> dct:source``,
so it passes the build's provenance check, and is never overwritten unless asked
(``--replace``). Its content is written by ``kg.saved.kpicube``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pyoxigraph import NamedNode, QuerySolutions

from kg.errors import KgError, KpiError, SnapshotExists
from kg.namespaces import all_prefixes
from kg.saved import queries as saved
from kg.saved.kpi import (
    KpiValue,
    compute_all,
    recorded_queries,
    snapshots_dir,
    structure_iri,
)
from kg.saved.kpicube import snapshot_text
from kg.settings import Settings
from kg.store import GraphStore


def parse_date(text: str | None) -> date:
    """``YYYY-MM-DD``, or today (UTC) when not given."""
    if not text:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise KgError(f"{text!r} is not a date: give it as YYYY-MM-DD") from None


def current_build(settings: Settings, store: GraphStore) -> str:
    """The id of the build the store comes from (``var/stores/<id>/store``), or "unknown"."""
    path = store.location()
    if path is None and settings.store_path.exists():
        path = settings.store_path.resolve()
    if path is not None and path.name == "store" and (path.parent / "manifest.json").exists():
        return path.parent.name
    if settings.store_path.is_symlink():
        return Path(os.readlink(settings.store_path)).parent.name
    return "unknown"


def declared_measures(store: GraphStore, base: str) -> set[str]:
    rows = store.query("SELECT DISTINCT ?m WHERE { ?m a cci:Measure }", prefixes=all_prefixes(base))
    assert isinstance(rows, QuerySolutions)
    return {row["m"].value for row in rows}


#: (pyoxigraph binds only the variables a query projects: ?dsd is projected)
STRUCTURE_MEASURES = "SELECT DISTINCT ?dsd ?m WHERE { ?dsd qb:component/qb:measure ?m }"


def structure_measures(store: GraphStore, base: str) -> set[str]:
    """The measures ``cci:kpiStructure`` declares."""
    rows = store.query(
        STRUCTURE_MEASURES, {"dsd": NamedNode(structure_iri(base))}, prefixes=all_prefixes(base)
    )
    assert isinstance(rows, QuerySolutions)
    return {row["m"].value for row in rows}


def query_files(settings: Settings, names: Iterable[str]) -> dict[str, bytes]:
    """name -> the bytes of queries/NAME.rq, as a snapshot fingerprints them."""
    folder = saved.queries_dir(settings)
    return {name: (folder / f"{name}.rq").read_bytes() for name in sorted(set(names))}


def snapshot(
    settings: Settings,
    store: GraphStore,
    day: date,
    *,
    replace: bool = False,
    build_id: str | None = None,
    values: Sequence[KpiValue] | None = None,
) -> Path:
    """Write the value of every recorded KPI at ``day`` to ``data/snapshots/DAY.ttl``.
    Refuses (SnapshotExists) when that file exists, unless ``replace``. Values of a KPI
    that snapshots do not record (``# snapshot: no``) are left out."""
    folder = snapshots_dir(settings)
    path = folder / f"{day.isoformat()}.ttl"
    if path.exists() and not replace:
        raise SnapshotExists(
            f"{path.relative_to(settings.root)} exists: snapshots are append-only "
            "(use --replace to compute that date again)"
        )
    recorded = recorded_queries(settings)
    names = {q.name for q in recorded}
    values = compute_all(settings, store, recorded) if values is None else values
    values = [v for v in values if v.query in names]
    known = declared_measures(store, settings.base)
    unknown = sorted({v.measure for v in values} - known)
    if unknown:
        raise KpiError(
            "these columns of KPI queries name no cci:Measure (declare them in "
            f"ontology/measures.ttl): {', '.join(unknown)}"
        )
    outside = sorted({v.measure for v in values} - structure_measures(store, settings.base))
    if outside:
        raise KpiError(
            "these measures are not components of cci:kpiStructure (add them to its "
            f"qb:component list in ontology/measures.ttl): {', '.join(outside)}"
        )
    text = snapshot_text(
        settings,
        values,
        day,
        build_id or current_build(settings, store),
        query_files(settings, names),
    )
    folder.mkdir(parents=True, exist_ok=True)
    if replace:
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    else:
        try:
            with open(path, "x", encoding="utf-8") as f:  # "x": never overwrite
                f.write(text)
        except FileExistsError:
            raise SnapshotExists(f"{path.relative_to(settings.root)} exists") from None
    return path
