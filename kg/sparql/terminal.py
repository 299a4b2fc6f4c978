"""Query results as a table, CSV, TSV or SPARQL JSON, for the command line.

``table`` is for people: prefixed names, language tags, aligned columns. CSV and TSV are
for spreadsheets and tools, written as the SPARQL 1.1 Query Results CSV and TSV Formats
say (https://www.w3.org/TR/sparql11-results-csv-tsv/): in CSV full IRIs, plain lexical
values, blank nodes as ``_:x``, a header of variable names and CRLF line ends; in TSV
every term in SPARQL syntax (``<iri>``, ``"text"@fr``) under a header of ``?names``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    serialize,
)

from kg.build.report import shorten
from kg.store import QueryResult

FORMATS = ("table", "csv", "tsv", "json", "ntriples", "turtle")


def _plain(term: object, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return shorten(term.value, prefixes) or term.value
    if isinstance(term, Literal):
        return term.value if term.language is None else f"{term.value}@{term.language}"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def render(result: QueryResult, fmt: str, prefixes: Mapping[str, str], limit: int = 0) -> str:
    """Render any query result; the text ends with a line end (``table``: without)."""
    if isinstance(result, QueryBoolean):
        if fmt == "json":
            return '{"head": {}, "boolean": %s}' % ("true" if bool(result) else "false")
        return "true" if bool(result) else "false"
    if not isinstance(result, QuerySolutions):
        triples: Iterable[Triple] = result
        rdf = RdfFormat.TURTLE if fmt in ("turtle", "table") else RdfFormat.N_TRIPLES
        data = serialize(
            triples, format=rdf, prefixes=dict(prefixes) if rdf == RdfFormat.TURTLE else None
        )
        return (data or b"").decode()
    if fmt == "json":
        return (result.serialize(format=QueryResultsFormat.JSON) or b"").decode()
    if fmt in ("csv", "tsv"):
        # pyoxigraph writes both formats as the W3C note says (CRLF in CSV, quoting)
        spec = QueryResultsFormat.CSV if fmt == "csv" else QueryResultsFormat.TSV
        return (result.serialize(format=spec) or b"").decode()
    variables = [v.value for v in result.variables]
    rows = [[_plain(row[v], prefixes) for v in variables] for row in result]
    if limit and len(rows) > limit:
        rows = rows[:limit]
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(variables), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
