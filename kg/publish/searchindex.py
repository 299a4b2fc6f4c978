"""Building the full-text index: a side index in SQLite FTS5, rebuilt from the store by
every build.

Oxigraph has no text index (``CONTAINS``/``REGEX`` scan every literal), so a derived step
(``build_index``) reads the searchable entities from the validated store with a few bulk
queries and writes ``search.sqlite`` into the build directory, next to the store it was
made from; the server opens the file of the store it serves, read-only. See docs/search.md.

What is indexed: organisations (every kind), people, programmes, projects, events and
missions, publications, municipalities, culture places and SKOS concepts; their names
(``skos:prefLabel``, ``foaf:name``, ``schema:name``, ``dct:title``), alternative names
(``skos:altLabel``, ``legal:legalName``, ``schema:alternateName``) and descriptions
(``dct:description``, ``skos:definition``) in every language; their kinds, sectors,
services, audiences and municipality as facets.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, QuerySolutions

from kg.labels import languages, pick
from kg.namespaces import FOAF, ORG, SKOS_CONCEPT, all_prefixes
from kg.publish.searchfuzzy import write_vocabulary
from kg.publish.searchtext import normalise
from kg.settings import Settings, link_target
from kg.store import GraphStore

#: Reading the store takes three bulk queries, never one per entity.
INDEX_FILE = "search.sqlite"
#: bumped when the file layout changes; the server refuses a file of another version
#: (2: the vocabulary and its trigrams, kg.publish.searchfuzzy)
FORMAT = "2"
#: BM25 weights of the FTS columns: names, alternative names, descriptions
WEIGHTS = (10.0, 4.0, 1.0)


#: Labels of the reused root classes, which the project's ontology does not label.
BUILTIN_LABELS: dict[str, dict[str, str]] = {
    ORG + "Organization": {"fr": "organisation", "nl": "organisatie", "en": "organisation"},
    FOAF + "Person": {"fr": "personne", "nl": "persoon", "en": "person"},
    SKOS_CONCEPT: {"fr": "concept", "nl": "begrip", "en": "concept"},
}


#: The searchable entities and their classes (kinds of organisation and of event are the
#: subclasses of org:Organization and cci:Event in the ontology).
ENTITY_TYPES = """
SELECT ?e ?type WHERE {
  {
    VALUES ?type { org:Organization foaf:Person cci:Programme cci:Project cci:Event
                   cci:Publication cci:Municipality cci:CulturalPlace skos:Concept }
    ?e a ?type .
  } UNION {
    VALUES ?root { org:Organization cci:Event }
    ?type rdfs:subClassOf+ ?root .
    ?e a ?type .
  }
  FILTER(isIRI(?e))
}"""

#: Every name, alternative name and description in the store (also those of classes and
#: concept schemes, which label the kinds).
TEXTS = """
SELECT ?e ?p ?text WHERE {
  VALUES ?p { skos:prefLabel foaf:name schema:name dct:title rdfs:label
              skos:altLabel legal:legalName schema:alternateName
              dct:description skos:definition }
  ?e ?p ?text .
  FILTER(isIRI(?e) && isLiteral(?text))
}"""

#: Facet values: sector, service, audience, municipality (direct or through the address),
#: and the scheme of a concept (its kind).
FACET_VALUES = """
SELECT ?e ?facet ?v WHERE {
  {
    VALUES (?p ?facet) { (cci:sector "sector") (cci:offersService "service")
                         (cci:catersFor "audience") (cci:municipality "municipality")
                         (skos:inScheme "scheme") }
    ?e ?p ?v .
  } UNION {
    ?e locn:address ?address .
    ?address cci:municipality ?v .
    BIND("municipality" AS ?facet)
  }
  FILTER(isIRI(?e) && isIRI(?v))
}"""

#: by priority: the first one present in a language is the label shown
NAME_PROPERTIES = ("skos:prefLabel", "foaf:name", "schema:name", "dct:title", "rdfs:label")
ALT_PROPERTIES = ("skos:altLabel", "legal:legalName", "schema:alternateName")
DESCRIPTION_PROPERTIES = ("dct:description", "skos:definition")

#: the kind shown when an entity has no more specific one, by priority
ROOT_KINDS = (
    "cci:Municipality",
    "cci:CulturalPlace",
    "foaf:Person",
    "cci:Programme",
    "cci:Project",
    "cci:Event",
    "cci:Publication",
    "org:Organization",
    "skos:Concept",
)


@dataclass
class _Entity:
    iri: str
    types: set[str] = field(default_factory=set)
    schemes: set[str] = field(default_factory=set)
    facets: set[tuple[str, str]] = field(default_factory=set)
    names: set[tuple[int, str, str]] = field(default_factory=set)  # (priority, lang, text)
    alt: set[tuple[str, str]] = field(default_factory=set)
    descriptions: set[tuple[str, str]] = field(default_factory=set)
    kind: str = ""


def _rows(store: GraphStore, sparql: str, prefixes: Mapping[str, str]) -> QuerySolutions:
    rows = store.query(sparql, prefixes=prefixes)
    assert isinstance(rows, QuerySolutions)
    return rows


def _expand(names: Iterable[str], prefixes: Mapping[str, str]) -> list[str]:
    out = []
    for name in names:
        prefix, _, local = name.partition(":")
        out.append(prefixes[prefix] + local)
    return out


def _first_by_language(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{language: text} from (language, text) pairs in order, the first text per language."""
    out: dict[str, str] = {}
    for lang, text in pairs:
        out.setdefault(lang, text)
    return out


