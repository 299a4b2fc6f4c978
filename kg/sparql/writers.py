"""Streaming writers for query results, with a row cap and a byte budget.

pyoxigraph serialises whole results; these write row by row to any ``write(bytes)``
sink, stop cleanly at a row boundary when a cap is reached (the document stays valid),
and report whether they truncated. SELECT/ASK: SPARQL JSON, XML, CSV, TSV.
CONSTRUCT/DESCRIBE: every RDF syntax pyoxigraph writes.

A truncated answer says so in its body wherever the format has room for a note: SPARQL
JSON a ``"truncated": true`` member, SPARQL XML, RDF/XML, Turtle, TriG, N-Triples and
N-Quads a comment. CSV, TSV and JSON-LD have no room: their HTTP headers say it, when the
answer fitted in the part held before the headers went out.

SPARQL JSON puts the member before ``results``, because pyoxigraph's parser (and so
Oxigraph's SERVICE) refuses anything after the bindings: the writer holds the rows back
(``hold`` bytes) until it knows the end. An answer larger than that is written results
first, ``{"results": …, "head": …, "truncated": true}``, which parsers accept in any
order (pyoxigraph then buffers it). Every ``write`` is whole rows, so a document cut after
any write is closed by ``closing`` (the query workers rely on it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
    serialize,
)

from kg.namespaces import XSD_STRING


class Sink(Protocol):
    def write(self, data: bytes) -> int | None: ...

    @property
    def written(self) -> int: ...


class Buffer:
    """A ``Sink`` in memory."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    @property
    def written(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Format:
    key: str  # value of the `format` parameter
    media_type: str
    kind: str  # "solutions" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE)
    rdf: RdfFormat | None = None


FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", "solutions"),
    Format("xml", "application/sparql-results+xml", "solutions"),
    Format("csv", "text/csv", "solutions"),
    Format("tsv", "text/tab-separated-values", "solutions"),
    Format("turtle", "text/turtle", "graph", RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", "graph", RdfFormat.N_TRIPLES),
    Format("rdfxml", "application/rdf+xml", "graph", RdfFormat.RDF_XML),
    Format("jsonld", "application/ld+json", "graph", RdfFormat.JSON_LD),
    Format("nquads", "application/n-quads", "graph", RdfFormat.N_QUADS),
    Format("trig", "application/trig", "graph", RdfFormat.TRIG),
)
BY_KEY = {f.key: f for f in FORMATS}
BY_MEDIA = {f.media_type: f for f in FORMATS}


@dataclass
class Outcome:
    rows: int = 0
    truncated: bool = False


#: SPARQL JSON rows held back to put the truncation note before them (see the module's notes)
HOLD = 4 * 1024 * 1024
NOTE = (
    "truncated: the answer has more than this server returns at once (row or byte cap, or "
    "the transfer limit); page with LIMIT and OFFSET, or use the data dumps"
)


class _Tally:
    """Passes writes to the sink, counting them and the bytes a writer holds back."""

    def __init__(self, sink: Sink) -> None:
        self.sink, self.total = sink, 0

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.total += len(data)
        return len(data)

    def flush(self) -> None:  # pyoxigraph's serialize flushes its output
        pass


def _within(budget: Budget, tally: _Tally, max_bytes: int | None) -> Budget:
    return lambda: budget() and (max_bytes is None or tally.total < max_bytes)


# --- terms ------------------------------------------------------------------------------


def _json_term(term: object) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


_quote = json.encoder.encode_basestring  # as json.dumps(..., ensure_ascii=False) quotes


def _json_term_text(term: object) -> str:
    """``json.dumps(_json_term(term), ensure_ascii=False)``, written directly: a SPARQL
    JSON answer is mostly this, once per cell."""
    if isinstance(term, NamedNode):
        return '{"type": "uri", "value": ' + _quote(term.value) + "}"
    if isinstance(term, Literal):
        value = '{"type": "literal", "value": ' + _quote(term.value)
        if term.language:
            return value + ', "xml:lang": ' + _quote(term.language) + "}"
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return value + ', "datatype": ' + _quote(datatype) + "}"
        return value + "}"
    if isinstance(term, BlankNode):
        return '{"type": "bnode", "value": ' + _quote(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False)


def _xml_term(term: object) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        parts = zip(("subject", "predicate", "object"), term, strict=True)
        return "<triple>" + "".join(f"<{n}>{_xml_term(t)}</{n}>" for n, t in parts) + "</triple>"
    raise TypeError(f"unexpected term {term!r}")


def _csv_field(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, (NamedNode, Literal)):
        value = term.value
    elif isinstance(term, BlankNode):
        value = f"_:{term.value}"
    else:
        value = str(term)
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _tsv_field(term: object) -> str:
    if term is None:
        return ""
    # N-Triples syntax; a raw tab would split the cell, so it is escaped like \n is
    return str(term).replace("\t", "\\t")


# --- solutions ----------------------------------------------------------------------------


Budget = Callable[[], bool]  # True while the byte budget allows one more row


def write_solutions(
    solutions: QuerySolutions,
    fmt: Format,
    sink: Sink,
    max_rows: int,
    budget: Budget,
    *,
    max_bytes: int | None = None,
    window: Window = None,
) -> Outcome:
    """``budget`` is asked before each row; ``max_bytes``, when given, caps the bytes the
    writer produced (held ones included) and lets SPARQL JSON hold rows back for its note.
    ``window``: only these rows are written; ``rows`` of the outcome counts all of them."""
    names = [v.value for v in solutions.variables]
    tally = _Tally(sink)
    rows = _capped(solutions, max_rows, _within(budget, tally, max_bytes), window)
    if fmt.key == "json":
        return _json_solutions(names, rows, tally, HOLD if max_bytes is not None else 0)
    if fmt.key == "xml":
        return _xml_solutions(names, rows, tally)
    if fmt.key == "csv":
        return _lines(",".join(_csv_field(n) for n in names), rows, names, tally, _csv_field, ",")
    if fmt.key == "tsv":
        header = "\t".join(f"?{n}" for n in names)
        return _lines(header, rows, names, tally, _tsv_field, "\t")
    raise ValueError(f"{fmt.key} is not a format for SELECT results")


def closing(fmt: Format, names: list[str]) -> bytes | None:
    """What ends a SELECT document cut after any write, saying it was cut; None for the
    formats that cannot say it (CSV, TSV): there the transfer is broken off instead."""
    if fmt.key == "json":  # a cut document is always results first (see the notes)
        return ('\n]},"head":{"vars":' + json.dumps(names) + '},"truncated":true}\n').encode()
    if fmt.key == "xml":
        return f"</results></sparql>\n<!-- {NOTE} -->\n".encode()
    return None


#: rows written of those counted: (first, how many); None for all (see ``_capped``)
Window = tuple[int, int] | None


class _capped:
    """Iterates at most ``max_rows`` rows while the budget allows; remembers if it stopped.
    With a ``window`` (paging), every row up to the cap is counted but only those in the
    window are given to the writer: one pass says both the page and the total."""

    def __init__(
        self, rows: Iterable[object], max_rows: int, budget: Budget, window: Window = None
    ) -> None:
        self.rows, self.max_rows, self.budget = iter(rows), max_rows, budget
        self.window = window
        self.outcome = Outcome()

    def __iter__(self) -> Iterator[object]:
        first, size = self.window or (0, self.max_rows)
        for row in self.rows:
            index = self.outcome.rows
            inside = first <= index < first + size
            if index >= self.max_rows or (inside and not self.budget()):
                self.outcome.truncated = True
                return
            self.outcome.rows += 1
            if inside:
                yield row


def _json_solutions(names: list[str], rows: _capped, sink: _Tally, hold: int) -> Outcome:
    head = '"head":{"vars":' + json.dumps(names) + "}"
    held: bytearray | None = bytearray() if hold > 0 else None
    results_first = False
    if held is None:
        sink.write(("{" + head + ',"results":{"bindings":[').encode())
    sep = "\n"
    keys = [(n, _quote(n) + ": ") for n in names]
    for row in rows:
        cells = [k + _json_term_text(t) for n, k in keys if (t := row[n]) is not None]  # type: ignore[index]
        piece = (sep + "{" + ", ".join(cells) + "}").encode()
        sep = ",\n"
        if held is None:
            sink.write(piece)
            continue
        held += piece
        sink.total += len(piece)
        if len(held) >= hold:  # too large to wait for the end: results first, head after
            sink.total -= len(held)
            sink.write(b'{"results":{"bindings":[' + bytes(held))
            held, results_first = None, True
    note = ',"truncated":true' if rows.outcome.truncated else ""
    if held is not None:
        sink.total -= len(held)
        start = "{" + head + note + ',"results":{"bindings":['
        sink.write(start.encode() + bytes(held) + b"\n]}}\n")
    elif results_first:
        sink.write(("\n]}," + head + note + "}\n").encode())
    else:
        sink.write(b"\n]}}\n")
    return rows.outcome


def _xml_solutions(names: list[str], rows: _capped, sink: _Tally) -> Outcome:
    head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    sink.write(
        (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>\n"
        ).encode()
    )
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(n)}>{_xml_term(row[n])}</binding>"  # type: ignore[index]
            for n in names
            if row[n] is not None  # type: ignore[index]
        )
        sink.write(f"<result>{cells}</result>\n".encode())
    end = "</results></sparql>\n"
    if rows.outcome.truncated:
        end += f"<!-- {NOTE} -->\n"
    sink.write(end.encode())
    return rows.outcome


