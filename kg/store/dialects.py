"""How each SPARQL server departs from the protocols, kept out of ``kg.store.remote``.

``RemoteStore`` speaks SPARQL 1.1 Protocol and Graph Store Protocol; a ``Dialect`` says
how one server wants a request put and how its answers are read back, so that the
store's semantics hold on every server (``docs/remote-stores.md``). ``query`` and
``stream`` both build their request here and read the answer through it (mended, checked
for a cut), so pages, ``/sparql``, ``/store`` and saved queries see one behaviour:

- ``oxigraph``: the protocols as written (``oxigraph serve --union-default-graph``;
  Fuseki with ``tdb:unionDefaultGraph`` behaves the same);
- ``virtuoso`` (OpenLink Virtuoso 7): queries go as a form (it hangs on an
  ``application/sparql-query`` body), the dataset goes as ``define input:…`` pragmas with
  the query's own ``FROM`` removed (it merges the protocol's dataset with the query's
  instead of replacing it), its own graphs are left out of the list of named graphs and
  of the count, the Accept header follows the query form (it answers a CONSTRUCT with a
  SPARQL JSON table and a SELECT with N-Triples when both are offered), and its JSON is
  mended (blank nodes named ``nodeID://…``, booleans written ``1`` / ``0``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from pyoxigraph import NamedNode, QuerySolutions

from kg.errors import QueryError, StoreError
from kg.store.interface import COUNT_QUADS, GraphStore

_JSON = "application/sparql-results+json"
_NT = "application/n-triples"
#: what RemoteStore parses: SPARQL JSON for solutions and booleans, N-Triples for graphs
ACCEPT_ANY = f"{_JSON}, {_NT};q=0.9"

#: Virtuoso's own graphs in a fresh database: its RDF views' metadata, the LDP vocabulary,
#: its service description. Part of its union default graph unless excluded.
VIRTUOSO_SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
#: a graph that holds nothing: the dataset part a caller leaves out is this one, empty
EMPTY_GRAPH = "urn:x-kg:empty-graph"

#: how the named graphs are listed, on a server that follows the protocols
ALL_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"

_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")'
    rb'([01])"'
)


@dataclass(frozen=True)
class QueryRequest:
    """What to send for one query: URL parameters, body and headers."""

    params: list[tuple[str, str]]
    headers: dict[str, str]
    content: bytes | None = None
    data: dict[str, str] | None = None


def _as_is(body: bytes) -> bytes:
    return body


@dataclass(frozen=True)
class Dialect:
    """What one kind of server does its own way; ``OXIGRAPH`` is the protocols as written."""

    name: str
    #: update and Graph Store URLs, relative to the query URL, where settings give none
    update_path: str | None = None
    gsp_path: str | None = None
    #: the parameter that names a graph in the Graph Store Protocol
    graph_param: str = "graph"
    #: the query as a form field rather than an ``application/sparql-query`` body
    form_queries: bool = False
    #: the dataset as Virtuoso ``define input:…`` pragmas, one Accept per query form
    pragmas: bool = False
    #: graphs of the server itself, left out of ``named_graphs`` and ``triple_count``
    system_graphs: tuple[str, ...] = ()
    #: how the named graphs are listed (Virtuoso answers ``GRAPH ?g {}`` with one empty row)
    named_graphs_query: str = ALL_GRAPHS
    #: mends a SPARQL JSON answer before pyoxigraph parses it; it never spans a ``}``
    mend_json: Callable[[bytes], bytes] = field(default=_as_is)
    #: the header by which the server says it cut an answer at its row cap
    cut_header: str | None = None

    def check_whole(self, headers: Mapping[str, str], reads: int | None = None) -> None:
        """Refuse an answer the server cut short: a part of the graph taken for all of it
        would make a build publish, or a page show, less than there is. ``reads``: the
        rows the caller reads at most (a streamed answer's cap reads one more to know it is
        truncated); a cut beyond them changes nothing it writes."""
        if not self.cut_header or self.cut_header not in headers:
            return
        at = headers[self.cut_header]
        if reads is not None and at.isdigit() and int(at) > reads:
            return
        raise StoreError(
            f"the {self.name} server cut the answer at {at} rows "
            "(Virtuoso: raise [SPARQL] ResultSetMaxRows in virtuoso.ini)"
        )

    def mended(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``mend_json`` over a body that arrives in chunks: each piece is cut after its
        last ``}``, which no mended pattern spans, and the rest held for the next."""
        if self.mend_json is _as_is:
            yield from chunks
            return
        held: list[bytes] = []
        for chunk in chunks:
            cut = chunk.rfind(b"}") + 1
            if not cut:
                held.append(chunk)
                continue
            yield self.mend_json(b"".join([*held, chunk[:cut]]))
            held = [chunk[cut:]]
        if any(held):
            yield self.mend_json(b"".join(held))

    def urls(
        self, query: str, update: str | None, gsp: str | None
    ) -> tuple[str, str | None, str | None]:
        """The query, update and Graph Store URLs: the settings', else the dialect's own."""
        if update is None and self.update_path:
            update = urljoin(query, self.update_path)
        if gsp is None and self.gsp_path:
            gsp = urljoin(query, self.gsp_path)
        return query, update, gsp

    def query_request(
        self, text: str, default_graph: list[str] | None, named_graphs: list[str] | None
    ) -> QueryRequest:
        """The request for one query over the dataset the caller names (None: the store's
        own; an empty default graph list: an empty default graph)."""
        if not self.pragmas:
            if default_graph is not None and not default_graph:
                default_graph = [EMPTY_GRAPH]  # the protocol has no word for "no default graph"
            params = [("default-graph-uri", g) for g in default_graph or []]
            params += [("named-graph-uri", g) for g in named_graphs or []]
            headers = {"Content-Type": "application/sparql-query", "Accept": ACCEPT_ANY}
            return QueryRequest(params, headers, content=text.encode())
        accept = _accept_for(text)
        text = _with_dataset(text, default_graph, named_graphs)
        if self.form_queries:
            return QueryRequest([], {"Accept": accept}, data={"query": text})
        headers = {"Content-Type": "application/sparql-query", "Accept": accept}
        return QueryRequest([], headers, content=text.encode())


