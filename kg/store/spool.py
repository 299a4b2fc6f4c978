"""The rest of a streamed answer, read from the store as fast as the store sends it into a
temporary file, so that the query's slot (a worker thread, or a connection to a remote
server) is given back as soon as the answer is complete, not when a slow client has read
it. A client that reads nothing then holds a file descriptor and some disk, never a slot:
80 such clients used to hold every slot and answer every other query 503 for minutes.

Bytes spooled but not yet read count against a budget shared by every answer of the
process (``Settings.spool_bytes``); past it, the pump waits for readers as a direct
stream would (a slot is held again, but only while that much is waiting to be read).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator

#: what a read returns at most
READ_SIZE = 256 * 1024


class SpoolBudget:
    """Bytes spooled and not yet read, for every answer of a process."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, READ_SIZE)
        self.held = 0
        self._cond = threading.Condition()

    def take(self, size: int, stopped: Callable[[], bool]) -> None:
        """Wait until ``size`` more bytes fit (or the answer is given up), then hold them."""
        with self._cond:
            while self.held and self.held + size > self.limit and not stopped():
                self._cond.wait(0.5)
            self.held += size

    def give(self, size: int) -> None:
        with self._cond:
            self.held -= size
            self._cond.notify_all()


class Spool:
    """Reads ``source`` to its end in a thread of its own into an unnamed temporary file;
    ``read`` gives the bytes in order. An error of the source is raised by the ``read``
    that reaches it. ``close`` (always call it) gives the answer up: the thread stops at
    its next chunk and closes the source (``close_source``) itself, the file goes."""

    def __init__(
        self,
        source: Iterator[bytes],
        close_source: Callable[[], None],
        budget: SpoolBudget,
    ) -> None:
        self._source = source
        self._close_source = close_source
        self._budget = budget
        self._fd = tempfile.TemporaryFile(prefix="kg-answer-")  # noqa: SIM115 (closed in close)
        self._cond = threading.Condition()
        self._written = 0
        self._read = 0
        self._done = False
        self._error: BaseException | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._pump, daemon=True, name="kg-spool")
        self._thread.start()

    def _pump(self) -> None:
        try:
            for chunk in self._source:
                if self._stopped:
                    break
                self._budget.take(len(chunk), lambda: self._stopped)
                os.pwrite(self._fd.fileno(), chunk, self._written)
                with self._cond:
                    self._written += len(chunk)
                    self._cond.notify_all()
        except BaseException as err:  # given to the reader, in order
            with self._cond:
                self._error = err
        finally:
            # the source is closed in the thread that iterates it (a generator cannot be
            # closed from another thread while it runs): the slot goes back now
            self._close_source()
            with self._cond:
                self._done = True
                self._cond.notify_all()
                given_up = self._stopped
            if given_up:  # ``close`` came first and left the file to this thread
                self._fd.close()

    def read(self, timeout: float) -> bytes | None:
        """The next bytes (up to ``READ_SIZE``); b"" at the end; None when nothing came
        within ``timeout`` seconds. Raises the source's error once the bytes before it
        have been read. Blocking: call it from a thread."""
        with self._cond:
            if self._read == self._written and not self._done:
                self._cond.wait(timeout)
            available = self._written - self._read
            if not available:
                if self._error is not None:
                    raise self._error
                return b"" if self._done else None
            start, size = self._read, min(available, READ_SIZE)
        data = os.pread(self._fd.fileno(), size, start)
        with self._cond:
            self._read += len(data)
        self._budget.give(len(data))
        return data

    @property
    def complete(self) -> bool:
        """The source has been read to its end (the slot is back)."""
        with self._cond:
            return self._done

    def close(self) -> None:
        """Give the answer up. Never waits: a pump still running ends at its next chunk
        and closes the file then (closed under it, its descriptor could be reused)."""
        with self._cond:
            if self._stopped:
                return
            self._stopped = True
            unread = self._written - self._read
            self._read = self._written
            finished = self._done
        self._budget.give(unread)
        if finished:
            self._fd.close()  # unnamed: its disk space goes with its descriptor


def iterate(spool: Spool, timeout: float = 1.0) -> Iterator[bytes]:
    """The spool's bytes as a blocking iterator (for the command line and tests)."""
    while True:
        data = spool.read(timeout)
        if data == b"":
            return
        if data:
            yield data
