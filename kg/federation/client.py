"""Asking the peers: every allowed peer at once, each within its own time limit.

``PeerClient`` belongs to one app (``app.state.peers``), not to the module: it keeps the
peers' recent answers (reused for ``KG_PEER_CACHE`` seconds, and served marked stale for
up to ``KG_PEER_STALE`` seconds while a peer is down) and each peer's last state for the
/peers page. Whatever a peer does (no answer, a slow one, an error status, garbage, an
answer too large) becomes an ``Outcome`` naming it; nothing it does raises to the page."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from kg.federation.answers import Alignments, GarbageAnswer, PeerEntity, read_answer, request_text
from kg.federation.registry import Peer
from kg.settings import Settings

#: answers kept (peer, text) at most, the oldest dropped first
CACHE_ENTRIES = 256
OK, SLOW, DOWN, GARBAGE = "ok", "slow", "down", "garbage"


@dataclass
class Outcome:
    """What one peer gave for one question."""

    peer: Peer
    status: str  # ok | slow | down | garbage
    entities: list[PeerEntity] = field(default_factory=list)
    #: seconds the peer took (the limit, when it was slow); None when the answer was reused
    latency: float | None = None
    #: the answer is an earlier one: reused while fresh, or served stale (peer failing)
    cached: bool = False
    stale: bool = False
    #: seconds since the answer shown was received
    age: float = 0.0
    detail: str = ""

    @property
    def missing(self) -> bool:
        """Whether the peer's current answer is missing from the results (stale counts)."""
        return self.status != OK

    def to_json(self) -> dict[str, object]:
        return {
            "peer": self.peer.iri,
            "status": self.status,
            "results": len(self.entities),
            "latency_ms": None if self.latency is None else round(self.latency * 1000),
            "cached": self.cached,
            "stale": self.stale,
            "age_s": round(self.age, 1),
            "detail": self.detail,
        }


@dataclass
class PeerState:
    """The last time a peer was asked, for /peers."""

    status: str
    when: str  # ISO date-time, UTC
    latency: float | None
    detail: str = ""
    #: organisations it holds, from its last full answer
    organisations: int | None = None
    kinds: dict[str, int] = field(default_factory=dict)


class PeerClient:
    """The peers of one app: their answers kept briefly, their last states."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, str | None], tuple[float, list[PeerEntity]]]
        self._answers = OrderedDict()
        self.states: dict[str, PeerState] = {}
        self._tls: ssl.SSLContext | None = None

    def _kept(self, key: tuple[str, str | None], max_age: float) -> tuple[float, list] | None:
        with self._lock:
            hit = self._answers.get(key)
        if hit is None or time.monotonic() - hit[0] > max_age:
            return None
        return hit

    def _keep(self, key: tuple[str, str | None], entities: list[PeerEntity]) -> None:
        with self._lock:
            self._answers[key] = (time.monotonic(), entities)
            self._answers.move_to_end(key)
            while len(self._answers) > CACHE_ENTRIES:
                self._answers.popitem(last=False)

    async def ask(self, peers: list[Peer], q: str | None, alignments: Alignments) -> list[Outcome]:
        """Every peer at once with ``q`` (None: every organisation it holds)."""
        if not peers:
            return []
        limits = httpx.Timeout(self.settings.peer_timeout)
        # making a client's TLS context costs ~35 ms: one for the app's life (the same
        # as httpx's own default, SSL_CERT_FILE and SSL_CERT_DIR honoured)
        if self._tls is None:
            self._tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(
            timeout=limits, follow_redirects=False, verify=self._tls
        ) as client:
            tasks = [self._ask_one(client, p, q, alignments) for p in peers]
            return list(await asyncio.gather(*tasks))

    async def _ask_one(
        self, client: httpx.AsyncClient, peer: Peer, q: str | None, alignments: Alignments
    ) -> Outcome:
        key = (peer.iri, q)
        fresh = self._kept(key, self.settings.peer_cache)
        if fresh is not None:
            age = time.monotonic() - fresh[0]
            return Outcome(peer, OK, fresh[1], None, cached=True, age=age)
        start = time.monotonic()
        limit = self.settings.peer_timeout
        try:
            body = await asyncio.wait_for(self._fetch(client, peer, q, alignments.base), limit)
            entities = read_answer(body, peer, alignments)
        except (TimeoutError, httpx.TimeoutException):
            outcome = Outcome(peer, SLOW, latency=limit, detail=f"no answer within {limit:g} s")
        except (httpx.HTTPError, PeerRefused) as err:
            outcome = Outcome(peer, DOWN, latency=time.monotonic() - start, detail=_said(err))
        except GarbageAnswer as err:
            outcome = Outcome(peer, GARBAGE, latency=time.monotonic() - start, detail=str(err))
        else:
            self._keep(key, entities)
            outcome = Outcome(peer, OK, entities, time.monotonic() - start)
        if outcome.status != OK:
            stale = self._kept(key, self.settings.peer_stale)
            if stale is not None:
                outcome.entities, outcome.stale = stale[1], True
                outcome.age = time.monotonic() - stale[0]
        self._record(peer, q, outcome)
        return outcome

    async def _fetch(
        self, client: httpx.AsyncClient, peer: Peer, q: str | None, base: str
    ) -> bytes:
        assert peer.endpoint is not None  # only callable peers are asked
        data = {"query": request_text(peer, q, base)}
        headers = {"Accept": "application/n-triples"}
        async with client.stream("POST", peer.endpoint, data=data, headers=headers) as response:
            if response.status_code != 200:
                raise PeerRefused(f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.settings.peer_max_bytes:
                    raise GarbageAnswer(
                        f"the answer is larger than {self.settings.peer_max_bytes} bytes"
                    )
            return bytes(body)

    def _record(self, peer: Peer, q: str | None, outcome: Outcome) -> None:
        when = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock:
            before = self.states.get(peer.iri)
            state = PeerState(outcome.status, when, outcome.latency, outcome.detail)
            if before is not None:
                state.organisations, state.kinds = before.organisations, before.kinds
            if q is None and outcome.status == OK:
                state.organisations = len(outcome.entities)
                kinds: dict[str, int] = {}
                for entity in outcome.entities:
                    for kind in entity.kinds:
                        kinds[kind] = kinds.get(kind, 0) + 1
                state.kinds = kinds
            self.states[peer.iri] = state


class PeerRefused(Exception):
    """The peer answered with an error status."""


def _said(err: Exception) -> str:
    """A short reason, without the peer's own words (never echoed)."""
    if isinstance(err, PeerRefused):
        return f"the map answered {err}"
    if isinstance(err, httpx.ConnectError):
        return "the map could not be reached"
    if isinstance(err, httpx.TimeoutException):
        return "the map did not answer in time"
    return f"the connection failed ({type(err).__name__})"
