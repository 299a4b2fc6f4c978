"""Hardening: public input that used to crash the query engine or answer 500, and a change
log that stays replayable whatever happens to a write (issue 20's reproductions). The real
app in-process over its real store (tests/asgi.py); `kg` itself in a subprocess where a
process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from endpoint.app import create_app
from kg.build import changes
from kg.build import pipeline as build
from kg.errors import ChangeFailed, QueryError
from kg.namespaces import all_prefixes
from kg.settings import Settings
from kg.sparql.analysis import MAX_NESTING, MAX_OPERATORS, analyse, analyse_update
from tests.asgi import app_client
from tests.conftest import ADMIN_TOKEN, BIN, copy_sources

#: texts that overflow pyoxigraph's stack (the process dies with SIGSEGV), each refused
#: with the limit it passes
CRASHERS = {
    "10,000 !": ("ASK { FILTER(" + "!" * 10_000 + "true) }", "nest more than"),
    "3,000 nested {": ("ASK " + "{" * 3000 + "}" * 3000, "nest more than"),
    "10,000 ||": ("ASK { FILTER(" + "||".join(["true"] * 10_000) + ") }", "operators"),
    "3,000 OPTIONAL": ("ASK { " + " OPTIONAL { ?a ?b ?c }" * 3000 + " }", "operators"),
    "3,000 BIND": (
        "SELECT * { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000)) + " }",
        "operators",
    ),
    "10,000 UNION": ("ASK { " + " UNION ".join(["{}"] * 10_000) + " }", "operators"),
}
GRAPH = "https://data.creative.brussels/graph/curated/web-edits"
ORG = "https://data.creative.brussels/id/organisation/hardening-test"
BASE = Settings().base


def insert(label: str) -> str:
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in all_prefixes(BASE).items())
    return prologue + (
        f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{ORG}> a org:Organization , foaf:Agent , "
        f'cci:Fablab ; skos:prefLabel "{label}"@fr . '
        f"<{GRAPH}> dct:source <https://data.creative.brussels/id/document/web> . }} }}"
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the project's sources (writes go to its change log), built once."""
    root = copy_sources(tmp_path_factory.mktemp("hardening") / "project")
    settings = Settings(
        root=root,
        var_dir=root.parent / "var",
        query_timeout=3.0,
        admin_token=ADMIN_TOKEN,
        query_workers=1,
        query_threads=2,
    )
    build.run(settings)
    return settings


@pytest.fixture(scope="module")
def client(project: Settings) -> Iterator[httpx.Client]:
    with app_client(create_app(project)) as c:
        yield c


def sparql_update(client: httpx.Client, text: str, **headers: str) -> httpx.Response:
    headers = {
        "Content-Type": "application/sparql-update",
        "Authorization": f"Bearer {ADMIN_TOKEN}",
        **headers,
    }
    return client.post("/sparql", content=text, headers=headers)


# --- texts that crash the engine --------------------------------------------------------


def test_the_engine_itself_dies_on_such_a_text() -> None:
    """The reason for the limits: pyoxigraph, outside the server, is killed by the signal."""
    text = CRASHERS["10,000 !"][0]
    code = "import sys, pyoxigraph; pyoxigraph.Store().query(sys.stdin.read())"
    done = subprocess.run([sys.executable, "-c", code], input=text, text=True, timeout=60)
    assert done.returncode == -signal.SIGSEGV


@pytest.mark.parametrize("name", list(CRASHERS))
def test_a_text_that_would_crash_the_engine_is_a_400_naming_the_limit(
    client: httpx.Client, name: str
) -> None:
    text, limit = CRASHERS[name]
    response = client.post("/sparql", data={"query": text})
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert limit in message and "error at 1:" in message
    assert str(MAX_NESTING if "nest" in limit else MAX_OPERATORS) in message
    # the workers are whole: the next query is answered
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_the_limits_leave_real_queries_alone() -> None:
    """At the limits the engine answers; long lists of data are no deeper."""
    values = " ".join(f"-{i}" for i in range(5000))
    analyse(f"SELECT * {{ VALUES ?x {{ {values} }} }}")
    analyse("ASK " + "{" * (MAX_NESTING - 1) + "}" * (MAX_NESTING - 1))
    analyse("ASK { FILTER(" + "||".join(["true"] * (MAX_OPERATORS - 2)) + ") }")
    data = " ".join(f"<x:a> <x:b> -{i} ." for i in range(5000))
    analyse_update(f"INSERT DATA {{ {data} }}")
    with pytest.raises(QueryError, match="nest more than"):
        analyse_update("INSERT DATA { <x:a> <x:b> " + "(" * 500 + ")" * 500 + " }")


def test_an_update_that_would_crash_the_engine_is_refused_and_not_recorded(
    client: httpx.Client, project: Settings
) -> None:
    before = changes.list_changes(project)
    text = "INSERT { ?s ?p ?o } WHERE { FILTER(" + "!" * 10_000 + "true) }"
    response = sparql_update(client, text)
    assert response.status_code == 400 and "nest more than" in response.text
    assert changes.list_changes(project) == before
    assert not list((changes.changes_dir(project) / changes.PENDING).glob("*.ru"))


