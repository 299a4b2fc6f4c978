"""Derived indexes (the map's, the network's): their files beside the store, and one
copy of each in memory per store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kg.store import GraphStore

log = logging.getLogger("kg.publish.derivedindex")


T = TypeVar("T")


def cached(store: GraphStore, key: str, build: Callable[[], T]) -> T:
    """``build()`` once per store and key, in the store's cache (kg.store.cache: a new
    build is a new store with a new cache; a remote store's entries age out)."""
    return store.cache.get_or_compute(key, build)


def forget(store: GraphStore) -> None:
    """Drop the indexes of a store (after changing it in place)."""
    store.cache.clear()


#: bumped when the layout of the index files changes; other versions are not read
INDEX_FORMAT = 1


def index_file(store: GraphStore, name: str) -> Path | None:
    """Where a derived index of an embedded store lies: in its build directory, beside the
    store (``var/stores/<id>/``), as the build's derived steps write it."""
    location = store.location()
    return None if location is None else location.parent / name


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
