"""Numbers and links of the KPI dashboard: figures in the reader's language, and the
organisations behind a row (the search page, an organisation's page, a saved query).
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from kg.namespaces import ORG_ORGANIZATION
from kg.saved.kpi import KpiResult, KpiRow
from kg.settings import Settings

#: the measure that counts organisations
COUNT = "numberOfOrganisations"
#: search facet for each dimension column (the organisations behind a number)
FACETS = {
    "kind": "kind",
    "sector": "sector",
    "service": "service",
    "audience": "audience",
    "municipality": "municipality",
}


#: dimension column -> (saved query, its parameter) listing the organisations behind a row
DRILL_DOWN = {"relationType": ("organisations-by-in-degree", "relationType")}


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rstrip("/").rsplit("/", 1)[-1]


def is_share(measure: str) -> bool:
    name = local_name(measure)
    return name.startswith("share") or name.endswith("Share")


_SEPARATORS = {"fr": ("\u202f", ","), "nl": (".", ","), "en": (",", ".")}


def number(value: float, lang: str, *, percent: bool = False, signed: bool = False) -> str:
    """A value for people: grouped thousands, a few decimals, shares as percentages (a
    change of a share in percentage points)."""
    thousands, point = _SEPARATORS.get(lang, _SEPARATORS["en"])
    shown = value * 100 if percent else value
    if float(shown).is_integer() and abs(shown) < 1e15:
        text = f"{int(shown):,}"
    elif percent or abs(shown) >= 100:
        text = f"{shown:,.1f}"
    elif abs(shown) >= 0.01:
        text = f"{shown:,.3f}".rstrip("0").rstrip(".")
    else:  # three significant digits, never an exponent
        digits = 2 - math.floor(math.log10(abs(shown)))
        text = f"{shown:.{digits}f}"
    text = text.replace(",", "\0").replace(".", point).replace("\0", thousands)
    if signed and value > 0:
        text = "+" + text
    text = text.replace("-", "\u2212")
    if percent:
        text += "\u202fpt" if signed else "\u202f%"
    return text


def href(iri: str, base: str, lang: str) -> str:
    """The page of an entity on this server, or the IRI itself outside the base."""
    if iri.startswith(base):
        return "/" + iri[len(base) :] + "?" + urlencode({"lang": lang})
    return iri


def counts_nobody(row: KpiRow, base: str) -> bool:
    """The row counts no organisation: its count of organisations is 0 or, without one,
    every value is 0 (a search for it would list everybody, or nobody)."""
    count = row.values.get(base + "ontology#" + COUNT)
    if count is not None:
        return count == 0
    return all(v == 0 for v in row.values.values())


def organisations_link(result: KpiResult, row: KpiRow, settings: Settings, lang: str) -> str | None:
    """Where the organisations behind a row are listed, when that makes sense."""
    base = settings.base
    if result.subject_columns == ["organisation"]:
        return href(row.subjects[0], base, lang)
    if counts_nobody(row, base):
        return None
    if len(result.subject_columns) == 1 and result.subject_columns[0] in DRILL_DOWN:
        name, param = DRILL_DOWN[result.subject_columns[0]]
        if not (settings.root / "queries" / f"{name}.rq").is_file():
            return None
        return f"/queries/{name}?" + urlencode([(param, row.subjects[0]), ("lang", lang)])
    params: list[tuple[str, str]] = []
    for column, iri in zip(result.subject_columns, row.subjects, strict=True):
        if column not in FACETS:
            return None
        params.append((FACETS[column], iri))
    if result.area_column == "municipality" and row.area:
        params.append(("municipality", row.area))
    if not params:
        return None
    # only organisations (projects have sectors too), as the KPI queries count
    return "/search?" + urlencode([("kind", ORG_ORGANIZATION), *params, ("lang", lang)])
