"""Federated saved queries as SPARQL texts: one per map, each the query's own text with its
view of organisations put in (docs/saved-queries.md, "Federated queries").

A federated saved query (``# federated: organisations``) is written once, in this map's
terms, over a *view* of organisations standing in its text as the one triple pattern
``?organisation <urn:kg:federated:organisations> ?map .``. The view binds ``?organisation``,
``?map`` (the map the row is from) and, where the text uses them, ``?name``, ``?kind``,
``?place``, ``?recordedUnder`` (a sector) and ``?service``.

- ``local_text``: the view read from this map's store, ``?map`` being this map's base.
- ``peer_text``: the view read from one peer through ``SERVICE <its endpoint>``: the WHERE
  pattern of its profile's mapping rule (data/alignments/profiles.ttl) as a sub-select, its
  prefixed names written out in full (the ``cci:`` of a peer built with this software is its
  own ontology) and its variables renamed ``?peer_…``; then, in this store, the peer's kinds,
  sectors and services made ours as ``kg.federation.answers`` makes them: by their path for
  a peer built with this software, else by the SKOS mappings this store holds (a kind
  without one is left out, a sector or service without one kept as the peer's IRI).

Each text names at most one SERVICE: the registry endpoint of the peer it is for."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from kg.errors import QueryError
from kg.federation.answers import peer_base, request_text
from kg.federation.registry import Peer
from kg.sparql.lexer import Token, tokens, unescape_iri, unescape_local

#: the views a federated query may name (``# federated: …``)
VIEWS = ("organisations",)
#: the predicate of the triple pattern that stands for the view
MARK = "urn:kg:federated:organisations"
#: the view's variables: the two the pattern names, then those put in when the text uses them
SUBJECT, MAP = "organisation", "map"
OPTIONAL_VARIABLES = ("name", "kind", "place", "recordedUnder", "service")
#: the most rows a peer's sub-select asks for (its rule's own LIMIT)
PEER_ROWS = 5000

SKOS = "http://www.w3.org/2004/02/skos/core#"
#: this map's own view, one line per variable; {base} is the map's base
LOCAL_LINES = {
    SUBJECT: "?organisation a <http://www.w3.org/ns/org#Organization> .",
    "name": f"OPTIONAL {{ ?organisation <{SKOS}prefLabel> ?name }}",
    "kind": 'OPTIONAL { ?organisation a ?kind FILTER(STRSTARTS(STR(?kind), "{base}ontology#")) }',
    "place": "OPTIONAL { ?organisation <{base}ontology#placeName> ?place }",
    "recordedUnder": "OPTIONAL { ?organisation <{base}ontology#sector> ?recordedUnder }",
    "service": "OPTIONAL { ?organisation <{base}ontology#offersService> ?service }",
}
#: what each view variable is read from in a peer's rule (schema.org's own kinds come as
#: ``?extra``: schema:additionalType)
RULE_VARIABLES = {
    SUBJECT: ("o",),
    "name": ("name",),
    "kind": ("kind", "extra"),
    "place": ("place",),
    "recordedUnder": ("sector",),
    "service": ("service",),
}
#: of our terms, the concepts and classes a peer's term may be mapped to
OURS = {"kind": "ontology#", "recordedUnder": "id/concept/", "service": "id/concept/"}


@dataclass(frozen=True)
class Mark:
    """Where the view's triple pattern stands in a text (character offsets)."""

    start: int
    end: int


def find_mark(text: str) -> Mark:
    """The view's triple pattern, exactly once. QueryError otherwise."""
    toks = tokens(text)
    found: list[Mark] = []
    for i, token in enumerate(toks):
        if token.kind == "iri" and unescape_iri(token.text[1:-1]) == MARK:
            before, after = toks[i - 1] if i else None, toks[i + 1] if i + 1 < len(toks) else None
            if (
                before is None
                or after is None
                or before.text != "?" + SUBJECT
                or after.text != "?" + MAP
            ):
                raise QueryError(
                    f"write the view as `?{SUBJECT} <{MARK}> ?{MAP} .` "
                    "(those two variables, in that order)"
                )
            end = after.start + len(after.text)
            dot = toks[i + 2] if i + 2 < len(toks) else None
            if dot is not None and dot.text == ".":
                end = dot.start + 1
            found.append(Mark(before.start, end))
    if len(found) != 1:
        raise QueryError(
            f"a federated query names its view once, as `?{SUBJECT} <{MARK}> ?{MAP} .` "
            f"(found {len(found)} times)"
        )
    return found[0]


def used(text: str, mark: Mark) -> list[str]:
    """The optional view variables the text uses outside the view's pattern."""
    names = {
        t.text[1:] for t in tokens(text[: mark.start] + " " + text[mark.end :]) if t.kind == "var"
    }
    return [v for v in OPTIONAL_VARIABLES if v in names]


def _put(text: str, mark: Mark, group: str) -> str:
    return text[: mark.start] + group + text[mark.end :]


def local_text(text: str, base: str) -> str:
    """The query on this map alone."""
    mark = find_mark(text)
    lines = [LOCAL_LINES[SUBJECT]] + [LOCAL_LINES[v] for v in used(text, mark)]
    lines.append(f"BIND({NamedNode(base)} AS ?{MAP})")
    body = "\n    ".join(line.replace("{base}", base) for line in lines)
    return _put(text, mark, "{\n    " + body + "\n  }")


