"""The peer registry: the other regional maps ``data/peers.ttl`` describes, read from the
store being served, and which of them may be called.

The registry is curated data, validated like the rest (shapes/peer.ttl). A peer is
*callable* when it has an endpoint (``dcat:service`` / ``dcat:endpointURL``, http or
https) and a vocabulary profile with a mapping rule; the operator narrows the callable
ones further with ``KG_PEERS``. Only the endpoints of the peers this returns are ever
called: nothing a request sends names a URL."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from kg.labels import pick_with_language
from kg.namespaces import DCAT, DCT, VOID
from kg.settings import Settings
from kg.store import GraphStore
from kg.store.cache import StoreCache
from kg.views.model import select_rows

PEERS_QUERY = """
PREFIX cci: <{cci}>
PREFIX dct: <{dct}>
PREFIX dcat: <{dcat}>
PREFIX void: <{void}>
SELECT ?peer ?p ?value ?endpoint ?profile ?rule ?profileTitle ?vocabulary WHERE {{
  ?peer a cci:PeerMap .
  {{ ?peer ?p ?value . VALUES ?p {{ dct:title dct:description cci:placeName dct:source
                                    dct:publisher }} }}
  UNION {{ ?peer dcat:service/dcat:endpointURL ?endpoint }}
  UNION {{ ?peer cci:vocabularyProfile ?profile . OPTIONAL {{ ?profile cci:mappingRule ?rule }} }}
  UNION {{ ?peer cci:vocabularyProfile/dct:title ?profileTitle }}
  UNION {{ ?peer void:vocabulary ?vocabulary }}
}}
"""


@dataclass
class Peer:
    """One other map, as the registry describes it."""

    iri: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    publisher: str | None = None
    endpoint: str | None = None
    profile: str | None = None
    #: the profile's CONSTRUCT view (data/alignments/profiles.ttl)
    rule: str | None = None
    profile_titles: dict[str, str] = field(default_factory=dict)
    #: the ontology namespace of a peer built with this software, when not ours
    vocabulary: str | None = None

    @property
    def slug(self) -> str:
        return self.iri.rstrip("/").rsplit("/", 1)[-1]

    @property
    def callable(self) -> bool:
        """Whether it can be asked at all: an http(s) endpoint and a rule to read it with."""
        return bool(
            self.endpoint and self.endpoint.startswith(("http://", "https://")) and self.rule
        )

    def title(self, lang: str) -> str:
        picked = pick_with_language(self.titles, lang)
        return picked[0] if picked else self.slug

    def profile_title(self, lang: str) -> str | None:
        picked = pick_with_language(self.profile_titles, lang)
        return picked[0] if picked else None

    def place(self, lang: str) -> str | None:
        picked = pick_with_language(self.places, lang)
        return picked[0] if picked else None


def _text(peer: Peer, predicate: str, value: Literal) -> None:
    target = {"title": peer.titles, "description": peer.descriptions, "placeName": peer.places}
    key = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    if key in target:
        target[key].setdefault(value.language or "", value.value)


def read_peers(store: GraphStore, base: str) -> list[Peer]:
    """Every peer of the registry, by IRI (all of them: the /peers page lists those that
    cannot be asked too)."""
    text = PEERS_QUERY.format(cci=base + "ontology#", dct=DCT, dcat=DCAT, void=VOID)
    peers: dict[str, Peer] = {}
    for row in select_rows(store, text, None, base):
        iri = row["peer"].value
        peer = peers.setdefault(iri, Peer(iri))
        p, value = row["p"], row["value"]
        if isinstance(p, NamedNode) and isinstance(value, Literal):
            _text(peer, p.value, value)
        elif isinstance(p, NamedNode) and isinstance(value, NamedNode):
            if p.value == DCT + "source":
                peer.sources.append(value.value)
            else:
                peer.publisher = value.value
        title = row["profileTitle"]
        if isinstance(title, Literal):
            peer.profile_titles.setdefault(title.language or "", title.value)
        for name in ("endpoint", "profile", "rule", "vocabulary"):
            term = row[name]
            if term is not None:
                setattr(peer, name, term.value)
    for peer in peers.values():
        peer.sources.sort()
    return sorted(peers.values(), key=lambda p: p.iri)


def registry(store: GraphStore, base: str, cache: StoreCache) -> list[Peer]:
    """``read_peers``, kept with the store (the registry changes only with a build)."""
    return cache.get_or_compute(("federation", "peers"), lambda: read_peers(store, base))


def allowed(peers: list[Peer], settings: Settings) -> list[Peer]:
    """The peers that may be called: callable, and chosen by ``KG_PEERS`` ("all", the
    default; "none"; or peer IRIs or their last path segments, comma-separated)."""
    choice = settings.peers
    if "none" in choice:
        return []
    every = "all" in choice
    return [p for p in peers if p.callable and (every or p.iri in choice or p.slug in choice)]
