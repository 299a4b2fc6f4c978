"""What a SPARQL request is, found from its tokens without evaluating it: the query form,
whether it names its own dataset (FROM, FROM NAMED), and the SERVICE endpoints it would
call (refused unless allowed: a public endpoint must not become a proxy to other hosts).

pyoxigraph exposes no parsed algebra, so this reads the text with ``kg.sparqllexer``,
which follows the grammar's terminals: comments, strings and IRIs cannot hide a keyword,
keywords match in any case, prefixed names resolve with the query's prefixes, the
project's and BASE, and what cannot be read is refused. One ambiguity is left by the
grammar itself: ``<`` is an IRI or the less-than operator depending on the parse, so
``?a<'x')SERVICE?s#>`` reads two ways. ``guard`` removes it: every IRI is rewritten with
``'``, ``#`` and the ``s`` of "service" as ``\\u`` escapes (the same IRI to the parser), so
that neither reading can open a string or comment or contain the keyword there; the
rewritten text is the one evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from kg.errors import QueryError
from kg.sparql.lexer import Token, position, tokens, unescape_iri, unescape_local

# strings (long and short), IRIs, comments: removed before looking for keywords
_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\r\n]*",
)
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
#: what an IRI must not contain literally for both readings of ``<`` to agree
_RISKY = re.compile(r"['#]|(?i:s)(?=(?i:ervice))")

FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def _code(text: str) -> tuple[str, list[str]]:
    """The text with strings, IRIs and comments blanked, and the IRIs in order (a rough
    view for messages about a saved query's text; checks use ``analyse``)."""
    iris: list[str] = []

    def blank(match: re.Match[str]) -> str:
        lexeme = match.group(0)
        if lexeme.startswith("<"):
            iris.append(lexeme[1:-1])
            return f"<{len(iris) - 1}>"
        return " "

    return _LEXEMES.sub(blank, text), iris


@dataclass(frozen=True)
class Scan:
    """A query that is one index scan: a SELECT or ASK of a single triple pattern whose
    variables are all different, with no modifier but LIMIT and OFFSET. Evaluating it
    reads the rows it skips (``offset``) and those it returns, nothing else: no join, no
    filter, no sort, no aggregate can make it run longer than its answer is long."""

    offset: int
    limit: int | None


@dataclass(frozen=True)
class Analysis:
    form: str  # "solutions" (SELECT), "boolean" (ASK), "graph" (CONSTRUCT, DESCRIBE)
    #: the text to evaluate: the query with its IRIs guarded (see the module's notes)
    text: str
    #: the query names its dataset (FROM / FROM NAMED)
    declares_dataset: bool
    #: the endpoint of each SERVICE, resolved; None for a variable
    services: tuple[str | None, ...]
    #: prefixes the query uses without declaring them: the only ones it needs to be
    #: given (parsing a query with all the project's prefixes costs a third more)
    prefixes_used: frozenset[str] = frozenset()
    #: set when the query is one index scan (see ``Scan``)
    scan: Scan | None = None


def _resolve(base: str | None, iri: str) -> str:
    if _SCHEME.match(iri) or base is None:
        return iri
    return urljoin(base, iri)


@dataclass
class _Prologue:
    end: int  # index of the first token after it
    base: str | None
    prefixes: dict[str, str]


def _is_namespace(token: Token) -> bool:
    return token.kind == "pname" and token.text.endswith(":") and token.text.count(":") == 1


def _prologue(text: str, toks: list[Token]) -> _Prologue:
    """BASE and PREFIX declarations, each resolved against the BASE before it."""
    i, base, declared = 0, None, {}
    while i < len(toks) and toks[i].upper in ("BASE", "PREFIX"):
        rest = toks[i + 1 : i + 3]
        if toks[i].upper == "BASE" and rest and rest[0].kind == "iri":
            base = _resolve(base, unescape_iri(rest[0].text[1:-1]))
            i += 2
        elif len(rest) == 2 and _is_namespace(rest[0]) and rest[1].kind == "iri":
            declared[rest[0].text[:-1]] = _resolve(base, unescape_iri(rest[1].text[1:-1]))
            i += 3
        else:
            raise QueryError(
                f"error at {position(text, toks[i].start)}: write `BASE <iri>` or "
                f"`PREFIX name: <iri>`"
            )
    return _Prologue(i, base, declared)


def _form(toks: list[Token], start: int) -> str:
    first = toks[start].upper if start < len(toks) else ""
    if first in FORMS:
        return FORMS[first]
    if first in _UPDATE:
        raise QueryError(
            "this is a SPARQL update: send it as `update`, not `query` (it needs a token)"
        )
    raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def _service_target(
    text: str, toks: list[Token], at: int, prologue: _Prologue, prefixes: Mapping[str, str]
) -> str | None:
    k = at + 1
    if k < len(toks) and toks[k].upper == "SILENT":
        k += 1
    target = toks[k] if k < len(toks) else None
    where = position(text, toks[at].start)
    if target is not None and target.kind == "var":
        return None
    if target is not None and target.kind == "iri":
        return _resolve(prologue.base, unescape_iri(target.text[1:-1]))
    if target is not None and target.kind == "pname":
        prefix, _, local = target.text.partition(":")
        namespace = prologue.prefixes.get(prefix, prefixes.get(prefix))
        if namespace is None:
            raise QueryError(f"error at {where}: SERVICE {target.text}: the prefix is not declared")
        return namespace + unescape_local(local)
    raise QueryError(f"error at {where}: SERVICE must be followed by the endpoint's IRI")


def guard(text: str, toks: list[Token]) -> str:
    """The text with every IRI's ``'``, ``#`` and "service" written as ``\\u`` escapes."""
    parts: list[str] = []
    last = 0
    for token in toks:
        if token.kind == "iri" and _RISKY.search(token.text):
            parts.append(text[last : token.start])
            parts.append(_RISKY.sub(lambda m: f"\\u{ord(m.group(0)):04X}", token.text))
            last = token.start + len(token.text)
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


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


def _prefixes_used(toks: list[Token], prologue: _Prologue) -> frozenset[str]:
    used = {t.text.partition(":")[0] for t in toks[prologue.end :] if t.kind == "pname"}
    return frozenset(used - prologue.prefixes.keys())


def analyse(text: str, prefixes: Mapping[str, str] | None = None) -> Analysis:
    """Form, dataset and SERVICE endpoints of a query; ``prefixes`` are those the query
    is evaluated with besides its own. Raises QueryError for what is not a query."""
    toks = tokens(text)
    prologue = _prologue(text, toks)
    form = _form(toks, prologue.end)
    services = tuple(
        _service_target(text, toks, i, prologue, prefixes or {})
        for i, token in enumerate(toks)
        if token.upper == "SERVICE"
    )
    return Analysis(
        form=form,
        text=guard(text, toks),
        declares_dataset=any(t.upper == "FROM" for t in toks),
        services=services,
        prefixes_used=_prefixes_used(toks, prologue),
        scan=_scan(toks, prologue.end),
    )


def query_form(text: str) -> str:
    """ "solutions" (SELECT), "boolean" (ASK) or "graph" (CONSTRUCT, DESCRIBE): the first
    keyword after the prologue (PREFIX and BASE declarations, comments)."""
    toks = tokens(text)
    return _form(toks, _prologue(text, toks).end)


def declares_dataset(text: str) -> bool:
    """Whether the query names its dataset (FROM, FROM NAMED). False for what cannot be
    read: the query parser then reports the error."""
    if "from" not in text.lower():
        return False
    try:
        return any(t.upper == "FROM" for t in tokens(text))
    except QueryError:
        return False


def refuse_services(analysis: Analysis, allowed: tuple[str, ...]) -> None:
    """Refuse SERVICE calls to endpoints outside ``allowed``, and to variables."""
    for iri in analysis.services:
        if iri is None:
            raise QueryError(
                "SERVICE with a variable is not allowed: name the endpoint with its IRI "
                "(this endpoint calls only the endpoints its operator lists in KG_SERVICE_ALLOW)"
            )
        if iri not in allowed:
            raise QueryError(
                f"SERVICE <{iri}> is not allowed: this endpoint calls only the endpoints its "
                "operator lists in KG_SERVICE_ALLOW"
            )


def check_services(
    text: str, allowed: tuple[str, ...], prefixes: Mapping[str, str] | None = None
) -> None:
    """Refuse SERVICE calls to endpoints outside ``allowed`` (see ``analyse``)."""
    refuse_services(analyse(text, prefixes), allowed)
