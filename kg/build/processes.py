"""Worker processes for work that would take one core where the machine has several: they
are started with ``spawn`` (never a fork of a process holding an open RocksDB store), and
they end with the process that started them.

``map_on_store`` runs a function over items in workers that each open the same on-disk
store read-only (RocksDB allows several read-only openings of a store, as the endpoint's
query workers do). For the KPIs processes beat threads, measured: the 14 KPI queries at M
take 13.5 s one after the other, 11.6 s on two threads and 7.2 s on two processes
(bench/kpi.py). pyoxigraph evaluates without the GIL; what threads cannot run side by
side is, most likely, the Python that turns the rows into KPI results."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

from kg.store import EmbeddedStore

T = TypeVar("T")
R = TypeVar("R")

PR_SET_PDEATHSIG = 1

#: the store a ``map_on_store`` worker opened (one per worker process)
_store: EmbeddedStore | None = None


def die_with_parent(parent: int) -> None:
    """Linux: end this worker if the process that started it is killed (no orphan left
    working for nobody). A parent killed while the worker was still starting is gone
    before the signal could be asked for: then the worker ends at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _open_store(parent: int, path: str) -> None:
    global _store
    die_with_parent(parent)
    _store = EmbeddedStore.open(Path(path), read_only=True)


def _call(function: Callable[[EmbeddedStore, T], R], item: T) -> R:
    assert _store is not None, "a map_on_store worker opens its store first"
    return function(_store, item)


def worker_count(requested: int, items: int) -> int:
    """``requested`` workers, or one per core when it is 0; never more than ``items``."""
    wanted = requested if requested > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, items))


def map_on_store(
    function: Callable[[EmbeddedStore, T], R],
    store_path: Path,
    items: Sequence[T],
    workers: int,
) -> list[R]:
    """``[function(store, item) for item in items]``, the items shared out between
    ``workers`` processes that each open ``store_path`` read-only. ``function`` and the items
    must pickle (a module-level function, or a ``functools.partial`` of one). The items are
    handed out one at a time, first to last: give the longest first."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_open_store,
        initargs=(os.getpid(), str(store_path)),
    ) as pool:
        futures = [pool.submit(_call, function, item) for item in items]
        return [future.result() for future in futures]
