"""What a SPARQL request is, found from its tokens without evaluating it: the query form,
whether it names its own dataset (FROM, FROM NAMED; in an update USING, USING NAMED,
WITH), the SERVICE endpoints it would call (refused unless allowed: a public endpoint must
not become a proxy to other hosts) and the documents an update would LOAD.

pyoxigraph exposes no parsed algebra, and rdflib's maintained parser costs many times the
lexer on the texts /sparql reads on every request, more than a cheap query itself
(bench/README.md): so this reads the tokens of ``kg.sparql.lexer``, which follows the
grammar's terminals, and rdflib is the reference the tests hold it to. Comments, strings
and IRIs cannot hide a keyword, keywords match in any case, prefixed names resolve with
the query's prefixes, the project's and BASE, and it fails closed: what cannot be read is
refused (``QueryError``), never guessed open. One ambiguity is left by the grammar itself:
``<`` is an IRI or the less-than operator depending on the parse, so
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
#: keywords that name an update's dataset (they appear nowhere else in the grammar)
_UPDATE_DATASET = {"USING", "WITH"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
#: what an IRI must not contain literally for both readings of ``<`` to agree
_RISKY = re.compile(r"['#]|(?i:s)(?=(?i:ervice))")
_ALLOW = "this endpoint calls only the endpoints its operator lists in KG_SERVICE_ALLOW"

#: brackets and prefix operators (``!``, ``-``, ``^``…) nested deeper than this are refused
#: before an engine reads the text: Oxigraph's parser recurses on each level, and 3,000
#: nested ``{`` or 10,000 ``!`` overflow its stack (the process dies); real queries nest
#: a few dozen levels at most
MAX_NESTING = 128
#: operators and clauses that each add a level to the query's algebra (UNION, OPTIONAL,
#: MINUS, BIND, FILTER, groups, ``||``, ``&&``, arithmetic, path operators) beyond this
#: are refused: Oxigraph builds and walks them as a tree of that depth, and 3,000 OPTIONAL,
#: 3,000 BIND or 10,000 ``||`` overflow its stack too. Data (INSERT DATA, VALUES) counts
#: nothing: a long list of rows is no deeper
MAX_OPERATORS = 1000
_OPEN = frozenset({"{", "(", "[", "<<", "<<(", "{|"})
_CLOSE = frozenset({"}", ")", "]", ">>", ")>>", "|}"})
_PREFIX_OPERATORS = frozenset({"!", "-", "+", "^"})
_TREE_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS", "BIND", "FILTER"})
_TREE_PUNCT = frozenset({"||", "&&", "+", "-", "*", "/", "|", "^", "{"})

FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def blank_lexemes(text: str) -> tuple[str, list[str]]:
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
class Analysis:
    form: str  # "solutions" (SELECT), "boolean" (ASK), "graph" (CONSTRUCT, DESCRIBE)
    #: the text to evaluate: the query with its IRIs guarded (see the module's notes)
    text: str
    #: the query names its dataset (FROM / FROM NAMED)
    declares_dataset: bool
    #: the endpoint of each SERVICE, resolved; None for a variable
    services: tuple[str | None, ...]


@dataclass(frozen=True)
class UpdateAnalysis:
    #: the text to evaluate, its IRIs guarded as a query's
    text: str
    #: an operation names its dataset (USING, USING NAMED, WITH)
    declares_dataset: bool
    #: the endpoint of each SERVICE, resolved; None for a variable
    services: tuple[str | None, ...]
    #: the document of each LOAD, resolved; None where it is not an IRI
    loads: tuple[str | None, ...]


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


def _declaration(text: str, toks: list[Token], i: int, prologue: _Prologue) -> int:
    """Read the BASE or PREFIX declaration at ``i`` into ``prologue``; the index after it."""
    rest = toks[i + 1 : i + 3]
    if toks[i].upper == "BASE" and rest and rest[0].kind == "iri":
        prologue.base = _resolve(prologue.base, unescape_iri(rest[0].text[1:-1]))
        return i + 2
    if len(rest) == 2 and _is_namespace(rest[0]) and rest[1].kind == "iri":
        iri = _resolve(prologue.base, unescape_iri(rest[1].text[1:-1]))
        prologue.prefixes[rest[0].text[:-1]] = iri
        return i + 3
    raise QueryError(
        f"error at {position(text, toks[i].start)}: write `BASE <iri>` or `PREFIX name: <iri>`"
    )


def _prologue(text: str, toks: list[Token]) -> _Prologue:
    """BASE and PREFIX declarations, each resolved against the BASE before it."""
    prologue = _Prologue(0, None, {})
    i = 0
    while i < len(toks) and toks[i].upper in ("BASE", "PREFIX"):
        i = _declaration(text, toks, i, prologue)
    prologue.end = i
    return prologue


def _form(toks: list[Token], start: int) -> str:
    first = toks[start].upper if start < len(toks) else ""
    if first in FORMS:
        return FORMS[first]
    if first in _UPDATE:
        raise QueryError(
            "this is a SPARQL update: send it as `update`, not `query` (it needs a token)"
        )
    raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def _target(
    text: str,
    toks: list[Token],
    at: int,
    prologue: _Prologue,
    prefixes: Mapping[str, str],
    keyword: str = "SERVICE",
) -> str | None:
    """The IRI after the keyword at ``at`` (and SILENT), resolved; None for a variable."""
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
            raise QueryError(
                f"error at {where}: {keyword} {target.text}: the prefix is not declared"
            )
        return namespace + unescape_local(local)
    raise QueryError(f"error at {where}: {keyword} must be followed by an IRI")


def check_shape(text: str, toks: list[Token]) -> None:
    """Refuse a text that nests deeper than ``MAX_NESTING`` or builds more than
    ``MAX_OPERATORS`` levels of algebra, with a QueryError that names the limit and where
    it was passed: such a text would crash the engine, not merely run long."""
    depth = prefix_run = operators = 0
    data_depth = -1  # the depth of the INSERT DATA, DELETE DATA or VALUES block being read
    data_next = False  # DATA or VALUES was just read: its block is the next ``{``
    for token in toks:
        punct = token.text if token.kind == "punct" else ""
        if punct in _OPEN:
            depth += 1
            if punct == "{" and data_next:
                data_depth, data_next = depth, False
        elif punct in _CLOSE:
            if depth == data_depth:
                data_depth = -1
            depth -= 1
        if token.upper in ("DATA", "VALUES"):
            data_next = True
        prefix_run = prefix_run + 1 if punct in _PREFIX_OPERATORS else 0
        if depth + prefix_run > MAX_NESTING:
            raise QueryError(
                f"error at {position(text, token.start)}: brackets and operators nest more "
                f"than {MAX_NESTING} levels deep here, the most this endpoint reads; "
                "write the query flatter"
            )
        if data_depth < 0 and (token.upper in _TREE_WORDS or punct in _TREE_PUNCT):
            operators += 1
            if operators > MAX_OPERATORS:
                raise QueryError(
                    f"error at {position(text, token.start)}: more than {MAX_OPERATORS} "
                    "operators and clauses (UNION, OPTIONAL, FILTER, BIND, ||, +, …), the "
                    "most this endpoint reads in one query; split it, or put long lists "
                    "of values in VALUES"
                )


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


def analyse(text: str, prefixes: Mapping[str, str] | None = None) -> Analysis:
    """Form, dataset and SERVICE endpoints of a query; ``prefixes`` are those the query
    is evaluated with besides its own. Raises QueryError for what is not a query, or
    cannot be read."""
    toks = tokens(text)
    prologue = _prologue(text, toks)
    form = _form(toks, prologue.end)
    check_shape(text, toks)
    services = tuple(
        _target(text, toks, i, prologue, prefixes or {})
        for i, token in enumerate(toks)
        if token.upper == "SERVICE"
    )
    return Analysis(
        form=form,
        text=guard(text, toks),
        declares_dataset=any(t.upper == "FROM" for t in toks),
        services=services,
    )


def analyse_update(text: str, prefixes: Mapping[str, str] | None = None) -> UpdateAnalysis:
    """Dataset clauses, SERVICE endpoints and LOAD documents of an update. Each operation
    may open with its own declarations (``PREFIX …; INSERT …; PREFIX …``): they apply from
    where they stand. Raises QueryError for what cannot be read."""
    toks = tokens(text)
    check_shape(text, toks)
    prologue = _Prologue(0, None, {})
    services: list[str | None] = []
    loads: list[str | None] = []
    dataset = False
    i = 0
    while i < len(toks):
        word = toks[i].upper
        if word in ("BASE", "PREFIX"):
            i = _declaration(text, toks, i, prologue)
            continue
        if word == "SERVICE":
            services.append(_target(text, toks, i, prologue, prefixes or {}))
        elif word == "LOAD":
            try:
                loads.append(_target(text, toks, i, prologue, prefixes or {}, "LOAD"))
            except QueryError:
                loads.append(None)  # refused all the same, with the message of a LOAD
        dataset = dataset or word in _UPDATE_DATASET
        i += 1
    return UpdateAnalysis(guard(text, toks), dataset, tuple(services), tuple(loads))


def query_form(text: str) -> str:
    """ "solutions" (SELECT), "boolean" (ASK) or "graph" (CONSTRUCT, DESCRIBE): the first
    keyword after the prologue (PREFIX and BASE declarations, comments)."""
    toks = tokens(text)
    return _form(toks, _prologue(text, toks).end)


def declares_dataset(text: str) -> bool:
    """Whether the query names its dataset (FROM, FROM NAMED). Raises QueryError for text
    that cannot be read: a guess could evaluate it on another dataset than it names."""
    if "from" not in text.lower():
        return False  # no keyword, however the rest reads
    return any(t.upper == "FROM" for t in tokens(text))


def refuse_services(analysis: Analysis | UpdateAnalysis, allowed: tuple[str, ...]) -> None:
    """Refuse SERVICE calls to endpoints outside ``allowed``, and to variables."""
    for iri in analysis.services:
        if iri is None:
            raise QueryError(
                f"SERVICE with a variable is not allowed: name the endpoint with its IRI ({_ALLOW})"
            )
        if iri not in allowed:
            raise QueryError(f"SERVICE <{iri}> is not allowed: {_ALLOW}")


def check_services(
    text: str, allowed: tuple[str, ...], prefixes: Mapping[str, str] | None = None
) -> None:
    """Refuse SERVICE calls to endpoints outside ``allowed`` (see ``analyse``)."""
    refuse_services(analyse(text, prefixes), allowed)


def check_update(
    text: str, allowed: tuple[str, ...], prefixes: Mapping[str, str] | None = None
) -> UpdateAnalysis:
    """Refuse an update that calls a SERVICE outside ``allowed`` or LOADs a document (a
    fetch from any host: the data belongs in the sources, or in a Graph Store write)."""
    analysis = analyse_update(text, prefixes)
    refuse_services(analysis, allowed)
    if analysis.loads:
        iri = analysis.loads[0]
        shown = f" <{iri}>" if iri is not None else ""
        raise QueryError(
            f"LOAD{shown} is not allowed: this endpoint fetches no documents from other "
            "hosts; add the data to the sources, or PUT it to /store with the token"
        )
    return analysis
