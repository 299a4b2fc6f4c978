"""Queries answered in the calling thread, without a query worker: only those whose work is
bounded by the answer they give (``Scan``, below: one triple pattern, no join, no
filter, no sort), and only when that answer is short.

A worker process is what makes the time limit hold for any query (see ``kg.executor``),
and its price is fixed: sending the job, waking another process, and sending the answer
back cost more than evaluating an entity lookup does. A one-scan query cannot run away:
it reads the rows it skips and those it returns. So it is tried here with a cap of
``INLINE_ROWS`` rows; if it has more, or skips more, the workers answer it, under the
time limit, like any other query. The answer is the same bytes either way: the same
code (``kg.worker.answer``) evaluates and writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import QueryError
from kg.sparql.lexer import Token, tokens
from kg.sparql.pool import QueryRun
from kg.sparql.worker import Job, answer, failure
from kg.sparql.writers import Buffer
from kg.store import EmbeddedStore


@dataclass(frozen=True)
class Scan:
    """A query that is one index scan: a SELECT or ASK of a single triple pattern whose
    variables are all different, with no modifier but LIMIT and OFFSET. Evaluating it
    reads the rows it skips (``offset``) and those it returns, nothing else: no join, no
    filter, no sort, no aggregate can make it run longer than its answer is long."""

    offset: int
    limit: int | None


#: what may stand in each place of a scanned triple pattern (token kinds, and words)
_SUBJECT = {"iri", "pname", "var"}
_OBJECT = {"iri", "pname", "var", "number"}


def _term(toks: list[Token], i: int, place: str) -> int | None:
    """The index after the pattern term at ``i`` (subject, predicate or object), or None
    where something else stands there (a blank node, a path, a list, a quoted triple…)."""
    if i >= len(toks):
        return None
    token = toks[i]
    if token.kind in _SUBJECT:
        return i + 1
    if place == "predicate":
        return i + 1 if token.kind == "word" and token.text == "a" else None
    if place != "object":
        return None
    if token.kind in _OBJECT or token.upper in ("TRUE", "FALSE"):
        return i + 1
    if token.kind != "string":
        return None
    after = toks[i + 1] if i + 1 < len(toks) else None
    if after is not None and after.kind == "langtag":
        return i + 2
    if after is not None and after.text == "^^":
        datatype = toks[i + 2] if i + 2 < len(toks) else None
        return i + 3 if datatype is not None and datatype.kind in ("iri", "pname") else None
    return i + 1


def _integer(toks: list[Token], i: int) -> int | None:
    """The non-negative integer at ``i`` (SPARQL's INTEGER: ASCII digits only; ``str``
    calls ``²`` and ``٣`` digits too, and ``int("²")`` fails)."""
    token = toks[i] if i < len(toks) else None
    if token is None or token.kind != "number" or not token.text.isascii():
        return None
    return int(token.text) if token.text.isdigit() else None


def _scan(toks: list[Token], start: int) -> Scan | None:
    """``Scan`` when the tokens after the prologue are ``SELECT (* | ?v…) [WHERE] { s p o
    [.] }`` or ``ASK [WHERE] { s p o [.] }``, then LIMIT and OFFSET at most once each."""
    i, end = start, len(toks)
    if i < end and toks[i].upper == "SELECT":
        i += 1
        if i < end and toks[i].text == "*":
            i += 1
        else:
            first = i
            while i < end and toks[i].kind == "var":
                i += 1
            if i == first:
                return None
    elif i < end and toks[i].upper == "ASK":
        i += 1
    else:
        return None
    if i < end and toks[i].upper == "WHERE":
        i += 1
    if i >= end or toks[i].text != "{":
        return None
    pattern = i + 1
    after: int | None = pattern
    for place in ("subject", "predicate", "object"):
        after = _term(toks, after, place) if after is not None else None
    if after is None:
        return None
    names = [t.text[1:] for t in toks[pattern:after] if t.kind == "var"]
    if len(set(names)) != len(names):
        return None  # ?x ?x ?o reads every triple to find the few where s = p
    i = after + 1 if after < end and toks[after].text == "." else after
    if i >= end or toks[i].text != "}":
        return None
    i += 1
    modifiers: dict[str, int] = {}
    while i < end:
        word = toks[i].upper
        value = _integer(toks, i + 1)
        if word not in ("LIMIT", "OFFSET") or word in modifiers or value is None:
            return None
        modifiers[word] = value
        i += 2
    return Scan(offset=modifiers.get("OFFSET", 0), limit=modifiers.get("LIMIT"))


def scan_of(text: str) -> Scan | None:
    """``Scan`` for a query (already read by ``kg.sparql.analysis.analyse``) that is one
    index scan, else None."""
    toks = tokens(text)
    i = 0
    while i < len(toks) and toks[i].upper in ("BASE", "PREFIX"):
        i += 2 if toks[i].upper == "BASE" else 3
    return _scan(toks, i)


#: rows a one-scan query may skip and return and still be answered in the calling thread
#: (well under a millisecond of work)
INLINE_ROWS = 256


def answer_scan(store: EmbeddedStore, job: Job, scan: Scan) -> QueryRun | None:
    """The answer to ``job`` (a one-scan query, see ``Scan``) evaluated here, or None when
    it skips or returns more than ``INLINE_ROWS`` rows, or names its own dataset: then
    hand it to the workers. Raises QueryError as a worker's answer would."""
    if scan.offset > INLINE_ROWS or job.default_graph is not None or job.named_graphs is not None:
        return None
    cap = min(job.max_rows, INLINE_ROWS)
    buffer = Buffer()
    try:
        how = answer(store, job)
        outcome = how.write(buffer, cap)
    except Exception as err:  # worded as a worker's error is
        raise QueryError(failure(err, job.text)) from None
    if outcome.truncated and outcome.rows >= cap and cap < job.max_rows:
        return None  # longer than the cap here, not than the job's: the workers answer it
    return QueryRun(
        kind=how.kind,
        media_type=how.media_type,
        prefetched=[bytes(buffer.data)],
        finished=True,
        rows=outcome.rows,
        truncated=outcome.truncated,
    )
