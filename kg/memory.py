"""A process gives freed memory back to the system: the web process, and each query worker.

Answers pass through the web process as large byte strings (up to 4 MiB read before the
headers, per answer). glibc's allocator keeps what they used in its arenas after they are
freed, one arena per thread that allocated: after a burst of slow clients the process
kept twice its baseline for good (the soak: 121 MB at the start, 263 MB at seven minutes
and never less). ``malloc_trim(0)`` hands the free pages of every arena back. It is
called from a thread every ``EVERY`` seconds while the server runs; it costs a few
milliseconds and holds no lock of ours. Elsewhere than glibc it does nothing. A query
worker process is the same case (up to eight threads, each writing answers into buffers of
its own): it runs one too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable

EVERY = 30.0


def _trimmer() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


class MemoryTrimmer:
    """``start()`` with the server, ``stop()`` with it."""

    def __init__(self, every: float = EVERY) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        trim = _trimmer()
        if trim is None:
            return

        def run() -> None:
            while not self._stop.wait(self.every):
                trim()

        self._thread = threading.Thread(target=run, daemon=True, name="kg-malloc-trim")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
