"""Full-text search: a side index in SQLite FTS5, rebuilt from the store by every build.

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

Matching ignores case and accents (FTS5 ``unicode61 remove_diacritics 2`` for words, the
same folding in Python for whole names). Ranking: a name equal to the query, then a name
starting with it, then entities holding every word (each word also as a prefix), by BM25
with names weighted over alternative names over descriptions.

User text never reaches SQL or SPARQL as text: it is cut into word tokens, each token is
quoted for FTS5 by this module (so ``NEAR(``, ``"``, ``*``, ``-``, ``:`` are inert), and
every value is a bound parameter.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, QuerySolutions

from kg.errors import StoreError
from kg.labels import LANGUAGES, pick, pick_with_language
from kg.namespaces import FOAF, ORG, SKOS_CONCEPT, all_prefixes
from kg.settings import Settings, link_target
from kg.store import GraphStore

INDEX_FILE = "search.sqlite"
#: bumped when the file layout changes; the server refuses a file of another version
FORMAT = "1"
FACETS = ("kind", "sector", "service", "audience", "municipality")
#: longer queries are cut (nobody types more; it bounds the work a request can cause)
MAX_QUERY_CHARS = 200
MAX_TOKENS = 12
#: selected values per facet taken into account
MAX_FACET_VALUES = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
#: BM25 weights of the FTS columns: names, alternative names, descriptions
WEIGHTS = (10.0, 4.0, 1.0)


#: Labels of the reused root classes, which the project's ontology does not label.
BUILTIN_LABELS: dict[str, dict[str, str]] = {
    ORG + "Organization": {"fr": "organisation", "nl": "organisatie", "en": "organisation"},
    FOAF + "Person": {"fr": "personne", "nl": "persoon", "en": "person"},
    SKOS_CONCEPT: {"fr": "concept", "nl": "begrip", "en": "concept"},
}

# ---------------------------------------------------------------------------------------
# Reading the store: three bulk queries, never one per entity
# ---------------------------------------------------------------------------------------

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

# ---------------------------------------------------------------------------------------
# Text folding: the same as FTS5 unicode61 with remove_diacritics 2, in Python
# ---------------------------------------------------------------------------------------

#: a word: letters and digits (unicode61 treats everything else as a separator)
WORD = re.compile(r"[^\W_]+")


#: the blocks of combining diacritical marks (what accents become once decomposed)
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower case, accents removed: ``fold("Théâtre")`` -> "theatre"."""
    if text.isascii():
        return text.lower()
    return _DIACRITICS.sub("", unicodedata.normalize("NFKD", text)).lower()


def tokens(text: str) -> list[str]:
    """The words of ``text``, folded: ``tokens("Théâtre-Poème!")`` -> ["theatre", "poeme"]."""
    return WORD.findall(fold(text))


def normalise(text: str) -> str:
    """A name for exact and prefix comparison: its folded words joined by one space."""
    return " ".join(tokens(text))


def fts_query(words: Sequence[str], columns: Sequence[str] = ()) -> str:
    """An FTS5 MATCH expression that finds every word as a word prefix. Each word is a
    quoted string (inner quotes doubled), so FTS5 operators in user text are inert."""
    quoted = " ".join('"' + w.replace('"', '""') + '"*' for w in words)
    if columns:
        return "{" + " ".join(columns) + "} : (" + quoted + ")"
    return quoted


# ---------------------------------------------------------------------------------------
# Building the index
# ---------------------------------------------------------------------------------------


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
    sort = {lang: norms.get(pick(labels, lang) or "", entity.iri) for lang in LANGUAGES}
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
    """The derived build step (kg.derived): ``build_dir/search.sqlite`` from the store."""
    entities, labels = collect(store, settings.base)
    write_index(entities, labels, build_dir / INDEX_FILE)


