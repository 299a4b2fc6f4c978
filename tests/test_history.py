"""Every change is kept, shown and reversible: an edit becomes a change set (PROV-O and
the Changeset vocabulary in the change's own graph) that the entry's history page shows
with the labels of properties and values; a revert is a change set of its own, refused
when what it would undo has changed since; a rebuild from the change log reproduces the
change sets. The real app in-process over a real built store, real SMTP."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat

from kg.accounts import db, people, reminders, shapeforms
from kg.build import pipeline as build
from kg.settings import Settings
from kg.store import open_store
from kg.views.verification import verification
from tests.claims_fixtures import HUB, STUDIO, Site, client, csrf_of, sign_in, site
from tests.conftest import BIN
from tests.test_public_text import DEVELOPER_TEXT, visible_text

__all__ = ["client", "site"]  # the fixtures, used by name
SKOS = "http://www.w3.org/2004/02/skos/core#"
SECTOR = "https://data.creative.brussels/ontology#sector"
CS = "http://purl.org/vocab/changeset/schema#"
CCI = "https://data.creative.brussels/ontology#"
PROV = "http://www.w3.org/ns/prov#"
HISTORY = f"/history?entity={quote(STUDIO, safe='')}"


def _values(settings: Settings, prop: str) -> set[str]:
    store = open_store(settings)
    try:
        rows = store.query(
            "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"s": NamedNode(STUDIO), "p": NamedNode(prop)}
        )
        assert isinstance(rows, QuerySolutions)
        return {str(r["o"]) for r in rows}
    finally:
        store.close()


def _change_graphs(settings: Settings) -> set[str]:
    """Every quad of the change sets' graphs, as N-Quads lines."""
    store = open_store(settings)
    try:
        lines: set[str] = set()
        for graph in store.named_graphs():
            if "/graph/changes/" in graph:
                out = Path(settings.var) / "graph.nt"
                with open(out, "wb") as f:
                    store.dump(f, RdfFormat.N_TRIPLES, graph)
                lines |= {f"{line} <{graph}>" for line in out.read_text().splitlines()}
        return lines
    finally:
        store.close()


def _owner(site: Site, client: httpx.Client, email: str) -> None:
    sign_in(client, site.box, email)
    form = client.get(f"/claim?entity={quote(STUDIO)}")
    if "/edit?entity=" not in form.text:
        client.post("/claim", data={"entity": STUDIO, "csrf": csrf_of(form)})


def _field(page: str, label: str) -> str:
    found = re.search(rf'<label for="(f\d+)[^"]*">{re.escape(label)}</label>', page)
    assert found, f"no field {label}"
    return found.group(1)


def _section(page: str, number: int) -> str:
    """The part of the history page about change ``number``."""
    return page.split(f'id="change-{number}"')[1].split("</section>")[0]


def _revert(client: httpx.Client, number: int, version: str | None = None) -> httpx.Response:
    page = client.get(HISTORY)
    found = re.search(r'name="version" value="([^"]+)"', page.text)
    assert found, "no revert form on the page"
    data = {"entity": STUDIO, "change": str(number), "csrf": csrf_of(page),
            "version": version or found.group(1), "why": "back as it was"}  # fmt: skip
    return client.post("/history/revert", data=data)


