"""Clients that ask for a large answer and read nothing hold no query slot (issue 20, item
2): the answer is spooled and the slot given back, a client gone is noticed, and one that
stays without reading is cut at the transfer limit. `kg serve` on loopback, with raw
sockets whose receive buffers are small so that they really do not take the data."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from kg.settings import Settings
from tests.conftest import BIN, free_port, wait_http

ROWS = 20_000
#: an answer of several MiB (more than is prefetched before the headers): a streamed one
LARGE = f"SELECT ?a ?b ?c ?d {{ ?a ?b ?c . ?d ?b ?c }} LIMIT {ROWS}"
TRANSFER_LIMIT = 6
#: slots: one process of two threads, up to four times as many under load
MAX_SLOTS = 8


@dataclass
class Served:
    url: str
    port: int
    log: Path


@pytest.fixture(scope="module")
def served(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("slow") / "server.log"
    env = {
        **os.environ,
        "KG_ROOT": str(built.root),
        "KG_VAR": str(built.var),
        "KG_PORT": str(port),
        "KG_MAX_ROWS": str(ROWS),
        "KG_QUERY_WORKERS": "1",
        "KG_QUERY_THREADS": "2",
        "KG_TRANSFER_TIMEOUT": str(TRANSFER_LIMIT),
        # the stalled sockets stand for many clients (the soak gives each its own
        # address): the per-client limit is tests/test_fairness.py's subject, not this
        "KG_CLIENT_QUERIES": "0",
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(BIN / "kg"), "serve"], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(url + "/sparql")
            yield Served(url, port, log_path)
        finally:
            proc.terminate()
            proc.wait(15)


def stalled(port: int) -> socket.socket:
    """A client that sends the large query and then reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    target = "/sparql?" + urlencode({"query": LARGE})
    sock.sendall(
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: application/sparql-results+json\r\n\r\n".encode()
    )
    return sock


def cheap(url: str) -> tuple[int, float]:
    start = time.monotonic()
    response = httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)
    return response.status_code, time.monotonic() - start


def test_a_slow_reader_gets_the_whole_answer(served: Served) -> None:
    """Reading slowly is no fault: longer than the transfer limit in all, the answer is
    whole, because the client never stopped taking it."""
    started, body = time.monotonic(), bytearray()
    with httpx.stream(
        "GET",
        served.url + "/sparql",
        params={"query": LARGE},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw(64 * 1024):
            body += chunk
            time.sleep(0.08)
    assert time.monotonic() - started > TRANSFER_LIMIT
    assert len(body) > 4 * 1024 * 1024  # streamed, not prefetched whole
    assert len(json.loads(bytes(body))["results"]["bindings"]) == ROWS


def test_clients_that_read_nothing_hold_no_slot(served: Served) -> None:
    sockets = [stalled(served.port) for _ in range(2 * MAX_SLOTS)]
    settle = 3.0
    try:
        time.sleep(settle)  # every answer started, and spooled
        answers = [cheap(served.url) for _ in range(10)]
        assert [status for status, _ in answers] == [200] * 10
        # held slots would queue every one of them until the stalled answers are cut
        # (TRANSFER_LIMIT after they started, so at least TRANSFER_LIMIT - settle from
        # now), then behind the second half of them; the first few may wait behind the
        # stalled queries still being answered into the spool (up to a second on a
        # loaded machine)
        seconds = sorted(s for _, s in answers)
        assert seconds[len(seconds) // 2] < 1.0, answers
        assert seconds[-1] < TRANSFER_LIMIT - settle, answers
    finally:
        for sock in sockets:
            sock.close()
    assert cheap(served.url)[0] == 200


def test_a_client_that_stays_without_reading_is_cut_at_the_transfer_limit(
    served: Served,
) -> None:
    sock = stalled(served.port)
    try:
        time.sleep(TRANSFER_LIMIT + 2)
        sock.settimeout(10)
        received = b""
        while chunk := sock.recv(1 << 20):
            received += chunk
    finally:
        sock.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower()
    # broken off: no last chunk, so the client knows the answer is incomplete
    assert not body.endswith(b"0\r\n\r\n")
    assert "read nothing for 6 s" in served.log.read_text()
