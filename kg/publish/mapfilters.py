"""Facet filters of the map and the network: values from the reader's URL resolved to
IRIs and checked, then applied in Python (they never enter a query).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from kg.errors import InvalidFilter
from kg.namespaces import (
    all_prefixes,
)

#: facet (URL parameter) -> (property relative to the prefixes, prefix of short values)
FACETS: dict[str, tuple[str, str]] = {
    "kind": ("rdf:type", "cci"),
    "sector": ("cci:sector", "sector"),
    "service": ("cci:offersService", "service"),
    "audience": ("cci:catersFor", "audience"),
    "municipality": ("cci:municipality", "mun"),
}
#: values a reader may give per facet, and characters a value may have at most
MAX_VALUES = 50
MAX_VALUE_LENGTH = 500

_SHORT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_PREFIXED = re.compile(r"([A-Za-z][A-Za-z0-9_\-]*):([A-Za-z0-9_][A-Za-z0-9_.\-/#]*)")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")


def expand(name: str, base: str) -> str:
    """``"cci:sector"`` -> its IRI under ``base``."""
    prefix, _, local = name.partition(":")
    return all_prefixes(base)[prefix] + local


def resolve(facet: str, value: str, base: str) -> str:
    """A facet value as the reader writes it -> the IRI it names.

    ``music`` (short: in the facet's own namespace), ``media:radio`` (a known prefix) or a
    full IRI are accepted; anything else is an ``InvalidFilter``."""
    value = value.strip()
    if not value:
        raise InvalidFilter(f"the `{facet}` filter is empty")
    if len(value) > MAX_VALUE_LENGTH:
        raise InvalidFilter(f"the `{facet}` filter is longer than {MAX_VALUE_LENGTH} characters")
    prefixes = all_prefixes(base)
    if _SHORT.fullmatch(value):
        return prefixes[FACETS[facet][1]] + value
    prefixed = _PREFIXED.fullmatch(value)
    if prefixed and prefixed.group(1) in prefixes:
        return prefixes[prefixed.group(1)] + prefixed.group(2)
    if _ABSOLUTE.fullmatch(value) and "://" in value:
        try:
            return NamedNode(value).value
        except ValueError:
            pass
    raise InvalidFilter(
        f"the `{facet}` filter {value[:80]!r} is not a short name, a prefixed name or an IRI"
    )


def short(facet: str, iri: str, base: str) -> str:
    """The shortest form of a facet value that ``resolve`` turns back into ``iri``."""
    prefixes = all_prefixes(base)
    own = prefixes[FACETS[facet][1]]
    if iri.startswith(own) and _SHORT.fullmatch(iri[len(own) :]):
        return iri[len(own) :]
    for name, namespace in prefixes.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and _PREFIXED.fullmatch(f"{name}:{local}"):
            return f"{name}:{local}"
    return iri


@dataclass(frozen=True)
class Filters:
    """Chosen values per facet (IRIs). Every value must hold, as in search (kg.publish.search): a
    URL's filters mean the same on /search, /map and /network."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.values.values())

    def get(self, facet: str) -> tuple[str, ...]:
        return self.values.get(facet, ())


def parse_filters(
    pairs: Iterable[tuple[str, str]], base: str, facets: Sequence[str] = tuple(FACETS)
) -> Filters:
    """URL parameters -> ``Filters``; other parameters are ignored, blank values skipped."""
    chosen: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        if name not in facets or not value.strip():
            continue
        iri = resolve(name, value, base)
        if iri not in chosen[name]:
            chosen[name].append(iri)
        if len(chosen[name]) > MAX_VALUES:
            raise InvalidFilter(f"the `{name}` filter takes at most {MAX_VALUES} values")
    return Filters({k: tuple(v) for k, v in chosen.items() if v})


#: The subjects that have one property value (both bound, hence projected).
MATCHING = "SELECT ?s ?p ?v WHERE { ?s ?p ?v }"


def passes(values: Mapping[str, set[str]], filters: Filters | None) -> bool:
    """Whether an entity with these facet values has every chosen value."""
    return not filters or all(
        set(chosen) <= values.get(facet, set()) for facet, chosen in filters.values.items()
    )
