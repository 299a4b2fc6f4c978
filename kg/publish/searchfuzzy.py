"""Typo tolerance for the full-text index: query words corrected against the index's own
vocabulary, so that "hub brusels" finds hub.brussels and the page can ask "did you mean
hub.brussels?".

The build (``write_vocabulary``) copies every term of the FTS5 index (``fts5vocab``: the
words exactly as FTS5 folded them, accents removed, lower case) into ``word``, with the
number of entities holding it, and indexes each term's trigrams in ``word_grams`` (FTS5
``tokenize='trigram'``, the term padded with a space at each end so that its first and
last letters count too). A query word the vocabulary does not know, neither as a word nor
as the start of one (the ordinary search then finds nothing: every word must match), is
looked up by its trigrams; the candidates within a small edit distance (optimal string
alignment: insertions, deletions, substitutions and swaps of two neighbours) become the
correction, which is kept only if the corrected query finds something. See docs/search.md.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kg.publish.searchtext import WORD, fold, fts_query

#: candidates per word looked at, by trigram rank (more only cost time: a word within the
#: distance shares most of its trigrams and ranks near the top)
CANDIDATES = 200
#: corrections kept per word, and corrected queries tried, best first
KEPT_PER_WORD = 3
MAX_TRIES = 8
#: a word this short is never corrected: one edit of a 3-letter word is another word
SHORTEST_CORRECTED = 4
#: from this length a word may be two edits away from the term it means
TWO_EDITS_FROM = 8
#: a word the index knows may be replaced by a term one edit away (centre/center) when
#: the query finds nothing as it is, from this length
KNOWN_REPLACED_FROM = 5

VOCABULARY_SCHEMA = """
CREATE TABLE word(
  id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE, length INTEGER NOT NULL,
  docs INTEGER NOT NULL,   -- entities holding the term anywhere
  named INTEGER NOT NULL   -- entities holding it in a name or an alternative name
);
CREATE VIRTUAL TABLE word_grams USING fts5(term, tokenize = 'trigram', content = '');
CREATE VIRTUAL TABLE temp.fts_rows USING fts5vocab(main, fts, row);
CREATE VIRTUAL TABLE temp.fts_cols USING fts5vocab(main, fts, col);
"""
FILL_WORDS = """
INSERT INTO word(term, length, docs, named)
SELECT r.term, length(r.term), r.doc,
       (SELECT COALESCE(MAX(c.doc), 0) FROM temp.fts_cols AS c
        WHERE c.term = r.term AND c.col IN ('names', 'alt'))
FROM temp.fts_rows AS r
ORDER BY r.term"""
#: what a word may be corrected to: not a term with digits (a year, a postcode, a
#: number in a name), nor one shorter than 3 letters
FILL_GRAMS = """
INSERT INTO word_grams(rowid, term)
SELECT id, ' ' || term || ' ' FROM word WHERE length >= 3 AND term NOT GLOB '*[0-9]*'"""

KNOWN = "SELECT 1 FROM word WHERE term >= :word AND term < :upper LIMIT 1"
NEAR = """
SELECT w.term, w.named, w.docs
FROM word_grams AS g CROSS JOIN word AS w ON w.id = g.rowid
WHERE word_grams MATCH :grams AND w.length BETWEEN :shortest AND :longest
ORDER BY g.rank LIMIT :limit"""
FINDS = "SELECT 1 FROM fts WHERE fts MATCH :match LIMIT 1"

#: upper bound of every string starting with a given prefix
_AFTER = "\U0010ffff"
_DIGIT = re.compile(r"\d")


def write_vocabulary(conn: sqlite3.Connection) -> None:
    """Build ``word`` and ``word_grams`` from the finished ``fts`` table."""
    conn.executescript(VOCABULARY_SCHEMA)
    conn.execute("BEGIN")
    conn.execute(FILL_WORDS)
    conn.execute(FILL_GRAMS)
    conn.execute("COMMIT")
    conn.execute("INSERT INTO word_grams(word_grams) VALUES ('optimize')")
    conn.executescript("DROP TABLE temp.fts_rows; DROP TABLE temp.fts_cols;")


def max_edits(word: str) -> int:
    """How many edits a word may be from what it means: none below 4 letters (too many
    words are one edit apart), 1 up to 7 letters, 2 from 8."""
    if len(word) < SHORTEST_CORRECTED or _DIGIT.search(word):
        return 0
    return 1 if len(word) < TWO_EDITS_FROM else 2


def distance(a: str, b: str, limit: int, prefix: bool = False) -> int:
    """The optimal string alignment distance from ``a`` to ``b`` (to the closest start of
    ``b`` when ``prefix``), or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if not prefix and abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        row = [i] + [0] * len(b)
        for j, other in enumerate(b, start=1):
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                best = min(best, before[j - 2] + 1)  # two neighbours swapped
            row[j] = best
        if min(row) > limit:
            return limit + 1
        before, previous = previous, row
    return min(min(previous) if prefix else previous[-1], limit + 1)