# ---------------------------------------------------------------------------------------
# Querying the index
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    label_lang: str  # the language of the label shown ("" when untagged)
    kind: str  # class or concept-scheme IRI
    kind_label: str
    #: the description in the reader's language, cut around the first match, as
    #: (text, is a matched word) segments
    snippet: tuple[tuple[str, bool], ...]
    snippet_lang: str
    tier: int  # 0 exact name, 1 name prefix, 2 words
    score: float

    @property
    def description(self) -> str:
        return "".join(text for text, _ in self.snippet)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchResult:
    query: str  # as used: trimmed to MAX_QUERY_CHARS
    lang: str
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    selected: dict[str, list[str]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "lang": self.lang,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "results": [
                {
                    "iri": h.iri,
                    "label": h.label,
                    "label_lang": h.label_lang,
                    "kind": {"iri": h.kind, "label": h.kind_label},
                    "description": h.description,
                    "match": ("exact", "prefix", "words")[h.tier],
                }
                for h in self.hits
            ],
            "facets": {
                name: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in values
                ]
                for name, values in self.facets.items()
            },
        }


@dataclass(frozen=True)
class Suggestion:
    iri: str
    label: str
    label_lang: str
    kind: str
    kind_label: str
    #: the name that matched, when it is not the label shown (another language, an
    #: alternative name): "Schaarbeek" for the label "Schaerbeek"
    matched: str | None


class _Index:
    """One index file: the facet values (with labels and entity bit sets), and one
    read-only connection per thread (a sqlite3 connection, and its temporary table of
    results, are not shared between threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self.term_ids: dict[tuple[str, str], int] = {}
        self.terms: dict[int, tuple[str, str]] = {}
        self.members: dict[int, int] = {}
        self.labels: dict[str, dict[str, str]] = {}
        conn = self.connection()
        try:
            version = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if version is None or version[0] != FORMAT:
                raise sqlite3.DatabaseError(f"format {version and version[0]}, not {FORMAT}")
            for term, facet, iri, labels, entities in conn.execute(
                "SELECT id, facet, iri, labels, entities FROM term"
            ):
                self.term_ids[(facet, iri)] = term
                self.terms[term] = (facet, iri)
                self.members[term] = int.from_bytes(entities, "little")
                self.labels[iri] = json.loads(labels)
        except sqlite3.Error as err:
            raise StoreError(
                f"the search index {path} cannot be read ({err}): run `kg build`"
            ) from None
        self.everything: dict[int, int] = {t: m.bit_count() for t, m in self.members.items()}

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # immutable: a build never rewrites an index file in place (each build writes
            # a new directory), so SQLite may skip locking and change detection
            uri = self.path.resolve().as_uri() + "?mode=ro&immutable=1"
            try:
                conn = sqlite3.connect(uri, uri=True, isolation_level=None)
                conn.execute(
                    "CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY, tier INTEGER, score REAL)"
                )
            except sqlite3.Error as err:
                raise StoreError(f"cannot open the search index {self.path}: {err}") from None
            self._local.conn = conn
        return conn

    def label(self, iri: str, lang: str) -> str:
        return pick(self.labels.get(iri) or BUILTIN_LABELS.get(iri, {}), lang) or _local_name(iri)

    def counts(self, ids: Iterable[int]) -> dict[int, int]:
        """How many of ``ids`` each facet value has (values none of them has left out)."""
        hits = int.from_bytes(bitset(ids), "little")
        counts = {term: (members & hits).bit_count() for term, members in self.members.items()}
        return {term: n for term, n in counts.items() if n}


_indexes: dict[tuple[str, int, int], _Index] = {}
_indexes_lock = threading.Lock()


def _open(index_path: Path) -> _Index:
    """The index at ``index_path``, opened once per file version (a rebuilt file is a new
    index; the few most recent stay open)."""
    try:
        stat = index_path.stat()
    except OSError:
        raise StoreError(
            f"no search index at {index_path}: run `kg build` (it writes the index)"
        ) from None
    key = (str(index_path), stat.st_ino, stat.st_mtime_ns)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _Index(index_path)
            # forget indexes of builds since removed (their connections close with them)
            for gone in [k for k in _indexes if not os.path.exists(k[0])]:
                del _indexes[gone]
            _indexes[key] = index
            while len(_indexes) > 4:
                del _indexes[next(iter(_indexes))]
        return index


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else LANGUAGES[0]


def clean_facets(facets: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Known facets only, each value once, at most MAX_FACET_VALUES per facet."""
    out: dict[str, list[str]] = {}
    for name in FACETS:
        values = [v for v in (facets or {}).get(name, ()) if isinstance(v, str) and v]
        values = list(dict.fromkeys(v[:2000] for v in values))[:MAX_FACET_VALUES]
        if values:
            out[name] = values
    return out


