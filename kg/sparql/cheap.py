"""Queries that are one index scan: a SELECT or ASK whose whole pattern is a single triple
pattern with a fixed predicate and no variable twice, and no ORDER BY, GROUP BY, OFFSET,
expression or subquery. pyoxigraph answers such a query lazily, a row per step of one
index, so reading at most N rows costs at most N steps, whatever the store holds. The
embedded store answers them in the calling process (kg.store.embedded), where the hop to a
worker process would cost more than the query; every other query goes to the workers.

Read from the tokens (kg.sparql.lexer); anything not understood is "not one scan", so a
mistake here can only send a cheap query to the workers, never a dear one to the web
process."""

from __future__ import annotations

from kg.errors import QueryError
from kg.sparql.lexer import Token, tokens

#: terms a triple pattern's positions may hold
_FIXED = ("iri", "pname")
_OBJECT = ("iri", "pname", "var", "string", "number")


def _prologue_end(toks: list[Token]) -> int:
    i = 0
    while i < len(toks) and toks[i].upper in ("BASE", "PREFIX"):
        i += 2 if toks[i].upper == "BASE" else 3
    return i


def _projection(toks: list[Token], i: int) -> int | None:
    """After SELECT: DISTINCT or REDUCED, then ``*`` or plain variables; the index of WHERE
    or ``{``, or None for anything else (an expression, a dataset clause)."""
    if i < len(toks) and toks[i].upper in ("DISTINCT", "REDUCED"):
        i += 1
    if i < len(toks) and toks[i].text == "*":
        return i + 1
    start = i
    while i < len(toks) and toks[i].kind == "var":
        i += 1
    return i if i > start else None


def _triple(toks: list[Token], i: int) -> int | None:
    """``{ s p o .? }`` at ``i``: the index after ``}``, or None."""
    if i >= len(toks) or toks[i].text != "{":
        return None
    s, p, o = toks[i + 1 : i + 4] if len(toks) >= i + 4 else (None, None, None)
    if s is None or p is None or o is None:
        return None
    if s.kind not in (*_FIXED, "var") or o.kind not in _OBJECT:
        return None
    if not (p.kind in _FIXED or (p.kind == "word" and p.text == "a")):
        return None
    j = i + 4
    if o.kind == "string" and j < len(toks) and toks[j].kind == "langtag":
        j += 1
    elif o.kind == "string" and j + 1 < len(toks) and toks[j].text == "^^":
        if toks[j + 1].kind not in _FIXED:
            return None
        j += 2
    if s.kind == "var" and o.kind == "var" and s.text[1:] == o.text[1:]:
        return None  # ?x p ?x filters a whole scan
    if j < len(toks) and toks[j].text == ".":
        j += 1
    if j >= len(toks) or toks[j].text != "}":
        return None
    return j + 1


def one_scan(text: str) -> bool:
    """Whether ``text`` is a query answered by one lazy index scan (see the module)."""
    try:
        toks = tokens(text)
    except QueryError:
        return False
    i = _prologue_end(toks)
    if i >= len(toks):
        return False
    form = toks[i].upper
    i += 1
    if form == "SELECT":
        found = _projection(toks, i)
        if found is None:
            return False
        i = found
    elif form != "ASK":
        return False
    if i < len(toks) and toks[i].upper == "WHERE":
        i += 1
    end = _triple(toks, i)
    if end is None:
        return False
    rest = toks[end:]
    if not rest:
        return True
    # LIMIT n and nothing else: an OFFSET would make it skip an unbounded number of rows
    return len(rest) == 2 and rest[0].upper == "LIMIT" and rest[1].kind == "number"
