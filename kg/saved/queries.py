"""Saved queries: the .rq files under queries/, found by name, with their header checked.

The header format is docs/saved-queries.md: ``# key: value`` lines opening the file
(titles and descriptions in English, French and Dutch, tags, chart, an optional KPI id and
whether snapshots record it, typed parameters), then the SPARQL text. ``get`` and
``load_all`` parse and check it; problems are ``QueryFileError`` naming the file and line."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store, Variable

from kg.errors import NotFound, QueryError, QueryFileError
from kg.labels import pick
from kg.namespaces import DEFAULT_BASE, all_prefixes
from kg.saved.parameters import Param, ParamSpecError, bind, parse_params
from kg.settings import Settings
from kg.sparql.analysis import _code, query_form
from kg.store import GraphStore, QueryResult, Term

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TAG = re.compile(r"[^\W_]+(?:[ _-][^\W_]+)*")
CHARTS = ("bar", "line", "pie", "map", "network", "table")
#: header key -> (field, language)
TEXTS = {
    "title": ("titles", "en"),
    "title@fr": ("titles", "fr"),
    "title@nl": ("titles", "nl"),
    "description": ("descriptions", "en"),
    "description@fr": ("descriptions", "fr"),
    "description@nl": ("descriptions", "nl"),
}
REQUIRED = (*TEXTS, "tags", "chart")
KEYS = (*REQUIRED, "kpi", "snapshot", "param")
#: values of the ``snapshot`` key (whether ``kg snapshot`` records a KPI's values)
SNAPSHOT_VALUES = {"yes": True, "no": False}

_HEADER_LINE = re.compile(r"#\s*([^\s:]+)\s*:\s*(.*?)\s*")
_SYNTAX_AT = re.compile(r"error at (\d+):(\d+):?\s*")


@dataclass(frozen=True)
class SavedQuery:
    name: str
    titles: dict[str, str]  # {"en": …, "fr": …, "nl": …}
    descriptions: dict[str, str]
    tags: tuple[str, ...]
    chart: str
    kpi: str | None
    params: tuple[Param, ...]
    text: str  # the whole file, header included (comments to SPARQL)
    form: str = "solutions"  # "solutions" (SELECT) or "boolean" (ASK)
    file: str = ""  # as shown in messages: queries/NAME.rq
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # param -> line
    kpi_line: int = field(default=0, compare=False)
    #: whether ``kg snapshot`` records this KPI's values (``# snapshot: no`` for a KPI that
    #: shows observations carrying their own period, like published figures)
    snapshot: bool = True

    def title(self, lang: str | None) -> str:
        return pick(self.titles, lang) or self.name

    def description(self, lang: str | None) -> str:
        return pick(self.descriptions, lang) or ""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "titles": dict(self.titles),
            "descriptions": dict(self.descriptions),
            "tags": list(self.tags),
            "chart": self.chart,
            "kpi": self.kpi,
            "snapshot": self.snapshot if self.kpi else False,
            "form": "select" if self.form == "solutions" else "ask",
            "params": [p.to_dict() for p in self.params],
        }


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


# --- the header -------------------------------------------------------------------------


def read_header(text: str) -> list[tuple[int, str, str]]:
    """The ``# key: value`` lines that open the file, unchecked: [(line, key, value)].
    For tools that only want a title (the editor) and must not fail on a bare file."""
    found = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.fullmatch(line)
        if match:
            found.append((number, match.group(1).lower(), match.group(2)))
    return found


def parse(text: str, name: str, file: str | None = None, base: str | None = None) -> SavedQuery:
    """Parse and check one saved query: the header, the SPARQL syntax, and that every
    parameter is projected. QueryFileError names the file and line of the first problem."""
    file = file or f"queries/{name}.rq"
    prefixes = all_prefixes(base or DEFAULT_BASE)

    def fail(line: int, message: str) -> QueryFileError:
        return QueryFileError(file, line, message)

    if not NAME.fullmatch(name):
        raise fail(1, f"{name!r} is not a saved query name: lower-case words joined by `-`")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    values: dict[str, tuple[int, str]] = {}
    specs: list[tuple[int, str]] = []
    end = 0
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            break
        end = number
        if not line.strip("# \t"):
            continue  # a bare `#` line
        match = _HEADER_LINE.fullmatch(line)
        if not match:
            raise fail(number, "not a `# key: value` header line")
        key, value = match.group(1), match.group(2)
        if key not in KEYS:
            hint = " (English is `title` / `description`)" if key.endswith("@en") else ""
            raise fail(number, f"unknown header key {key!r}{hint}; keys: {', '.join(KEYS)}")
        if not value:
            raise fail(number, f"`{key}` has no value")
        if key == "param":
            specs.append((number, value))
        elif key in values:
            raise fail(number, f"`{key}` is given twice (first on line {values[key][0]})")
        else:
            values[key] = (number, value)
    if end == 0:
        raise fail(1, "no header: the file must open with `# title: …` and the other keys")
    for key in REQUIRED:
        if key not in values:
            raise fail(end + 1, f"the header lacks `{key}` (required: {', '.join(REQUIRED)})")

    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for key, (fld, lang) in TEXTS.items():
        (titles if fld == "titles" else descriptions)[lang] = values[key][1]

    tags_line, tags_value = values["tags"]
    tags = tuple(t.strip() for t in tags_value.split(","))
    for tag in tags:
        if not TAG.fullmatch(tag) or tag != tag.lower():
            raise fail(tags_line, f"tag {tag!r}: tags are comma-separated, lower-case words")
    if len(set(tags)) != len(tags):
        raise fail(tags_line, "a tag is given twice")

    chart_line, chart = values["chart"]
    if chart not in CHARTS:
        raise fail(chart_line, f"chart {chart!r} is not one of {', '.join(CHARTS)}")

    kpi = None
    kpi_line = 0
    if "kpi" in values:
        kpi_line, kpi = values["kpi"]
        if not NAME.fullmatch(kpi):
            raise fail(kpi_line, f"kpi {kpi!r}: an id is lower-case words joined by `-`")
    snapshot = True
    if "snapshot" in values:
        snapshot_line, snapshot_value = values["snapshot"]
        if kpi is None:
            raise fail(snapshot_line, "`snapshot` applies to a KPI: give `kpi` too, or drop it")
        if snapshot_value not in SNAPSHOT_VALUES:
            raise fail(snapshot_line, f"snapshot {snapshot_value!r}: give `yes` or `no`")
        snapshot = SNAPSHOT_VALUES[snapshot_value]

    params: list[Param] = []
    param_lines: dict[str, int] = {}
    for number, spec in specs:
        try:
            params.extend(parse_params([spec], prefixes))
        except ParamSpecError as err:
            raise fail(number, f"param: {err}") from None
        if params[-1].name in param_lines:
            raise fail(
                number,
                f"the parameter `{params[-1].name}` is declared twice "
                f"(first on line {param_lines[params[-1].name]})",
            )
        param_lines[params[-1].name] = number
        if params[-1].values_query == name:
            raise fail(number, f"param `{params[-1].name}`: values=query:{name} names itself")

    body = "\n".join(lines[end:])
    if not body.strip():
        raise fail(end + 1, "no SPARQL text after the header")
    try:
        form = query_form(body)
    except QueryError as err:
        raise fail(end + 1, str(err)) from None
    if form == "graph":
        raise fail(end + 1, "a saved query is a SELECT or ASK query (not CONSTRUCT/DESCRIBE)")
    query = SavedQuery(
        name=name,
        titles=titles,
        descriptions=descriptions,
        tags=tags,
        chart=chart,
        kpi=kpi,
        params=tuple(params),
        text=text,
        form=form,
        file=file,
        lines=param_lines,
        kpi_line=kpi_line,
        snapshot=snapshot,
    )
    check_sparql(query, prefixes)
    return query


def projected(text: str) -> set[str]:
    """Variables the outer SELECT clause names directly (not ``*``, not ``(… AS ?x)``)."""
    code, _ = _code(text)
    select = re.search(r"\bSELECT\b", code, re.IGNORECASE)
    if select is None:
        return set()
    rest = code[select.end() :]
    stop = re.search(r"\bWHERE\b|\{|\bFROM\b", rest, re.IGNORECASE)
    clause = rest[: stop.start()] if stop else rest
    while True:  # drop (expression AS ?x), innermost parentheses first
        stripped = re.sub(r"\([^()]*\)", " ", clause)
        if stripped == clause:
            break
        clause = stripped
    return set(re.findall(r"[?$]([A-Za-z0-9_]+)", clause))


_DUMMY: dict[str, Term] = {
    "iri": NamedNode("urn:x-kg:check"),
    "string": Literal("check"),
    "language": Literal("en"),
    "integer": Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    "date": Literal("2000-01-01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date")),
}


def grouped(text: str) -> set[str] | None:
    """Variables of the outer GROUP BY clause; None when the outer query has none."""
    code, _ = _code(text)
    tail = code[code.rfind("}") + 1 :]  # the outer query's solution modifiers
    group = re.search(
        r"\bGROUP\s+BY\b(.*?)(?:\bHAVING\b|\bORDER\b|\bLIMIT\b|\bOFFSET\b|$)",
        tail,
        re.IGNORECASE | re.S,
    )
    if group is None:
        return None
    return set(re.findall(r"[?$]([A-Za-z0-9_]+)", group.group(1)))


def check_sparql(query: SavedQuery, prefixes: Mapping[str, str]) -> None:
    """The SPARQL parses (with the project's prefixes), and every parameter's variable is
    projected by name (pyoxigraph binds only those), grouped in an aggregate query, and
    never tested with BOUND (pyoxigraph folds BOUND(?x) to false when no pattern binds ?x,
    substitutions or not: test an optional parameter with COALESCE(test, true))."""
    names = projected(query.text) if query.form == "solutions" else set()
    groups = grouped(query.text)
    code, _ = _code(query.text)
    for param in query.params:
        line = query.lines.get(param.name, 1)
        if param.name not in names:
            why = (
                "an ASK query projects no variable: make it a SELECT"
                if query.form == "boolean"
                else f"add ?{param.name} to the SELECT clause by name (`SELECT *` and "
                f"`(… AS ?{param.name})` do not count), and to GROUP BY in an aggregate query"
            )
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: pyoxigraph binds only projected variables: {why}",
            )
        if groups is not None and param.name not in groups:
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: an aggregate query must have ?{param.name} in its "
                "GROUP BY too",
            )
        if re.search(rf"\bBOUND\s*\(\s*[?$]{param.name}\s*\)", code, re.IGNORECASE):
            raise QueryFileError(
                query.file,
                line,
                f"param `{param.name}`: BOUND(?{param.name}) is always false under pyoxigraph "
                f"substitutions; test it with COALESCE(…, true) instead",
            )
    substitutions = {Variable(p.name): _DUMMY[p.type] for p in query.params}
    try:
        Store().query(query.text, prefixes=dict(prefixes), substitutions=substitutions)
    except SyntaxError as err:
        message = str(err).splitlines()[0]
        at = _SYNTAX_AT.search(message)
        # the parser names the line where it stopped, at worst the end of the file
        line = min(int(at.group(1)), len(query.text.splitlines())) if at else 1
        if query.params and "unbound" in message:
            line = min(query.lines.values())
            message += " (is a parameter's variable missing from GROUP BY?)"
        raise QueryFileError(
            query.file, max(line, 1), f"SPARQL: {_SYNTAX_AT.sub('', message)[:300]}"
        ) from None
    except Exception as err:  # evaluation-time refusals, e.g. a substitution not projected
        line = min(query.lines.values(), default=1)
        raise QueryFileError(query.file, line, f"SPARQL: {err}") from None


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
    result = store.query(query.text, subs, prefixes=all_prefixes(settings.base))
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
    """Bind the parameters and run the query (for the command line and tests)."""
    subs = bind_query(settings, store, query, raw)
    return store.query(query.text, subs, prefixes=all_prefixes(settings.base))
