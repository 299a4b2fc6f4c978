"""The same organisation on several maps: this map's organisations compared with a peer's,
by KBO/BCE number, Wikidata item, website, then name and place, each with a score.

Nothing is asserted here: pairs scoring at or above the threshold are written to a review
file (``data/federation/matches.ttl``) as ``cci:MatchProposal`` statements
(``rdf:subject`` ours, ``rdf:predicate owl:sameAs``, ``rdf:object`` theirs) with their
score, evidence and ``cci:reviewStatus "proposed"``. A person sets "accepted" or
"rejected"; a later run keeps every decision, and only accepted ones show on entity pages
("also on the … map")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from kg.federation.answers import PeerEntity
from kg.federation.registry import Peer
from kg.namespaces import CCI, RDF, WIKIDATA_ENTITY
from kg.publish.searchtext import fold
from kg.store import GraphStore
from kg.views.model import select_rows

#: score at or above which a pair is proposed
THRESHOLD = 0.75
#: what agreeing on each tells, alone
SCORES = {"enterprise number": 1.0, "Wikidata item": 0.95, "website": 0.9}
NAME_ALONE, NAME_AND_PLACE = 0.6, 0.85

OURS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX legal: <http://www.w3.org/ns/legal#>
SELECT ?o ?p ?v ?place WHERE {
  ?o a org:Organization .
  { ?o skos:prefLabel|skos:altLabel ?v BIND("name" AS ?p) }
  UNION { ?o ?placeName ?v FILTER(?placeName = ?place) BIND("place" AS ?p) }
  UNION { ?o foaf:homepage ?v BIND("website" AS ?p) }
  UNION { ?o owl:sameAs ?v BIND("same" AS ?p) }
  UNION { ?o legal:legalIdentifier/skos:notation ?v BIND("number" AS ?p) }
}
"""


@dataclass
class Profile:
    """What matching compares of one organisation, normalised."""

    iri: str
    names: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    websites: set[str] = field(default_factory=set)
    wikidata: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Match:
    ours: str
    theirs: str
    peer: str
    score: float
    evidence: tuple[str, ...]


def website(value: str) -> str:
    """``https://www.x.be/nl/`` and ``http://x.be/nl`` compare equal."""
    parts = urlsplit(value.strip().lower())
    host = parts.netloc.removeprefix("www.")
    return host + parts.path.rstrip("/")


def number(value: str) -> str:
    """An enterprise number's digits (``BE 0123.456.749`` -> ``0123456749``)."""
    digits = "".join(c for c in value if c.isdigit())
    return digits.zfill(10) if len(digits) == 9 else digits


def _profile(iri: str, names: Iterable[str], places: Iterable[str], websites: Iterable[str],
             same: Iterable[str], numbers: Iterable[str]) -> Profile:  # fmt: skip
    return Profile(
        iri,
        {fold(n).strip() for n in names if n.strip()},
        {fold(p).strip() for p in places if p.strip()},
        {website(w) for w in websites},
        {s for s in same if s.startswith(WIKIDATA_ENTITY)},
        {number(n) for n in numbers if number(n)},
    )


def our_profiles(store: GraphStore, base: str) -> list[Profile]:
    found: dict[str, dict[str, list[str]]] = {}
    subs = {"place": NamedNode(base + "ontology#placeName")}
    for row in select_rows(store, OURS, subs, base):
        found.setdefault(row["o"].value, {}).setdefault(row["p"].value, []).append(row["v"].value)
    return [
        _profile(
            iri,
            v.get("name", []),
            v.get("place", []),
            v.get("website", []),
            v.get("same", []),
            v.get("number", []),
        )
        for iri, v in sorted(found.items())
    ]


def their_profile(entity: PeerEntity) -> Profile:
    return _profile(entity.iri, entity.names.values(), entity.places, entity.websites,
                    entity.same_as, entity.numbers)  # fmt: skip


def score(ours: Profile, theirs: Profile) -> tuple[float, tuple[str, ...]]:
    """How sure the two are the same, and what agrees. An identifier that disagrees
    (both have one, none in common) rules the pair out whatever else agrees."""
    evidence = []
    for name, a, b in (
        ("enterprise number", ours.numbers, theirs.numbers),
        ("Wikidata item", ours.wikidata, theirs.wikidata),
    ):
        if a and b:
            if not a & b:
                return 0.0, ()
            evidence.append(name)
    if ours.websites & theirs.websites:
        evidence.append("website")
    best = max((SCORES[e] for e in evidence), default=0.0)
    if ours.names & theirs.names:
        if ours.places & theirs.places:
            evidence += ["name", "place"]
            best = max(best, NAME_AND_PLACE)
        elif ours.places and theirs.places:
            evidence.append("name (another place)")
            best = max(best, NAME_ALONE - 0.2)
        else:
            evidence.append("name")
            best = max(best, NAME_ALONE)
    if len(evidence) > 1 and best < 1.0:
        best = min(1.0, best + 0.05 * (len(evidence) - 1))  # agreeing on more is surer
    return round(best, 2), tuple(evidence)


