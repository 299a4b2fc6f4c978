"""An outside SPARQL endpoint asked for reconciliation (Wikidata's, or a test's `oxigraph
serve`): SELECT queries over HTTP, with the values bound as terms in a VALUES block."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)

from kg.errors import ExternalEndpointError

Term = NamedNode | Literal | BlankNode
#: where a query's text takes its bound values (a comment: the text parses without them)
VALUES_MARK = "#VALUES#"
#: rows bound per request: Wikidata's service answers large VALUES blocks slowly
BATCH = 100
#: Wikidata's User-Agent policy asks for a name and a way to reach the operator
USER_AGENT = "creative-brussels-kg/1 (kg link; https://data.creative.brussels/)"


def values_block(names: Sequence[str], rows: Sequence[Sequence[Term]]) -> str:
    """``VALUES (?a ?b) { (<…> "…"@fr) … }``: each term serialised by pyoxigraph (N-Triples
    syntax, escaped by it), so no value is ever pasted as text of its own."""
    head = " ".join(f"?{n}" for n in names)
    body = "\n".join("  (" + " ".join(str(t) for t in row) + ")" for row in rows)
    return f"VALUES ({head}) {{\n{body}\n}}"


class SparqlEndpoint:
    """One endpoint URL; ``select`` binds rows of terms into a query's VALUES mark."""

    def __init__(self, url: str, timeout: float = 60.0, contact: str | None = None) -> None:
        self.url = url
        agent = USER_AGENT if contact is None else f"{USER_AGENT[:-1]}; {contact})"
        self.client = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": agent, "Accept": "application/sparql-results+json"},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> SparqlEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def select(
        self, sparql: str, names: Sequence[str], rows: Sequence[Sequence[Term]]
    ) -> Iterator[dict[str, Term]]:
        """The solutions of ``sparql`` for every row, asked ``BATCH`` rows at a time."""
        if VALUES_MARK not in sparql:
            raise ValueError("the query has no #VALUES# mark to bind its values at")
        for start in range(0, len(rows), BATCH):
            text = sparql.replace(VALUES_MARK, values_block(names, rows[start : start + BATCH]))
            yield from self._run(text)

    def _run(self, text: str) -> Iterator[dict[str, Term]]:
        try:
            response = self.client.post(self.url, data={"query": text})
        except httpx.HTTPError as err:
            raise ExternalEndpointError(f"{self.url} cannot be reached: {err}") from None
        if response.status_code != 200:
            raise ExternalEndpointError(
                f"{self.url} answered {response.status_code}: {response.text[:300]}"
            )
        try:
            solutions = parse_query_results(response.content, QueryResultsFormat.JSON)
        except SyntaxError as err:
            raise ExternalEndpointError(
                f"{self.url} answered what is no SPARQL JSON: {err}"
            ) from None
        if not isinstance(solutions, QuerySolutions):
            raise ExternalEndpointError(f"{self.url} answered a boolean to a SELECT query")
        variables = [v.value for v in solutions.variables]
        for solution in solutions:
            row = {}
            for name in variables:
                term = solution[name]
                if term is not None:
                    row[name] = term
            yield row
