"""The JSON twins of the pages (``?format=json`` or ``Accept: application/json``): an
entity or concept (``entity_json``), and the pieces other pages' twins share (references,
figures, sources); ``rel_url``: the URL of one page of a relation group."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyoxigraph import Literal

from endpoint.pages.page import Page
from kg.views.concepts import ConceptView
from kg.views.model import (
    EntityView,
    Observation,
    Ref,
    RelationGroup,
    Value,
    curie,
    local_name,
)


def rel_url(path: str, group: RelationGroup, n: int, lang: str, base: str) -> str:
    key = ("^" if group.direction == "in" else "") + curie(group.prop.iri, base)
    return f"{path}?{urlencode({'rel': key, 'page': n, 'lang': lang})}#rel-{_anchor(group)}"


def _anchor(group: RelationGroup) -> str:
    return ("in-" if group.direction == "in" else "out-") + local_name(group.prop.iri)


def ref_json(ref: Ref | None, page: Page) -> dict[str, Any] | None:
    if ref is None:
        return None
    text, lang = page.label(ref)
    return {"iri": ref.iri, "label": text, "label_lang": lang, "href": page.href(ref.iri)}


def _value_json(value: Value, page: Page) -> dict[str, Any]:
    out: dict[str, Any] = {"sources": [n for n, _ in page.cite(value.graphs)]}
    if value.ref is not None:
        out.update(ref_json(value.ref, page) or {})
    elif isinstance(value.term, Literal):
        out.update({"value": value.text, "lang": value.lang or None})
        if value.datatype and not value.lang:
            out["datatype"] = value.datatype
    else:
        out["value"] = value.text
    return out


def _group_json(group: RelationGroup, page: Page, path: str) -> dict[str, Any]:
    label, label_lang = page.label(group.prop)
    out: dict[str, Any] = {
        "property": group.prop.iri,
        "curie": page.curie(group.prop.iri),
        "label": label,
        "label_lang": label_lang,
        "direction": group.direction,
        "count": group.count,
        "page": group.page,
        "pages": group.pages,
        "items": [
            {
                **(ref_json(item.ref, page) or {}),
                "sources": [n for n, _ in page.cite(item.graphs)],
                "details": [
                    {
                        "iri": d.iri,
                        "type": ref_json(d.type, page),
                        "role": ref_json(d.role, page),
                        "role_text": page.text(d.role_text)[0] or None,
                        "start": d.start,
                        "end": d.end,
                        "description": page.text(d.description)[0] or None,
                        "sources": [n for n, _ in page.cite(d.graphs)],
                    }
                    for d in item.details
                ],
            }
            for item in group.items
        ],
    }
    base = page.base
    if group.page < group.pages:
        out["next"] = rel_url(path, group, group.page + 1, page.lang, base).split("#")[0]
    if group.page > 1:
        out["previous"] = rel_url(path, group, group.page - 1, page.lang, base).split("#")[0]
    return out


def observation_json(obs: Observation, page: Page) -> dict[str, Any]:
    return {
        "iri": obs.iri,
        "measure": ref_json(obs.measure, page),
        "subject": ref_json(obs.subject, page),
        "via": ref_json(obs.via, page),
        "value": obs.value,
        "unit": obs.unit,
        "lower_bound": obs.lower_bound,
        "period": obs.period,
        "period_label": page.text(obs.period_label)[0] or None,
        "area": ref_json(obs.area, page),
        "description": page.text(obs.description)[0] or None,
        "sources": [n for n, _ in page.cite(obs.graphs)],
    }


def sources_json(page: Page) -> list[dict[str, Any]]:
    return [
        {
            "number": n,
            "graph": source.graph,
            "according_to": page.according_to(source),
            "documents": [
                {
                    "iri": d.iri,
                    "title": page.text(d.titles)[0] or None,
                    "date": d.date,
                    "publisher": d.publisher,
                    "href": page.href(d.iri),
                }
                for d in source.documents
            ],
        }
        for n, source in page.sources
    ]


def entity_json(
    view: EntityView, page: Page, url: str, concept: ConceptView | None = None
) -> dict[str, Any]:
    label, label_lang = view.label(page.lang)
    path = "/" + view.iri[len(page.base) :] if view.iri.startswith(page.base) else url
    body: dict[str, Any] = {
        "iri": view.iri,
        "url": url,
        "lang": page.lang,
        "label": label,
        "label_lang": label_lang,
        "labels": view.labels,
        "types": [ref_json(t, page) for t in view.types],
        "names": [
            {
                "property": page.curie(st.prop.iri),
                "values": [_value_json(v, page) for v in st.values],
            }
            for st in view.names
        ],
        "description": [_value_json(v, page) for v in view.description],
        "sectors": [_value_json(v, page) for v in view.sectors],
        "services": [_value_json(v, page) for v in view.services],
        "audiences": [_value_json(v, page) for v in view.audiences],
        "address": _address_json(view, page),
        "municipality": _value_json(view.municipality, page) if view.municipality else None,
        "geometry": _geometry_json(view, page),
        "identifiers": [
            {
                "scheme": i.scheme,
                "value": i.value,
                "url": i.url,
                "sources": [n for n, _ in page.cite(i.graphs)],
            }
            for i in view.identifiers
        ],
        "relations": [_group_json(g, page, path) for g in view.relations],
        "takes_part_in": [ref_json(item.ref, page) for item in view.takes_part_in],
        "observations": [observation_json(o, page) for o in view.observations],
        "statements": [
            {
                "property": page.curie(st.prop.iri),
                "label": page.label(st.prop)[0],
                "values": [_value_json(v, page) for v in st.values],
            }
            for st in view.statements
        ],
        "sources": sources_json(page),
        "person": view.is_person,
    }
    if concept is not None:
        body["concept"] = _concept_json(concept, page)
    return body


def _address_json(view: EntityView, page: Page) -> dict[str, Any] | None:
    if view.address is None:
        return None
    return {
        "lines": view.address.lines(page.lang),
        "post_code": view.address.post_code,
        "sources": [n for n, _ in page.cite(view.address.graphs)],
    }


def _geometry_json(view: EntityView, page: Page) -> dict[str, Any] | None:
    if view.geometry is None:
        return None
    return {
        "wkt": view.geometry.wkt if not view.geometry.rings else None,
        "lat": view.geometry.lat,
        "lon": view.geometry.lon,
        "sources": [n for n, _ in page.cite(view.geometry.graphs)],
    }


def _concept_json(concept: ConceptView, page: Page) -> dict[str, Any]:
    return {
        "scheme": concept.is_scheme,
        "pref_labels": concept.pref,
        "alt_labels": concept.alt,
        "definitions": concept.definitions,
        "notation": concept.notation,
        "in_scheme": [ref_json(r, page) for r in concept.schemes],
        "broader": [ref_json(r, page) for r in concept.broader],
        "narrower": [ref_json(r, page) for r in concept.narrower],
        "mappings": [
            {"relation": name, **(ref_json(r, page) or {})} for name, r in concept.mappings
        ],
        "direct_property": ref_json(concept.direct_property, page),
        "concepts": [
            {**(ref_json(e.concept, page) or {}), "depth": e.depth, "count": e.count}
            for e in concept.tree
        ],
    }
