"""Holds the open store and follows the ``var/store`` symlink: after ``kg build`` swaps in a
new store, the next request opens it; requests already running finish on the old one, which
is closed (its query workers end once their queries are done). The holder owns closing.

The store's ``cache`` (kg.store.cache) is the holder's: each store swapped in gets a new,
empty one, so nothing computed from an old store is served after a swap."""

from __future__ import annotations

import contextlib
import logging
import threading

from kg.errors import StoreError
from kg.settings import Settings
from kg.store import GraphStore, open_store
from kg.store.cache import REMOTE_MAX_AGE, StoreCache

log = logging.getLogger("kg.endpoint")


class StoreHolder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._target: str | None = None
        self._store: GraphStore | None = None
        self._cache_target: str | None = None
        self._cache = self._new_cache()

    def _new_cache(self) -> StoreCache:
        remote = self.settings.store_backend == "remote"
        return StoreCache(max_age=REMOTE_MAX_AGE if remote else None)

    def _cache_of(self, target: str) -> StoreCache:
        """The cache of the store at ``target``: a new one when the target changed (called
        under the lock)."""
        if target != self._cache_target:
            self._cache, self._cache_target = self._new_cache(), target
        return self._cache

    def _current_target(self) -> str:
        if self.settings.store_backend == "remote":
            return "remote"
        return str(self.settings.serving_store())

    def get(self) -> GraphStore:
        return self.serving()[1]

    def cache(self) -> StoreCache:
        """The serving store's cache, without opening the store (the search index beside
        it is used on its own)."""
        target = self._current_target()
        with self._lock:
            return self._cache_of(target)

    def serving(self) -> tuple[str, GraphStore]:
        """The store serving now, and the directory it is (``remote`` for a remote one)."""
        target = self._current_target()
        with self._lock:
            old = None
            if self._store is None or target != self._target:
                old, self._store = self._store, open_store(self.settings)
                self._store.cache = self._cache_of(target)
                self._target = target
            store = self._store
        if old is not None:
            old.close()
        return target, store

    def start(self) -> None:
        """Get the serving store ready (query workers), if there is one yet."""
        try:
            self.get().start()
        except StoreError as err:  # no store yet: the first request says so
            log.warning("%s", err)

    def close(self) -> None:
        with self._lock:
            store, self._store, self._target = self._store, None, None
        if store is not None:
            with contextlib.suppress(Exception):
                store.close()