def _rule_pattern(rule: str) -> str:
    """The WHERE group of a CONSTRUCT rule, prefixed names written out, variables renamed
    ``?peer_…``, the searched text (``?q``) left unbound."""
    toks = tokens(rule)
    prefixes: dict[str, str] = {}
    i = 0
    while i + 2 < len(toks) and toks[i].upper == "PREFIX":
        prefixes[toks[i + 1].text[:-1]] = unescape_iri(toks[i + 2].text[1:-1])
        i += 3
    where = next((k for k, t in enumerate(toks) if t.upper == "WHERE"), None)
    if where is None or where + 1 >= len(toks) or toks[where + 1].text != "{":
        raise QueryError("the profile's mapping rule has no WHERE group")
    depth, k = 0, where + 1
    out: list[str] = []
    last = toks[k].start
    while k < len(toks):
        token = toks[k]
        depth += token.text == "{"
        depth -= token.text == "}"
        # the text between tokens kept as it is (``BNODE()`` must stay one piece)
        out.append(rule[last : token.start] + _written(token, prefixes))
        last = token.start + len(token.text)
        if depth == 0:
            break
        k += 1
    if depth:
        raise QueryError("the profile's mapping rule has an unclosed WHERE group")
    return "".join(out)


def _written(token: Token, prefixes: dict[str, str]) -> str:
    if token.kind == "var":
        return "?peer_" + token.text[1:]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix not in prefixes:
            raise QueryError(f"the profile's mapping rule uses an undeclared prefix {prefix}:")
        return str(NamedNode(prefixes[prefix] + unescape_local(local)))
    return token.text


def _mapped(variable: str, sources: tuple[str, ...], base: str, theirs: str | None) -> list[str]:
    """Lines that make the peer's terms of ``variable`` ours (see the module's notes)."""
    if variable not in OURS:
        (source,) = sources
        return [f"BIND(?peer_{source} AS ?{variable})"]
    ours = base + OURS[variable]
    lines: list[str] = []
    if len(sources) > 1:  # several rule variables give the view's one: a row for each
        which = f"?peer_{variable}_from"
        numbers = " ".join(str(i) for i in range(len(sources)))
        choice = f"?peer_{sources[-1]}"
        for i in range(len(sources) - 2, -1, -1):
            choice = f"IF({which} = {i}, ?peer_{sources[i]}, {choice})"
        lines.append(f"VALUES {which} {{ {numbers} }}")
        lines.append(f"BIND({choice} AS ?peer_{variable}_term)")
    else:
        lines.append(f"BIND(?peer_{sources[0]} AS ?peer_{variable}_term)")
    term = f"?peer_{variable}_term"
    path = f"?peer_{variable}_path"
    if theirs and theirs != base:
        lines.append(
            f'BIND(IF(STRSTARTS(STR({term}), "{theirs}"), '
            f'IRI(CONCAT("{base}", STRAFTER(STR({term}), "{theirs}"))), {term}) AS {path})'
        )
    else:
        lines.append(f"BIND({term} AS {path})")
    # the lookup key is always bound (an unbound one would match every mapping)
    key = f"?peer_{variable}_key"
    match = f"?peer_{variable}_match"
    lines.append(f"BIND(COALESCE({path}, <urn:kg:federated:none>) AS {key})")
    skos = f"<{SKOS}exactMatch>|<{SKOS}closeMatch>|^<{SKOS}exactMatch>|^<{SKOS}closeMatch>"
    lines.append(f'OPTIONAL {{ {key} {skos} {match} FILTER(STRSTARTS(STR({match}), "{ours}")) }}')
    own = f'IF(STRSTARTS(STR({path}), "{ours}"), {path}, {match})'
    kept = "" if variable == "kind" else f", {term}"
    lines.append(f"BIND(COALESCE({own}{kept}) AS ?{variable})")
    return lines


def peer_text(text: str, peer: Peer, base: str, rows: int = PEER_ROWS) -> str:
    """The query on one peer's organisations, asked through SERVICE."""
    if not peer.callable or peer.endpoint is None:
        raise QueryError(f"{peer.iri} cannot be asked (no endpoint or no mapping rule)")
    mark = find_mark(text)
    wanted = [SUBJECT, *used(text, mark)]
    pattern = _rule_pattern(request_text(peer, None, base))
    projected = sorted({f"?peer_{s}" for v in wanted for s in RULE_VARIABLES[v]})
    lines = [
        f"SERVICE {NamedNode(peer.endpoint)} {{",
        f"  SELECT DISTINCT {' '.join(projected)} WHERE {pattern}",
        f"  LIMIT {int(rows)}",
        "}",
    ]
    theirs = peer_base(peer)
    for variable in wanted:
        lines += _mapped(variable, RULE_VARIABLES[variable], base, theirs)
    lines.append(f"BIND({NamedNode(peer.iri)} AS ?{MAP})")
    return _put(text, mark, "{\n    " + "\n    ".join(lines) + "\n  }")
