"""Full-text search: querying the side index that ``kg.publish.searchindex`` builds.

Matching ignores case and accents (FTS5 ``unicode61 remove_diacritics 2`` for words, the
same folding in Python for whole names: ``kg.publish.searchtext``). Ranking: a name equal
to the query, then a name starting with it, then entities holding every word (each word
also as a prefix), by BM25 with names weighted over alternative names over descriptions.
When the words find nothing because one of them is mistyped, the corrected query's
results are given instead, with the correction as a suggestion
(``kg.publish.searchfuzzy``).

User text never reaches SQL or SPARQL as text: it is cut into word tokens, each token is
quoted for FTS5 (so ``NEAR(``, ``"``, ``*``, ``-``, ``:`` are inert), and every value is a
bound parameter. See docs/search.md.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import StoreError
from kg.labels import languages, pick, pick_with_language
from kg.publish.searchfuzzy import correct
from kg.publish.searchindex import BUILTIN_LABELS, FORMAT, bitset
from kg.publish.searchtext import MAX_QUERY_CHARS, MAX_TOKENS, WORD, fold, fts_query, tokens
from kg.store.cache import StoreCache

FACETS = ("kind", "sector", "service", "audience", "municipality")
#: selected values per facet taken into account
MAX_FACET_VALUES = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
#: each connection's own page cache (KiB)
PAGE_CACHE_KIB = 256
#: what each tier of a hit is called in the JSON twin
MATCHES = ("exact", "prefix", "words", "fuzzy", "fuzzy", "fuzzy")
#: the tier a corrected query's hits start at, below every hit of the query itself
CORRECTED = 3


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
    #: 0 exact name, 1 name prefix, 2 words; 3, 4, 5 the same for the corrected query
    tier: int
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
    #: the corrected query ("did you mean"), when the query's own words found nothing and
    #: these results are the correction's
    suggestion: str | None = None

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
                    "match": MATCHES[h.tier],
                }
                for h in self.hits
            ],
            # the corrected query ("did you mean"), when these are its results
            "suggestion": {"query": self.suggestion} if self.suggestion else None,
            "facets": {
                name: [
                    {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
                    for v in values
                ]
                for name, values in self.facets.items()
            },
        }


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
                # a small page cache for each thread's connection (SQLite's default, 2 MiB,
                # times the server's 40 threads, stayed in the web process): the pages come
                # from the system's file cache, which all connections share
                conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
                conn.execute(
                    "CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY, tier INTEGER, score REAL)"
                )
                conn.execute(f"PRAGMA temp.cache_size = -{PAGE_CACHE_KIB}")
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


def open_index(index_path: Path, cache: StoreCache | None) -> _Index:
    """The index at ``index_path``, kept in the serving store's ``cache`` once per file
    version (a rebuilt file is a new index); opened for this call alone without one."""
    try:
        stat = index_path.stat()
    except OSError:
        raise StoreError(
            f"no search index at {index_path}: run `kg build` (it writes the index)"
        ) from None
    if cache is None:
        return _Index(index_path)
    key = ("search index", str(index_path), stat.st_ino, stat.st_mtime_ns)
    return cache.get_or_compute(key, lambda: _Index(index_path))


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def language_of(lang: str | None) -> str:
    return lang if lang in languages() else languages()[0]


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
AFTER = "\U0010ffff"

FILL_MATCHES = """
INSERT INTO temp.hits(id, tier, score)
SELECT fts.rowid,
       :tier + CASE WHEN fts.rowid IN (SELECT entity FROM name WHERE norm = :norm) THEN 0
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


def bounded_int(value: object, default: int, low: int, high: int) -> int:
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
    *,
    cache: StoreCache | None = None,
) -> SearchResult:
    """Entities matching every word of ``q`` (all entities when ``q`` is empty), within
    the selected facet values (every one must hold; a value the index does not know,
    which no entity has, leaves no result), ranked exact name > name prefix > words, then
    BM25; with the facet counts of the whole result set."""
    index = open_index(index_path, cache)
    conn = index.connection()
    lang = language_of(lang)
    q = (q or "")[:MAX_QUERY_CHARS]
    words = tokens(q)[:MAX_TOKENS]
    selected = clean_facets(facets)
    per_page = bounded_int(per_page, 20, 1, MAX_PER_PAGE)
    page = bounded_int(page, 1, 1, MAX_PAGE)

    conn.execute("DELETE FROM temp.hits")
    suggestion = None
    if words:
        words, suggestion = _fill_matches(conn, q, words)
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
        suggestion=suggestion,
    )


def _fill_matches(
    conn: sqlite3.Connection, q: str, words: list[str]
) -> tuple[list[str], str | None]:
    """Put the entities matching ``words`` into temp.hits; when there are none and a
    mistyped word is why, those matching the corrected words. The words the hits
    matched, and the corrected query if it was used."""
    conn.execute(FILL_MATCHES, _match_parameters(words, 0))
    if conn.execute("SELECT 1 FROM temp.hits LIMIT 1").fetchone():
        return words, None
    correction = correct(conn, q, words)
    if correction is None:
        return words, None
    corrected = list(correction.words)
    conn.execute(FILL_MATCHES, _match_parameters(corrected, CORRECTED))
    return corrected, correction.text


def _match_parameters(words: Sequence[str], tier: int) -> dict[str, object]:
    norm = " ".join(words)
    return {"norm": norm, "upper": norm + AFTER, "match": fts_query(words), "tier": tier}


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
