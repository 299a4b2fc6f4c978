"""The parameter form of a saved query's page: one field per parameter, with the choices an
IRI or language parameter can take (from a ``values=query:``, a class or a scheme), and
the cells of the results table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions

from endpoint.http.i18n import LANGUAGE_NAMES, translate
from kg.build.report import shorten
from kg.labels import languages, pick
from kg.saved import queries as saved
from kg.saved.parameters import Param, parse_iri
from kg.saved.queries import SavedQuery
from kg.settings import Settings
from kg.store import GraphStore, Term

#: options an HTML form lists at most for an IRI parameter; more gives a text field
MAX_OPTIONS = 500


def cell(term: Term | None, prefixes: Mapping[str, str]) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        href = term.value if term.value.startswith(("http://", "https://")) else ""
        return {"text": shorten(term.value, prefixes) or term.value, "href": href, "lang": ""}
    if isinstance(term, BlankNode):
        return {"text": f"_:{term.value}", "href": "", "lang": ""}
    if isinstance(term, Literal):
        return {"text": term.value, "href": "", "lang": term.language or ""}
    return {"text": str(term), "href": "", "lang": ""}


MEMBERS = {
    "class": (
        "SELECT ?class ?value ?label WHERE { ?value "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?class "
        "OPTIONAL { ?value <http://www.w3.org/2004/02/skos/core#prefLabel>|"
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
    ),
    "scheme": (
        "SELECT ?scheme ?value ?label WHERE { ?value "
        "<http://www.w3.org/2004/02/skos/core#inScheme>|"
        "<http://www.w3.org/2004/02/skos/core#topConceptOf> ?scheme "
        "OPTIONAL { ?value <http://www.w3.org/2004/02/skos/core#prefLabel>|"
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }"
    ),
}


def _options(
    settings: Settings,
    store: GraphStore,
    param: Param,
    lang: str,
    prefixes: Mapping[str, str],
) -> list[tuple[str, str]] | None:
    """(value, label) choices for a form field, or None for a free field."""
    if param.type == "language":
        return [(code, LANGUAGE_NAMES[code]) for code in languages()]
    if param.values is not None:
        return [(v, v) for v in param.values]
    labels: dict[str, dict[str, str]] = {}
    if param.values_query is not None:
        other = saved.get(settings, param.values_query)
        # its labels in the reader's language when it takes one
        reader = other.param("lang")
        given = {"lang": lang} if reader is not None and reader.type == "language" else {}
        result = saved.run(settings, store, other, given)
        if isinstance(result, QuerySolutions):
            names = [v.value for v in result.variables]
            for index, row in enumerate(result):
                if index >= MAX_OPTIONS:
                    return None
                first = row[0]
                if not isinstance(first, (NamedNode, Literal)):
                    continue
                entry = labels.setdefault(first.value, {})
                text = next((row[n] for n in names[1:] if isinstance(row[n], Literal)), None)
                if isinstance(text, Literal):
                    entry.setdefault(text.language or "", text.value)
    elif param.type == "iri" and (param.class_ or param.scheme):
        key, target = ("class", param.class_) if param.class_ else ("scheme", param.scheme)
        assert target is not None
        result = store.query(MEMBERS[key], {key: parse_iri(target, prefixes)})
        assert isinstance(result, QuerySolutions)
        for row in result:
            value, text = row["value"], row["label"]
            if not isinstance(value, NamedNode):
                continue
            entry = labels.setdefault(value.value, {})
            if isinstance(text, Literal):
                entry.setdefault(text.language or "", text.value)
            if len(labels) > MAX_OPTIONS:
                return None
    else:
        return None
    out = []
    for value, texts in labels.items():
        shown = shorten(value, prefixes) or value
        label = pick(texts, lang)
        out.append((shown, f"{label} ({shown})" if label else shown))
    return sorted(out, key=lambda o: o[1].lower())


def _same(param: Param, a: str, b: str, prefixes: Mapping[str, str]) -> bool:
    if param.type != "iri":
        return a.strip().lower() == b.strip().lower() if param.type == "language" else a == b
    try:
        return parse_iri(a, prefixes) == parse_iri(b, prefixes)
    except ValueError:
        return False


def form_fields(
    settings: Settings,
    store: GraphStore,
    query: SavedQuery,
    given: Mapping[str, str],
    lang: str,
    prefixes: Mapping[str, str],
) -> list[dict[str, Any]]:
    fields = []
    for param in query.params:
        value = given.get(param.name) or param.default or ""
        options = _options(settings, store, param, lang, prefixes)
        if (
            options is not None
            and value
            and not any(_same(param, value, o[0], prefixes) for o in options)
        ):
            options.append((value, value))  # keep what was asked, even if refused
        help_parts = [translate(f"queries.type.{param.type}", lang)]
        if param.min is not None:
            help_parts.append(f"≥ {param.min}")
        if param.max is not None:
            help_parts.append(f"≤ {param.max}")
        if param.default is not None:
            help_parts.append(f"{translate('queries.default', lang)}: {param.default}")
        elif param.optional:
            help_parts.append(translate("queries.optional", lang))
        fields.append(
            {
                "name": param.name,
                "value": value,
                "required": param.required,
                "blank": param.default is None,
                "input": {"integer": "number", "date": "date"}.get(param.type, "text"),
                "min": param.min,
                "max": param.max,
                "options": None
                if options is None
                else [
                    {
                        "value": v,
                        "label": label,
                        "selected": bool(value) and _same(param, value, v, prefixes),
                    }
                    for v, label in options
                ],
                "help": " · ".join(help_parts),
            }
        )
    return fields


def query_string(values: Mapping[str, str], **extra: str | int) -> str:
    items = [(k, v) for k, v in values.items() if v != ""]
    items += [(k, str(v)) for k, v in extra.items()]
    return urlencode(items)
