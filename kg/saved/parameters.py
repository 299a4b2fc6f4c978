"""Parameters of saved queries: their declaration (``# param:`` header lines), and values
given as strings turned into RDF terms, checked, and bound with pyoxigraph substitutions.

A value is always one RDF term, whatever characters it holds: it never enters the query
text. See docs/saved-queries.md for the format.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, parse

from kg.errors import ParameterError, ParamSpecError
from kg.labels import languages
from kg.namespaces import RDF_TYPE
from kg.store import GraphStore, Term

TYPES = ("iri", "string", "language", "integer", "date")
#: query-string names the API uses itself (or keeps for itself: ``param``); a parameter
#: cannot take them
RESERVED = frozenset({"format", "page", "per_page", "param"})
OPTIONS = ("optional", "default", "values", "min", "max", "class", "scheme")

XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SKOS = "http://www.w3.org/2004/02/skos/core#"

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_QUERY_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: absolute IRIs accepted as values (besides prefixed names)
_ABSOLUTE = ("http://", "https://", "urn:")


@dataclass(frozen=True)
class Param:
    """One ``# param: name | type | options…`` line. Option values are kept as written
    (prefixed names are expanded when a value is checked)."""

    name: str
    type: str
    optional: bool = False
    default: str | None = None
    values: tuple[str, ...] | None = None  # values=a,b,c
    values_query: str | None = None  # values=query:NAME
    min: int | None = None
    max: int | None = None
    class_: str | None = None  # class=C
    scheme: str | None = None  # scheme=S

    @property
    def required(self) -> bool:
        """Not given and no default: a 400 naming it."""
        return not self.optional and self.default is None

    def explain(self) -> str:
        """What the parameter takes, in one English sentence (for docs and errors)."""
        text = self.takes()
        if self.default is not None:
            text += f" (default: {self.default})"
        elif self.optional:
            text += " (optional)"
        else:
            text += " (required)"
        return text[0].upper() + text[1:] + "."

    def takes(self) -> str:
        """What a value must be: ``an integer; at least 1``."""
        what = {
            "iri": "an IRI or a prefixed name (cci:…, sector:…)",
            "string": "text",
            "language": "a language code: fr, nl or en",
            "integer": "an integer",
            "date": "a date, YYYY-MM-DD",
        }[self.type]
        parts = [what]
        if self.class_:
            parts.append(f"an instance of {self.class_} in the graph")
        if self.scheme:
            parts.append(f"a concept of the scheme {self.scheme}")
        if self.min is not None:
            parts.append(f"at least {self.min}")
        if self.max is not None:
            parts.append(f"at most {self.max}")
        if self.values is not None:
            parts.append("one of " + ", ".join(self.values))
        if self.values_query:
            parts.append(f"one of the first column of the saved query {self.values_query}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "optional": self.optional,
            "default": self.default,
            "values": list(self.values) if self.values is not None else None,
            "values_query": self.values_query,
            "min": self.min,
            "max": self.max,
            "class": self.class_,
            "scheme": self.scheme,
            "description": self.explain(),
        }

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameter's value (for the OpenAPI document)."""
        schema: dict[str, Any]
        if self.type == "integer":
            schema = {"type": "integer"}
            if self.min is not None:
                schema["minimum"] = self.min
            if self.max is not None:
                schema["maximum"] = self.max
        elif self.type == "language":
            schema = {"type": "string", "enum": list(languages())}
        elif self.type == "date":
            schema = {"type": "string", "format": "date"}
        elif self.type == "iri":
            schema = {"type": "string", "format": "iri"}
        else:
            schema = {"type": "string"}
        convert: Callable[[str], object] = int if self.type == "integer" else str
        if self.values is not None:
            schema["enum"] = [convert(v) for v in self.values]
        if self.default is not None:
            schema["default"] = convert(self.default)
        return schema


# --- declarations -----------------------------------------------------------------------


