"""Per-client fairness: a client (by address) holds at most ``KG_CLIENT_QUERIES`` query
slots at once; one more query is a 429 with Retry-After (kg.errors.TooManyQueries), so
that one client cannot take every slot from the others.

A slot is held from the start of a query until the store has given its whole answer (into
the spool for a long one, endpoint/sparql/answer.py), not until a slow client has read
it: that is when the store's own slot goes back too."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from fastapi import Request

from kg.errors import TooManyQueries
from kg.store.interface import QueryRun


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class ClientQueries:
    """Slots held per client; thread-safe (queries start and end in threads)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> Callable[[], None]:
        """One slot for ``client``, or TooManyQueries; the function gives it back (once,
        however often it is called)."""
        with self._lock:
            count = self._held.get(client, 0)
            if self.limit and count >= self.limit:
                raise TooManyQueries(
                    f"this client already has {count} queries being answered, as many as "
                    "one client may have at once; ask again when one of them is answered"
                )
            self._held[client] = count + 1
        given = False

        def give() -> None:
            nonlocal given
            with self._lock:
                if given:
                    return
                given = True
                left = self._held[client] - 1
                if left:
                    self._held[client] = left
                else:
                    del self._held[client]

        return give

    @staticmethod
    def until_answered(run: QueryRun, give: Callable[[], None]) -> QueryRun:
        """``run`` with ``give`` called when the store has given its whole answer: now if
        it is complete, else at the end of its rest, or when it is closed."""
        if run.finished:
            give()
            return run
        rest, close = run.rest, run.close

        def guarded() -> Iterator[bytes]:
            try:
                yield from rest
            finally:
                give()

        def closing() -> None:
            try:
                close()
            finally:
                give()

        run.rest, run.close = guarded(), closing
        return run
