"""``kg backup DIR`` and ``kg restore DIR``: the state database and the change log
copied together. The build lock is held throughout, so no web edit commits a change
between the two copies; the database is copied with SQLite's online backup API (a
consistent copy while the server reads and writes it). Pending changes (``.pending/``)
were never acknowledged and are not copied."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kg.accounts import db
from kg.build import changes
from kg.build.pipeline import build_lock
from kg.errors import BadRequest
from kg.settings import Settings

MANIFEST = "backup.json"
CHANGES = "changes"


def _copy_log(source: Path, target: Path) -> list[str]:
    """The committed change files and the quarantine, as they are; their names."""
    copied: list[str] = []
    target.mkdir(parents=True)
    if not source.is_dir():
        return copied
    for entry in sorted(source.iterdir()):
        if entry.name == changes.PENDING:
            continue
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)
        copied.append(entry.name)
    return copied


def backup(settings: Settings, folder: Path) -> dict[str, object]:
    """Copy the state and the change log into ``folder`` (new or empty)."""
    if folder.exists() and any(folder.iterdir()):
        raise BadRequest(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    with build_lock(settings):
        source = db.open_db(settings)
        target = sqlite3.connect(folder / db.FILE)
        try:
            source.backup(target)
            version = source.execute("PRAGMA user_version").fetchone()[0]
        finally:
            target.close()
            source.close()
        names = _copy_log(changes.changes_dir(settings), folder / CHANGES)
    manifest = {
        "made": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema": version,
        "changes": [n for n in names if changes.NAME.match(n)],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore(settings: Settings, folder: Path) -> dict[str, object]:
    """Put a backup back: the state database and the change log are replaced by the
    backup's (run ``kg build`` afterwards to serve the log's data). The ones replaced are
    kept in the state folder, named ``….replaced-<time>``: nothing is lost by a wrong restore."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file() or not (folder / db.FILE).is_file():
        raise BadRequest(f"{folder} is not a backup made by `kg backup` (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with build_lock(settings):
        settings.state.mkdir(parents=True, exist_ok=True)
        live = db.path(settings)
        if live.exists():
            # through SQLite, not a file copy: the -wal beside it belongs to the old file
            old = sqlite3.connect(live)
            keep = sqlite3.connect(live.with_name(f"{db.FILE}.replaced-{stamp}"))
            old.backup(keep)
            keep.close()
            saved = sqlite3.connect(folder / db.FILE)
            saved.backup(old)
            saved.close()
            old.close()
        else:
            shutil.copy2(folder / db.FILE, live)
        log = changes.changes_dir(settings)
        if log.exists():
            # kept in the state folder: nothing under data/ is read by builds but the log
            shutil.move(log, settings.state / f"changes.replaced-{stamp}")
        shutil.copytree(folder / CHANGES, log)
    db.open_db(settings).close()  # migrates a backup made by an older version
    return manifest
