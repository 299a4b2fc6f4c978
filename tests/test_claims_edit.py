"""Editing an organisation in the form the shapes make: owners and moderators only, the
form's fields read from shapes/, the edit validated against the shapes before anything
is stored (the report on its field), and a save over a newer version refused with 412
and the other change shown. The real app in-process, a real built store, real SMTP; and
the whole story in headless Chromium against the app on loopback (the last test)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat

from endpoint.app import create_app
from kg.accounts import db, people, relations, shapeforms
from kg.namespaces import ORG
from kg.settings import Settings
from kg.store import open_store
from kg.store.embedded import EmbeddedStore
from tests.browser import Chromium, Watch, serve
from tests.claims_fixtures import HUB, STUDIO, Site, client, csrf_of, sign_in, site
from tests.test_public_text import visible_text

__all__ = ["client", "site"]  # the fixtures, used by name
ROOT = Path(__file__).resolve().parent.parent
SKOS = "http://www.w3.org/2004/02/skos/core#"
CCI = "https://data.creative.brussels/ontology#"


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


def _owner(site: Site, client: httpx.Client, email: str) -> None:
    sign_in(client, site.box, email)
    form = client.get(f"/claim?entity={quote(STUDIO)}")
    if "/edit?entity=" not in form.text:
        client.post("/claim", data={"entity": STUDIO, "csrf": csrf_of(form)})


def _field(page: str, label: str) -> str:
    """The form's name of the field labelled ``label``."""
    found = re.search(rf'<label for="(f\d+)[^"]*">{re.escape(label)}</label>', page)
    assert found, f"no field {label}"
    return found.group(1)


def test_owner_edits_in_the_shape_form(site: Site, client: httpx.Client) -> None:
    _owner(site, client, "kim@studio.example")
    page = client.get(f"/edit?entity={quote(STUDIO)}")
    assert page.status_code == 200 and page.headers["etag"]
    # the fields, groups and choosers come from shapes/organisation.ttl
    for words in ("Name and description", "Activity", "Sectors", "Municipality", "Website"):
        assert words in page.text
    assert "Ixelles" in page.text or "Elsene" in page.text  # a municipality chooser
    name = re.search(r'name="(f\d+)_fr"', page.text)
    assert name
    sectors = _field(page.text, "Sectors")
    design = re.search(r'<option value="([^"]+/sector/design)"', page.text)
    assert design
    data = {
        "entity": STUDIO, "csrf": csrf_of(page), "version": page.headers["etag"].strip('"'),
        f"{name.group(1)}_en": "Test Studio", f"{name.group(1)}_fr": "Studio de test",
        sectors: design.group(1), _field(page.text, "Website"): "https://www.studio.example/",
    }  # fmt: skip
    saved = client.post("/edit", data=data)
    assert saved.status_code == 200, saved.text
    assert "Saved" in saved.text
    assert '"Studio de test"@fr' in _values(site.settings, SKOS + "prefLabel")
    assert any(
        v.endswith("/sector/design>")
        for v in _values(site.settings, "https://data.creative.brussels/ontology#sector")
    )
    assert saved.headers["etag"] != page.headers["etag"]
    # the same form again, now stale: 412, nothing saved, the other change shown
    data[f"{name.group(1)}_fr"] = "Un autre nom"
    stale = client.post("/edit", data=data)
    assert stale.status_code == 412
    assert "Studio de test" in stale.text and "Un autre nom" in stale.text
    assert '"Un autre nom"@fr' not in _values(site.settings, SKOS + "prefLabel")
    # If-Match counts as the version too
    data["version"] = "0"
    header = client.post("/edit", data=data, headers={"If-Match": saved.headers["etag"]})
    assert header.status_code == 200


def test_invalid_edit_is_refused_on_its_field(site: Site, client: httpx.Client) -> None:
    _owner(site, client, "kim@studio.example")
    page = client.get(f"/edit?entity={quote(STUDIO)}")
    website = _field(page.text, "Website")
    refused = client.post(
        "/edit",
        data={"entity": STUDIO, "csrf": csrf_of(page), "version": page.headers["etag"].strip('"'),
              website: "ftp://files.studio.example/"},
    )  # fmt: skip
    assert refused.status_code == 422
    block = refused.text.split(f'id="field-{website}"')[1].split("</div>")[0]
    assert "Value refused" in block and "web address" in block, refused.text[
        refused.text.find('role="alert"') :
    ][:1500]
    assert "<ftp://files.studio.example/>" not in _values(
        site.settings, "http://xmlns.com/foaf/0.1/homepage"
    )
    # in the page's language, from the shape's own translation of its message
    data = {"entity": STUDIO, "csrf": csrf_of(page), "version": page.headers["etag"].strip('"'),
            website: "ftp://files.studio.example/"}  # fmt: skip
    for lang, words in (("fr", "commence par http:// ou https://"), ("nl", "begint met http://")):
        local = client.post(f"/edit?lang={lang}", data=data)
        assert local.status_code == 422
        assert words in local.text.split(f'id="field-{website}"')[1].split("</div>")[0]


