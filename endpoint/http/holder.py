"""Holds the open store and follows the ``var/store`` symlink: after ``kg build`` swaps in a
new store, the next request opens it; requests already running finish on the old one, which
is closed (its query workers end once their queries are done). The holder owns closing."""

from __future__ import annotations

import contextlib
import logging
import threading

from kg.errors import StoreError
from kg.settings import Settings
from kg.store import GraphStore, open_store

log = logging.getLogger("kg.endpoint")


class StoreHolder:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._target: str | None = None
        self._store: GraphStore | None = None

    def _current_target(self) -> str:
        if self.settings.store_backend == "remote":
            return "remote"
        return str(self.settings.serving_store())

    def get(self) -> GraphStore:
        return self.serving()[1]

    def serving(self) -> tuple[str, GraphStore]:
        """The store serving now, and the directory it is (``remote`` for a remote one)."""
        target = self._current_target()
        with self._lock:
            old = None
            if self._store is None or target != self._target:
                old, self._store = self._store, open_store(self.settings)
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
