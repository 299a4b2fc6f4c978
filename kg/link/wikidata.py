"""Reconciliation with Wikidata: proposals, each with its evidence, for a reviewer.

Municipalities by NIS code (P1567); organisations by enterprise number (P3376), then
official website (P856), then name and place (label or alias; P131 / P159 against the
items of our municipalities); people in public roles by name on a human item (P31 Q5),
raised by an employer or membership (P108 / P463) that is the item of their organisation.
Identifier statements are read as ``p:``/``ps:`` statements, deprecated ones left out, so
that each proposal can cite the statement it rests on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode

from kg.link.endpoint import VALUES_MARK, SparqlEndpoint, Term
from kg.link.local import Entity
from kg.namespaces import WIKIDATA_ENTITY

PROLOGUE = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _by_statement(prop: str) -> str:
    return (
        PROLOGUE
        + f"""SELECT ?key ?item ?statement WHERE {{
  {VALUES_MARK}
  ?item p:{prop} ?statement .
  ?statement ps:{prop} ?key .
  FILTER NOT EXISTS {{ ?statement wikibase:rank wikibase:DeprecatedRank }}
}}"""
    )


#: the identifier queries, one per property (the property is part of the text, not a value)
BY_NIS = _by_statement("P1567")
BY_ENTERPRISE_NUMBER = _by_statement("P3376")
BY_WEBSITE = _by_statement("P856")

ORGANISATIONS_BY_NAME = (
    PROLOGUE
    + f"""SELECT ?key ?item ?how WHERE {{
  {VALUES_MARK}
  {{ ?item rdfs:label ?key BIND("label" AS ?how) }}
  UNION {{ ?item skos:altLabel ?key BIND("alias" AS ?how) }}
  FILTER NOT EXISTS {{ ?item wdt:P31 wd:Q5 }}
}}"""
)

HUMANS_BY_NAME = (
    PROLOGUE
    + f"""SELECT ?key ?item ?how WHERE {{
  {VALUES_MARK}
  {{ ?item rdfs:label ?key BIND("label" AS ?how) }}
  UNION {{ ?item skos:altLabel ?key BIND("alias" AS ?how) }}
  ?item wdt:P31 wd:Q5 .
}}"""
)

#: where an organisation is (P131 located in, P159 headquarters)
PLACES = (
    PROLOGUE
    + f"""SELECT ?item ?other ?how WHERE {{
  {VALUES_MARK}
  {{ ?item wdt:P131 ?other BIND("P131" AS ?how) }}
  UNION {{ ?item wdt:P159 ?other BIND("P159" AS ?how) }}
}}"""
)

#: whom a person works for or belongs to (P108 employer, P463 member of)
AFFILIATIONS = (
    PROLOGUE
    + f"""SELECT ?item ?other ?how WHERE {{
  {VALUES_MARK}
  {{ ?item wdt:P108 ?other BIND("P108" AS ?how) }}
  UNION {{ ?item wdt:P463 ?other BIND("P463" AS ?how) }}
}}"""
)

LABELS = (
    PROLOGUE
    + f"""SELECT ?item ?label WHERE {{
  {VALUES_MARK}
  ?item rdfs:label ?label .
  FILTER(LANG(?label) IN ("fr", "nl", "en", "mul"))
}}"""
)

#: the languages a name is looked up in (Wikidata labels are language-tagged; "mul" is
#: its label for every language)
NAME_LANGUAGES = ("fr", "nl", "en", "mul")
#: matches by identifier: the only ones ``auto_accept`` may accept, when unique
IDENTIFIER_MATCHES = ("P1567", "P3376")
PROPERTY_NAMES = {
    "P1567": "NIS code",
    "P3376": "enterprise number",
    "P856": "official website",
    "P131": "located in",
    "P159": "headquarters",
    "P108": "employer",
    "P463": "member of",
}


@dataclass
class Proposal:
    """A Wikidata item proposed for one of our entities, and why."""

    entity: str
    kind: str
    label: str
    item: str
    matched_by: str  # P1567 | P3376 | P856 | name | name+place | name+affiliation
    evidence: str
    score: float
    statement: str = ""
    item_label: str = ""
    ambiguous: bool = False


def _q(item: str) -> str:
    return "wd:" + item.removeprefix(WIKIDATA_ENTITY)


def enterprise_number_forms(number: str) -> list[str]:
    """Ten digits as we write them, and the dotted form (0403.170.701) Wikidata may use."""
    digits = "".join(c for c in number if c.isdigit())
    return [digits, f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"] if len(digits) == 10 else []


def website_forms(url: str) -> list[str]:
    """The same site as Wikidata may spell it: http or https, with or without www, with or
    without the trailing slash of its home page."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    host = parts.netloc.lower().removeprefix("www.")
    paths = {parts.path or "/", (parts.path or "/").rstrip("/") or ""}
    query = f"?{parts.query}" if parts.query else ""
    return sorted(
        f"{scheme}://{h}{path}{query}"
        for scheme in ("https", "http")
        for h in (host, "www." + host)
        for path in paths
    )


