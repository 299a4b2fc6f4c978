"""A store on another server, reached over SPARQL 1.1 Protocol and Graph Store Protocol.

Tested against ``oxigraph serve`` and Virtuoso 7; works with any SPARQL 1.1 server
(Fuseki, QLever, GraphDB). For the union default graph, start Oxigraph with
``--union-default-graph`` (Fuseki: ``tdb:unionDefaultGraph``). What a server does its own
way is in its ``Dialect`` (kg.store.dialects), not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import httpx
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from kg.errors import QueryError, StoreError
from kg.settings import Settings
from kg.store import QueryResult, Term, count
from kg.store.dialects import DIALECTS, OXIGRAPH, Dialect, count_quads

_MEDIA = {
    RdfFormat.N_TRIPLES: "application/n-triples",
    RdfFormat.TURTLE: "text/turtle",
    RdfFormat.RDF_XML: "application/rdf+xml",
}


def values_clause(substitutions: Mapping[str, Term]) -> str:
    """``VALUES (?a ?b) { (<…> "…") }``: terms serialised by pyoxigraph, so always escaped."""
    names = " ".join(f"?{k}" for k in substitutions)
    terms = " ".join(str(v) for v in substitutions.values())
    return f"\nVALUES ({names}) {{ ({terms}) }}"


def _prologue(prefixes: Mapping[str, str] | None) -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in (prefixes or {}).items())


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
        if response.status_code == 400:
            raise QueryError(response.text.strip())
        if response.status_code >= 300:
            raise StoreError(f"{url} answered {response.status_code}: {response.text[:500]}")
        return response

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, Term] | None = None,
        *,
        prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        text = (
            _prologue(prefixes) + sparql + (values_clause(substitutions) if substitutions else "")
        )
        # --- dialect hook: how the query and its dataset are sent
        request = self.dialect.query_request(text, default_graph, named_graphs)
        response = self._post(
            self.query_url,
            "query",
            params=request.params,
            content=request.content,
            data=request.data,
            headers=request.headers,
        )
        self.dialect.check_whole(response.headers)  # --- dialect hook
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/sparql-results+json":
            body = self.dialect.mend_json(response.content)  # --- dialect hook
            return parse_query_results(body, QueryResultsFormat.JSON)
        if kind in ("application/n-triples", "text/turtle"):
            fmt = RdfFormat.N_TRIPLES if kind == "application/n-triples" else RdfFormat.TURTLE
            return [Triple(q.subject, q.predicate, q.object) for q in parse(response.content, fmt)]
        raise StoreError(f"{self.query_url} answered with unexpected content type {kind!r}")

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        self._post(
            self.update_url,
            "update",
            content=(_prologue(prefixes) + sparql).encode(),
            headers={"Content-Type": "application/sparql-update"},
        )

    def _gsp(self, method: str, path: Path, format: RdfFormat, graph: str) -> None:
        if self.gsp_url is None:
            raise StoreError("the remote store has no Graph Store Protocol URL configured")
        try:
            with open(path, "rb") as body:
                response = self.client.request(
                    method,
                    self.gsp_url,
                    params={"graph": graph},
                    content=body.read(),
                    headers={"Content-Type": _MEDIA[format]},
                )
        except httpx.HTTPError as err:
            raise StoreError(f"cannot reach {self.gsp_url}: {err}") from err
        if response.status_code >= 300:
            raise StoreError(
                f"{self.gsp_url} answered {response.status_code}: {response.text[:500]}"
            )

    def load(self, path: Path, format: RdfFormat, graph: str) -> None:
        self._gsp("POST", path, format, graph)

    def replace_graph(self, path: Path, format: RdfFormat, graph: str) -> None:
        self._gsp("PUT", path, format, graph)

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
