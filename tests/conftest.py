"""Shared fixtures: the real project sources built into real on-disk stores under tmp."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg import build
from kg.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's real sources, built once into an on-disk store."""
    settings = Settings(root=ROOT, var_dir=tmp_path_factory.mktemp("var"))
    build.run(settings)
    return settings


@pytest.fixture
def project_copy(tmp_path: Path) -> Settings:
    """A throwaway copy of the project's sources, for tests that change them."""
    root = tmp_path / "project"
    for folder in ("ontology", "shapes", "data", "queries"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, root / folder)
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
