"""Query results as a table, CSV, TSV or SPARQL JSON, for the command line."""

from __future__ import annotations

import csv
import io
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
    """Render any query result. ``table`` is for people: prefixed names, aligned columns."""
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
    if fmt == "tsv":
        return (result.serialize(format=QueryResultsFormat.TSV) or b"").decode()
    variables = [v.value for v in result.variables]
    rows = [[_plain(row[v], prefixes) for v in variables] for row in result]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(variables)
        writer.writerows(rows)
        return buffer.getvalue()
    if limit and len(rows) > limit:
        rows = rows[:limit]
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(variables), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
