"""Per-client fairness (issue 20): a client, by its address, holds at most
KG_CLIENT_QUERIES query slots at once; one more query from it is a 429 with Retry-After,
while another client is answered, and the first is answered again once its queries are.
`kg serve` on loopback, its clients on their own loopback addresses (127.0.0.x)."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.settings import Settings
from tests.conftest import BIN, free_port, wait_http

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK {}"
PER_CLIENT = 2
LIMIT = 4  # seconds a runaway holds its slot


@pytest.fixture(scope="module")
def url(built: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log_path: Path = tmp_path_factory.mktemp("fair") / "server.log"
    env = {
        **os.environ,
        "KG_ROOT": str(built.root),
        "KG_VAR": str(built.var),
        "KG_PORT": str(port),
        "KG_CLIENT_QUERIES": str(PER_CLIENT),
        "KG_QUERY_TIMEOUT": str(LIMIT),
        "KG_MAX_ROWS": "20000",
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(BIN / "kg"), "serve"], env=env, stdout=log, stderr=log)
        try:
            wait_http(f"http://127.0.0.1:{port}/sparql")
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(15)


def client_at(address: str) -> httpx.Client:
    """A client whose requests come from ``address`` (a loopback address of its own)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def ask(address: str, url: str, query: str) -> httpx.Response:
    with client_at(address) as client:
        return client.get(url + "/sparql", params={"query": query})


def test_one_client_cannot_take_every_slot(url: str) -> None:
    greedy, other = "127.0.0.2", "127.0.0.3"
    answers: list[httpx.Response] = []
    runaways = [
        threading.Thread(target=lambda: answers.append(ask(greedy, url, RUNAWAY)))
        for _ in range(PER_CLIENT)
    ]
    for thread in runaways:
        thread.start()
    time.sleep(1.0)  # both runaways hold their slots (they run until LIMIT)

    refused = ask(greedy, url, CHEAP)
    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    error = refused.json()["error"]
    assert error["type"] == "TooManyQueries"
    assert f"already has {PER_CLIENT} queries" in error["message"]

    answered = ask(other, url, CHEAP)  # another client is not held back
    assert answered.status_code == 200 and answered.json()["boolean"] is True

    for thread in runaways:
        thread.join(LIMIT + 20)
    assert [a.status_code for a in answers] == [503] * PER_CLIENT  # stopped at the limit
    again = ask(greedy, url, CHEAP)  # its slots came back with its answers
    assert again.status_code == 200, again.text


def test_a_long_answer_spooled_holds_no_slot_of_its_client(url: str) -> None:
    """More long answers than the client may hold slots, read one after the other: each
    slot goes back once the store has given the answer, not when the client has read it."""
    # several MiB: more than the store's first chunks (kg.store.interface.PREFETCH)
    large = "SELECT ?a ?b ?c ?d { ?a ?b ?c . ?d ?b ?c } LIMIT 20000"
    with client_at("127.0.0.4") as client:
        streams: list[httpx.Response] = []
        try:
            for _ in range(PER_CLIENT + 2):
                # a 429 here means the spool is still taking an earlier answer: its slot
                # comes back when the store has given it all, though nobody read it
                deadline = time.monotonic() + 15
                while True:
                    request = client.build_request("GET", url + "/sparql", params={"query": large})
                    answer = client.send(request, stream=True)
                    if answer.status_code != 429 or time.monotonic() > deadline:
                        break
                    answer.close()
                    time.sleep(0.2)
                streams.append(answer)
            assert [s.status_code for s in streams] == [200] * len(streams)
            assert "x-sparql-rows" not in streams[0].headers  # streamed, not whole at once
        finally:
            for s in streams:
                s.read()
                s.close()
