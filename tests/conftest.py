"""Shared fixtures: the real project sources built into real on-disk stores under tmp."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from kg.build import pipeline as build
from kg.settings import Settings

if TYPE_CHECKING:
    from tests.browser import Chromium

ROOT = Path(__file__).resolve().parent.parent
#: the project's seed documents and reference material, beside the checkout (../shared) or
#: where KG_SHARED says; tests that compare with them skip, saying so, where they are not
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


#: the folders a copy of the project needs to build and serve
SOURCE_FOLDERS = ("ontology", "shapes", "data", "queries")


def copy_sources(root: Path) -> Path:
    """Copy the project's sources (ontology, shapes, data, queries) under ``root``."""
    for folder in SOURCE_FOLDERS:
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's real sources, built once into an on-disk store."""
    settings = Settings(root=ROOT, var_dir=tmp_path_factory.mktemp("var"))
    build.run(settings)
    return settings


@pytest.fixture
def project_copy(tmp_path: Path) -> Settings:
    """A throwaway copy of the project's sources, for tests that change them."""
    root = copy_sources(tmp_path / "project")
    (root / "data" / "curated").mkdir(parents=True, exist_ok=True)
    return Settings(root=root, var_dir=tmp_path / "var")


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[str]:
    """A real `oxigraph serve` on a free loopback port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(tmp_path / "oxigraph"),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/query")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


ADMIN_TOKEN = "test-admin-token"


@dataclass
class Server:
    url: str
    settings: Settings
    #: the `kg serve` process: its descendants are its query workers
    pid: int


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`kg serve` as a real process on a free loopback port, over its own copy of the
    project (writes go to that copy's change log), with tight limits to test them."""
    root = copy_sources(tmp_path_factory.mktemp("served") / "project")
    port = free_port()
    settings = Settings(
        root=root,
        var_dir=root.parent / "var",
        port=port,
        query_timeout=3.0,
        max_rows=500,
        max_request_bytes=64 * 1024,
        admin_token=ADMIN_TOKEN,
    )
    build.run(settings)
    env = {
        **os.environ,
        "KG_ROOT": str(root),
        "KG_VAR": str(settings.var),
        "KG_PORT": str(port),
        "KG_QUERY_TIMEOUT": "3",
        "KG_MAX_ROWS": "500",
        "KG_MAX_REQUEST_BYTES": str(64 * 1024),
        "KG_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    log = open(root.parent / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(BIN / "kg"), "serve"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/sparql")
        yield Server(url, settings, proc.pid)
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


@pytest.fixture(scope="module")
def live_url(built: Settings) -> Iterator[str]:
    """The real app over the ``built`` store under uvicorn on a free loopback port, in a
    thread of this process, for the browser tests of a module."""
    from endpoint.app import create_app
    from tests.browser import serve

    with serve(create_app(built), "/robots.txt") as url:
        yield url


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    """Chromium under Playwright, started once for the browser tests of a module."""
    from tests.browser import launched_chromium

    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def chromium(chromium_browser: object) -> Iterator[Chromium]:
    """A test's own contexts and pages in the module's Chromium: ``with chromium as
    browser:`` then ``browser.new_page(...)`` or ``browser.new_context(...)``."""
    from tests.browser import Chromium

    with Chromium(chromium_browser) as mine:
        yield mine


#: the test files that take longest (``--durations=0`` summed per file, 2026-12-07), run
#: first: pytest-xdist hands out whole files (``--dist loadfile``) in collection order, and
#: a long file started last keeps one process busy while the others have nothing left
LONGEST_FIRST = (
    "test_sparql_protocol.py",
    "test_cli.py",
    "test_public_browser.py",
    "test_kpi.py",
    "test_kpi_past.py",
    "test_build.py",
    "test_slow_readers.py",
    "test_history.py",
    "test_claims_edit.py",
    "test_federation.py",
    "test_executor.py",
)


def _file_rank(item: pytest.Item) -> int:
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (the same order in every process, as xdist requires); then
    pyshacl's minute-long reference run starts now, in a process of its own, when its
    test is among those to run (tests/reference.py)."""
    from tests import reference

    items.sort(key=_file_rank)  # stable: a file's own tests keep their order

    # under pytest-xdist every worker collects every test: none starts it early, and the
    # worker the test lands on runs pyshacl itself while the other worker runs other tests
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(item.nodeid.endswith(reference.TEST) for item in items):
        reference.start()


def pytest_sessionfinish() -> None:
    from tests import reference

    reference.stop()