def _by_key(
    wd: SparqlEndpoint, sparql: str, keys: dict[Term, list[Entity]]
) -> dict[str, list[tuple[str, str, Term]]]:
    """Entity IRI -> (item, statement, matched value) for each statement matching a key."""
    found: dict[str, list[tuple[str, str, Term]]] = defaultdict(list)
    rows = [[k] for k in keys]
    for r in wd.select(sparql, ["key"], rows):
        for e in keys.get(r["key"], []):
            hit = (r["item"].value, r.get("statement", r["item"]).value, r["key"])
            if hit not in found[e.iri]:
                found[e.iri].append(hit)
    return found


def _identifier_proposals(
    wd: SparqlEndpoint, sparql: str, prop: str, keys: dict[Term, list[Entity]]
) -> list[Proposal]:
    by_iri = {e.iri: e for es in keys.values() for e in es}
    out = []
    for iri, hits in _by_key(wd, sparql, keys).items():
        e = by_iri[iri]
        for item, statement, value in hits:
            evidence = f"Wikidata {prop} ({PROPERTY_NAMES[prop]}) = {value.value}"
            score = 1.0 if prop in IDENTIFIER_MATCHES else 0.9
            out.append(Proposal(iri, e.kind, e.label(), item, prop, evidence, score, statement))
    return out


def _others(wd: SparqlEndpoint, sparql: str, items: Iterable[str]) -> dict[str, set[tuple]]:
    """Item -> (other item, property) for PLACES or AFFILIATIONS."""
    found: dict[str, set[tuple]] = defaultdict(set)
    rows = [[NamedNode(i)] for i in sorted(set(items))]
    for r in wd.select(sparql, ["item"], rows):
        found[r["item"].value].add((r["other"].value, r["how"].value))
    return found


def _name_keys(entities: Iterable[Entity]) -> dict[Term, list[Entity]]:
    keys: dict[Term, list[Entity]] = defaultdict(list)
    for e in entities:
        for name in e.names + e.alt_names:
            for lang in NAME_LANGUAGES:
                key = Literal(name.value.strip(), language=lang)
                if e not in keys[key]:
                    keys[key].append(e)
    return keys


def _name_proposals(
    wd: SparqlEndpoint,
    entities: list[Entity],
    known: dict[str, str],
    people: bool,
) -> list[Proposal]:
    """Items whose label or alias is one of the names; raised by a place (organisations)
    or an affiliation (people) that is the item of our municipality or organisation."""
    keys = _name_keys(entities)
    sparql = HUMANS_BY_NAME if people else ORGANISATIONS_BY_NAME
    hits: dict[str, dict[str, tuple[str, Term]]] = defaultdict(dict)
    for r in wd.select(sparql, ["key"], [[k] for k in keys]):
        for e in keys.get(r["key"], []):
            item, how = r["item"].value, r["how"].value
            # a label outweighs an alias; the first language found is kept
            if item not in hits[e.iri] or (how == "label" != hits[e.iri][item][0]):
                hits[e.iri][item] = (how, r["key"])
    items = {i for found in hits.values() for i in found}
    others = _others(wd, AFFILIATIONS if people else PLACES, items)
    out = []
    for e in entities:
        ours = e.organisations if people else e.municipalities
        wanted = {known[o]: o for o in ours if o in known}
        for item, (how, name) in sorted(hits.get(e.iri, {}).items()):
            assert isinstance(name, Literal)
            said = "label" if how == "label" else "alias"
            evidence = [f'Wikidata {said} "{name.value}"@{name.language} = our name']
            score = 0.6 if how == "label" else 0.5
            matched = "name"
            for other, prop in sorted(others.get(item, ())):
                if other in wanted:
                    evidence.append(
                        f"{prop} ({PROPERTY_NAMES[prop]}) = {_q(other)}, the item of "
                        f"{'our organisation' if people else 'our municipality'} "
                        f"<{wanted[other]}>"
                    )
                    score = min(score + (0.3 if not people else 0.35), 0.95)
                    matched = "name+affiliation" if people else "name+place"
                    break
            out.append(
                Proposal(
                    e.iri, e.kind, e.label(), item, matched, "; ".join(evidence), round(score, 2)
                )
            )
    return out


