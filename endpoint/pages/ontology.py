"""``GET /ontology`` (and ``.ttl`` etc.): the ontology as a page, anchors ``#ClassName``,
with its JSON and RDF twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from endpoint.http.i18n import context, page_language
from endpoint.http.routing import get_and_head
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import (
    ENTITY_OFFERS,
    JSON,
    RDF_FORMATS,
    SUFFIXES,
    VARY,
    not_acceptable,
    settings_of,
    store_of,
    wanted,
)
from endpoint.pages.rdftwins import alternate_list, alternates, rdf_response
from kg.errors import NotFound
from kg.namespaces import OWL, RDF_TYPE, RDFS
from kg.views.model import cci
from kg.views.ontology import Term, ontology_triples, ontology_view
from kg.views.vocabcache import vocabulary

router = APIRouter()


@get_and_head(router, "/ontology", response_model=None)
def ontology(request: Request) -> Response:
    """The ontology: classes and properties with labels and definitions (``#Name``)."""
    return _ontology(request, wanted(request, ENTITY_OFFERS))


@get_and_head(router, "/ontology.{ext}", response_model=None)
def ontology_as(ext: str, request: Request) -> Response:
    media = SUFFIXES.get(ext.lower())
    if media is None:
        raise NotFound(f"no format with extension {ext!r}: use one of " + ", ".join(SUFFIXES))
    return _ontology(request, media)


def _ontology(request: Request, media: str | None) -> Response:
    links = alternates(request, "/ontology")
    if media is None:
        raise not_acceptable(ENTITY_OFFERS, links)
    settings = settings_of(request)
    store = store_of(request)
    headers = {"Vary": VARY, "Link": links}
    if media in RDF_FORMATS:
        triples = ontology_triples(store, settings.base)
        return rdf_response(triples, media, settings.base, headers, request)
    lang = page_language(request)
    view = ontology_view(store, settings.base)
    page = Page(request, lang)
    if media == JSON:

        def term(t: Term) -> dict[str, Any]:
            return {
                "iri": t.iri,
                "name": t.name,
                "label": page.text(t.labels)[0] or t.name,
                "definition": page.text(t.definitions)[0] or None,
                "labels": t.labels,
                "definitions": t.definitions,
                **{page.curie(p): [r.iri for r in refs] for p, refs in t.facts.items()},
            }

        return JSONResponse(
            {
                "iri": view.iri,
                "label": page.text(view.labels)[0],
                "definition": page.text(view.definitions)[0],
                "version": view.version,
                "namespace": cci(settings.base),
                "classes": [term(t) for t in view.classes],
                "properties": [term(t) for t in view.properties],
                "terms": [term(t) for t in view.individuals],
            },
            headers=headers,
        )
    kinds = set(vocabulary(store, settings.base).organisation_kinds(settings.base))
    data = {
        "view": view,
        "p": page,
        "namespace": cci(settings.base),
        "kinds": kinds,
        "alternates": alternate_list("/ontology"),
        "fact_names": {
            RDFS + "subClassOf": "pages.ontology.subClassOf",
            RDFS + "subPropertyOf": "pages.ontology.subPropertyOf",
            RDFS + "domain": "pages.ontology.domain",
            RDFS + "range": "pages.ontology.range",
            OWL + "inverseOf": "pages.ontology.inverseOf",
            RDF_TYPE: "pages.ontology.type",
        },
    }
    return request.app.state.templates.TemplateResponse(
        request, "ontology.html", context(request, **data), headers=headers
    )
