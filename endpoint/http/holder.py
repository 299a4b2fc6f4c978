"""Holds the open store and follows the ``var/store`` symlink: after ``kg build`` swaps in a
new store, the next request opens it; requests already running finish on the old one."""

from __future__ import annotations

import threading

from kg.settings import Settings
from kg.store import GraphStore, open_store


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
            if self._store is None or target != self._target:
                self._store = open_store(self.settings)
                self._target = target
            return target, self._store
