"""The header of a saved query's file (docs/saved-queries.md): ``# key: value`` lines that
open it (titles and descriptions in English, French and Dutch, tags, chart, an optional
KPI id and whether snapshots record it, typed parameters, column headings).
``parse_header`` checks it; problems are ``QueryFileError`` naming the file and line."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kg.errors import QueryFileError
from kg.federation.views import VIEWS
from kg.saved.kpicoverage import FIELDS
from kg.saved.parameters import Param, ParamSpecError, parse_params

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
#: the results table's column headings per language: ``# columns@fr: kind=Type, n=Nombre``
COLUMNS = {"columns": "en", "columns@fr": "fr", "columns@nl": "nl"}
KEYS = (*REQUIRED, "kpi", "snapshot", "past", "coverage", "federated", "param", *COLUMNS)
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: values of the ``snapshot`` key (whether ``kg snapshot`` records a KPI's values)
SNAPSHOT_VALUES = {"yes": True, "no": False}

_HEADER_LINE = re.compile(r"#\s*([^\s:]+)\s*:\s*(.*?)\s*")

Fail = Callable[[int, str], QueryFileError]


@dataclass(frozen=True)
class Header:
    titles: dict[str, str]
    descriptions: dict[str, str]
    tags: tuple[str, ...]
    chart: str
    kpi: str | None
    kpi_line: int
    snapshot: bool
    params: tuple[Param, ...]
    param_lines: dict[str, int]
    #: the number of the header's last line (the SPARQL text follows it)
    end: int
    #: variable -> {language: column heading}
    columns: dict[str, dict[str, str]]
    #: the field whose coverage a KPI states (kg.saved.kpicoverage.FIELDS), or None
    coverage: str | None = None
    #: whether the KPI is computed at past dates from the dated facts (kg.saved.kpipast)
    past: bool = True
    #: the view a federated query is written over (``# federated: organisations``), or None
    federated: str | None = None
    federated_line: int = 0


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


def _entries(
    lines: list[str], fail: Fail
) -> tuple[dict[str, tuple[int, str]], list[tuple[int, str]], int]:
    """The keys given once (key -> (line, value)), the ``param`` lines, and the header's
    last line number."""
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
    return values, specs, end


def _tags(line: int, value: str, fail: Fail) -> tuple[str, ...]:
    tags = tuple(t.strip() for t in value.split(","))
    for tag in tags:
        if not TAG.fullmatch(tag) or tag != tag.lower():
            raise fail(line, f"tag {tag!r}: tags are comma-separated, lower-case words")
    if len(set(tags)) != len(tags):
        raise fail(line, "a tag is given twice")
    return tags


def _kpi(values: Mapping[str, tuple[int, str]], fail: Fail) -> tuple[str | None, int, bool]:
    """The KPI id, its line, and whether snapshots record it."""
    kpi, kpi_line = None, 0
    if "kpi" in values:
        kpi_line, kpi = values["kpi"]
        if not NAME.fullmatch(kpi):
            raise fail(kpi_line, f"kpi {kpi!r}: an id is lower-case words joined by `-`")
    if "snapshot" not in values:
        return kpi, kpi_line, True
    line, value = values["snapshot"]
    if kpi is None:
        raise fail(line, "`snapshot` applies to a KPI: give `kpi` too, or drop it")
    if value not in SNAPSHOT_VALUES:
        raise fail(line, f"snapshot {value!r}: give `yes` or `no`")
    return kpi, kpi_line, SNAPSHOT_VALUES[value]


def _past(values: Mapping[str, tuple[int, str]], kpi: str | None, fail: Fail) -> bool:
    """Whether the KPI is computed at past dates (``# past: no`` for one that measures
    the record itself, like its completeness, not the ecosystem)."""
    if "past" not in values:
        return True
    line, value = values["past"]
    if kpi is None:
        raise fail(line, "`past` applies to a KPI: give `kpi` too, or drop it")
    if value not in SNAPSHOT_VALUES:
        raise fail(line, f"past {value!r}: give `yes` or `no`")
    return SNAPSHOT_VALUES[value]


def _coverage(values: Mapping[str, tuple[int, str]], kpi: str | None, fail: Fail) -> str | None:
    """The field a KPI's coverage is counted on (``# coverage: sector``)."""
    if "coverage" not in values:
        return None
    line, value = values["coverage"]
    if kpi is None:
        raise fail(line, "`coverage` applies to a KPI: give `kpi` too, or drop it")
    if value not in FIELDS:
        raise fail(line, f"coverage {value!r} is not one of {', '.join(FIELDS)}")
    return value


