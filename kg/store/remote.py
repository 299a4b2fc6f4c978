"""A store on another server, reached over SPARQL 1.1 Protocol and Graph Store Protocol.

Tested against ``oxigraph serve`` and Virtuoso 7; works with any SPARQL 1.1 server
(Fuseki, QLever, GraphDB…). For the union default graph, start Oxigraph with
``--union-default-graph`` (Fuseki: ``tdb:unionDefaultGraph``). What a server does its own
way is in its ``Dialect`` (kg.store.dialects), not here.

``query`` and ``stream`` send the same request, built by the dialect, and read the answer
through it (JSON mended, an answer the server cut refused). ``stream`` asks the server for
SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE) and re-writes the answer in
the requested format with the project's own writers (kg.sparql.writers), under the same
row and byte caps, time and transfer limits and error types as the embedded store's
workers: the bytes do not depend on the backend.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, BinaryIO

import httpx
from pyoxigraph import (
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from kg.errors import QueryError, QueryTimeout, StoreError
from kg.settings import Settings
from kg.store.cache import REMOTE_MAX_AGE, StoreCache
from kg.store.dialects import DIALECTS, OXIGRAPH, Dialect, count_quads
from kg.store.interface import DEFAULT_LIMITS, Limits, QueryResult, QueryRun, Term, count, prefetch
from kg.store.streaming import answer_messages

_MEDIA = {
    RdfFormat.N_TRIPLES: "application/n-triples",
    RdfFormat.TURTLE: "text/turtle",
    RdfFormat.RDF_XML: "application/rdf+xml",
    RdfFormat.N_QUADS: "application/n-quads",
}
GRAPH_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"
_SOLUTIONS = "application/sparql-results+json"


def values_clause(substitutions: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (<…> "…") }``: terms serialised by pyoxigraph, so always escaped."""
    names = " ".join(f"?{k}" for k in substitutions)
    terms = " ".join(str(v) for v in substitutions.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


def query_text(
    sparql: str,
    prefixes: Mapping[str, str] | None,
    substitutions: Mapping[str, Term] | None,
    base_iri: str | None,
) -> str:
    """The text sent: a prologue (the base as pyoxigraph's ``base_iri`` would resolve it,
    the prefixes), the query, its bindings as a trailing VALUES clause."""
    base = f"BASE {NamedNode(base_iri)}\n" if base_iri else ""
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())
    bound = values_clause(substitutions) if substitutions else ""
    return base + prologue + sparql + bound


def _check(url: str, response: httpx.Response) -> None:
    if response.status_code == 400:
        response.read()
        raise QueryError(response.text.strip()[:2000])
    if response.status_code >= 300:
        response.read()
        raise StoreError(f"{url} answered {response.status_code}: {response.text[:500]}")


