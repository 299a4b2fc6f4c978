"""What a SPARQL request is, found from its text without evaluating it: the query form,
and the SERVICE endpoints it would call (refused unless allowed: a public endpoint must
not become a proxy to other hosts)."""

from __future__ import annotations

import re

from kg.errors import QueryError

# strings (long and short), IRIs, comments: removed before looking for keywords
_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_UPDATE = re.compile(
    r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE
)
_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(\S+)", re.IGNORECASE)

FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def _code(text: str) -> tuple[str, list[str]]:
    """The text with strings, IRIs and comments blanked, and the IRIs in order."""
    iris: list[str] = []

    def blank(match: re.Match[str]) -> str:
        lexeme = match.group(0)
        if lexeme.startswith("<"):
            iris.append(lexeme[1:-1])
            return f"<{len(iris) - 1}>"
        return " "

    return _LEXEMES.sub(blank, text), iris


def query_form(text: str) -> str:
    """ "solutions" (SELECT), "boolean" (ASK) or "graph" (CONSTRUCT, DESCRIBE)."""
    code, _ = _code(text)
    match = _FORM.search(code)
    if match is None:
        if _UPDATE.search(code):
            raise QueryError(
                "this is a SPARQL update: send it as `update`, not `query` (it needs a token)"
            )
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return FORMS[match.group(1).upper()]


def check_services(text: str, allowed: tuple[str, ...]) -> None:
    """Refuse SERVICE calls to endpoints outside ``allowed``."""
    code, iris = _code(text)
    for match in _SERVICE.finditer(code):
        target = match.group(1)
        iri = iris[int(target[1:-1])] if re.fullmatch(r"<\d+>", target) else target
        if iri not in allowed:
            raise QueryError(
                f"SERVICE {iri} is not allowed: this endpoint calls only the endpoints its "
                "operator lists in KG_SERVICE_ALLOW"
            )
