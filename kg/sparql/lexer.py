"""SPARQL text as tokens, following the terminals of the SPARQL 1.1 grammar (§19.8): IRIs,
prefixed names, variables, strings, numbers, keywords and punctuation, with whitespace and
comments skipped. Nothing is evaluated; ``kg.sparql.analysis`` reads the tokens.

It is written to fail closed: where it cannot tell what a character is (an unterminated
string, a backslash outside a string, an IRI or a prefixed name), it raises ``QueryError``
instead of guessing, because a guess could hide a keyword from the checks that read it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kg.errors import QueryError

# --- terminals (SPARQL 1.1 §19.8) ---------------------------------------------------------

_BASE_CHARS = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE_CHARS + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# The grammar's ``(X | '.')* X`` (no dot at the end) is written as runs of X, and dots
# followed by X, with possessive quantifiers: the same names, without backtracking
_PN_PREFIX = f"[{_BASE_CHARS}](?:[{_CHARS}]++|\\.++(?=[{_CHARS}]))*+"
_PN_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}:]++|{_PLX}|\\.++(?=[{_CHARS}:]|{_PLX}))*+"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

#: every IRI Oxigraph accepts matches this (it refuses the characters excluded here)
IRIREF = re.compile(rf'<(?:[^\x00-\x20<>"{{}}|^`\\]++|{_UCHAR})*+>')
PNAME = re.compile(f"(?P<prefix>(?:{_PN_PREFIX})?):(?P<local>{_PN_LOCAL})?")
BNODE = re.compile(f"_:[{_U}0-9](?:[{_CHARS}]++|\\.++(?=[{_CHARS}]))*+")
VAR = re.compile(f"[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+")
STRING = re.compile(
    r"'''(?:(?:''|')?+(?:[^'\\]++|\\[\s\S]))*+'''"
    r'|"""(?:(?:""|")?+(?:[^"\\]++|\\[\s\S]))*+"""'
    r"|'(?:[^'\\\n\r]++|\\.)*+'"
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
)
NUMBER = re.compile(
    r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?"
)
LANGTAG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SKIP = re.compile(r"(?:[ \t\r\n]++|#[^\r\n]*+)++")
#: punctuation of more than one character; any other one character is punctuation too
_OPERATORS = r"<<\(|\)>>|<<|>>|\{\||\|\}|\^\^|&&|\|\||!=|<=|>="


class Token(NamedTuple):
    kind: str  # iri, pname, bnode, var, string, number, langtag, word, punct
    text: str
    start: int
    #: the text in capitals for a word (keywords match in any case), else ""
    upper: str = ""


def position(text: str, offset: int) -> str:
    """``line:column`` (1-based) of an offset, as the query parser reports them."""
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


#: Every terminal in one pattern, tried in this order at each place (the first that matches
#: wins, as the grammar's terminals are told apart by their first characters), after any
#: whitespace and comments (one match per token, not two). Brackets and separators that
#: start no longer terminal come first, as the commonest. Quotes and backslashes are no
#: punctuation, and ``_:`` is a blank node or nothing: where no alternative matches, the
#: text cannot be read.
_TOKEN = re.compile(
    f"(?:{SKIP.pattern})?+(?:"
    + "|".join(
        f"(?P<{kind}>{pattern})"
        for kind, pattern in (
            ("punct", r"\{(?!\|)|[}(,;\[\]]"),
            ("iri", IRIREF.pattern),
            ("string", STRING.pattern),
            ("var", VAR.pattern),
            ("bnode", BNODE.pattern),
            ("langtag", LANGTAG.pattern),
            ("pname", PNAME.pattern.replace("?P<prefix>", "").replace("?P<local>", "")),
            ("number", NUMBER.pattern),
            ("word", "(?!_:)" + WORD.pattern),
            ("other", _OPERATORS + r"|(?!_:)[^'\"\\]"),
        )
    )
    + ")"
)
_SKIP_ONLY = re.compile(f"(?:{SKIP.pattern})?")


def tokens(text: str) -> list[Token]:
    """The tokens of a SPARQL text. Raises ``QueryError`` where a character cannot be
    placed (the query parser would refuse the text too)."""
    out: list[Token] = []
    append = out.append
    make = tuple.__new__  # a NamedTuple's own constructor costs a Python call per token
    pos, end = 0, len(text)
    match = _TOKEN.match
    while pos < end:
        found = match(text, pos)
        if found is None:
            pos = _SKIP_ONLY.match(text, pos).end()  # type: ignore[union-attr]
            if pos == end:
                break
            char = text[pos]
            what = "string" if char in "'\"" else "character"
            raise QueryError(
                f"error at {position(text, pos)}: unexpected {what} {text[pos : pos + 12]!r}; "
                "check the quotes and backslashes there"
            )
        kind = found.lastgroup
        word = found.group(kind)  # type: ignore[arg-type]
        start = found.start(kind)  # type: ignore[arg-type]
        if kind == "word":
            append(make(Token, ("word", word, start, word.upper())))
        else:
            append(make(Token, ("punct" if kind == "other" else kind, word, start, "")))
        pos = found.end()
    return out


def unescape_iri(content: str) -> str:
    """The IRI an IRIREF's content stands for (``\\uXXXX`` and ``\\UXXXXXXXX`` decoded)."""
    return re.sub(_UCHAR, lambda m: chr(int(m.group(0)[2:], 16)), content)


def unescape_local(local: str) -> str:
    """A prefixed name's local part as it joins the namespace (``\\`` escapes removed)."""
    return re.sub(r"\\(.)", r"\1", local)