def _mark_ambiguous(proposals: list[Proposal]) -> None:
    """Several items for one entity, or one item for several entities: a reviewer picks."""
    items_of: dict[str, set[str]] = defaultdict(set)
    entities_of: dict[str, set[str]] = defaultdict(set)
    for p in proposals:
        items_of[p.entity].add(p.item)
        entities_of[p.item].add(p.entity)
    for p in proposals:
        if len(items_of[p.entity]) > 1 or len(entities_of[p.item]) > 1:
            p.ambiguous = True


def _labels(wd: SparqlEndpoint, proposals: list[Proposal]) -> None:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    rows = [[NamedNode(i)] for i in sorted({p.item for p in proposals})]
    for r in wd.select(LABELS, ["item"], rows):
        label = r["label"]
        assert isinstance(label, Literal)
        labels[r["item"].value][label.language or ""] = label.value
    for p in proposals:
        found = labels.get(p.item, {})
        p.item_label = "; ".join(
            f"{lang}: {found[lang]}" for lang in NAME_LANGUAGES if lang in found
        )


def _unique_anchors(proposals: list[Proposal], anchors: dict[str, str]) -> None:
    """Entity -> item for identifier matches that are one item for one entity."""
    items_of: dict[str, set[str]] = defaultdict(set)
    entities_of: dict[str, set[str]] = defaultdict(set)
    for p in proposals:
        if p.matched_by in IDENTIFIER_MATCHES:
            items_of[p.entity].add(p.item)
            entities_of[p.item].add(p.entity)
    for entity, items in items_of.items():
        (item,) = items if len(items) == 1 else (None,)
        if item is not None and len(entities_of[item]) == 1:
            anchors.setdefault(entity, item)


def propose(wd: SparqlEndpoint, entities: list[Entity], known: dict[str, str]) -> list[Proposal]:
    """Proposals for every entity not linked yet (``known``: entity -> item already linked
    or accepted), strongest evidence first: an organisation matched by enterprise number
    is not looked up by website or name."""
    todo = [e for e in entities if e.iri not in known]
    municipalities = [e for e in todo if e.kind == "municipality" and e.nis]
    nis: dict[Term, list[Entity]] = {Literal(e.nis): [e] for e in municipalities if e.nis}
    proposals = _identifier_proposals(wd, BY_NIS, "P1567", nis)
    # unique identifier matches (a municipality's NIS code, an organisation's number)
    # place organisations and people before they are reviewed: evidence, not links
    anchors = dict(known)
    left = [e for e in todo if e.kind == "organisation"]
    for sparql, prop, forms, attr in (
        (BY_ENTERPRISE_NUMBER, "P3376", enterprise_number_forms, "enterprise_numbers"),
        (BY_WEBSITE, "P856", website_forms, "websites"),
    ):
        keys: dict[Term, list[Entity]] = defaultdict(list)
        for e in left:
            for value in getattr(e, attr):
                for form in forms(value):
                    term: Term = NamedNode(form) if prop == "P856" else Literal(form)
                    keys[term].append(e)
        found = _identifier_proposals(wd, sparql, prop, keys)
        proposals += found
        matched = {p.entity for p in found}
        left = [e for e in left if e.iri not in matched]
    _unique_anchors(proposals, anchors)
    proposals += _name_proposals(wd, [e for e in left if e.names or e.alt_names], anchors, False)
    people = [e for e in todo if e.kind == "person" and e.names]
    proposals += _name_proposals(wd, people, anchors, True)
    _mark_ambiguous(proposals)
    _labels(wd, proposals)
    return proposals


def auto_accept(p: Proposal) -> bool:
    """Whether ``--accept-identifiers`` may accept it unreviewed: a unique match by NIS code
    or enterprise number. Names, websites and anything ambiguous always wait for review."""
    return p.matched_by in IDENTIFIER_MATCHES and not p.ambiguous
