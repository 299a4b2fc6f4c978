"""Text folding and FTS5 query syntax: the same folding as FTS5 ``unicode61
remove_diacritics 2``, in Python, and user words quoted so that no FTS5 operator gets through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: longer queries are cut (nobody types more; it bounds the work a request can cause)
MAX_QUERY_CHARS = 200
MAX_TOKENS = 12


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
