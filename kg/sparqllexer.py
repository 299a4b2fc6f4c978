"""SPARQL text as tokens, following the terminals of the SPARQL 1.1 grammar (§19.8): IRIs,
prefixed names, variables, strings, numbers, keywords and punctuation, with whitespace and
comments skipped. Nothing is evaluated; ``kg.queryform`` reads the tokens.

It is written to fail closed: where it cannot tell what a character is (an unterminated
string, a backslash outside a string, an IRI or a prefixed name), it raises ``QueryError``
instead of guessing, because a guess could hide a keyword from the checks that read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import QueryError

# --- terminals (SPARQL 1.1 §19.8) ---------------------------------------------------------

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE_CHARS + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_BASE_CHARS}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

#: every IRI Oxigraph accepts matches this (it refuses the characters excluded here)
IRIREF = re.compile(rf'<(?:[^\x00-\x20<>"{{}}|^`\\]|{_UCHAR})*>')
PNAME = re.compile(f"(?P<prefix>(?:{_PN_PREFIX})?):(?P<local>{_PN_LOCAL})?")
BNODE = re.compile(f"_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?")
VAR = re.compile(f"[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*")
STRING = re.compile(
    r"'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
)
NUMBER = re.compile(
    r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?"
)
LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")
PUNCT = re.compile(r"<<\(|\)>>|<<|>>|\{\||\|\}|\^\^|&&|\|\||!=|<=|>=|[\s\S]")


@dataclass(frozen=True)
class Token:
    kind: str  # iri, pname, bnode, var, string, number, langtag, word, punct
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def position(text: str, offset: int) -> str:
    """``line:column`` (1-based) of an offset, as the query parser reports them."""
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def tokens(text: str) -> list[Token]:
    """The tokens of a SPARQL text. Raises ``QueryError`` where a character cannot be
    placed (the query parser would refuse the text too)."""
    out: list[Token] = []
    pos, end = 0, len(text)
    while pos < end:
        skipped = SKIP.match(text, pos)
        if skipped:
            pos = skipped.end()
            continue
        char = text[pos]
        kind, match = _match(text, pos, char)
        if match is None:
            what = "string" if char in "'\"" else "character"
            raise QueryError(
                f"error at {position(text, pos)}: unexpected {what} {text[pos : pos + 12]!r}; "
                "check the quotes and backslashes there"
            )
        out.append(Token(kind, match.group(0), pos))
        pos = match.end()
    return out


def _match(text: str, pos: int, char: str) -> tuple[str, re.Match[str] | None]:
    if char == "<":
        iri = IRIREF.match(text, pos)
        if iri:
            return "iri", iri
        return "punct", PUNCT.match(text, pos)
    if char in "'\"":
        return "string", STRING.match(text, pos)
    if char in "?$":
        var = VAR.match(text, pos)
        return ("var", var) if var else ("punct", PUNCT.match(text, pos))
    if char == "\\":
        return "punct", None  # only strings, IRIs and prefixed names hold backslashes
    if char == "_" and text.startswith("_:", pos):
        return "bnode", BNODE.match(text, pos)
    if char == "@":
        tag = LANGTAG.match(text, pos)
        return ("langtag", tag) if tag else ("punct", PUNCT.match(text, pos))
    pname = PNAME.match(text, pos)
    if pname:
        return "pname", pname
    if char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit()):
        return "number", NUMBER.match(text, pos)
    word = WORD.match(text, pos)
    if word:
        return "word", word
    return "punct", PUNCT.match(text, pos)


def unescape_iri(content: str) -> str:
    """The IRI an IRIREF's content stands for (``\\uXXXX`` and ``\\UXXXXXXXX`` decoded)."""
    return re.sub(_UCHAR, lambda m: chr(int(m.group(0)[2:], 16)), content)


def unescape_local(local: str) -> str:
    """A prefixed name's local part as it joins the namespace (``\\`` escapes removed)."""
    return re.sub(r"\\(.)", r"\1", local)