def parse_param(spec: str, prefixes: Mapping[str, str]) -> Param:
    """``name | type | options…`` -> Param; ParamSpecError says what is wrong."""
    fields = [f.strip() for f in spec.split("|")]
    if len(fields) < 2:
        raise ParamSpecError("a parameter is `name | type | options…`")
    name, kind, options = fields[0], fields[1], fields[2:]
    if not _NAME.fullmatch(name):
        raise ParamSpecError(
            f"{name!r} is not a parameter name (the SPARQL variable without `?`: "
            "a letter, then letters, digits or `_`)"
        )
    if name in RESERVED:
        raise ParamSpecError(
            f"`{name}` is reserved for the API ({', '.join(sorted(RESERVED))}); rename the variable"
        )
    if kind not in TYPES:
        raise ParamSpecError(f"unknown type {kind!r} for `{name}`: use one of {', '.join(TYPES)}")
    seen: set[str] = set()
    values: dict[str, Any] = {}
    for option in options:
        key, sep, value = (part.strip() for part in option.partition("="))
        if not key:
            raise ParamSpecError(f"`{name}`: empty option (two `|` in a row?)")
        if key in seen:
            raise ParamSpecError(f"`{name}`: the option `{key}` is given twice")
        seen.add(key)
        if key not in OPTIONS:
            raise ParamSpecError(
                f"`{name}`: unknown option {key!r} (options: optional, default=, values=, "
                "min=, max=, class=, scheme=)"
            )
        if key == "optional":
            if sep:
                raise ParamSpecError(f"`{name}`: `optional` takes no value")
            values["optional"] = True
            continue
        if not sep or not value:
            raise ParamSpecError(f"`{name}`: the option `{key}` needs a value (`{key}=…`)")
        if key == "default":
            values["default"] = value
        elif key == "values":
            if value.startswith("query:"):
                target = value.removeprefix("query:")
                if not _QUERY_NAME.fullmatch(target):
                    raise ParamSpecError(f"`{name}`: values=query:{target} names no saved query")
                values["values_query"] = target
            else:
                items = tuple(v.strip() for v in value.split(","))
                if not all(items):
                    raise ParamSpecError(f"`{name}`: an empty item in values={value}")
                values["values"] = items
        elif key in ("min", "max"):
            if kind != "integer":
                raise ParamSpecError(f"`{name}`: `{key}=` applies to integer parameters only")
            if not _INTEGER.fullmatch(value):
                raise ParamSpecError(f"`{name}`: {key}={value} is not an integer")
            values[key] = int(value)
        elif key in ("class", "scheme"):
            if kind != "iri":
                raise ParamSpecError(f"`{name}`: `{key}=` applies to iri parameters only")
            try:
                parse_iri(value, prefixes)
            except ValueError as err:
                raise ParamSpecError(f"`{name}`: {key}={value}: {err}") from None
            values["class_" if key == "class" else key] = value
    param = Param(name=name, type=kind, **values)
    if param.min is not None and param.max is not None and param.min > param.max:
        raise ParamSpecError(f"`{name}`: min={param.min} is more than max={param.max}")
    for item in param.values or ():
        try:
            parse_value(param, item, prefixes, check_values=False)
        except ParameterError as err:
            raise ParamSpecError(f"`{name}`: values= item {item!r}: {err.problem}") from None
    if param.default is not None:
        try:
            parse_value(param, param.default, prefixes)
        except ParameterError as err:
            raise ParamSpecError(f"`{name}`: default={param.default}: {err.problem}") from None
    return param


def parse_params(specs: Iterable[str], prefixes: Mapping[str, str]) -> list[Param]:
    """Every ``# param:`` value of a header, in order; a name given twice is an error."""
    params: list[Param] = []
    for spec in specs:
        param = parse_param(spec, prefixes)
        if any(p.name == param.name for p in params):
            raise ParamSpecError(f"the parameter `{param.name}` is declared twice")
        params.append(param)
    return params


# --- values -----------------------------------------------------------------------------


def parse_iri(raw: str, prefixes: Mapping[str, str]) -> NamedNode:
    """An IRI (``<…>`` or bare http(s)/urn) or a prefixed name with a project prefix.
    ValueError says why not."""
    text = raw.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
        if not _SCHEME.match(text):
            raise ValueError(f"<{text}> is not an absolute IRI")
        iri = text
    else:
        prefix, sep, local = text.partition(":")
        if sep and prefix in prefixes:
            iri = prefixes[prefix] + local
        elif text.startswith(_ABSOLUTE):
            iri = text
        else:
            known = ", ".join(f"{p}:" for p in sorted(prefixes)[:8])
            raise ValueError(
                f"{raw!r} is neither an http(s) IRI nor a prefixed name with a known prefix "
                f"({known} …)"
            )
    try:
        return NamedNode(iri)
    except ValueError as err:
        raise ValueError(f"{raw!r} is not a valid IRI ({err})") from None


def parse_value(
    param: Param, raw: str, prefixes: Mapping[str, str], *, check_values: bool = True
) -> Term:
    """One value as the RDF term the type says, with the checks that need no graph: the
    syntax, min/max and values=a,b,c. ParameterError otherwise."""
    term: Term
    if param.type == "iri":
        try:
            term = parse_iri(raw, prefixes)
        except ValueError as err:
            raise ParameterError(param.name, str(err)) from None
    elif param.type == "string":
        term = Literal(raw)
    elif param.type == "language":
        code = raw.strip().lower()
        if code not in languages():
            raise ParameterError(param.name, f"{raw!r} is not one of {', '.join(languages())}")
        term = Literal(code)
    elif param.type == "integer":
        text = raw.strip()
        if not _INTEGER.fullmatch(text):
            raise ParameterError(param.name, f"{raw!r} is not an integer")
        number = int(text)
        if param.min is not None and number < param.min:
            raise ParameterError(param.name, f"{number} is less than the minimum {param.min}")
        if param.max is not None and number > param.max:
            raise ParameterError(param.name, f"{number} is more than the maximum {param.max}")
        term = Literal(str(number), datatype=NamedNode(XSD + "integer"))
    elif param.type == "date":
        text = raw.strip()
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            date.fromisoformat(text)
        except ValueError:
            raise ParameterError(param.name, f"{raw!r} is not a date (YYYY-MM-DD)") from None
        term = Literal(text, datatype=NamedNode(XSD + "date"))
    else:  # pragma: no cover - parse_param refuses other types
        raise ParameterError(param.name, f"unknown type {param.type}")
    if check_values and param.values is not None:
        allowed = [parse_value(param, v, prefixes, check_values=False) for v in param.values]
        if term not in allowed:
            raise ParameterError(
                param.name, f"{raw!r} is not one of the allowed values: {', '.join(param.values)}"
            )
    return term