def test_only_owners_and_moderators_edit(site: Site, client: httpx.Client) -> None:
    assert client.get(f"/edit?entity={quote(STUDIO)}").status_code == 401
    sign_in(client, site.box, "lou@elsewhere.example")  # a contributor, no claim
    assert client.get(f"/edit?entity={quote(STUDIO)}").status_code == 403
    page = client.get("/account")
    refused = client.post("/edit", data={"entity": STUDIO, "csrf": csrf_of(page)})
    assert refused.status_code == 403


def test_a_new_property_in_the_shapes_appears_in_the_form() -> None:
    """No template code: a property shape with sh:name is a field."""
    store = EmbeddedStore.open(None)
    store.load(ROOT / "shapes" / "organisation.ttl", RdfFormat.TURTLE, "urn:x-test:shapes")
    before = {f.path for f in shapeforms.form_for(store, ORG + "Organization", "en").fields}
    assert SKOS + "altLabel" not in before
    store.update(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> INSERT { GRAPH <urn:x-test:shapes> { ?shape sh:property [ "
        "sh:path <http://www.w3.org/2004/02/skos/core#altLabel> ; "
        "sh:datatype <http://www.w3.org/1999/02/22-rdf-syntax-ns#langString> ; "
        'sh:name "Other names"@en ; sh:order 3 ] } } WHERE { GRAPH <urn:x-test:shapes> { ?shape sh:targetClass <http://www.w3.org/ns/org#Organization> } }'
    )
    fields = shapeforms.form_for(store, ORG + "Organization", "en").fields
    added = [f for f in fields if f.path == SKOS + "altLabel"]
    assert added and added[0].kind == "text" and added[0].name("en") == "Other names"


def _as_sent(page: str) -> dict[str, list[str]]:
    """What the edit form sends as it is: its inputs' values and chosen options."""
    form = page.split('action="/edit?')[1].split("</form>")[0]
    sent = re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form)
    sent += re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>([^<]*)</textarea>', form)
    for name, options in re.findall(r'<select[^>]* name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        sent += [(name, v) for v in re.findall(r'<option value="([^"]+)" selected>', options)]
    out: dict[str, list[str]] = {}
    for k, v in sent:
        out.setdefault(k, []).append(html.unescape(v))
    return out


def test_a_relation_to_another_organisation_waits_for_its_side(
    site: Site, client: httpx.Client
) -> None:
    """An owner's "partner of" another organisation is proposed, shown as such, mailed to
    that organisation's owners, and stated only once confirmed (here by a moderator)."""
    _owner(site, client, "kim@studio.example")
    page = client.get(f"/edit?entity={quote(STUDIO)}")
    assert "Relations" in page.text and "Partner of" in page.text  # from the shapes
    partner = _field(page.text, "Partner of")
    assert f'<option value="{HUB}"' in page.text
    sent = _as_sent(page.text)
    sent.setdefault(partner, []).append(HUB)
    saved = client.post("/edit", data=sent)
    assert saved.status_code == 200, saved.text[-2000:]
    assert "wait for their confirmation" in saved.text
    assert _values(site.settings, CCI + "partnerOf") == set()  # not stated yet
    public = visible_text(client.get("/id/organisation/test-studio?lang=en").text)
    assert "Proposed relations, awaiting confirmation: Test Studio · partner of · hub.brussels" in (
        public
    )
    # the owner of the studio cannot confirm what concerns hub.brussels
    again = client.get(f"/edit?entity={quote(STUDIO)}")
    number = re.search(r'name="relation" value="(\d+)"', again.text)
    assert number is None  # no buttons for the proposer
    with db.connected(site.settings) as conn:
        (pending,) = relations.pending_about(conn, STUDIO)
    refused = client.post(
        "/edit/relation",
        data={"relation": str(pending.id), "decision": "confirmed", "csrf": csrf_of(again)},
    )
    assert refused.status_code == 403
    # a moderator confirms it: stated, its source the confirmation
    with db.connected(site.settings) as conn:
        people.add_role(conn, "mod@example.org", "moderator")
    sign_in(client, site.box, "mod@example.org")
    hub_page = client.get(f"/edit?entity={quote(HUB)}")
    assert f'name="relation" value="{pending.id}"' in hub_page.text
    done = client.post(
        "/edit/relation",
        data={"relation": str(pending.id), "decision": "confirmed", "csrf": csrf_of(hub_page)},
    )
    assert done.status_code == 200 and "Relation confirmed" in done.text, done.text[-1500:]
    assert _values(site.settings, CCI + "partnerOf") == {f"<{HUB}>"}
    twice = client.post(
        "/edit/relation",
        data={"relation": str(pending.id), "decision": "confirmed", "csrf": csrf_of(hub_page)},
    )
    assert twice.status_code == 400 and "decided already" in twice.text
    entry = visible_text(client.get("/id/organisation/test-studio?lang=en").text)
    assert "awaiting confirmation" not in entry and "confirmed by a moderator on" in entry
    told = site.box.to("kim@studio.example")[-1]
    assert "confirmed the relation" in site.box.body(told)


# ---- the claim story in Chromium ------------------------------------------------------------
#
# As a newcomer lives it: they find their organisation by searching, claim it with an
# address on its web domain, sign in from the link the real SMTP server received, edit the
# entry in the form the shapes make, and see it on the page and in search, its source their
# own statement; a save from a tab opened before is refused with the other change shown.
# No request leaves the machine.

NEWCOMER = "ana@studio.example"


def test_a_newcomer_claims_signs_in_and_edits_in_chromium(site: Site, chromium: Chromium) -> None:
    watch = Watch()
    with serve(create_app(site.settings)) as url, chromium as browser:
        page = browser.new_page(locale="en-GB")
        watch.attach(page)  # watch.settle: each page whole before the next step
        # find it, and say it is mine: sign-in comes first, by a mailed link
        page.goto(url + "/search?q=test+studio&lang=en")
        watch.settle(page)
        page.locator("main a", has_text="Test Studio").first.click()
        watch.settle(page)
        page.get_by_role("link", name="This is my organisation").click()
        watch.settle(page)
        assert "/signin" in page.url
        page.fill("#email", NEWCOMER)
        page.get_by_role("button", name="Send me the link").click()
        watch.settle(page)
        page.goto(url + f"/signin/link?token={site.box.link(NEWCOMER)}&lang=en")
        watch.settle(page)
        page.get_by_role("button", name="Sign me in").click()
        watch.settle(page)
        # back on the claim: the address is on the organisation's domain, verified at once
        assert "/claim" in page.url, page.url
        page.get_by_role("button", name="Claim it").click()
        watch.settle(page)
        assert "verified" in page.locator("main").inner_text().lower()
        page.goto(url + f"/claim?entity={quote(STUDIO, safe='')}&lang=en")
        watch.settle(page)
        page.get_by_role("link", name="Edit this entry").click()
        watch.settle(page)

        # a second tab opens the same form now, and saves after the first
        later = browser.contexts[-1].new_page()  # not watched: its 412 is expected
        later.goto(page.url)

        description = page.locator("textarea[name$='_fr']").first
        description.fill("Un atelier de test pour la carte.")
        page.get_by_role("button", name="Save").click()
        watch.settle(page)
        assert "Saved: the published entry is up to date." in page.content()

        # on the page at once, in French, its source the organisation itself; and in search
        page.goto(url + "/id/organisation/test-studio?lang=fr")
        watch.settle(page)
        text = page.locator("main").inner_text()
        assert "Un atelier de test pour la carte." in text
        assert "déclaré par l'organisation (propriétaire vérifié) le" in text
        page.goto(url + "/search?q=atelier+carte&lang=fr")
        watch.settle(page)
        assert page.locator("main a[href*='/id/organisation/test-studio']").count() >= 1

        # the tab opened before: its save is refused, the other change shown beside it
        later.locator("textarea[name$='_fr']").first.fill("Une autre description.")
        later.get_by_role("button", name="Save").click()
        stale = later.locator("section.stale")
        assert stale.is_visible() and "Un atelier de test pour la carte." in stale.inner_text()
        assert re.search(r"Une autre description", stale.inner_text())
    watch.check()  # no console error, no failed request, nothing left the machine
