"""A query result written in a thread and read as the messages ``kg.store.interface.
prefetch`` takes, under the time and transfer limits: for a backend whose results arrive
in this process (the remote one), so that its answers are cut, capped and closed like
those of the embedded store's workers (kg.sparql.pool)."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from kg.errors import KgError, QueryTimeout, StoreError
from kg.sparql.writers import Outcome, answer_for
from kg.store.interface import Limits, Messages, QueryResult, overrun

CHUNK = 64 * 1024
#: chunks written ahead of the reader, at most
AHEAD = 16
#: (solutions format, graph format, prefixes graphs are written with)
Formats = tuple[str, str, Mapping[str, str] | None]


class _Stopped(Exception):
    """The reader gave up: the writer stops."""


class _QueueSink:
    """Sends whole writes in chunks of about 64 KiB; the head goes with the first."""

    def __init__(self, out: queue.Queue[tuple[Any, ...]], stop: threading.Event) -> None:
        self.out, self.stop = out, stop
        self.buffer = bytearray()
        self.written = 0
        self.head: tuple[Any, ...] | None = None

    def put(self, item: tuple[Any, ...]) -> None:
        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                self.out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _send(self) -> None:
        if self.head is not None:
            self.put(self.head)
            self.head = None
        self.put(("chunk", bytes(self.buffer)))
        self.buffer.clear()

    def write(self, data: bytes) -> int:
        if len(self.buffer) >= CHUNK:
            self._send()
        self.buffer += data
        self.written += len(data)
        return len(data)

    def finish(self, outcome: Outcome) -> None:
        self._send()
        self.put(("end", outcome.rows, outcome.truncated))


def _error(err: Exception) -> KgError:
    if isinstance(err, KgError):
        return err
    if isinstance(err, httpx.TimeoutException):
        return QueryTimeout("the server stopped sending the answer for longer than the limit")
    return StoreError(f"the answer of the store broke off: {type(err).__name__}: {err}")


def _write(
    out: queue.Queue[tuple[Any, ...]],
    stop: threading.Event,
    open_result: Callable[[], tuple[QueryResult, httpx.Response]],
    formats: Formats,
    limits: Limits,
    opened: list[httpx.Response],
) -> None:
    sink = _QueueSink(out, stop)
    try:
        result, response = open_result()
        opened.append(response)
        how = answer_for(result, *formats, limits.max_bytes, limits.window)
        # the closing is made here: the result may only be touched on this thread
        sink.head = ("head", how.kind, how.media_type, how.closing())
        sink.finish(how.write(sink, limits.max_rows))
    except _Stopped:
        pass
    except Exception as err:  # reported to the reader as the project's error types
        with contextlib.suppress(_Stopped):
            sink.put(("error", _error(err)))


def answer_messages(
    open_result: Callable[[], tuple[QueryResult, httpx.Response]],
    formats: Formats,
    limits: Limits,
) -> Messages:
    """Yield ("head", kind, media), ("chunk", bytes)…, ("end", rows, truncated) of the
    result ``open_result`` gives, written in ``formats``. ``limits.timeout`` runs until
    the first body bytes, ``limits.transfer_timeout`` (from the same start) to the end; a
    body cut after it started is closed with the format's closing note where it has one,
    and otherwise broken off (raises)."""
    out: queue.Queue[tuple[Any, ...]] = queue.Queue(AHEAD)
    stop = threading.Event()
    opened: list[httpx.Response] = []
    started = time.monotonic()
    deadline = started + limits.timeout
    transfer_deadline = started + max(limits.timeout, limits.transfer_timeout)
    threading.Thread(
        target=_write,
        args=(out, stop, open_result, formats, limits, opened),
        daemon=True,
        name="kg-remote-answer",
    ).start()
    body = False
    closing: bytes | None = None
    try:
        while True:
            remaining = (transfer_deadline if body else deadline) - time.monotonic()
            try:
                item = out.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise overrun(body, limits.timeout, transfer_deadline - started) from None
            if item[0] == "error":
                raise item[1]
            if item[0] == "head":
                closing = item[3]
                yield item[:3]
            elif item[0] == "chunk":
                body = True
                yield item
            else:
                yield item
                return
    except KgError:
        if not body or closing is None:
            raise
        yield ("chunk", closing)
    finally:
        stop.set()
        for response in opened:
            response.close()
