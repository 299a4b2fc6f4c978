"""Editing an organisation in the form the shapes make: owners and moderators only, the
form's fields read from shapes/, the edit validated against the shapes before anything
is stored (the report on its field), and a save over a newer version refused with 412
and the other change shown. The real app in-process, a real built store, real SMTP."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import httpx
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat

from kg.accounts import shapeforms
from kg.namespaces import ORG
from kg.settings import Settings
from kg.store import open_store
from kg.store.embedded import EmbeddedStore
from tests.claims_fixtures import STUDIO, Site, client, csrf_of, sign_in, site

__all__ = ["client", "site"]  # the fixtures, used by name
ROOT = Path(__file__).resolve().parent.parent
SKOS = "http://www.w3.org/2004/02/skos/core#"


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