#: upper bound of every string starting with a given prefix (in UTF-8 byte order)
_AFTER = "\U0010ffff"

FILL_MATCHES = """
INSERT INTO temp.hits(id, tier, score)
SELECT fts.rowid,
       CASE WHEN fts.rowid IN (SELECT entity FROM name WHERE norm = :norm) THEN 0
            WHEN fts.rowid IN (SELECT entity FROM name WHERE norm > :norm AND norm < :upper)
            THEN 1
            ELSE 2 END,
       fts.rank
FROM fts WHERE fts MATCH :match"""
FILL_ALL = "INSERT INTO temp.hits(id, tier, score) SELECT id, 2, 0.0 FROM entity"
NARROW_MANY = "DELETE FROM temp.hits WHERE id NOT IN (SELECT entity FROM facet WHERE term = ?)"
NARROW_FEW = """
DELETE FROM temp.hits
WHERE NOT EXISTS (SELECT 1 FROM facet WHERE term = ? AND entity = temp.hits.id)"""
PAGE = """
SELECT e.iri, e.kind, e.labels, e.descriptions, h.tier, h.score
FROM temp.hits AS h CROSS JOIN entity AS e ON e.id = h.id
ORDER BY h.tier, h.score, e.sort_{lang}, e.iri
LIMIT :limit OFFSET :offset"""