class _Body(io.RawIOBase):
    """An HTTP response body as a file, for pyoxigraph's parsers to read as it comes."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.rest:
            self.rest = next(self.chunks, b"")
            if not self.rest:
                return 0
        size = min(len(buffer), len(self.rest))
        buffer[:size], self.rest = self.rest[:size], self.rest[size:]
        return size


class RemoteStore:
    def __init__(
        self,
        query_url: str,
        update_url: str | None,
        gsp_url: str | None,
        timeout: float = 60,
        *,
        dialect: Dialect = OXIGRAPH,
        auth: tuple[str, str] | None = None,
    ) -> None:
        # --- dialect hook: URLs the dialect derives, digest auth for the server's writes
        self.dialect = dialect
        query_url, update_url, gsp_url = dialect.urls(query_url, update_url, gsp_url)
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self.client = httpx.Client(timeout=timeout, auth=httpx.DigestAuth(*auth) if auth else None)
        self.cache = StoreCache(max_age=REMOTE_MAX_AGE)  # other clients may write to it

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        assert settings.remote_query_url
        user, password = settings.remote_user, settings.remote_password
        return cls(
            settings.remote_query_url,
            settings.remote_update_url,
            settings.remote_gsp_url,
            dialect=DIALECTS[settings.remote_dialect],
            auth=(user, password or "") if user else None,
        )

    def _post(self, url: str | None, what: str, **kwargs: object) -> httpx.Response:
        if url is None:
            raise StoreError(f"the remote store has no {what} URL configured")
        try:
            response = self.client.post(url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError as err:
            raise StoreError(f"cannot reach {url}: {err}") from err
        _check(url, response)
        return response

    def _request(
        self,
        sparql: str,
        default_graph: list[str] | None,
        named_graphs: list[str] | None,
        timeout: float | None = None,
    ) -> httpx.Request:
        # --- dialect hook: how the query and its dataset are sent (form, pragmas, Accept)
        sent = self.dialect.query_request(sparql, default_graph, named_graphs)
        return self.client.build_request(
            "POST",
            self.query_url,
            params=tuple(sent.params),
            content=sent.content,
            data=sent.data,
            headers=sent.headers,
            timeout=self.client.timeout if timeout is None else httpx.Timeout(timeout),
        )

    def _answer(
        self, response: httpx.Response, *, streamed: bool = False, reads: int | None = None
    ) -> QueryResult:
        """The server's answer as pyoxigraph results, mended and checked by the dialect:
        read as it arrives from a ``streamed`` response, else at once. ``reads``: the rows
        the caller reads at most (None: all of them)."""
        _check(self.query_url, response)
        self.dialect.check_whole(response.headers, reads)  # --- dialect hook
        kind = response.headers.get("content-type", "")
        solutions = kind.split(";")[0].strip() == _SOLUTIONS
        if streamed:
            chunks = response.iter_bytes()
            if solutions:
                chunks = self.dialect.mended(chunks)  # --- dialect hook
            return _parse(self.query_url, kind, io.BufferedReader(_Body(chunks)))
        body = self.dialect.mend_json(response.content) if solutions else response.content
        return _parse(self.query_url, kind, body)

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None = None,
        *,
        prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        text = query_text(sparql, prefixes, substitutions, base_iri)
        try:
            response = self.client.send(self._request(text, default_graph, named_graphs))
        except httpx.HTTPError as err:
            raise StoreError(f"cannot reach {self.query_url}: {err}") from err
        return self._answer(response)

    def stream(
        self,
        sparql: str,
        *,
        solutions_format: str = "json",
        graph_format: str = "turtle",
        limits: Limits = DEFAULT_LIMITS,
        prefixes: Mapping[str, str] | None = None,
        output_prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None,
    ) -> QueryRun:
        text = query_text(sparql, prefixes, substitutions, base_iri)
        # an idle connection for the whole time limit is a query still evaluating
        request = self._request(text, default_graph, named_graphs, limits.timeout)

        def open_result() -> tuple[QueryResult, httpx.Response]:
            try:
                response = self.client.send(request, stream=True)
            except httpx.TimeoutException as err:
                raise _timeout(limits) from err
            except httpx.HTTPError as err:
                raise StoreError(f"cannot reach {self.query_url}: {err}") from err
            try:
                return self._answer(response, streamed=True, reads=limits.max_rows), response
            except BaseException:
                response.close()
                raise

        writing = output_prefixes if output_prefixes is not None else prefixes
        formats = (solutions_format, graph_format, writing)
        return prefetch(answer_messages(open_result, formats, limits))

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        self._post(
            self.update_url,
            "update",
            content=query_text(sparql, prefixes, None, None).encode(),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _gsp(self, method: str, graph: str, body: bytes, format: RdfFormat) -> None:
        if self.gsp_url is None:
            raise StoreError("the remote store has no Graph Store Protocol URL configured")
        try:
            response = self.client.request(
                method,
                self.gsp_url,
                params={self.dialect.graph_param: graph},
                content=body,
                headers={"Content-Type": _MEDIA[format]},
            )
        except httpx.HTTPError as err:
            raise StoreError(f"cannot reach {self.gsp_url}: {err}") from err
        if response.status_code >= 300:
            raise StoreError(
                f"{self.gsp_url} answered {response.status_code}: {response.text[:500]}"
            )

    def load(self, path: Path, format: RdfFormat, graph: str) -> None:
        self._gsp("POST", graph, path.read_bytes(), format)

    def replace_graph(self, path: Path, format: RdfFormat, graph: str) -> None:
        self._gsp("PUT", graph, path.read_bytes(), format)

    def extend(self, quads: Iterable[Quad]) -> None:
        by_graph: dict[str, list[Triple]] = {}
        for q in quads:
            if not isinstance(q.graph_name, NamedNode):
                raise StoreError("the remote store takes quads in named graphs only")
            by_graph.setdefault(q.graph_name.value, []).append(q.triple)
        for graph, triples in by_graph.items():
            body = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
            self._gsp("POST", graph, body, RdfFormat.N_TRIPLES)

    def dump(self, out: IO[bytes], format: RdfFormat, graph: str | None = None) -> None:
        if graph is not None:
            serialize(self._graph(graph), out, format)
            return
        quads = (
            Quad(t.subject, t.predicate, t.object, NamedNode(g))
            for g in self.named_graphs()
            for t in self._graph(g)
        )
        serialize(quads, out, format)

    def _graph(self, graph: str) -> Iterable[Triple]:
        result = self.query(GRAPH_TRIPLES, default_graph=[graph])
        if isinstance(result, QuerySolutions) or not isinstance(result, list):
            raise StoreError(f"{self.query_url} answered a CONSTRUCT query with solutions")
        return result

    def default_graph_empty(self) -> bool:
        # with a union default graph the server's own default graph cannot be asked apart
        return False

    def named_graphs(self) -> list[str]:
        rows = self.query(self.dialect.named_graphs_query)  # --- dialect hook
        assert isinstance(rows, QuerySolutions)
        system = self.dialect.system_graphs
        return sorted(
            r["g"].value
            for r in rows
            if isinstance(r["g"], NamedNode) and r["g"].value not in system
        )

    def clear_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {NamedNode(graph)}")

    def triple_count(self, graph: str | None = None) -> int:
        if graph is None and self.dialect.system_graphs:  # --- dialect hook
            return count_quads(self, self.dialect.system_graphs)
        return count(self, graph)

    def flush(self) -> None:
        pass  # every write is a request the server has answered

    def location(self) -> Path | None:
        return None

    def unchanging(self) -> bool:
        return False  # others may write to the server

    def start(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


def _timeout(limits: Limits) -> QueryTimeout:
    return QueryTimeout(
        f"the query ran longer than the {limits.timeout:g} s limit and was stopped; "
        "narrow it down (LIMIT, more specific patterns) or use the data dumps"
    )


def _parse(url: str, content_type: str, body: bytes | BinaryIO) -> QueryResult:
    kind = content_type.split(";")[0].strip()
    try:
        if kind == "application/sparql-results+json":
            return parse_query_results(body, QueryResultsFormat.JSON)
        if kind in ("application/n-triples", "text/turtle"):
            fmt = RdfFormat.N_TRIPLES if kind == "application/n-triples" else RdfFormat.TURTLE
            triples = (Triple(q.subject, q.predicate, q.object) for q in parse(body, fmt))
            return triples if not isinstance(body, bytes) else list(triples)
    except SyntaxError as err:
        raise StoreError(f"{url} answered what does not parse as {kind}: {err}") from None
    raise StoreError(f"{url} answered with unexpected content type {kind!r}")
