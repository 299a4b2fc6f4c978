"""Saved queries: the .rq files under queries/, found by name, checked, and run.

The file format is docs/saved-queries.md: a header (``kg.saved.header``), then the SPARQL
text (checked by ``kg.saved.sparqlcheck``). ``get`` and ``load_all`` parse and check a
file; problems are ``QueryFileError`` naming the file and line."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions

from kg.errors import NotFound, QueryError, QueryFileError
from kg.federation import views
from kg.federation.views import MAP, find_mark
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.saved.header import CHARTS, NAME, parse_header, read_header
from kg.saved.model import SavedQuery
from kg.saved.parameters import bind
from kg.saved.sparqlcheck import check_sparql, grouped, projected
from kg.settings import Settings
from kg.sparql.analysis import query_form
from kg.store import GraphStore, QueryResult, Term

#: what other modules reach through this one
__all__ = [
    "CHARTS",
    "QueryFileError",
    "SavedQuery",
    "bind_query",
    "first_column",
    "get",
    "grouped",
    "load",
    "load_all",
    "load_valid",
    "local_text",
    "names",
    "parse",
    "projected",
    "queries_dir",
    "read_header",
    "run",
]


def queries_dir(settings: Settings) -> Path:
    return settings.root / "queries"


def names(settings: Settings) -> list[str]:
    return sorted(p.stem for p in queries_dir(settings).glob("*.rq"))


def _path(settings: Settings, name: str) -> Path:
    path = queries_dir(settings) / f"{name}.rq"
    if not NAME.fullmatch(name) or not path.is_file():
        known = ", ".join(names(settings)) or "none"
        raise NotFound(f"no saved query named {name!r} in queries/ (known: {known})")
    return path


def load(settings: Settings, name: str) -> str:
    """The file's text, unchecked."""
    path = queries_dir(settings) / f"{name}.rq"
    if not path.is_file() or path.parent != queries_dir(settings):
        known = ", ".join(names(settings)) or "none"
        raise NotFound(f"no saved query named {name!r} in queries/ (known: {known})")
    return path.read_text(encoding="utf-8")


def _display(settings: Settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def parse(text: str, name: str, file: str | None = None, base: str | None = None) -> SavedQuery:
    """Parse and check one saved query: the header, the SPARQL syntax, and that every
    parameter is projected. QueryFileError names the file and line of the first problem."""
    file = file or f"queries/{name}.rq"
    prefixes = all_prefixes(base or DEFAULT_BASE)
    if not NAME.fullmatch(name):
        raise QueryFileError(
            file, 1, f"{name!r} is not a saved query name: lower-case words joined by `-`"
        )
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header = parse_header(lines, name, file, prefixes)
    body = "\n".join(lines[header.end :])
    after = header.end + 1
    if not body.strip():
        raise QueryFileError(file, after, "no SPARQL text after the header")
    try:
        form = query_form(body)
    except QueryError as err:
        raise QueryFileError(file, after, str(err)) from None
    if form == "graph":
        raise QueryFileError(
            file, after, "a saved query is a SELECT or ASK query (not CONSTRUCT/DESCRIBE)"
        )
    query = SavedQuery(
        name=name,
        titles=header.titles,
        descriptions=header.descriptions,
        tags=header.tags,
        chart=header.chart,
        kpi=header.kpi,
        params=header.params,
        text=text,
        form=form,
        file=file,
        lines=header.param_lines,
        kpi_line=header.kpi_line,
        snapshot=header.snapshot,
        columns=header.columns,
        coverage=header.coverage,
        past=header.past,
        federated=header.federated,
    )
    check_sparql(query, prefixes)
    if query.federated is not None:
        _check_federated(query, body, header.federated_line)
    return query


def _check_federated(query: SavedQuery, body: str, line: int) -> None:
    """A federated query names its view once and says which map each row is from."""
    try:
        find_mark(body)
    except QueryError as err:
        raise QueryFileError(query.file, line, f"federated: {err}") from None
    if query.form != "solutions" or MAP not in (projected(query.text) or set()):
        raise QueryFileError(
            query.file,
            line,
            f"federated: a federated query is a SELECT that projects ?{MAP} (and groups by it "
            "in an aggregate query): each row says which map it is from",
        )
    groups = grouped(query.text)
    if groups is not None and MAP not in groups:
        raise QueryFileError(query.file, line, f"federated: add ?{MAP} to GROUP BY")


def local_text(settings: Settings, query: SavedQuery) -> str:
    """The text run on this map: a federated query's view read from this store alone."""
    if query.federated is None:
        return query.text
    return views.local_text(query.text, settings.base)


# --- loading ----------------------------------------------------------------------------


def get(settings: Settings, name: str) -> SavedQuery:
    """One saved query, checked. NotFound if there is none by that name."""
    path = _path(settings, name)
    query = parse(path.read_text(encoding="utf-8"), name, _display(settings, path), settings.base)
    for param in query.params:
        target = param.values_query
        if target is not None and not (queries_dir(settings) / f"{target}.rq").is_file():
            raise QueryFileError(
                query.file,
                query.lines[param.name],
                f"param `{param.name}`: values=query:{target} names no saved query",
            )
    return query


def load_valid(settings: Settings) -> tuple[list[SavedQuery], list[QueryFileError]]:
    """Every saved query that passes the checks, and the problems of the others (a server
    keeps serving the good ones; the tests require none to fail)."""
    found: dict[str, SavedQuery] = {}
    problems: list[QueryFileError] = []
    for path in sorted(queries_dir(settings).glob("*.rq")):
        try:
            found[path.stem] = parse(
                path.read_text(encoding="utf-8"), path.stem, _display(settings, path), settings.base
            )
        except QueryFileError as err:
            problems.append(err)
    # a KPI is measured by one query only
    measured: dict[str, str] = {}
    for name, query in list(found.items()):
        if query.kpi is None:
            continue
        if query.kpi in measured:
            problems.append(
                QueryFileError(
                    query.file,
                    query.kpi_line,
                    f"kpi {query.kpi!r} is already measured by {measured[query.kpi]}",
                )
            )
            del found[name]
        else:
            measured[query.kpi] = query.file
    # values=query:NAME must name a good SELECT query whose parameters all have defaults,
    # and such references must not go round in a circle
    changed = True
    while changed:
        changed = False
        for name, query in list(found.items()):
            try:
                _check_references(query, found)
            except QueryFileError as err:
                problems.append(err)
                del found[name]
                changed = True
    return [found[n] for n in sorted(found)], problems


def _check_references(query: SavedQuery, found: Mapping[str, SavedQuery]) -> None:
    for param in query.params:
        target = param.values_query
        if target is None:
            continue
        line = query.lines[param.name]
        other = found.get(target)
        if other is None:
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: values=query:{target} names no valid saved query",
            )
        if other.form != "solutions":
            raise QueryFileError(
                query.file, line, f"param `{param.name}`: {target} is not a SELECT query"
            )
        needed = [p.name for p in other.params if p.required]
        if needed:
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: {target} needs parameters ({', '.join(needed)}); "
                "values=query: runs it with its defaults",
            )
    cycle = _cycle(query.name, found)
    if cycle:
        line = query.lines[next(p.name for p in query.params if p.values_query == cycle[1])]
        raise QueryFileError(
            query.file, line, "values=query: references go round: " + " -> ".join(cycle)
        )