def test_edit_is_shown_in_labels_and_reverted(site: Site, client: httpx.Client) -> None:
    _owner(site, client, "kim@studio.example")
    page = client.get(f"/edit?entity={quote(STUDIO)}")
    name = re.search(r'name="(f\d+)_fr"', page.text)
    design = re.search(r'<option value="([^"]+/sector/visual-arts)"', page.text)
    assert name and design
    data = {
        "entity": STUDIO, "csrf": csrf_of(page), "version": page.headers["etag"].strip('"'),
        f"{name.group(1)}_en": "Renamed Studio", _field(page.text, "Sectors"): design.group(1),
        _field(page.text, "Website"): "https://www.studio.example/", "why": "our new name",
    }  # fmt: skip
    assert client.post("/edit", data=data).status_code == 200
    assert _values(site.settings, SKOS + "prefLabel") == {'"Renamed Studio"@en'}

    # the entry's page links to its history; the history shows the change in labels
    entry = client.get("/id/organisation/test-studio")
    assert f'href="/history?entity={quote(STUDIO, safe="/")}&amp;lang=' in entry.text
    assert "subjectOfChange" not in entry.text  # the change set is not a relation of it
    turtle = client.get("/id/organisation/test-studio.ttl").text
    assert "#added-" not in turtle and "#removed-" not in turtle
    history = client.get(HISTORY)
    assert history.status_code == 200
    change = _section(history.text, 1)
    assert "our new name" in change and re.search(r"account \d+", change)
    assert "<del>Test Studio (en)</del>" in change and "<ins>Renamed Studio (en)</ins>" in change
    assert "<ins>visual arts</ins>" in change, change  # the sector by its name, not its IRI
    assert "/sector/" not in change and "http" not in change.split("<form")[0]
    french = _section(client.get(HISTORY + "&lang=fr").text, 1)
    assert "<ins>arts visuels</ins>" in french and "<th>nom</th>" in french, french
    assert "compte" in french
    assert "kim@studio.example" not in history.text.split("</h1>")[1]

    # the JSON and CSV twins say the same
    twin = client.get(HISTORY.replace("/history", "/history.json")).json()
    first = twin["changes"][0]
    assert first["change"] == 1 and first["why"] == "our new name"
    sectors = [s for s in first["added"] if s["property"]["iri"] == SECTOR]
    assert sectors and sectors[0]["value"]["label"] == "visual arts"
    csv = client.get(HISTORY + "&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Renamed Studio" in csv.text and "visual arts" in csv.text

    # the change set in the graph: who by account number, never an address
    recorded = _change_graphs(site.settings)
    assert any(f"<{CS}creatorName>" in q and '"account ' in q for q in recorded)
    assert any(f"<{CS}removal>" in q for q in recorded)
    assert not any("studio.example>" in q and "creatorName" in q for q in recorded)
    assert not any("kim@" in q for q in recorded)

    # revert: the previous statements are back, as a change set of its own
    done = _revert(client, 1)
    assert done.status_code == 200 and "Change 1 was undone" in done.text, done.text[-2000:]
    assert _values(site.settings, SKOS + "prefLabel") == {'"Test Studio"@en'}
    assert _values(site.settings, SECTOR) == set()
    undo = _section(done.text, 2)
    assert "Undoes change 1" in undo and "back as it was" in undo
    assert "<ins>Test Studio (en)</ins>" in undo and "<del>visual arts</del>" in undo

    # plain words in every language: no codes, commands or paths, on the history page and
    # on the entry's, where a statement cites the change that made it by its name and date
    # (change 2, a revert by the verified owner, says who in which role and when)
    named = {"fr": "déclaré par l'organisation (propriétaire vérifié) le ",
             "nl": "verklaard door de organisatie (geverifieerde eigenaar) op ",
             "en": "stated by the organisation (verified owner) on "}  # fmt: skip
    for lang in ("fr", "nl", "en"):
        text = visible_text(client.get(HISTORY + f"&lang={lang}").text)
        shown = visible_text(client.get(f"/id/organisation/test-studio?lang={lang}").text)
        assert named[lang] in shown, shown
        for what, pattern in DEVELOPER_TEXT.items():
            assert not pattern.search(text), f"{what} on the history page ({lang}): {text}"
            assert not pattern.search(shown), f"{what} on the entry's page ({lang}): {shown}"

    # reverting change 1 again would undo what change 2 did: 409, nothing written
    again = _revert(client, 1)
    assert again.status_code == 409 and "has been changed again since" in again.text
    assert "Renamed Studio" in again.text.split('role="alert"')[1].split("</div>")[0]
    assert _values(site.settings, SKOS + "prefLabel") == {'"Test Studio"@en'}

    # If-Match counts as the version too: the history page's ETag is the entry's version
    etag = client.get(HISTORY).headers["etag"]
    store = open_store(site.settings)
    try:
        assert etag.strip('"') == shapeforms.version(store, STUDIO)
    finally:
        store.close()
    # a revert sent from a page read before the last change: 412, nothing written
    stale = _revert(client, 2, version="0" * 20)
    assert stale.status_code == 412 and "the entry changed since" in stale.text
    page = client.get(HISTORY)
    data = {"entity": STUDIO, "change": "2", "csrf": csrf_of(page), "version": etag.strip('"')}
    header = client.post("/history/revert", data=data, headers={"If-Match": '"0"'})
    assert header.status_code == 412  # If-Match, when sent, is the version that counts
    assert _values(site.settings, SKOS + "prefLabel") == {'"Test Studio"@en'}

    # a rebuild replays the change log and reproduces the same change sets
    before = _change_graphs(site.settings)
    build.run(site.settings)
    assert _change_graphs(site.settings) == before
    assert len(client.get(HISTORY + "&format=json").json()["changes"]) == 2


def test_who_may_revert(site: Site, client: httpx.Client) -> None:
    """Visitors are asked to sign in (401); other accounts, owners of another entry
    included, are refused (403); a moderator may revert."""
    assert len(client.get(HISTORY + "&format=json").json()["changes"]) >= 1
    page = client.get(HISTORY)
    assert 'action="/history/revert' not in page.text  # no form for a visitor
    token = csrf_of(client.get("/signin"))  # a visitor's form token
    data = {"entity": STUDIO, "change": "1", "csrf": token, "version": "x"}
    assert client.post("/history/revert", data=data).status_code == 401
    sign_in(client, site.box, "lou@elsewhere.example")
    with db.connected(site.settings) as conn:  # lou owns another entry, not this one
        lou = people.ensure(conn, "lou@elsewhere.example")
        conn.execute(
            "INSERT INTO claims (entity, account, status, method, evidence, created, decided) "
            "VALUES (?, ?, 'verified', 'invitation', '', ?, ?)",
            (HUB, lou.id, people.now(), people.now()),
        )
        conn.commit()
    page = client.get(HISTORY)
    assert 'action="/history/revert' not in page.text
    data["csrf"] = csrf_of(client.get("/account"))
    refused = client.post("/history/revert", data=data)
    assert refused.status_code == 403 and "moderator" in refused.text
    with db.connected(site.settings) as conn:
        people.add_role(conn, "mod@map.example", "moderator")
    sign_in(client, site.box, "mod@map.example")
    assert 'action="/history/revert' in client.get(HISTORY).text
    done = _revert(client, 2)
    assert done.status_code == 200, done.text[-1500:]
    assert "moderator (account" in _section(done.text, 3)
    assert _values(site.settings, SKOS + "prefLabel") == {'"Renamed Studio"@en'}


def test_an_update_with_patterns_is_a_change_set_of_each_entry(
    site: Site, client: httpx.Client
) -> None:
    """An authorised update goes through the same log: what a pattern removed is found by
    the build, and each entry it touched lists it."""
    homepage, alt = "<http://xmlns.com/foaf/0.1/homepage>", f"<{SKOS}altLabel>"
    update = (
        f"DELETE WHERE {{ GRAPH ?g {{ <{STUDIO}> {homepage} ?page }} }} ;\n"
        f'INSERT DATA {{ <{HUB}> {alt} "A hub (test)"@en }}'
    )
    build.run(site.settings, new_change=(update, "administrator", None, "clean-up", None))
    studio = client.get(HISTORY + "&format=json").json()["changes"][0]
    assert studio["who"] == "administrator" and studio["why"] == "clean-up"
    assert [s["value"]["iri"] for s in studio["removed"]] == ["https://www.studio.example/"]
    assert studio["added"] == [] and studio["other_statements"] == 1
    hub = client.get(f"/history.json?entity={quote(HUB, safe='')}&lang=fr").json()
    assert hub["changes"][0]["change"] == studio["change"]
    assert hub["changes"][0]["who"] == "administrateur"
    assert hub["changes"][0]["added"][0]["value"] == {"value": "A hub (test)", "language": "en"}


def test_owners_verify_their_entry_and_are_reminded_after_a_year(
    site: Site, client: httpx.Client
) -> None:
    """The page says when the organisation or a moderator last verified the entry; the
    owner confirms it unchanged; `kg remind` mails the owners of entries a year old,
    once a month at most, through the real SMTP server."""
    _owner(site, client, "kim@studio.example")
    today = datetime.now(UTC).date()
    page = client.get(f"/edit?entity={quote(STUDIO)}")
    done = client.post("/edit/confirm", data={"entity": STUDIO, "csrf": csrf_of(page)})
    assert done.status_code == 200 and "marked as verified today" in done.text, done.text
    said = f"Verified by the organisation or a moderator on {today.day} "
    entry = client.get("/id/organisation/test-studio?lang=en")
    assert said in visible_text(entry.text) and 'class="verification stale"' not in entry.text
    assert client.get("/id/organisation/test-studio.json").json()["verified"] == {
        "last": today.isoformat(), "stale": False}  # fmt: skip
    # in the graph: the day, and the change set's role in PROV-O
    assert _values(site.settings, CCI + "verifiedOn") == {
        f'"{today.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>'}  # fmt: skip
    recorded = _change_graphs(site.settings)
    assert any(f"<{PROV}hadRole> <{CCI}VerifiedOwnerRole>" in q for q in recorded)
    # an organisation nobody verified says so, in plain words
    hub = visible_text(client.get("/id/organisation/hub-brussels?lang=nl").text)
    assert "Nog niet gecontroleerd door de organisatie of een moderator" in hub

    # a year and more later: marked on the page, and its owner reminded once
    later = today + timedelta(days=400)
    store = open_store(site.settings)
    try:
        assert verification(store, site.settings.base, STUDIO, later).stale
        with db.connected(site.settings) as conn:
            due = reminders.due(site.settings, store, conn, today)
            assert STUDIO not in {r.entity for r in due}  # fresh; hub.brussels was never
    finally:
        store.close()
    before = len(site.box.to("kim@studio.example"))
    env = {**os.environ, "KG_ROOT": str(site.settings.root), "KG_VAR": str(site.settings.var),
           "KG_SMTP_HOST": "127.0.0.1", "KG_SMTP_PORT": str(site.settings.smtp_port),
           "KG_LANGUAGES": "nl,fr,en"}  # fmt: skip
    remind = [str(BIN / "kg"), "remind", "--as-of", later.isoformat()]
    sent = subprocess.run(remind, env=env, capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert "kim@studio.example  id/organisation/test-studio" in sent.stdout
    assert f"mailed {len(due) + 1} reminders" in sent.stdout  # and those never verified
    mails = site.box.to("kim@studio.example")[before:]
    assert len(mails) == 1 and mails[0]["Subject"].startswith("Klopt uw fiche nog?")
    body = site.box.body(mails[0])
    assert body.index("niet meer gecontroleerd sinds") < body.index("n'a pas été vérifiée")
    assert f"edit?entity={quote(STUDIO, safe='')}" in body and str(today.year) in body
    again = subprocess.run(remind, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "mailed 0 reminders" in again.stdout
    assert len(site.box.to("kim@studio.example")) == before + 1
    bad = subprocess.run([*remind[:2], "--as-of", "next year"], env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "is not a date" in bad.stderr
