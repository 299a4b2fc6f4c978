"""Checks of a saved query's SPARQL text beyond its header: it parses with the project's
prefixes, and every parameter can be bound (pyoxigraph binds only projected variables,
and folds BOUND of an unbound one to false)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode, Store, Variable

from kg.errors import QueryFileError
from kg.saved.model import SavedQuery
from kg.sparql.analysis import blank_lexemes
from kg.store import Term

_SYNTAX_AT = re.compile(r"error at (\d+):(\d+):?\s*")


def projected(text: str) -> set[str]:
    """Variables the outer SELECT clause names directly (not ``*``, not ``(… AS ?x)``)."""
    code, _ = blank_lexemes(text)
    select = re.search(r"\bSELECT\b", code, re.IGNORECASE)
    if select is None:
        return set()
    rest = code[select.end() :]
    stop = re.search(r"\bWHERE\b|\{|\bFROM\b", rest, re.IGNORECASE)
    clause = rest[: stop.start()] if stop else rest
    while True:  # drop (expression AS ?x), innermost parentheses first
        stripped = re.sub(r"\([^()]*\)", " ", clause)
        if stripped == clause:
            break
        clause = stripped
    return set(re.findall(r"[?$]([A-Za-z0-9_]+)", clause))


_DUMMY: dict[str, Term] = {
    "iri": NamedNode("urn:x-kg:check"),
    "string": Literal("check"),
    "language": Literal("en"),
    "integer": Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    "date": Literal("2000-01-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")),
}


def grouped(text: str) -> set[str] | None:
    """Variables of the outer GROUP BY clause; None when the outer query has none."""
    code, _ = blank_lexemes(text)
    tail = code[code.rfind("}") + 1 :]  # the outer query's solution modifiers
    group = re.search(
        r"\bGROUP\s+BY\b(.*?)(?:\bHAVING\b|\bORDER\b|\bLIMIT\b|\bOFFSET\b|$)",
        tail,
        re.IGNORECASE | re.S,
    )
    if group is None:
        return None
    return set(re.findall(r"[?$]([A-Za-z0-9_]+)", group.group(1)))


def check_sparql(query: SavedQuery, prefixes: Mapping[str, str]) -> None:
    """The SPARQL parses (with the project's prefixes), and every parameter's variable is
    projected by name (pyoxigraph binds only those), grouped in an aggregate query, and
    never tested with BOUND (pyoxigraph folds BOUND(?x) to false when no pattern binds ?x,
    substitutions or not: test an optional parameter with COALESCE(test, true))."""
    names = projected(query.text) if query.form == "solutions" else set()
    groups = grouped(query.text)
    code, _ = blank_lexemes(query.text)
    for param in query.params:
        line = query.lines.get(param.name, 1)
        if param.name not in names:
            why = (
                "an ASK query projects no variable: make it a SELECT"
                if query.form == "boolean"
                else f"add ?{param.name} to the SELECT clause by name (`SELECT *` and "
                f"`(… AS ?{param.name})` do not count), and to GROUP BY in an aggregate query"
            )
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: pyoxigraph binds only projected variables: {why}",
            )
        if groups is not None and param.name not in groups:
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: an aggregate query must have ?{param.name} in its "
                "GROUP BY too",
            )
        if re.search(rf"\bBOUND\s*\(\s*[?$]{param.name}\s*\)", code, re.IGNORECASE):
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: BOUND(?{param.name}) is always false under pyoxigraph "
                f"substitutions; test it with COALESCE(…, true) instead",
            )
    for variable in query.columns:
        if not re.search(rf"[?$]{re.escape(variable)}\b", code):
            raise QueryFileError(
                query.file, 1, f"columns: the query has no variable ?{variable} to head"
            )
    substitutions = {Variable(p.name): _DUMMY[p.type] for p in query.params}
    try:
        Store().query(query.text, prefixes=dict(prefixes), substitutions=substitutions)
    except SyntaxError as err:
        message = str(err).splitlines()[0]
        at = _SYNTAX_AT.search(message)
        # the parser names the line where it stopped, at worst the end of the file
        line = min(int(at.group(1)), len(query.text.splitlines())) if at else 1
        if query.params and "unbound" in message:
            line = min(query.lines.values())
            message += " (is a parameter's variable missing from GROUP BY?)"
        raise QueryFileError(
            query.file, max(line, 1), f"SPARQL: {_SYNTAX_AT.sub('', message)[:300]}"
        ) from None
    except Exception as err:  # evaluation-time refusals, e.g. a substitution not projected
        line = min(query.lines.values(), default=1)
        raise QueryFileError(query.file, line, f"SPARQL: {err}") from None