def _cycle(start: str, found: Mapping[str, SavedQuery]) -> list[str] | None:
    """A circle of values=query: references starting at ``start``, if there is one."""

    def visit(path: list[str]) -> list[str] | None:
        query = found.get(path[-1])
        for param in query.params if query else ():
            target = param.values_query
            if target is None:
                continue
            if target in path:
                return [*path, target]
            cycle = visit([*path, target])
            if cycle:
                return cycle
        return None

    return visit([start])


def load_all(settings: Settings) -> list[SavedQuery]:
    """Every saved query, checked; the first problem found is raised."""
    queries, problems = load_valid(settings)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise QueryFileError(first.file, first.line, first.message + more)
    return queries


# --- running ----------------------------------------------------------------------------


def bind_query(
    settings: Settings,
    store: GraphStore,
    query: SavedQuery,
    raw: Mapping[str, str | None],
    *,
    ignore: Collection[str] = (),
    _seen: frozenset[str] = frozenset(),
) -> dict[str, Term]:
    """The query's parameters from strings (defaults filled in, every check done) ->
    substitutions. ParameterError names the parameter."""
    seen = _seen | {query.name}

    def allowed(target: str) -> set[str]:
        if target in seen:
            raise QueryFileError(query.file, 1, f"values=query:{target} goes round in a circle")
        return first_column(settings, store, get(settings, target), _seen=seen)

    return bind(
        query.params,
        raw,
        store,
        prefixes=all_prefixes(settings.base),
        allowed=allowed,
        ignore=ignore,
    )


def first_column(
    settings: Settings, store: GraphStore, query: SavedQuery, *, _seen: frozenset[str] = frozenset()
) -> set[str]:
    """The lexical values of the first column of a query run with its defaults."""
    subs = bind_query(settings, store, query, {}, _seen=_seen)
    text = local_text(settings, query)
    result = store.query(text, subs, prefixes=all_prefixes(settings.base))
    if not isinstance(result, QuerySolutions):
        return set()
    out: set[str] = set()
    for index, row in enumerate(result):
        if index >= settings.max_rows:
            break
        term = row[0]
        if isinstance(term, (NamedNode, Literal)):
            out.add(term.value)
    return out


def run(
    settings: Settings, store: GraphStore, query: SavedQuery, raw: Mapping[str, str | None]
) -> QueryResult:
    """Bind the parameters and run the query (for the command line and tests); a federated
    query on this map alone."""
    subs = bind_query(settings, store, query, raw)
    return store.query(local_text(settings, query), subs, prefixes=all_prefixes(settings.base))
