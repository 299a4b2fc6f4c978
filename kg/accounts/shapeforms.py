"""Edit forms made from the SHACL shapes. Every property shape of the entity's shape that
has an ``sh:name`` is a field, in its ``sh:group``, by ``sh:order``, with its
``sh:description`` as help: a property added to shapes/ with a name appears in the form
without template code. A field's kind follows from its constraints: ``rdf:langString``
gives one field per language (fr, nl, en); ``sh:in``, ``sh:class`` and an ``sh:node``
that asks for concepts of SKOS schemes give a chooser; ``sh:nodeKind sh:IRI`` web
addresses; anything else a typed value.

The form's answer is turned into the statements to remove and add (``changes``), the
SPARQL Update of that diff (terms serialised, never pasted) and the entity's version (a
hash of its statements, sent as the ETag) for optimistic concurrency."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolutions

from kg.errors import BadRequest
from kg.labels import languages, pick
from kg.namespaces import RDF, SKOS
from kg.store import GraphStore

SH = "http://www.w3.org/ns/shacl#"
LANG_STRING = RDF + "langString"

FIELDS = f"""SELECT ?target ?ps ?path ?name ?order ?group ?desc ?datatype ?kind ?class ?node
WHERE {{
  ?shape <{SH}targetClass> ?target ; <{SH}property> ?ps .
  ?ps <{SH}path> ?path ; <{SH}name> ?name .
  OPTIONAL {{ ?ps <{SH}order> ?order }}
  OPTIONAL {{ ?ps <{SH}group> ?group }}
  OPTIONAL {{ ?ps <{SH}description> ?desc }}
  OPTIONAL {{ ?ps <{SH}datatype> ?datatype }}
  OPTIONAL {{ ?ps <{SH}nodeKind> ?kind }}
  OPTIONAL {{ ?ps <{SH}class> ?class }}
  OPTIONAL {{ ?ps <{SH}node> ?node }}
}}"""
GROUPS = f"""SELECT ?group ?label ?order WHERE {{
  ?group a <{SH}PropertyGroup> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
  OPTIONAL {{ ?group <{SH}order> ?order }}
}}"""
#: the schemes an sh:node shape asks its concepts to be in (sh:hasValue or a list)
NODE_SCHEMES = f"""SELECT ?node ?scheme WHERE {{
  ?node <{SH}property> ?p . ?p <{SH}path> <{SKOS}inScheme> .
  {{ ?p <{SH}hasValue> ?scheme }} UNION
  {{ ?p <{SH}qualifiedValueShape>/<{SH}in>/<{RDF}rest>*/<{RDF}first> ?scheme }}
}}"""
IN_LIST = f"SELECT ?ps ?choice WHERE {{ ?ps <{SH}in>/<{RDF}rest>*/<{RDF}first> ?choice }}"
IN_SCHEME = f"SELECT ?c ?scheme WHERE {{ ?c <{SKOS}inScheme> ?scheme }}"
OF_CLASS = "SELECT ?c ?class WHERE { ?c a ?class }"
LABELS = f"SELECT ?s ?label WHERE {{ ?s <{SKOS}prefLabel> ?label }}"
STATEMENTS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@dataclass
class Field:
    key: str  # the form's name for it: f1, f2… by order
    path: str
    names: dict[str, str]
    descriptions: dict[str, str]
    order: float
    group: str | None
    kind: str  # text | choice | iri | literal
    datatype: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)  # (iri, label)
    #: the class its values must have (sh:class), if the shape names one
    of_class: str | None = None

    def name(self, lang: str) -> str:
        return pick(self.names, lang) or self.path

    def description(self, lang: str) -> str:
        return pick(self.descriptions, lang) or ""


@dataclass
class Form:
    fields: list[Field]
    groups: dict[str, tuple[float, dict[str, str]]]  # group -> (order, labels)

    def grouped(self, lang: str) -> list[tuple[str, list[Field]]]:
        """(group label, its fields), groups and fields in their order."""
        keys = sorted({f.group for f in self.fields}, key=lambda g: self._order(g))
        return [
            (
                pick(self.groups[g][1], lang) or "" if g in self.groups else "",
                [f for f in self.fields if f.group == g],
            )
            for g in keys
        ]

    def _order(self, group: str | None) -> float:
        return self.groups[group][0] if group in self.groups else 1e9


def _rows(
    store: GraphStore, sparql: str, subs: dict[str, NamedNode | Literal] | None = None
) -> QuerySolutions:
    rows = store.query(sparql, subs)
    assert isinstance(rows, QuerySolutions)
    return rows


def _labels(store: GraphStore, iris: Iterable[str], lang: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for iri in iris:
        names = {
            r["label"].language or "": r["label"].value
            for r in _rows(store, LABELS, {"s": NamedNode(iri)})
        }
        found[iri] = pick(names, lang) or iri.rsplit("/", 1)[-1]
    return found


def _choices(store: GraphStore, sparql: str, var: str, value: str) -> list[str]:
    return [r["c"].value for r in _rows(store, sparql, {var: NamedNode(value)})]


def form_for(store: GraphStore, target: str, lang: str) -> Form:
    """The form of an entity of class ``target`` (e.g. org:Organization)."""
    fields: dict[str, Field] = {}
    nodes: dict[str, str] = {}
    for row in _rows(store, FIELDS, {"target": NamedNode(target)}):
        ps = str(row["ps"])
        f = fields.get(ps)
        if f is None:
            datatype = row["datatype"].value if row["datatype"] else None
            kind = "text" if datatype == LANG_STRING else "literal"
            if row["kind"] is not None and row["kind"].value == SH + "IRI":
                kind = "iri"
            order = float(row["order"].value) if row["order"] else 1e9
            group = row["group"].value if row["group"] else None
            f = fields[ps] = Field("", row["path"].value, {}, {}, order, group, kind, datatype)
            if row["node"] is not None:
                nodes[ps] = row["node"].value
            if row["class"] is not None:
                f.of_class = row["class"].value
        f.names[row["name"].language or ""] = row["name"].value
        if row["desc"] is not None:
            f.descriptions[row["desc"].language or ""] = row["desc"].value
    schemes: dict[str, list[str]] = {}
    for row in _rows(store, NODE_SCHEMES):
        schemes.setdefault(row["node"].value, []).append(row["scheme"].value)
    listed: dict[str, list[str]] = {}
    for row in _rows(store, IN_LIST):
        listed.setdefault(str(row["ps"]), []).append(row["choice"].value)
    for ps, f in fields.items():
        options: list[str] = list(listed.get(ps, []))
        for scheme in schemes.get(nodes.get(ps, ""), []):
            options += _choices(store, IN_SCHEME, "scheme", scheme)
        if f.of_class:
            options += _choices(store, OF_CLASS, "class", f.of_class)
        if options:
            f.kind = "choice"
            names = _labels(store, dict.fromkeys(options), lang)
            f.choices = sorted(names.items(), key=lambda item: item[1].lower())
    ordered = sorted(fields.values(), key=lambda f: (f.order, f.path))
    for n, f in enumerate(ordered, start=1):
        f.key = f"f{n}"
    groups: dict[str, tuple[float, dict[str, str]]] = {}
    for row in _rows(store, GROUPS):
        g = row["group"].value
        order = float(row["order"].value) if row["order"] else 1e9
        groups.setdefault(g, (order, {}))[1][row["label"].language or ""] = row["label"].value
    return Form(ordered, groups)


Term = NamedNode | Literal


def statements(store: GraphStore, entity: str) -> set[tuple[str, Term]]:
    """(property, value) of every statement about ``entity``, in any graph."""
    found: set[tuple[str, Term]] = set()
    for row in _rows(store, STATEMENTS, {"s": NamedNode(entity)}):
        o = row["o"]
        if isinstance(o, NamedNode | Literal):
            found.add((row["p"].value, o))
    return found


def version(store: GraphStore, entity: str) -> str:
    """The entity's version: a hash of its statements (changes with any of them)."""
    lines = sorted(f"{p} {o}" for p, o in statements(store, entity))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]