#: Checks in the graph. Values enter through substitutions, so the variables are projected.
IS_INSTANCE = (
    f"SELECT ?value ?class WHERE {{ ?value <{RDF_TYPE}>/<{RDFS_SUBCLASS}>* ?class }} LIMIT 1"
)
IN_SCHEME = (
    f"SELECT ?value ?scheme WHERE {{ {{ ?value <{SKOS}inScheme> ?scheme }} "
    f"UNION {{ ?value <{SKOS}topConceptOf> ?scheme }} }} LIMIT 1"
)


def _exists(store: GraphStore, query: str, substitutions: dict[str, Term]) -> bool:
    result = store.query(query, substitutions)
    assert isinstance(result, QuerySolutions)
    return any(True for _ in result)


def bind(
    params: Sequence[Param],
    raw: Mapping[str, str | None],
    store: GraphStore,
    *,
    prefixes: Mapping[str, str],
    allowed: Callable[[str], Collection[str]] | None = None,
    ignore: Collection[str] = (),
) -> dict[str, Term]:
    """Values given as strings -> {variable: term} for ``GraphStore.query(substitutions=)``.

    An empty or missing value takes the default, stays unbound when optional, and is a
    ParameterError when required. ``allowed(NAME)`` gives the lexical values of the first
    column of saved query NAME (for values=query:NAME). A name in ``raw`` that is neither a
    parameter nor in ``ignore`` is a ParameterError too (a misspelt parameter would
    otherwise be silently left out)."""
    declared = {p.name for p in params}
    for name in raw:
        if name not in declared and name not in ignore:
            takes = ", ".join(sorted(declared)) or "no parameters"
            raise ParameterError(name, f"this query has no such parameter (it takes: {takes})")
    bound: dict[str, Term] = {}
    for param in params:
        value = raw.get(param.name)
        if value is None or value == "":
            if param.default is not None:
                value = param.default
            elif param.optional:
                continue
            else:
                raise ParameterError(param.name, f"is required: give {param.takes()}")
        term = parse_value(param, value, prefixes)
        if param.class_ is not None:
            cls = parse_iri(param.class_, prefixes)
            if not _exists(store, IS_INSTANCE, {"value": term, "class": cls}):
                raise ParameterError(
                    param.name, f"{value!r} is not an instance of {param.class_} in the graph"
                )
        if param.scheme is not None:
            scheme = parse_iri(param.scheme, prefixes)
            if not _exists(store, IN_SCHEME, {"value": term, "scheme": scheme}):
                raise ParameterError(
                    param.name, f"{value!r} is not a concept of the scheme {param.scheme}"
                )
        if param.values_query is not None:
            if allowed is None:
                raise ParameterError(
                    param.name, f"cannot check against the saved query {param.values_query}"
                )
            if getattr(term, "value", None) not in allowed(param.values_query):
                raise ParameterError(
                    param.name,
                    f"{value!r} is not among the values of the saved query {param.values_query}",
                )
        bound[param.name] = term
    return bound


# --- across processes -------------------------------------------------------------------


def to_ntriples(substitutions: Mapping[str, Term]) -> dict[str, str]:
    """{variable: term} -> {variable: N-Triples term}, to send bindings to a worker."""
    return {name: str(term) for name, term in substitutions.items()}


def from_ntriples(terms: Mapping[str, str]) -> dict[str, Term]:
    """The inverse of ``to_ntriples``: each term is parsed as the object of one N-Triples
    line, so it is exactly one term or a ValueError."""
    out: dict[str, Term] = {}
    for name, text in terms.items():
        if "\n" in text or "\r" in text:
            raise ValueError(f"the term for ?{name} spans lines")
        line = f"<urn:x-kg:s> <urn:x-kg:p> {text} .\n".encode()
        try:
            triples = list(parse(line, RdfFormat.N_TRIPLES))
        except SyntaxError as err:
            raise ValueError(f"the term for ?{name} is not one N-Triples term: {err}") from None
        if len(triples) != 1:
            raise ValueError(f"the term for ?{name} is not one N-Triples term")
        obj = triples[0].object
        if not isinstance(obj, (NamedNode, Literal)):
            raise ValueError(f"the term for ?{name} is not an IRI or a literal")
        out[name] = obj
    return out
