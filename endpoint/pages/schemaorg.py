"""The schema.org description embedded in an entity page (for search engines), and the
``<script type="application/ld+json">`` that carries it."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from endpoint.pages.page import Page
from kg.namespaces import DCT, SCHEMA
from kg.views.model import EntityView, cci

SCHEMA_TYPES = (
    ("foaf:Person", "Person"),
    ("cci:Event", "Event"),
    ("cci:Mission", "Event"),
    ("cci:Project", "Project"),
    ("cci:Programme", "Project"),
    ("cci:Publication", "CreativeWork"),
    ("cci:SourceDocument", "CreativeWork"),
    ("cci:SourceDataset", "Dataset"),
    ("cci:CulturalPlace", "Place"),
    ("cci:Municipality", "AdministrativeArea"),
    ("org:Organization", "Organization"),
    ("skos:Concept", "DefinedTerm"),
    ("skos:ConceptScheme", "DefinedTermSet"),
)


def json_ld_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>``, ``&`` escaped so
    that no text in the data can close the script element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def schema_org(view: EntityView, page: Page, url: str) -> dict[str, Any]:
    """The schema.org description embedded in the page (for search engines)."""
    lang = page.lang
    kinds = {page.curie(t.iri) for t in view.types}
    kind = next((s for c, s in SCHEMA_TYPES if c in kinds), "Thing")
    label, _ = view.label(lang)
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "@id": view.iri}
    data["name"] = label
    data["url"] = url
    if view.is_person:
        for st in view.statements:
            if st.prop.iri == SCHEMA + "jobTitle" and st.values:
                data["jobTitle"] = page.text({v.lang: v.text for v in st.values})[0]
        affiliations = [
            {"@type": "Organization", "@id": item.ref.iri, "name": page.label(item.ref)[0]}
            for g in view.relations
            if g.direction == "out" and g.prop.iri == cci(page.base) + "affiliatedWith"
            for item in g.items
        ]
        if affiliations:
            data["affiliation"] = affiliations
        return data
    others = sorted({v.text for st in view.names for v in st.values} - {label})
    if others:
        data["alternateName"] = others
    description = page.text({v.lang: v.text for v in reversed(view.description)})[0]
    if description:
        data["description"] = description
    same = []
    for ident in view.identifiers:
        if ident.scheme == "homepage":
            data["url"] = ident.url
        elif ident.scheme in ("wikidata", "sameas") and ident.url:
            same.append(ident.url)
        elif ident.scheme == "kbo":
            data["identifier"] = {
                "@type": "PropertyValue",
                "propertyID": "KBO/BCE",
                "value": ident.value,
            }
            if ident.url:
                same.append(ident.url)
    if same:
        data["sameAs"] = same
    if view.address is not None:
        address: dict[str, Any] = {"@type": "PostalAddress", "addressCountry": "BE"}
        street = page.text(view.address.street)[0]
        if street:
            address["streetAddress"] = " ".join(x for x in (street, view.address.number) if x)
        elif view.address.lines(lang):
            address["streetAddress"] = view.address.lines(lang)[0]
        if view.address.post_code:
            address["postalCode"] = view.address.post_code
        town = page.text(view.address.post_name)[0]
        if town:
            address["addressLocality"] = town
        data["address"] = address
    if view.geometry is not None and view.geometry.lat is not None and not view.geometry.rings:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": view.geometry.lat,
            "longitude": view.geometry.lon,
        }
    for st in view.statements:
        name = {
            SCHEMA + "foundingDate": "foundingDate",
            SCHEMA + "startDate": "startDate",
            SCHEMA + "endDate": "endDate",
            DCT + "issued": "datePublished",
        }.get(st.prop.iri)
        if name and st.values:
            data[name] = st.values[0].text
    if view.municipality is not None and view.municipality.ref is not None and kind != "Place":
        data["location"] = {
            "@type": "Place",
            "@id": view.municipality.ref.iri,
            "name": page.label(view.municipality.ref)[0],
        }
    return data
