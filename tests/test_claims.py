"""Sign-in by a mailed one-time link, sessions, CSRF, rate limits and the honeypot; claims
verified by the web domain or by a moderator; co-owners; corrections and new
organisations through the moderation queue. The real app in-process over a real built
store, a real SMTP server (aiosmtpd) on loopback, the state in a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from pyoxigraph import NamedNode, QuerySolutions

from endpoint.app import create_app
from kg.accounts import db, people, signin
from kg.settings import Settings
from kg.store import open_store
from tests.asgi import app_client
from tests.claims_fixtures import HUB, STUDIO, Site, client, csrf_of, sign_in, site

__all__ = ["client", "site"]  # the fixtures, used by name


def _moderator(site: Site, email: str) -> None:
    with db.connected(site.settings) as conn:
        people.add_role(conn, email, "moderator")


def test_state_outside_var_and_migrated(site: Site) -> None:
    """The database lies in state/ beside var/, in WAL mode, at the newest schema."""
    assert site.settings.state == site.settings.var.parent / "state"
    with db.connected(site.settings) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(db.MIGRATIONS)
    assert not str(db.path(site.settings)).startswith(str(site.settings.var))


def test_signin_by_mailed_link_once(site: Site, client: httpx.Client) -> None:
    sign_in(client, site.box, "ada@studio.example")
    mail = site.box.to("ada@studio.example")[-1]
    assert mail["From"] == "map@example.org"
    account = client.get("/account")
    assert account.status_code == 200 and "ada@studio.example" in account.text
    # the link cannot be used twice, even by the same browser
    token = site.box.link("ada@studio.example")
    page = client.get(f"/signin/link?token={token}")
    again = client.post("/signin/link", data={"token": token, "csrf": csrf_of(page)})
    assert again.status_code == 400
    # only the token's hash is kept
    with sqlite3.connect(db.path(site.settings)) as conn:
        hashes = [r[0] for r in conn.execute("SELECT hash FROM signin_links")]
    assert token not in hashes and signin.digest(token) in hashes


def test_link_expires(site: Site) -> None:
    with db.connected(site.settings) as conn:
        token = signin.new_link(conn, site.settings.with_(signin_minutes=0), "late@x.example", "/")
        with pytest.raises(Exception, match="not valid any more"):
            signin.redeem(conn, token)


def test_cookies_flags(site: Site, client: httpx.Client) -> None:
    """HttpOnly and SameSite always; Secure except on plain http to loopback."""
    page = client.get("/signin")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    public = client.get("http://map.example.org/signin")
    assert "Secure" in public.headers["set-cookie"]
    sign_in(client, site.box, "bo@elsewhere.example")
    # the session cookie: set by the POST of the link page, seen through the redirect
    with db.connected(site.settings) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] >= 1


def test_csrf_refused(site: Site, client: httpx.Client) -> None:
    client.get("/signin")
    missing = client.post("/signin", data={"email": "eve@x.example"})
    forged = client.post("/signin", data={"email": "eve@x.example", "csrf": "x" * 32})
    page = client.get("/signin")
    foreign = client.post(
        "/signin", data={"email": "eve@x.example", "csrf": csrf_of(page)},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert missing.status_code == forged.status_code == foreign.status_code == 403
    assert not site.box.to("eve@x.example")


def test_honeypot_and_rate_limit(site: Site, client: httpx.Client) -> None:
    page = client.get("/signin")
    bot = client.post(
        "/signin", data={"email": "bot@x.example", "csrf": csrf_of(page), "website": "spam"}
    )
    assert bot.status_code == 200 and not site.box.to("bot@x.example")
    codes = [
        client.post("/signin", data={"email": "many@x.example", "csrf": csrf_of(page)}).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert len(site.box.to("many@x.example")) == 5


def test_claim_on_domain_is_verified_at_once(site: Site, client: httpx.Client) -> None:
    entity_page = client.get("/id/organisation/test-studio")
    assert "/claim?entity=" in entity_page.text
    sign_in(client, site.box, "cleo@press.studio.example")
    form = client.get(f"/claim?entity={quote(STUDIO)}")
    assert "web domain" in form.text
    done = client.post("/claim", data={"entity": STUDIO, "csrf": csrf_of(form)})
    assert done.status_code == 200 and "verified owner" in done.text
    # the owner invites a co-owner, who is told by mail
    page = client.get(f"/claim?entity={quote(STUDIO)}")
    invited = client.post(
        "/claim/invite",
        data={"entity": STUDIO, "email": "dan@other.example", "csrf": csrf_of(page)},
    )
    assert invited.status_code == 200
    assert "Test Studio" in site.box.body(site.box.to("dan@other.example")[-1])
    sign_in(client, site.box, "dan@other.example")
    assert "Test Studio" in client.get("/account").text


def test_claim_with_evidence_waits_for_moderator(site: Site, client: httpx.Client) -> None:
    sign_in(client, site.box, "fay@gmail.example")
    form = client.get(f"/claim?entity={quote(HUB)}")
    no_evidence = client.post("/claim", data={"entity": HUB, "csrf": csrf_of(form)})
    assert no_evidence.status_code == 400
    done = client.post(
        "/claim", data={"entity": HUB, "csrf": csrf_of(form), "evidence": "I run its CCI desk"}
    )
    assert "moderator" in done.text
    # a contributor cannot see the queue
    assert client.get("/moderation").status_code == 403
    _moderator(site, "mod@map.example")
    sign_in(client, site.box, "mod@map.example")
    queue = client.get("/moderation")
    assert "I run its CCI desk" in queue.text and "hub.brussels" in queue.text
    with db.connected(site.settings) as conn:
        claim_id = conn.execute("SELECT id FROM claims WHERE evidence LIKE 'I run%'").fetchone()[0]
    ok = client.post(
        f"/moderation/claim/{claim_id}",
        data={"decision": "verified", "reason": "checked by phone", "csrf": csrf_of(queue)},
    )
    assert ok.status_code == 200
    told = site.box.body(site.box.to("fay@gmail.example")[-1])
    assert "verified" in told and "checked by phone" in told
    # and revoked again
    revoked = client.post(
        f"/moderation/claim/{claim_id}",
        data={"decision": "revoked", "reason": "left", "csrf": csrf_of(queue)},
    )
    assert revoked.status_code == 200
    with db.connected(site.settings) as conn:
        status = conn.execute("SELECT status FROM claims WHERE id = ?", (claim_id,)).fetchone()[0]
    assert status == "revoked"


def _names(settings: Settings, iri: str) -> set[str]:
    store = open_store(settings)
    try:
        rows = store.query(
            "SELECT ?s ?n WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?n }",
            {"s": NamedNode(iri)},
        )
        assert isinstance(rows, QuerySolutions)
        return {f"{r['n'].value}@{r['n'].language}" for r in rows}
    finally:
        store.close()


def test_anonymous_correction_accepted_by_moderator(site: Site, client: httpx.Client) -> None:
    page = client.get(f"/suggest?entity={quote(STUDIO)}")
    sent = client.post(
        "/suggest",
        data={"entity": STUDIO, "property": "name", "lang": "fr", "value": "Studio d'essai",
              "comment": "its French name", "email": "gus@anon.example", "csrf": csrf_of(page)},
    )  # fmt: skip
    assert sent.status_code == 200
    _moderator(site, "mod@map.example")
    sign_in(client, site.box, "mod@map.example")
    queue = client.get("/moderation")
    assert "Studio d&#39;essai" in queue.text and "its French name" in queue.text
    with db.connected(site.settings) as conn:
        pid = conn.execute("SELECT id FROM proposals WHERE status = 'pending'").fetchone()[0]
    accepted = client.post(
        f"/moderation/proposal/{pid}",
        data={"decision": "accepted", "reason": "right", "csrf": csrf_of(queue)},
    )
    assert accepted.status_code == 200
    assert "Studio d'essai@fr" in _names(site.settings, STUDIO)
    assert "accepted" in site.box.body(site.box.to("gus@anon.example")[-1])
    # the change went into the change log, without anyone's address
    log = sorted((site.settings.root / "data" / "changes").glob("*.ru"))
    assert log and "anon.example" not in log[-1].read_text() and "Studio d" in log[-1].read_text()


def test_add_organisation_on_own_domain_is_public(site: Site, client: httpx.Client) -> None:
    sign_in(client, site.box, "hal@newplace.example")
    page = client.get("/add-organisation")
    done = client.post(
        "/add-organisation",
        data={"name_fr": "Nouvel Atelier", "name_nl": "Nieuw Atelier",
              "homepage": "https://newplace.example/", "csrf": csrf_of(page)},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    iri = "https://data.creative.brussels/id/organisation/nouvel-atelier"
    assert _names(site.settings, iri) == {"Nouvel Atelier@fr", "Nieuw Atelier@nl"}
    assert "Nouvel Atelier" in client.get("/account").text


def test_visitor_cannot_claim_or_moderate(site: Site, client: httpx.Client) -> None:
    assert client.get(f"/claim?entity={quote(STUDIO)}").url.path == "/signin"
    page = client.get("/signin")
    refused = client.post("/claim", data={"entity": STUDIO, "csrf": csrf_of(page)})
    assert refused.status_code == 401
    assert client.get("/moderation").status_code == 401


def test_no_smtp_writes_the_link_to_the_log(
    site: Site, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    quiet = site.settings.with_(smtp_host=None, state_dir=tmp_path / "state")
    with app_client(create_app(quiet)) as c:
        page = c.get("/signin")
        c.post("/signin", data={"email": "ivy@x.example", "csrf": csrf_of(page)})
    assert "/signin/link?token=" in caplog.text and "ivy@x.example" in caplog.text


def test_users_backup_restore_cli(site: Site, tmp_path: Path) -> None:
    """`kg users` gives and takes roles; `kg backup` / `kg restore` round-trip the state
    and the change log while the database is open."""
    import os
    import subprocess
    import sys

    kg = str(Path(sys.executable).parent / "kg")
    env = {**os.environ, "KG_ROOT": str(site.settings.root), "KG_VAR": str(site.settings.var)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([kg, *args], env=env, capture_output=True, text=True, timeout=60)

    assert run("users", "add", "jo@map.example", "administrator").returncode == 0
    listed = run("users", "list").stdout
    assert "jo@map.example  administrator" in listed
    assert run("users", "add", "jo@map.example", "king").returncode == 1
    changes_dir = site.settings.root / "data" / "changes"
    changes_dir.mkdir(parents=True, exist_ok=True)
    (changes_dir / "000999-20260101T000000Z.ru").write_text("# change 999\nINSERT DATA {}\n")
    backup = run("backup", str(tmp_path / "b"))
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "b" / "changes" / "000999-20260101T000000Z.ru").exists()
    # lose things, then restore
    assert run("users", "remove", "jo@map.example", "administrator").returncode == 0
    (changes_dir / "000999-20260101T000000Z.ru").unlink()
    assert run("backup", str(tmp_path / "b")).returncode == 1  # never into a full folder
    restored = run("restore", str(tmp_path / "b"))
    assert restored.returncode == 0, restored.stderr
    assert "jo@map.example  administrator" in run("users", "list").stdout
    assert (changes_dir / "000999-20260101T000000Z.ru").exists()
    (changes_dir / "000999-20260101T000000Z.ru").unlink()  # the other tests' log as it was
    assert list(site.settings.state.glob("state.sqlite.replaced-*"))