def _accept_for(text: str) -> str:
    """One format per query form: a server that ranks formats its own way cannot answer a
    CONSTRUCT with a table of bindings."""
    from kg.sparql.analysis import query_form

    try:
        form = query_form(text)
    except QueryError:
        return ACCEPT_ANY  # the server's parser will say what is wrong
    return _NT if form == "graph" else _JSON


def _dataset_clauses(text: str) -> list[tuple[bool, int, int]]:
    """Each ``FROM`` / ``FROM NAMED`` clause of the query: named or not, where it starts
    and ends (read from its tokens, so strings and comments are left alone)."""
    from kg.sparql.lexer import tokens

    toks = tokens(text)
    clauses: list[tuple[bool, int, int]] = []
    i = 0
    while i < len(toks):
        if toks[i].upper == "FROM":
            named = i + 1 < len(toks) and toks[i + 1].upper == "NAMED"
            j = i + 2 if named else i + 1
            if j < len(toks) and toks[j].kind in ("iri", "pname"):
                clauses.append((named, toks[i].start, toks[j].start + len(toks[j].text)))
                i = j
        i += 1
    return clauses


def without_dataset_clauses(text: str) -> str:
    """The query with its ``FROM`` and ``FROM NAMED`` clauses taken out."""
    for _, start, end in reversed(_dataset_clauses(text)):
        text = text[:start] + " " + text[end:]
    return text


def _with_dataset(
    text: str,
    default_graph: list[str] | None,
    named_graphs: list[str] | None,
) -> str:
    """A caller's dataset as Virtuoso pragmas, which replace the query's own ``FROM``
    once it is taken out (the Protocol's rule; Virtuoso would merge the two). On one
    line, so that the server's error messages keep the query's line numbers.

    Without one, the query goes as it is, but for a ``FROM`` without ``FROM NAMED``:
    SPARQL then has no named graphs, Virtuoso would keep all of them. (Its
    ``input:default-graph-exclude`` pragma would hide its system graphs from the union,
    but it also empties every ``GRAPH <iri> { … }`` pattern (7.2.5), so they stay in the
    union default graph and only ``named_graphs`` and ``triple_count`` leave them out.)"""
    if not (default_graph or named_graphs):
        if "from" not in text.lower():
            return text
        try:
            kinds = {named for named, _, _ in _dataset_clauses(text)}
        except QueryError:
            return text  # the server's parser will say what is wrong
        if kinds == {False}:
            return f"define input:named-graph-uri {NamedNode(EMPTY_GRAPH)} {text}"
        return text
    pragmas = [
        f"define input:default-graph-uri {NamedNode(g)}" for g in default_graph or [EMPTY_GRAPH]
    ]
    pragmas += [
        f"define input:named-graph-uri {NamedNode(g)}" for g in named_graphs or [EMPTY_GRAPH]
    ]
    return " ".join(pragmas) + " " + without_dataset_clauses(text)


def count_quads(store: GraphStore, system_graphs: tuple[str, ...]) -> int:
    """Triples in all named graphs but the server's own."""
    rows = store.query(COUNT_QUADS)
    assert isinstance(rows, QuerySolutions)
    return sum(int(r["n"].value) for r in rows if r["g"].value not in system_graphs)


def _mend_virtuoso_json(body: bytes) -> bytes:
    """Blank nodes as plain labels (``nodeID://b1`` is no blank node label pyoxigraph
    accepts) and booleans in their canonical form (Virtuoso writes ``1`` and ``0``)."""
    body = _BNODE.sub(rb"\1", body)
    return _BOOLEAN.sub(
        lambda m: m.group(1) + (b'true"' if m.group(2) == b"1" else b'false"'), body
    )


OXIGRAPH = Dialect("oxigraph")
VIRTUOSO = Dialect(
    "virtuoso",
    update_path="sparql-auth",
    gsp_path="sparql-graph-crud-auth",
    form_queries=True,
    pragmas=True,
    system_graphs=VIRTUOSO_SYSTEM_GRAPHS,
    # GROUP BY reads the graph index; DISTINCT scans every quad (docs/remote-stores.md)
    named_graphs_query="SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    mend_json=_mend_virtuoso_json,
    cut_header="X-SPARQL-MaxRows",
)
DIALECTS = {d.name: d for d in (OXIGRAPH, VIRTUOSO)}
