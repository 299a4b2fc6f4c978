"""A real Virtuoso 7 for the tests (Debian's virtuoso-opensource): ``virtuoso-t`` in the
foreground with its own database, on free loopback ports, and the account the store
writes with. tests/test_virtuoso.py starts one per module with ``running_virtuoso``."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.store.dialects import VIRTUOSO
from kg.store.remote import RemoteStore
from tests.conftest import free_port, wait_http

VIRTUOSO_T = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")

#: skip where the server is not installed, naming the package
needs_virtuoso = pytest.mark.skipif(
    VIRTUOSO_T is None or ISQL is None,
    reason="virtuoso-t / isql-vt not found: install the Debian package virtuoso-opensource",
)

#: a small instance for a test machine: 2,000 buffers of 8 KiB, no periodic checkpoint
INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {db}
NumberOfBuffers = 2000
MaxDirtyBuffers = 1200
ThreadsPerQuery = 2
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


@dataclass(frozen=True)
class Virtuoso:
    query_url: str
    user: str
    password: str

    def store(self) -> RemoteStore:
        return RemoteStore(
            self.query_url, None, None, dialect=VIRTUOSO, auth=(self.user, self.password)
        )


def _isql(port: int, password: str, sql: str) -> None:
    assert ISQL is not None
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{port}", "dba", password, f"exec={sql}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0 or "Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt failed: {done.stdout}{done.stderr}")


@contextmanager
def running_virtuoso(db: Path) -> Iterator[Virtuoso]:
    """``virtuoso-t`` in the foreground with its own database under tmp, on free loopback
    ports; the account the store writes with is set up as a deployment would: a user of
    its own with the SPARQL_UPDATE role, and the ``dba`` password changed from the
    default."""
    assert VIRTUOSO_T is not None
    sql_port, http_port = free_port(), free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(INI.format(db=db, sql_port=sql_port, http_port=http_port))
    proc = subprocess.Popen(
        [VIRTUOSO_T, "+foreground", "+configfile", str(ini)],
        cwd=db,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        wait_http(url + "?query=ASK%7B%7D", timeout=60)
        dba, password = secrets.token_hex(8), secrets.token_hex(8)
        _isql(
            sql_port,
            "dba",
            f"DB.DBA.USER_CREATE('kg', '{password}'); GRANT SPARQL_UPDATE TO \"kg\"; "
            f"DB.DBA.USER_CHANGE_PASSWORD('dba', 'dba', '{dba}');",
        )
        yield Virtuoso(url, "kg", password)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
