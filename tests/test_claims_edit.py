"""Editing an organisation in the form the shapes make: owners and moderators only, the
form's fields read from shapes/, the edit validated against the shapes before anything
is stored (the report on its field), and a save over a newer version refused with 412
and the other change shown. The real app in-process, a real built store, real SMTP."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat

from kg.accounts import db, people, relations, shapeforms
from kg.namespaces import ORG
from kg.settings import Settings
from kg.store import open_store
from kg.store.embedded import EmbeddedStore
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
    entry = visible_text(client.get("/id/organisation/test-studio?lang=en").text)
    assert "awaiting confirmation" not in entry and "confirmed by a moderator on" in entry
    told = site.box.to("kim@studio.example")[-1]
    assert "confirmed the relation" in site.box.body(told)
