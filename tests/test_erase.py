"""Erasure on request (`kg erase`): a person named by a source document leaves the store,
its indexes, the dumps and the rollback stores of the build that erases it and of every
build after, while the change log keeps a tombstone that does not name them. Real `kg`
commands on a copy of the project; the store's own files are searched for the name."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

from endpoint.app import create_app
from kg.accounts import db, people
from kg.settings import Settings
from tests.asgi import app_client
from tests.conftest import BIN

PERSON = "https://data.creative.brussels/id/person/luc-schmerber"
NAME = "Schmerber"
SEED = "data/curated/seed-003-creative-hubs-webinar.ttl"


def kg(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_ROOT": str(settings.root), "KG_VAR": str(settings.var)}
    return subprocess.run(
        [str(BIN / "kg"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def files_naming(folder: Path, word: bytes) -> list[str]:
    """Every file under ``folder`` whose bytes (gzip opened) hold ``word``, any case."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if word.lower() in data.lower():
            found.append(str(path.relative_to(folder)))
    return found


def test_a_person_is_erased_everywhere_and_stays_erased(project_copy: Settings) -> None:
    assert kg(project_copy, "build").returncode == 0
    assert files_naming(project_copy.var, NAME.encode())  # the person is there at first
    # only persons: an organisation is no personal data; a word is no IRI; nothing written
    refused = kg(project_copy, "erase", "https://data.creative.brussels/id/organisation/trakk")
    assert refused.returncode == 1 and "is no person of the graph" in refused.stderr
    assert kg(project_copy, "erase", "not an iri").returncode == 2
    assert not (project_copy.root / "data" / "changes").exists()

    done = kg(project_copy, "erase", "p:luc-schmerber", "--why", "the person asked")
    assert done.returncode == 0, done.stderr
    assert f"still named in {SEED}" in done.stdout  # the source file is for a person to edit
    # nothing of the build that serves now, nor any older store, holds the name: the
    # store's files, the search, map and network indexes, the dumps
    assert files_naming(project_copy.var, NAME.encode()) == []
    with app_client(create_app(project_copy)) as client:
        assert client.get("/id/person/luc-schmerber").status_code == 404
        found = client.get("/search", params={"q": "Schmerber", "format": "json"}).json()
        assert found["results"] == []
        event = client.get("/id/event/creative-hubs-webinar-2019?lang=en")
        assert event.status_code == 200 and NAME not in event.text
        answer = client.get(
            "/sparql",
            params={"query": "SELECT * WHERE { ?s ?p ?o FILTER (CONTAINS(STR(?o), 'Schmerb')) }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.json()["results"]["bindings"] == []
        # the other presenters stay
        assert client.get("/id/person/delphine-coderniaux").status_code == 200
        # the tombstone: a change of the log that names the entry by a digest only
        log = sorted((project_copy.root / "data" / "changes").glob("*.ru"))
        assert len(log) == 1
        text = log[0].read_text()
        assert "# why: the person asked" in text and "SHA256" in text
        assert NAME.lower() not in text.lower() and "luc-schmerber" not in text
    # a rebuild replays it: still erased, though the source file still names the person
    assert kg(project_copy, "build").returncode == 0
    assert files_naming(project_copy.var, NAME.encode()) == []
    assert NAME in (project_copy.root / SEED).read_text()


def test_an_account_is_erased_from_the_state(project_copy: Settings) -> None:
    with db.connected(project_copy) as conn:
        kept = people.add_role(conn, "mod@example.org", "moderator")
        gone = people.ensure(conn, "Kim@Studio.Example")
        with db.transaction(conn):
            conn.execute(
                "INSERT INTO proposals (kind, entity, account, email, body, status, created,"
                " decided_by) VALUES ('correction', 'x', ?, ?, '{}', 'rejected', 'now', ?)",
                (gone.id, gone.email, kept.id),
            )
    done = kg(project_copy, "erase", "kim@STUDIO.example")
    assert done.returncode == 0 and f"erased account {gone.id}" in done.stdout, done.stderr
    with db.connected(project_copy) as conn:
        assert people.by_email(conn, "kim@studio.example") is None
        row = conn.execute("SELECT account, email, decided_by FROM proposals").fetchone()
        assert tuple(row) == (None, "", kept.id)  # the proposal stays, unsigned
    listed = kg(project_copy, "users", "list")
    assert "kim@" not in listed.stdout and "mod@example.org" in listed.stdout
    assert kg(project_copy, "erase", "not@an@address").returncode == 1
