"""Autocomplete from the full-text index: names that start with what was typed, then
name words that do; when nothing does because a word is mistyped, the same for the
corrected words (kg.publish.searchfuzzy).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.labels import pick_with_language
from kg.publish.search import AFTER, bounded_int, language_of, open_index
from kg.publish.searchfuzzy import correct
from kg.publish.searchtext import MAX_QUERY_CHARS, MAX_TOKENS, fts_query, normalise, tokens
from kg.store.cache import StoreCache


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
    #: what was typed, corrected, when a mistyped word was why nothing matched
    corrected: str | None = None


NAME_COLUMNS = ("names", "alt")
AC_NAMES = """
SELECT entity, text FROM name WHERE norm >= :norm AND norm < :upper
ORDER BY norm, entity LIMIT :limit"""
AC_WORDS = "SELECT rowid FROM fts WHERE fts MATCH :match ORDER BY rank LIMIT :limit"
AC_ENTITY = "SELECT iri, kind, labels FROM entity WHERE id = ?"


def autocomplete(
    index_path: Path,
    prefix: str,
    lang: str | None,
    limit: int = 10,
    *,
    cache: StoreCache | None = None,
) -> list[Suggestion]:
    """Entities whose name (in any language, or an alternative name) starts with
    ``prefix``, in name order; then, if there is room, entities with a name word starting
    with each word of ``prefix`` (by BM25). When nothing matches because a word is
    mistyped (the last one compared with the starts of words), the same for the corrected
    words."""
    index = open_index(index_path, cache)
    conn = index.connection()
    lang = language_of(lang)
    limit = bounded_int(limit, 10, 1, 50)
    words = tokens((prefix or "")[:MAX_QUERY_CHARS])[:MAX_TOKENS]
    if not words:
        return []
    found = _names(conn, words, limit)
    corrected = None
    if not found:
        correction = correct(conn, prefix, words, NAME_COLUMNS, prefix_last=True)
        if correction is not None:
            found = _names(conn, correction.words, limit)
            corrected = correction.text
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
                corrected=corrected,
            )
        )
    return out


def _names(conn: sqlite3.Connection, words: Sequence[str], limit: int) -> dict[int, str | None]:
    """Up to ``limit`` entities, each with the name that starts with ``words`` (None for
    those found by their name words)."""
    norm = " ".join(words)
    found: dict[int, str | None] = {}
    for entity, text in conn.execute(
        AC_NAMES, {"norm": norm, "upper": norm + AFTER, "limit": limit * 4}
    ):
        found.setdefault(entity, text)
        if len(found) == limit:
            break
    if len(found) < limit and len(norm) >= 2:
        match = fts_query(words, NAME_COLUMNS)
        for (entity,) in conn.execute(AC_WORDS, {"match": match, "limit": limit * 2}):
            found.setdefault(entity, None)
            if len(found) == limit:
                break
    return found