def _lines(
    header: str,
    rows: _capped,
    names: list[str],
    sink: _Tally,
    field: Callable[[object], str],
    sep: str,
) -> Outcome:
    sink.write((header + "\r\n").encode())
    for row in rows:
        sink.write((sep.join(field(row[n]) for n in names) + "\r\n").encode())  # type: ignore[index]
    return rows.outcome


def write_boolean(value: bool, fmt: Format, sink: Sink) -> Outcome:
    text = "true" if value else "false"
    if fmt.key == "json":
        sink.write(('{"head":{},"boolean":' + text + "}\n").encode())
    elif fmt.key == "xml":
        sink.write(
            (
                '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{text}</boolean></sparql>\n"
            ).encode()
        )
    elif fmt.key == "csv":
        sink.write(f"_askResult\r\n{text}\r\n".encode())
    elif fmt.key == "tsv":
        sink.write(f"?_askResult\r\n{text}\r\n".encode())
    else:
        raise ValueError(f"{fmt.key} is not a format for ASK results")
    return Outcome(rows=1)


def write_triples(
    triples: Iterable[Triple],
    fmt: Format,
    sink: Sink,
    max_rows: int,
    budget: Budget,
    prefixes: Mapping[str, str] | None = None,
    *,
    max_bytes: int | None = None,
) -> Outcome:
    """A truncated answer ends with a comment in the syntaxes that have comments."""
    assert fmt.rdf is not None
    tally = _Tally(sink)
    capped = _capped(triples, max_rows, _within(budget, tally, max_bytes))
    pretty = fmt.rdf in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML)
    serialize(
        capped,  # type: ignore[arg-type]
        tally,  # type: ignore[arg-type]
        fmt.rdf,
        prefixes=dict(prefixes) if pretty and prefixes else None,
    )
    if capped.outcome.truncated:
        if fmt.rdf == RdfFormat.RDF_XML:
            tally.write(f"\n<!-- {NOTE} -->\n".encode())
        elif fmt.rdf != RdfFormat.JSON_LD:
            tally.write(f"\n# {NOTE}\n".encode())
    return capped.outcome