# --- public input that answered 500 -----------------------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "1" * 5000, "-1", "0", "1e3", " 1"])
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_paging_values_that_are_not_plain_numbers_are_a_400(
    client: httpx.Client, name: str, value: str
) -> None:
    response = client.get(
        "/api/queries/organisations-by-kind", params={name: value, "format": "json"}
    )
    assert response.status_code == 400, response.text
    assert name in response.json()["error"]["message"]


@pytest.mark.parametrize("value", ["²", "1" * 5000])
def test_pages_take_any_page_number_without_failing(client: httpx.Client, value: str) -> None:
    for path in ("/queries/organisations-by-kind", "/search"):
        response = client.get(path, params={"page": value})
        assert response.status_code in (200, 400), (path, response.status_code)


def test_a_graph_that_is_not_an_iri_is_a_400(client: httpx.Client) -> None:
    for graph in ("not an iri", "http://a b/c", "http://x/<y>"):
        response = client.get("/store", params={"graph": graph})
        assert response.status_code == 400, response.text
        assert "IRI" in response.json()["error"]["message"]
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "text/turtle"}
    put = client.put("/store", params={"graph": "http://a b/c"}, content=b"", headers=auth)
    assert put.status_code == 400


def test_an_update_with_a_syntax_error_is_a_400_with_its_position(client: httpx.Client) -> None:
    response = sparql_update(client, "INSERT DATA { <http://a> <http://b> }")
    assert response.status_code == 400, response.text
    assert "1:" in response.json()["error"]["message"]


# --- the change log ---------------------------------------------------------------------


def test_a_retry_with_the_same_key_is_applied_once(client: httpx.Client, project: Settings) -> None:
    before = len(changes.list_changes(project))
    text = insert("Atelier idempotent")
    first = sparql_update(client, text, **{"Idempotency-Key": "retry-1"})
    assert first.status_code == 204, first.text
    again = sparql_update(client, text, **{"Idempotency-Key": "retry-1"})
    assert again.status_code == 204
    logged = changes.list_changes(project)
    assert len(logged) == before + 1 and logged[-1].header()[1] == "retry-1"
    other = sparql_update(client, insert("Autre texte"), **{"Idempotency-Key": "retry-1"})
    assert other.status_code == 409 and "retry-1" in other.json()["error"]["message"]
    bad = sparql_update(client, text, **{"Idempotency-Key": "no spaces allowed"})
    assert bad.status_code == 400
    assert len(changes.list_changes(project)) == before + 1


def test_a_write_killed_during_its_build_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    """kill -9 while the build that includes a new change runs: the log is unchanged, the
    next build succeeds, and the next write sets the interrupted change aside."""
    root = copy_sources(tmp_path / "project")
    settings = Settings(root=root, var_dir=tmp_path / "var")
    code = (
        "import sys; from kg.build import pipeline; from kg.settings import Settings\n"
        "pipeline.run(Settings.from_env(), new_change=(sys.stdin.read(), 'test'))"
    )
    env = {**os.environ, "KG_ROOT": str(root), "KG_VAR": str(settings.var)}
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(insert("Atelier interrompu").encode())
    proc.stdin.close()
    pending = changes.changes_dir(settings) / changes.PENDING
    deadline = time.monotonic() + 60
    while not list(pending.glob("*.ru")) and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.kill()
    proc.wait(10)
    assert list(pending.glob("*.ru")), "the write was not caught while it was pending"
    assert changes.list_changes(settings) == []
    build.run(settings)  # the interrupted change is not replayed
    build.run(settings, new_change=(insert("Atelier suivant"), "test"))
    logged = changes.list_changes(settings)
    assert [c.number for c in logged] == [2]
    aside = changes.quarantined(settings)
    assert [c.number for c in aside] == [1] and "Atelier interrompu" in aside[0].text()
    assert "interrupted" in aside[0].path.with_suffix(".reason").read_text()


def test_a_change_that_cannot_be_replayed_names_itself_and_can_be_set_aside(
    tmp_path: Path,
) -> None:
    root = copy_sources(tmp_path / "project")
    settings = Settings(root=root, var_dir=tmp_path / "var")
    log_dir = changes.changes_dir(settings)
    log_dir.mkdir(parents=True)
    # a change file as an older version could have recorded it, or a hand edit left it
    bad = log_dir / "000001-20261201T120000Z.ru"
    bad.write_text("# change 1, 20261201T120000Z, by someone\nINSERT DATA { " + "(" * 3000)
    with pytest.raises(ChangeFailed) as failed:
        build.run(settings)
    message = str(failed.value)
    assert "data/changes/000001-20261201T120000Z.ru" in message
    assert "kg changes quarantine 1" in message
    env = {**os.environ, "KG_ROOT": str(root), "KG_VAR": str(settings.var)}
    kg = str(BIN / "kg")
    listed = subprocess.run([kg, "changes", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and "someone" in listed.stdout
    shown = subprocess.run([kg, "changes", "show", "1"], env=env, capture_output=True, text=True)
    assert shown.stdout == bad.read_text()
    done = subprocess.run(
        [kg, "changes", "quarantine", "1", "--reason", "crashes the engine"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert not bad.exists() and changes.list_changes(settings) == []
    build.run(settings)  # builds again without it
    aside = subprocess.run(
        [kg, "changes", "list", "--quarantined"], env=env, capture_output=True, text=True
    )
    assert "crashes the engine" in aside.stdout
    missing = subprocess.run([kg, "changes", "show", "7"], env=env, capture_output=True, text=True)
    assert missing.returncode == 1 and "no change 7" in missing.stderr
