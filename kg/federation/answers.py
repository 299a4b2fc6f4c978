"""What a peer is sent and how its answer is read.

A peer is sent its profile's mapping rule (a CONSTRUCT view, data/alignments/profiles.ttl)
with the searched text bound as a literal; it answers N-Triples in this map's terms. The
answer is read here into ``PeerEntity`` values: kinds, sectors and services the peer names
with concepts of its own become ours through the SKOS mappings the store holds
(``alignments``). Anything that is not N-Triples, or is larger than allowed, is garbage:
the peer is named as having answered so, and nothing of it is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.federation.registry import Peer
from kg.namespaces import FOAF, LEGAL, ORG, OWL, RDF_TYPE, SKOS
from kg.store import GraphStore
from kg.views.model import select_rows

#: where the rule binds the searched text
Q_SLOT = "VALUES ?q { UNDEF }"

ALIGNMENTS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?ours ?theirs ?base WHERE {
  { ?ours skos:exactMatch|skos:closeMatch ?theirs } UNION
  { ?theirs skos:exactMatch|skos:closeMatch ?ours }
  FILTER(isIRI(?ours) && isIRI(?theirs) && STRSTARTS(STR(?ours), STR(?base))
         && !STRSTARTS(STR(?theirs), STR(?base)))
}
"""

KNOWN_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?concept WHERE { ?concept skos:inScheme ?scheme }
"""


class GarbageAnswer(ValueError):
    """The peer answered something that is not what it was asked for."""


@dataclass
class Alignments:
    """Concepts and classes of other vocabularies matched to ours (SKOS mappings), and
    our own concepts, so that a peer built with this software under another base finds
    its concepts mapped by their path."""

    base: str
    matches: dict[str, list[str]] = field(default_factory=dict)
    concepts: frozenset[str] = frozenset()

    def ours(self, iri: str, peer_base: str | None) -> list[str]:
        if iri.startswith(self.base):
            return [iri]
        if peer_base and iri.startswith(peer_base):
            same = self.base + iri[len(peer_base) :]
            if same in self.concepts or same.startswith(self.base + "ontology#"):
                return [same]
        return self.matches.get(iri, [])


def read_alignments(store: GraphStore, base: str) -> Alignments:
    matches: dict[str, list[str]] = {}
    for row in select_rows(store, ALIGNMENTS_QUERY, {"base": Literal(base)}, base):
        matches.setdefault(row["theirs"].value, []).append(row["ours"].value)
    for found in matches.values():
        # a sector before the ESSnet and media schemes it is also matched with
        found.sort(key=lambda iri: ("/concept/sector/" not in iri, iri))
    concepts = frozenset(
        row["concept"].value for row in select_rows(store, KNOWN_QUERY, None, base)
    )
    return Alignments(base, matches, concepts)


@dataclass
class PeerEntity:
    """An organisation as a peer describes it, in this map's terms."""

    iri: str
    names: dict[str, str] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    same_as: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "names": self.names,
            "kinds": self.kinds,
            "places": self.places,
            "sectors": self.sectors,
            "services": self.services,
            "websites": self.websites,
            "same_as": self.same_as,
            "enterprise_numbers": self.numbers,
        }


def peer_base(peer: Peer) -> str | None:
    """The base of a peer built with this software (its ontology is ``{base}ontology#``)."""
    if peer.vocabulary and peer.vocabulary.endswith("ontology#"):
        return peer.vocabulary[: -len("ontology#")]
    return None


def request_text(peer: Peer, q: str | None, base: str) -> str:
    """The peer's rule, for its vocabulary, with ``q`` bound (every organisation when
    None). The text is a literal serialised by pyoxigraph (escaped), put where the rule
    says; the namespace a NamedNode (checked)."""
    if peer.rule is None:
        raise ValueError(f"{peer.iri} has no mapping rule")
    text = peer.rule
    theirs = peer_base(peer)
    if theirs and theirs != base:
        ours = f"PREFIX cci: <{base}ontology#>"
        text = text.replace(ours, f"PREFIX cci: <{NamedNode(theirs + 'ontology#').value}>", 1)
    if q is not None:
        text = text.replace(Q_SLOT, "VALUES ?q { " + str(Literal(q)) + " }", 1)
    return text


def _add(entity: PeerEntity, predicate: str, obj: object, notations: Mapping[str, str]) -> None:
    if predicate == SKOS + "prefLabel" and isinstance(obj, Literal):
        entity.names.setdefault(obj.language or "", obj.value)
    elif isinstance(obj, Literal) and predicate.endswith("#placeName"):
        if obj.value not in entity.places:
            entity.places.append(obj.value)
    elif predicate == FOAF + "homepage" and isinstance(obj, NamedNode):
        entity.websites.append(obj.value)
    elif predicate == OWL + "sameAs" and isinstance(obj, NamedNode):
        entity.same_as.append(obj.value)
    elif predicate == LEGAL + "legalIdentifier" and str(obj) in notations:
        entity.numbers.append(notations[str(obj)])


def _concepts(found: dict[str, list[str]], predicate: str, iri: str) -> None:
    for suffix, key in (("#sector", "sectors"), ("#offersService", "services")):
        if predicate.endswith(suffix):
            found.setdefault(key, []).append(iri)
    if predicate == RDF_TYPE:
        found.setdefault("kinds", []).append(iri)


def read_answer(
    body: bytes, peer: Peer, alignments: Alignments, *, limit: int = 5000
) -> list[PeerEntity]:
    """The organisations of a peer's N-Triples answer, kinds and concepts mapped to ours
    (an unmapped kind is dropped, an unmapped sector or service kept as the peer's IRI)."""
    try:
        triples = [
            t.triple if hasattr(t, "triple") else t for t in parse(body, RdfFormat.N_TRIPLES)
        ]
    except (SyntaxError, ValueError) as err:
        raise GarbageAnswer(f"the answer is not N-Triples ({err})") from None
    notations = {
        str(t.subject): t.object.value
        for t in triples
        if t.predicate.value == SKOS + "notation" and isinstance(t.object, Literal)
    }
    entities: dict[str, PeerEntity] = {}
    concepts: dict[str, dict[str, list[str]]] = {}
    theirs = peer_base(peer)
    organisation = NamedNode(ORG + "Organization")
    for t in triples:
        if not isinstance(t.subject, NamedNode):
            continue
        subject, predicate = t.subject.value, t.predicate.value
        if theirs and predicate.startswith(theirs + "ontology#"):
            predicate = alignments.base + predicate[len(theirs) :]
        if predicate == RDF_TYPE and t.object == organisation:
            entities.setdefault(subject, PeerEntity(subject))
            continue
        entity = entities.setdefault(subject, PeerEntity(subject))
        if isinstance(t.object, NamedNode) and predicate.endswith(
            ("#sector", "#offersService", RDF_TYPE)
        ):
            _concepts(concepts.setdefault(subject, {}), predicate, t.object.value)
        else:
            _add(entity, predicate, t.object, notations)
    out = []
    for iri, entity in entities.items():
        if not entity.names:
            continue  # not an organisation the rule describes (a stray subject)
        found = concepts.get(iri, {})
        for kind in found.get("kinds", []):
            entity.kinds += [k for k in alignments.ours(kind, theirs) if k not in entity.kinds]
        for key in ("sectors", "services"):
            values: list[str] = getattr(entity, key)
            for iri_ in found.get(key, []):
                mapped = alignments.ours(iri_, theirs) or [iri_]
                values += [m for m in mapped[:1] if m not in values]
        out.append(entity)
        if len(out) >= limit:
            break
    return sorted(out, key=lambda e: e.iri)