def propose(
    ours: list[Profile], peer: Peer, entities: Iterable[PeerEntity], threshold: float = THRESHOLD
) -> list[Match]:
    """Pairs of ours and the peer's entities scoring at or above ``threshold``."""
    out = []
    for entity in entities:
        theirs = their_profile(entity)
        for mine in ours:
            if mine.iri == theirs.iri:
                continue  # the peer shows one of ours: nothing to match
            value, evidence = score(mine, theirs)
            if value >= threshold:
                out.append(Match(mine.iri, theirs.iri, peer.iri, value, evidence))
    return sorted(out, key=lambda m: (m.ours, -m.score, m.theirs))


def reviewed(path: Path) -> dict[tuple[str, str], tuple[Match, str]]:
    """The proposals already in the review file with their status, by (ours, theirs)."""
    if not path.is_file():
        return {}
    subjects: dict[str, dict[str, str]] = {}
    for quad in parse(path=path, format=RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
        subjects.setdefault(str(quad.subject), {})[quad.predicate.value] = quad.object.value
    out = {}
    for v in subjects.values():
        ours, theirs, status = (
            v.get(RDF + "subject"),
            v.get(RDF + "object"),
            v.get(CCI + "reviewStatus"),
        )
        if ours and theirs and status:
            evidence = tuple(e for e in v.get(CCI + "matchEvidence", "").split(", ") if e)
            match = Match(ours, theirs, v.get(CCI + "peerMap", ""),
                          float(v.get(CCI + "matchScore", "0")), evidence)  # fmt: skip
            out[(ours, theirs)] = (match, status)
    return out


HEADER = """# Matches across maps proposed for review (kg peers match). Nothing here is asserted:
# set cci:reviewStatus to "accepted" or "rejected"; a later run keeps every decision and
# proposes again only what is still undecided. Only accepted matches show on entity pages.
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix cci: <{cci}> .

"""


def write_review(path: Path, found: list[Match], peers: Iterable[str], when: str) -> int:
    """Write the review file: decisions kept, new proposals added as "proposed", an
    undecided proposal no longer found dropped. Returns how many are undecided."""
    kept = reviewed(path)
    entries = {k: (m, s) for k, (m, s) in kept.items() if s != "proposed"}
    for m in found:
        entries.setdefault((m.ours, m.theirs), (m, "proposed"))
    cited = sorted(set(peers) | {m.peer for m, _ in entries.values() if m.peer})
    lines = [HEADER.format(cci=CCI)]
    sources = " , ".join(str(NamedNode(p)) for p in cited) or "<>"
    lines.append(f"<> dct:source {sources} ;\n    dct:modified {Literal(when)}^^xsd:dateTime .\n")
    for (ours, theirs), (m, status) in sorted(entries.items()):
        lines.append(
            f"[] a cci:MatchProposal , rdf:Statement ;\n"
            f"    rdf:subject {NamedNode(ours)} ; rdf:predicate owl:sameAs ;\n"
            f"    rdf:object {NamedNode(theirs)} ;\n"
            f"    cci:peerMap {NamedNode(m.peer)} ;\n"
            f"    cci:matchScore {Decimal(str(m.score)):.2f} ;\n"
            f"    cci:matchEvidence {Literal(', '.join(m.evidence))} ;\n"
            f"    cci:reviewStatus {Literal(status)} .\n"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".ttl.partial")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return sum(1 for _, s in entries.values() if s == "proposed")


ACCEPTED = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?theirs ?peer ?title ?entity ?proposal ?peerMap ?status WHERE {
  ?m a ?proposal ; rdf:subject ?entity ; rdf:predicate owl:sameAs ; rdf:object ?theirs ;
     ?peerMap ?peer ; ?status "accepted" .
  OPTIONAL { ?peer dct:title ?title }
}
"""


@dataclass
class AlsoOn:
    """An accepted match: the same organisation on another map."""

    iri: str
    peer: str
    titles: dict[str, str] = field(default_factory=dict)


def also_on(store: GraphStore, base: str, iri: str) -> list[AlsoOn]:
    """The accepted matches of one entity (proposed or rejected ones are not shown)."""
    cci = base + "ontology#"
    subs = {
        "entity": NamedNode(iri),
        "proposal": NamedNode(cci + "MatchProposal"),
        "peerMap": NamedNode(cci + "peerMap"),
        "status": NamedNode(cci + "reviewStatus"),
    }
    found: dict[tuple[str, str], AlsoOn] = {}
    for row in select_rows(store, ACCEPTED, subs, base):
        key = (row["theirs"].value, row["peer"].value)
        item = found.setdefault(key, AlsoOn(*key))
        if isinstance(row["title"], Literal):
            item.titles.setdefault(row["title"].language or "", row["title"].value)
    return sorted(found.values(), key=lambda a: (a.peer, a.iri))
