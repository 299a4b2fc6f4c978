"""A streamed query answer as an HTTP response that no client can wedge.

The rest of the answer is spooled (``kg.store.spool``): the store's slot goes back once
the answer is complete, whatever the client reads (the store's own limits still bound the
answer: the time limit, the caps, the transfer limit closing it with its note). The
response then ends at the first of: the last byte sent; the client gone
(``http.disconnect``); a client that took nothing for ``KG_TRANSFER_TIMEOUT`` seconds (a
send that could not complete). A client that reads, however slowly, gets the whole
answer. A body that cannot be finished is broken off, never ended as if complete:
chunked encoding without its last chunk tells the client it is incomplete.
"""

from __future__ import annotations

import logging

import anyio
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from kg.errors import KgError
from kg.store.interface import QueryRun
from kg.store.spool import Spool, SpoolBudget

log = logging.getLogger("kg.answer")
#: how long one read of the spool waits before the response looks at the clock again
POLL = 1.0


class QueryResponse(Response):
    def __init__(
        self,
        run: QueryRun,
        media_type: str,
        headers: dict[str, str],
        *,
        budget: SpoolBudget,
        transfer_timeout: float,
    ) -> None:
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(headers)
        self.run = run
        self.transfer_timeout = transfer_timeout
        # the pump starts now, so the slot is given back even before the client reads
        self.spool = Spool(run.rest, run.close, budget)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def watch() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()  # the client is gone: stop sending

                group.start_soon(watch)
                await self._send_all(send)
                group.cancel_scope.cancel()
        finally:
            self.spool.close()

    async def _send(self, send: Send, message: Message) -> bool:
        """Send one message; False when the client took nothing for the transfer limit."""
        with anyio.move_on_after(self.transfer_timeout):
            await send(message)
            return True
        log.warning(
            "an answer was broken off: its client read nothing for %g s (KG_TRANSFER_TIMEOUT)",
            self.transfer_timeout,
        )
        return False

    async def _send_all(self, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        if not await self._send(send, {**start, "headers": self.raw_headers}):
            return
        for first in self.run.prefetched:
            if not await self._send(send, _body(first)):
                return
        while True:
            try:
                chunk: bytes | None = await anyio.to_thread.run_sync(self.spool.read, POLL)
            except KgError as err:  # cut by the store (time limit, worker gone): broken off
                log.warning("an answer was broken off: %s", err)
                return
            if chunk is None:
                continue
            if not chunk:
                break
            if not await self._send(send, _body(chunk)):
                return
        await self._send(send, {"type": "http.response.body", "body": b"", "more_body": False})


def _body(chunk: bytes) -> Message:
    return {"type": "http.response.body", "body": chunk, "more_body": True}
