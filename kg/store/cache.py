"""What is computed from one store and kept while it serves (the vocabulary, the map's and
network's indexes, page figures): one ``StoreCache`` per store object, as ``store.cache``.

A build swaps in a new store, which is a new object with a new, empty cache (the web
process's store holder makes it), so nothing from an old store is served after a swap and
nothing is kept at module level. A store that may change under us (a remote server) gives
its cache a ``max_age``: an entry older than that is computed again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

#: seconds an entry computed from a remote store is kept (another client may write to it)
REMOTE_MAX_AGE = 60.0


class StoreCache:
    """Get-or-compute, thread-safe. Two threads asking for the same missing key compute it
    once (the second waits for the first); different keys are computed side by side."""

    def __init__(self, max_age: float | None = None) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._computing: dict[Hashable, threading.Lock] = {}

    def _fresh(self, key: Hashable, max_age: float | None = None) -> tuple[bool, Any]:
        hit = self._entries.get(key)
        if hit is None:
            return False, None
        # an entry's own max age counts only where the store may change at all
        limit = self.max_age if max_age is None or self.max_age is None else max_age
        if limit is not None and time.monotonic() - hit[0] >= limit:
            return False, None
        return True, hit[1]

    def get(self, key: Hashable) -> Any | None:
        """The value kept for ``key``, or None."""
        with self._lock:
            return self._fresh(key)[1]

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
        return value

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], T], *, max_age: float | None = None
    ) -> T:
        """The value for ``key``, made by ``compute()`` when it is not kept or is too old
        (``max_age``, for a costly value, replaces the cache's own where it has one)."""
        with self._lock:
            found, value = self._fresh(key, max_age)
            if found:
                return value
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:  # another thread may have made it while we waited
                found, value = self._fresh(key, max_age)
            if found:
                return value
            try:
                made = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            return self.put(key, made)

    def clear(self) -> None:
        """Forget everything (after the store was changed in place)."""
        with self._lock:
            self._entries.clear()
