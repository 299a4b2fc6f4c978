"""Derived indexes (the map's, the network's): their files beside the store, and one
copy of each in memory per store.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kg.store import EmbeddedStore, GraphStore

log = logging.getLogger("kg.publish.derivedindex")


T = TypeVar("T")
_cache_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[object, dict[str, tuple[float, object]]] = (
    weakref.WeakKeyDictionary()
)
#: seconds an index of a store that may change under us (a remote server) is kept
REMOTE_MAX_AGE = 60.0


def cached(store: GraphStore, key: str, build: Callable[[], T]) -> T:
    """``build()`` once per store and key. A serving embedded store never changes in place
    (a build swaps in a new store, which is a new object, and the old one's indexes go with
    it); a remote one may, so its indexes are rebuilt after ``REMOTE_MAX_AGE`` seconds."""
    with _cache_lock:
        entries = _cache.setdefault(store, {})
        hit = entries.get(key)
        if hit is not None and (
            isinstance(store, EmbeddedStore) or time.monotonic() - hit[0] < REMOTE_MAX_AGE
        ):
            return hit[1]  # type: ignore[return-value]
        value = build()
        entries[key] = (time.monotonic(), value)
        return value


def forget(store: GraphStore) -> None:
    """Drop the indexes of a store (after changing it in place)."""
    with _cache_lock:
        _cache.pop(store, None)


#: bumped when the layout of the index files changes; other versions are not read
INDEX_FORMAT = 1


def index_file(store: GraphStore, name: str) -> Path | None:
    """Where a derived index of an embedded store lies: in its build directory, beside the
    store (``var/stores/<id>/``), as the build's derived steps write it."""
    if isinstance(store, EmbeddedStore) and store.path is not None:
        return store.path.parent / name
    return None


def write_index(path: Path, base: str, body: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps({"format": INDEX_FORMAT, "base": base, **body}, ensure_ascii=False),
        encoding="utf-8",
    )
    partial.replace(path)


def read_index(path: Path | None, base: str) -> dict[str, Any] | None:
    """A derived index file's content, or None when there is none of this format and base
    (then the index is built from the store)."""
    if path is None or not path.is_file():
        return None
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("%s cannot be read; building the index from the store", path)
        return None
    if not isinstance(body, dict) or body.get("format") != INDEX_FORMAT or body.get("base") != base:
        return None
    return body