def _federated(
    values: Mapping[str, tuple[int, str]], kpi: str | None, fail: Fail
) -> tuple[str | None, int]:
    """The view a federated query runs over on every map (``# federated: organisations``)."""
    if "federated" not in values:
        return None, 0
    line, value = values["federated"]
    if value not in VIEWS:
        raise fail(line, f"federated {value!r}: the views are {', '.join(VIEWS)}")
    if kpi is not None:
        raise fail(line, "a KPI is measured on this map alone: drop `federated` or `kpi`")
    return value, line


def _params(
    specs: list[tuple[int, str]], name: str, prefixes: Mapping[str, str], fail: Fail
) -> tuple[list[Param], dict[str, int]]:
    params: list[Param] = []
    lines: dict[str, int] = {}
    for number, spec in specs:
        try:
            params.extend(parse_params([spec], prefixes))
        except ParamSpecError as err:
            raise fail(number, f"param: {err}") from None
        param = params[-1]
        if param.name in lines:
            raise fail(
                number,
                f"the parameter `{param.name}` is declared twice "
                f"(first on line {lines[param.name]})",
            )
        lines[param.name] = number
        if param.values_query == name:
            raise fail(number, f"param `{param.name}`: values=query:{name} names itself")
    return params, lines


def _columns(values: Mapping[str, tuple[int, str]], fail: Fail) -> dict[str, dict[str, str]]:
    """``variable=Heading`` pairs, comma-separated, per language."""
    columns: dict[str, dict[str, str]] = {}
    for key, lang in COLUMNS.items():
        if key not in values:
            continue
        line, value = values[key]
        for item in value.split(","):
            variable, sep, heading = (part.strip() for part in item.partition("="))
            variable = variable.lstrip("?")
            if not sep or not _VARIABLE.fullmatch(variable) or not heading:
                raise fail(line, f"{key}: write `variable=Heading, …`, not {item.strip()!r}")
            columns.setdefault(variable, {})[lang] = heading
    return columns


def parse_header(lines: list[str], name: str, file: str, prefixes: Mapping[str, str]) -> Header:
    """Check the header of the file ``lines`` (of the saved query ``name``)."""

    def fail(line: int, message: str) -> QueryFileError:
        return QueryFileError(file, line, message)

    values, specs, end = _entries(lines, fail)
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for key, (fld, lang) in TEXTS.items():
        (titles if fld == "titles" else descriptions)[lang] = values[key][1]
    tags = _tags(*values["tags"], fail)
    chart_line, chart = values["chart"]
    if chart not in CHARTS:
        raise fail(chart_line, f"chart {chart!r} is not one of {', '.join(CHARTS)}")
    kpi, kpi_line, snapshot = _kpi(values, fail)
    params, param_lines = _params(specs, name, prefixes, fail)
    federated, federated_line = _federated(values, kpi, fail)
    return Header(
        titles=titles,
        descriptions=descriptions,
        tags=tags,
        chart=chart,
        kpi=kpi,
        kpi_line=kpi_line,
        snapshot=snapshot,
        params=tuple(params),
        param_lines=param_lines,
        end=end,
        columns=_columns(values, fail),
        coverage=_coverage(values, kpi, fail),
        past=_past(values, kpi, fail),
        federated=federated,
        federated_line=federated_line,
    )