def current(form: Form, held: set[tuple[str, Term]]) -> dict[str, list[Term]]:
    """Each field's values now."""
    values: dict[str, list[Term]] = {f.key: [] for f in form.fields}
    for f in form.fields:
        for p, o in sorted(held, key=str):
            if p != f.path:
                continue
            if f.kind == "text" and (not isinstance(o, Literal) or o.language not in languages()):
                continue
            values[f.key].append(o)
    return values


def submitted(
    form: Form, get: Callable[[str], str], get_all: Callable[[str], list[str]]
) -> dict[str, list[Term]]:
    """Each field's values as the form sent them; BadRequest naming a field that cannot
    hold what was sent (a choice not offered, a web address that is no IRI)."""
    values: dict[str, list[Term]] = {}
    for f in form.fields:
        if f.kind == "text":
            values[f.key] = [
                Literal(get(f"{f.key}_{lang}"), language=lang)
                for lang in languages()
                if get(f"{f.key}_{lang}")
            ]
        elif f.kind == "choice":
            offered = {iri for iri, _ in f.choices}
            chosen = [v for v in get_all(f.key) if v]
            if any(v not in offered for v in chosen):
                raise BadRequest(
                    f"{f.name('en')}: choose among the values offered", parameter=f.key
                )
            values[f.key] = [NamedNode(v) for v in chosen]
        elif f.kind == "iri":
            try:
                values[f.key] = [NamedNode(v.strip()) for v in get(f.key).split() if v.strip()]
            except ValueError:
                raise BadRequest(f"{f.name('en')}: not a web address", parameter=f.key) from None
        else:
            datatype = NamedNode(f.datatype) if f.datatype else None
            values[f.key] = [Literal(get(f.key), datatype=datatype)] if get(f.key) else []
    return values


def changes(
    form: Form, before: dict[str, list[Term]], after: dict[str, list[Term]]
) -> tuple[list[tuple[str, Term]], list[tuple[str, Term]]]:
    """(removed, added) statements, as (property, value)."""
    removed, added = [], []
    for f in form.fields:
        old, new = set(before.get(f.key, [])), set(after.get(f.key, []))
        removed += [(f.path, o) for o in sorted(old - new, key=str)]
        added += [(f.path, o) for o in sorted(new - old, key=str)]
    return removed, added


def update_text(entity: str, removed: list[tuple[str, Term]], added: list[tuple[str, Term]]) -> str:
    s = NamedNode(entity)
    parts = [f"DELETE WHERE {{ GRAPH ?g {{ {s} {NamedNode(p)} {o} }} }}" for p, o in removed]
    if added:
        body = "\n".join(f"{s} {NamedNode(p)} {o} ." for p, o in added)
        parts.append(f"INSERT DATA {{\n{body}\n}}")
    return " ;\n".join(parts)


#: the messages of the property shape that has ``text`` as one of its messages
MESSAGES = f"""SELECT ?text ?message WHERE {{
  ?ps <{SH}message> ?given , ?message . FILTER (STR(?given) = ?text)
}}"""


def message_in(store: GraphStore, text: str, lang: str) -> str:
    """A shape's message (as the build reports it, in English) in ``lang`` where the
    shape gives it, else as it is; the same fallback chain as everywhere."""
    rows = _rows(store, MESSAGES, {"text": Literal(text)})
    found = {r["message"].language or "": r["message"].value for r in rows}
    return pick(found, lang) or text
