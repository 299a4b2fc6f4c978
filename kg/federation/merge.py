"""Results from several maps in one list: ranked by how well the name matches (exact name,
then name prefix, then a word of the name, then the rest, as the local search ranks), this
map's results before the peers' at the same rank, each saying which map it is from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kg.federation.answers import PeerEntity
from kg.federation.client import Outcome
from kg.federation.registry import Peer
from kg.labels import pick_with_language
from kg.publish.search import Hit
from kg.publish.searchtext import fold, tokens


@dataclass
class MergedHit:
    iri: str
    label: str
    label_lang: str
    #: the kind's IRI in this map's ontology ("" when the peer's kind is not matched)
    kind: str
    #: the kind in words, for this map's hits (peers' kinds are labelled by the page)
    kind_label: str
    tier: int
    #: None for this map's own results
    peer: Peer | None = None
    place: str | None = None
    stale: bool = False

    def to_json(self, lang: str) -> dict[str, object]:
        return {
            "iri": self.iri,
            "label": self.label,
            "label_lang": self.label_lang,
            "kind_iri": self.kind or None,
            "place": self.place,
            "map": self.peer.iri if self.peer else None,
            "map_title": self.peer.title(lang) if self.peer else None,
            "stale": self.stale,
        }


def name_tier(name: str, q: str) -> int:
    """0 exact name, 1 name prefix, 2 every word of q starts a word of the name, 3 else."""
    folded, wanted = fold(name).strip(), fold(q).strip()
    if not wanted:
        return 3
    if folded == wanted:
        return 0
    if folded.startswith(wanted):
        return 1
    words = tokens(name)
    if all(any(w.startswith(t) for w in words) for t in tokens(q)):
        return 2
    return 3


def _peer_hit(entity: PeerEntity, outcome: Outcome, q: str, lang: str) -> MergedHit:
    picked = pick_with_language(entity.names, lang) or (entity.iri, "")
    tier = min(name_tier(name, q) for name in entity.names.values())
    return MergedHit(
        entity.iri,
        picked[0],
        picked[1],
        entity.kinds[0] if entity.kinds else "",
        "",
        tier,
        outcome.peer,
        entity.places[0] if entity.places else None,
        outcome.stale,
    )


def merge(
    local: Sequence[Hit], outcomes: Sequence[Outcome], q: str, lang: str, limit: int = 50
) -> list[MergedHit]:
    """This map's hits and every answering peer's, in one ranked list (``limit`` long)."""
    merged = [
        (h.tier, 0, n, MergedHit(h.iri, h.label, h.label_lang, h.kind, h.kind_label, h.tier))
        for n, h in enumerate(local)
    ]
    for rank, outcome in enumerate(outcomes, start=1):
        hits = [_peer_hit(e, outcome, q, lang) for e in outcome.entities]
        hits.sort(key=lambda h: (h.tier, fold(h.label)))
        merged += [(h.tier, rank, n, h) for n, h in enumerate(hits)]
    merged.sort(key=lambda item: (item[0], item[2], item[1]))
    return [item[3] for item in merged[:limit]]