def _grams(word: str, prefix: bool) -> str:
    """An FTS5 expression matching terms that share a trigram with ``word`` (padded
    like the terms; a word being typed has no end yet). Words are letters and digits,
    so the quoted trigrams hold no quote."""
    padded = " " + word + ("" if prefix else " ")
    grams = dict.fromkeys(padded[i : i + 3] for i in range(len(padded) - 2))
    return " OR ".join('"' + gram + '"' for gram in grams)


def known(conn: sqlite3.Connection, word: str) -> bool:
    """Whether the index holds ``word`` or a word starting with it (what a search for it
    matches: every word is also a prefix)."""
    return conn.execute(KNOWN, {"word": word, "upper": word + _AFTER}).fetchone() is not None


def near(conn: sqlite3.Connection, word: str, prefix: bool = False) -> list[tuple[int, str]]:
    """The terms within ``max_edits(word)`` of ``word``, as (edits, term), closest first;
    between equals a term in names first, then the one more entities hold."""
    limit = max_edits(word)
    if not limit:
        return []
    params = {
        "grams": _grams(word, prefix),
        "shortest": max(3, len(word) - limit),
        "longest": 1_000 if prefix else len(word) + limit,
        "limit": CANDIDATES,
    }
    found = []
    for term, named, docs in conn.execute(NEAR, params):
        edits = distance(word, term, limit, prefix)
        if edits <= limit:
            found.append((edits, -named, -docs, term))
    found.sort()
    return [(edits, term) for edits, _, _, term in found[:KEPT_PER_WORD]]


@dataclass(frozen=True)
class Correction:
    words: tuple[str, ...]  # the corrected words, folded, for the search
    text: str  # the corrected query as the reader typed it, for "did you mean"


def correct(
    conn: sqlite3.Connection,
    query: str,
    words: Sequence[str],
    columns: Sequence[str] = (),
    prefix_last: bool = False,
) -> Correction | None:
    """The closest correction of ``words`` (the folded words of ``query``, which find
    nothing in ``columns``, all when empty) that finds something, or None. A word the
    index does not know is replaced by a term within its distance; one it knows is kept,
    or (from 5 letters) replaced by a term one edit away. ``prefix_last``: the last word
    is still being typed, so it is compared with the starts of terms (autocomplete)."""
    options: list[list[tuple[int, str]]] = []
    looked_up: dict[tuple[str, bool], list[tuple[int, str]]] = {}  # a word said twice
    for i, word in enumerate(words):
        key = (word, prefix_last and i == len(words) - 1)
        if key not in looked_up:
            looked_up[key] = _options(conn, *key)
        if not looked_up[key]:
            return None  # a word nothing is close to: no query can match every word
        options.append(looked_up[key])
    for corrected in _combinations(options)[:MAX_TRIES]:
        if corrected == tuple(words):
            continue  # as typed: it finds nothing
        if conn.execute(FINDS, {"match": fts_query(corrected, columns)}).fetchone():
            return Correction(corrected, _retyped(query, words, corrected))
    return None


def _options(conn: sqlite3.Connection, word: str, prefix: bool) -> list[tuple[int, str]]:
    """What ``word`` may stand for, as (edits, term), closest first."""
    if not known(conn, word):
        return near(conn, word, prefix)
    if len(word) < KNOWN_REPLACED_FROM:
        return [(0, word)]
    others = [(e, t) for e, t in near(conn, word, prefix) if e == 1 and t != word]
    return [(0, word), *others[: KEPT_PER_WORD - 1]]


def _combinations(options: Sequence[Sequence[tuple[int, str]]]) -> list[tuple[str, ...]]:
    """Corrected queries to try: the closest term for every word, then the same with one
    word's next closest term instead, fewest edits first (not every combination: twelve
    words with three terms each would be half a million queries)."""
    best = [o[0] for o in options]
    tries = [(sum(e for e, _ in best), tuple(t for _, t in best))]
    for i, option in enumerate(options):
        for edits, term in option[1:]:
            words = [t for _, t in best]
            words[i] = term
            tries.append((tries[0][0] - best[i][0] + edits, tuple(words)))
    return [words for _, words in sorted(tries, key=lambda t: t[0])]


def _retyped(query: str, words: Sequence[str], corrected: Sequence[str]) -> str:
    """``query`` with its mistyped words replaced, everything else as typed
    ("hub.brusels" -> "hub.brussels"); the corrected words alone when the typed words
    cannot be lined up with the folded ones."""
    typed = list(WORD.finditer(query))[: len(words)]
    if [fold(m.group()) for m in typed] != list(words):
        return " ".join(corrected)
    out, cursor = [], 0
    for m, word, term in zip(typed, words, corrected, strict=True):
        if word != term:
            out += [query[cursor : m.start()], _cased(m.group(), term)]
            cursor = m.end()
    return "".join(out) + query[cursor:]


def _cased(typed: str, term: str) -> str:
    """``term`` in the case ``typed`` was written in ("Musuem" -> "Museum")."""
    if typed.isupper() and len(typed) > 1:
        return term.upper()
    return term.capitalize() if typed[:1].isupper() else term