def collect(store: GraphStore, base: str) -> tuple[list[_Entity], dict[str, dict[str, str]]]:
    """The searchable entities, and the labels of their kinds and facet values."""
    prefixes = all_prefixes(base)
    entities: dict[str, _Entity] = {}
    for row in _rows(store, ENTITY_TYPES, prefixes):
        iri = row["e"].value
        entities.setdefault(iri, _Entity(iri)).types.add(row["type"].value)

    for row in _rows(store, FACET_VALUES, prefixes):
        entity = entities.get(row["e"].value)
        if entity is None:
            continue
        facet, value = row["facet"].value, row["v"].value
        if facet == "scheme":
            entity.schemes.add(value)
        else:
            entity.facets.add((facet, value))

    name_props = {p: i for i, p in enumerate(_expand(NAME_PROPERTIES, prefixes))}
    alt_props = set(_expand(ALT_PROPERTIES, prefixes))
    desc_props = set(_expand(DESCRIPTION_PROPERTIES, prefixes))
    term_names: dict[str, set[tuple[int, str, str]]] = defaultdict(set)
    for row in _rows(store, TEXTS, prefixes):
        iri, prop, literal = row["e"].value, row["p"].value, row["text"]
        assert isinstance(literal, Literal)
        text = " ".join(literal.value.split())
        if not text:
            continue
        lang = literal.language or ""
        entity = entities.get(iri)
        if prop in name_props:
            if entity is not None:
                entity.names.add((name_props[prop], lang, text))
            term_names[iri].add((name_props[prop], lang, text))
        elif entity is None:
            continue
        elif prop in alt_props:
            entity.alt.add((lang, text))
        elif prop in desc_props:
            entity.descriptions.add((lang, text))

    roots = _expand(ROOT_KINDS, prefixes)
    wanted: set[str] = set()
    for entity in entities.values():
        entity.kind = _primary_kind(entity, roots)
        entity.facets |= {("kind", kind) for kind in _kinds(entity)}
        wanted |= {value for _, value in entity.facets}
    labels: dict[str, dict[str, str]] = {}
    for iri in wanted:
        found = _first_by_language((lang, text) for _, lang, text in sorted(term_names[iri]))
        labels[iri] = found or BUILTIN_LABELS.get(iri, {})
    return sorted(entities.values(), key=lambda e: e.iri), labels


def _kinds(entity: _Entity) -> set[str]:
    """The kind facet values: the entity's classes, a concept's scheme for skos:Concept."""
    kinds = set(entity.types)
    if entity.schemes and SKOS_CONCEPT in kinds:
        kinds.discard(SKOS_CONCEPT)
        kinds |= entity.schemes
    return kinds


def _primary_kind(entity: _Entity, roots: Sequence[str]) -> str:
    """The kind shown beside a result: the most specific class (a kind of organisation,
    a mission), a concept's scheme, else the first root class it has."""
    specific = sorted(t for t in entity.types if t not in roots)
    if specific:
        return specific[0]
    if SKOS_CONCEPT in entity.types and entity.schemes:
        return sorted(entity.schemes)[0]
    return next((r for r in roots if r in entity.types), sorted(entity.types)[0])


SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entity(
  id INTEGER PRIMARY KEY,
  iri TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  labels TEXT NOT NULL,        -- JSON {language: label}, "" for no language
  descriptions TEXT NOT NULL,  -- JSON {language: description}
  sort_fr TEXT NOT NULL, sort_nl TEXT NOT NULL, sort_en TEXT NOT NULL
);
-- every name and alternative name, folded, for exact and prefix matches
CREATE TABLE name(
  entity INTEGER NOT NULL, norm TEXT NOT NULL, text TEXT NOT NULL,
  lang TEXT NOT NULL, alt INTEGER NOT NULL
);
CREATE VIRTUAL TABLE fts USING fts5(
  names, alt, descriptions,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
-- facet values (and kinds) with their labels, and the entities that have each
CREATE TABLE term(
  id INTEGER PRIMARY KEY, facet TEXT NOT NULL, iri TEXT NOT NULL, labels TEXT NOT NULL,
  entities BLOB NOT NULL,  -- bit set of the entity ids (little-endian), to count facets
  UNIQUE (facet, iri)
);
CREATE TABLE facet(
  term INTEGER NOT NULL, entity INTEGER NOT NULL, PRIMARY KEY (term, entity)
) WITHOUT ROWID;
"""
INDEXES = f"""
CREATE INDEX name_norm ON name(norm, entity);
INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({", ".join(map(str, WEIGHTS))})');
INSERT INTO fts(fts) VALUES ('optimize');
ANALYZE;
"""


def write_index(
    entities: Sequence[_Entity], labels: Mapping[str, Mapping[str, str]], path: Path
) -> None:
    """Write the index file (under a temporary name, renamed when complete)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    terms = sorted({pair for entity in entities for pair in entity.facets})
    term_ids = {pair: i for i, pair in enumerate(terms, start=1)}
    conn = sqlite3.connect(partial, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(SCHEMA)
        conn.execute("BEGIN")
        rows = [_rows_of(i, entity, term_ids) for i, entity in enumerate(entities, start=1)]
        members: dict[int, list[int]] = defaultdict(list)
        for r in rows:
            for term, entity_id in r[3]:
                members[term].append(entity_id)
        conn.executemany(
            "INSERT INTO term(id, facet, iri, labels, entities) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    term_ids[(facet, iri)],
                    facet,
                    iri,
                    _json(labels.get(iri, {})),
                    bitset(members[term_ids[(facet, iri)]]),
                )
                for facet, iri in terms
            ],
        )
        conn.executemany(
            "INSERT INTO entity(id, iri, kind, labels, descriptions, sort_fr, sort_nl, sort_en)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (r[0] for r in rows),
        )
        conn.executemany(
            "INSERT INTO name(entity, norm, text, lang, alt) VALUES (?, ?, ?, ?, ?)",
            (name for r in rows for name in r[1]),
        )
        conn.executemany(
            "INSERT INTO fts(rowid, names, alt, descriptions) VALUES (?, ?, ?, ?)",
            (r[2] for r in rows),
        )
        conn.executemany(
            "INSERT INTO facet(term, entity) VALUES (?, ?)",
            sorted(pair for r in rows for pair in r[3]),
        )
        conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [("format", FORMAT), ("entities", str(len(entities)))],
        )
        conn.execute("COMMIT")
        write_vocabulary(conn)  # the terms of fts and their trigrams, for typos
        conn.executescript(INDEXES)
    finally:
        conn.close()
    os.replace(partial, path)


def bitset(ids: Iterable[int]) -> bytes:
    """The set of ``ids`` as bits (bit i of byte i // 8 for id i), for fast counting."""
    bits = bytearray()
    for i in ids:
        byte = i >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits)))
        bits[byte] |= 1 << (i & 7)
    return bytes(bits)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rows_of(
    entity_id: int, entity: _Entity, term_ids: Mapping[tuple[str, str], int]
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], tuple[Any, ...], list[tuple[int, int]]]:
    """The rows of one entity: entity, names, full text, facets."""
    names = sorted(entity.names)
    alt = sorted(entity.alt)
    descriptions = sorted(entity.descriptions)
    labels = _first_by_language((lang, text) for _, lang, text in names)
    norms = {text: normalise(text) for text in {t for _, _, t in names} | {t for _, t in alt}}
    sort = {lang: norms.get(pick(labels, lang) or "", entity.iri) for lang in languages()}
    row = (
        entity_id,
        entity.iri,
        entity.kind,
        _json(labels),
        _json(_first_by_language(descriptions)),
        sort["fr"],
        sort["nl"],
        sort["en"],
    )
    seen: set[str] = set()
    name_rows = []
    for is_alt, lang, text in [(0, lang, text) for _, lang, text in names] + [
        (1, lang, text) for lang, text in alt
    ]:
        norm = norms[text]
        if norm and norm not in seen:
            seen.add(norm)
            name_rows.append((entity_id, norm, text, lang, is_alt))
    text_row = (
        entity_id,
        "\n".join(dict.fromkeys(text for _, _, text in names)),
        "\n".join(dict.fromkeys(text for _, text in alt)),
        "\n".join(dict.fromkeys(text for _, text in descriptions)),
    )
    facet_rows = [(term_ids[pair], entity_id) for pair in entity.facets]
    return row, name_rows, text_row, facet_rows


def build_index(settings: Settings, store: GraphStore, build_dir: Path) -> None:
    """The derived build step (kg.publish.derived): ``build_dir/search.sqlite`` from the store."""
    entities, labels = collect(store, settings.base)
    write_index(entities, labels, build_dir / INDEX_FILE)


def index_path_for(store_path: Path) -> Path:
    """The index of the store a ``var/store`` symlink points at (read again each call, so
    that a swapped-in build is picked up)."""
    return link_target(store_path).parent / INDEX_FILE