# --- a query's result, ready to write -----------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """How a query's result is written: its kind, format, what ends it when it is cut
    (made only when needed), and the writing itself, into a sink with a row cap."""

    kind: str  # "boolean", "solutions" or "graph"
    media_type: str
    closing: Callable[[], bytes | None]
    write: Callable[[Sink, int], Outcome]


def _none() -> None:
    return None


def answer_for(
    result: object,
    solutions_format: str,
    graph_format: str,
    prefixes: Mapping[str, str] | None,
    max_bytes: int,
    window: Window = None,
) -> Answer:
    """How ``result`` (a pyoxigraph query result, from any store) is written: the same
    for every backend, so the bytes do not depend on where the query ran. ``window``
    (solutions only): the rows written, see ``write_solutions``."""
    if isinstance(result, QueryBoolean):
        fmt = BY_KEY[solutions_format]
        value = bool(result)
        return Answer(
            "boolean", fmt.media_type, _none, lambda sink, _: write_boolean(value, fmt, sink)
        )
    if isinstance(result, QuerySolutions):
        solutions = result
        fmt = BY_KEY[solutions_format]
        return Answer(
            "solutions",
            fmt.media_type,
            lambda: closing(fmt, [v.value for v in solutions.variables]),
            lambda sink, rows: write_solutions(
                solutions,
                fmt,
                sink,
                rows,
                lambda: sink.written < max_bytes,
                max_bytes=max_bytes,
                window=window,
            ),
        )
    triples: Iterable[Triple] = result  # type: ignore[assignment]
    fmt = BY_KEY[graph_format]
    return Answer(
        "graph",
        fmt.media_type,
        _none,
        lambda sink, rows: write_triples(
            triples,
            fmt,
            sink,
            rows,
            lambda: sink.written < max_bytes,
            prefixes,
            max_bytes=max_bytes,
        ),
    )