def _int(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return default
    return max(low, min(high, number))


def search(
    index_path: Path,
    q: str,
    lang: str | None,
    facets: Mapping[str, Sequence[str]] | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchResult:
    """Entities matching every word of ``q`` (all entities when ``q`` is empty), within
    the selected facet values (every one must hold; a value the index does not know,
    which no entity has, leaves no result), ranked exact name > name prefix > words, then
    BM25; with the facet counts of the whole result set."""
    index = _open(index_path)
    conn = index.connection()
    lang = _language(lang)
    q = (q or "")[:MAX_QUERY_CHARS]
    words = tokens(q)[:MAX_TOKENS]
    selected = clean_facets(facets)
    per_page = _int(per_page, 20, 1, MAX_PER_PAGE)
    page = _int(page, 1, 1, MAX_PAGE)

    conn.execute("DELETE FROM temp.hits")
    if words:
        norm = " ".join(words)
        text = {"norm": norm, "upper": norm + _AFTER, "match": fts_query(words)}
        conn.execute(FILL_MATCHES, text)
    elif not q.strip():  # no query: browse everything (within the facets)
        conn.execute(FILL_ALL)
    # else: text without a single word (only punctuation) finds nothing
    total = conn.execute("SELECT COUNT(*) FROM temp.hits").fetchone()[0]
    # then the facets, one value at a time (inside the FTS query, SQLite would evaluate
    # the MATCH once per entity that has the value): few hits are looked up one by one,
    # many are checked against the list of the value's entities
    for name, values in selected.items():
        for value in values:
            term = index.term_ids.get((name, value))
            if term is None:  # a value no entity has: nothing holds it
                conn.execute("DELETE FROM temp.hits")
                total = 0
                continue
            few = total * 3 < index.everything[term]
            conn.execute(NARROW_FEW if few else NARROW_MANY, (term,))
            total = conn.execute("SELECT COUNT(*) FROM temp.hits").fetchone()[0]
    page = min(page, max(1, -(-total // per_page)))
    rows = conn.execute(
        PAGE.format(lang=lang), {"limit": per_page, "offset": (page - 1) * per_page}
    ).fetchall()
    hits = [_hit(index, row, lang, words) for row in rows]

    if not q.strip() and not selected:
        counts = index.everything
    else:
        counts = index.counts(row[0] for row in conn.execute("SELECT id FROM temp.hits"))
    conn.execute("DELETE FROM temp.hits")
    return SearchResult(
        query=q,
        lang=lang,
        total=total,
        page=page,
        per_page=per_page,
        hits=hits,
        facets=_facets(index, counts, selected, lang),
        selected=selected,
    )


def _facets(
    index: _Index, counts: Mapping[int, int], selected: Mapping[str, Sequence[str]], lang: str
) -> dict[str, list[FacetValue]]:
    """Per facet: the values present in the results (most frequent first), and the
    selected ones even when nothing has them, so that they can be unselected."""
    found: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for term, count in counts.items():
        facet, iri = index.terms[term]
        found[facet][iri] = count
    out: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        chosen = set(selected.get(name, ()))
        values = [
            FacetValue(iri, index.label(iri, lang), count, iri in chosen)
            for iri, count in found[name].items()
        ]
        values += [
            FacetValue(iri, index.label(iri, lang), 0, True) for iri in chosen - found[name].keys()
        ]
        values.sort(key=lambda v: (not v.selected, -v.count, fold(v.label), v.value))
        out[name] = values
    return out


def _hit(index: _Index, row: tuple[Any, ...], lang: str, words: Sequence[str]) -> Hit:
    iri, kind, labels_json, descriptions_json, tier, score = row
    label, label_lang = pick_with_language(json.loads(labels_json), lang) or (iri, "")
    described = pick_with_language(json.loads(descriptions_json), lang)
    description, description_lang = described or ("", "")
    return Hit(
        iri=iri,
        label=label,
        label_lang=label_lang,
        kind=kind,
        kind_label=index.label(kind, lang),
        snippet=snippet(description, words),
        snippet_lang=description_lang,
        tier=tier,
        score=score,
    )


def snippet(text: str, words: Sequence[str], width: int = 240) -> tuple[tuple[str, bool], ...]:
    """``text`` cut to about ``width`` characters around its first matched word, as
    (text, matched) segments; a word matches when it starts with a query word."""
    if not text:
        return ()
    marks = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if words and any(fold(m.group()).startswith(w) for w in words)
    ]
    start, end = 0, len(text)
    if len(text) > width:
        if marks and marks[0][1] > width - 20:
            start = max(0, marks[0][0] - width // 3)
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < marks[0][0] else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    segments: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    cursor = start
    for a, b in marks:
        if a < start or b > end:
            continue
        if a > cursor:
            segments.append((text[cursor:a], False))
        segments.append((text[a:b], True))
        cursor = b
    if cursor < end:
        segments.append((text[cursor:end], False))
    if end < len(text):
        segments.append((" …", False))
    return tuple(segments)


AC_NAMES = """
SELECT entity, text FROM name WHERE norm >= :norm AND norm < :upper
ORDER BY norm, entity LIMIT :limit"""
AC_WORDS = "SELECT rowid FROM fts WHERE fts MATCH :match ORDER BY rank LIMIT :limit"
AC_ENTITY = "SELECT iri, kind, labels FROM entity WHERE id = ?"


def autocomplete(
    index_path: Path, prefix: str, lang: str | None, limit: int = 10
) -> list[Suggestion]:
    """Entities whose name (in any language, or an alternative name) starts with
    ``prefix``, in name order; then, if there is room, entities with a name word starting
    with each word of ``prefix`` (by BM25)."""
    index = _open(index_path)
    conn = index.connection()
    lang = _language(lang)
    limit = _int(limit, 10, 1, 50)
    words = tokens((prefix or "")[:MAX_QUERY_CHARS])[:MAX_TOKENS]
    if not words:
        return []
    norm = " ".join(words)
    found: dict[int, str | None] = {}
    for entity, text in conn.execute(
        AC_NAMES, {"norm": norm, "upper": norm + _AFTER, "limit": limit * 4}
    ):
        found.setdefault(entity, text)
        if len(found) == limit:
            break
    if len(found) < limit and len(norm) >= 2:
        match = fts_query(words, ("names", "alt"))
        for (entity,) in conn.execute(AC_WORDS, {"match": match, "limit": limit * 2}):
            found.setdefault(entity, None)
            if len(found) == limit:
                break
    out = []
    for entity, matched in found.items():
        iri, kind, labels_json = conn.execute(AC_ENTITY, (entity,)).fetchone()
        label, label_lang = pick_with_language(json.loads(labels_json), lang) or (iri, "")
        out.append(
            Suggestion(
                iri=iri,
                label=label,
                label_lang=label_lang,
                kind=kind,
                kind_label=index.label(kind, lang),
                matched=matched if matched and normalise(matched) != normalise(label) else None,
            )
        )
    return out


def index_path_for(store_path: Path) -> Path:
    """The index of the store a ``var/store`` symlink points at (read again each call, so
    that a swapped-in build is picked up)."""
    return link_target(store_path).parent / INDEX_FILE
