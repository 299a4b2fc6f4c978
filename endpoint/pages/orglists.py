"""Lists people can take away: the organisations of the home, kind, sector, municipality
and search pages as CSV (``/organisations.csv``) or as an Excel workbook
(``/organisations.xlsx``), with that page's filters, columns named in the page's language.
The search's list is ``/search/organisations.csv|xlsx`` with the search page's parameters.

CSV: UTF-8 with a byte-order mark (so that spreadsheets, Excel included, read the accents
right), comma-separated, CRLF line ends, a header row; a cell starting with ``=``, ``+``,
``-``, ``@`` or a tab is written after a ``'`` so that no spreadsheet reads it as a formula.
The workbook stores every cell as text (never a formula), with a second sheet saying what
the list is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from endpoint.http.i18n import long_date, page_language, translate
from endpoint.http.routing import get_and_head
from endpoint.pages.pagerequest import settings_of, store_of
from kg.errors import NotFound
from kg.labels import pick
from kg.publish.search import FACETS, MAX_PER_PAGE, search
from kg.publish.searchindex import index_path_for
from kg.views.model import cci, local_name
from kg.views.orgtable import COLUMNS, Table, rows, select, table

router = APIRouter()

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: what a spreadsheet would read as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class OrgList:
    title: str
    slug: str  # the file name's end
    page: str  # the path of the page the list is of
    header: list[str]
    rows: list[list[str]]


def _label(t: Table, iri: str, lang: str) -> str:
    return pick(t.labels.get(iri, {}), lang) or local_name(iri)


def _filtered(request: Request, t: Table, lang: str) -> OrgList:
    """The home page's list, or a kind's, sector's or municipality's (``kind``: the name
    of /kind/{name} or its IRI; ``sector``, ``municipality``: IRIs)."""
    base = settings_of(request).base
    params = request.query_params
    kind, sector, municipality = (
        params.get("kind"),
        params.get("sector"),
        params.get("municipality"),
    )
    title, slug, path = translate("orglist.title.all", lang), "all", "/"
    if kind:
        kind = kind if ":" in kind else cci(base) + kind
        if kind not in t.kinds:
            raise NotFound(f"kind={params.get('kind')!r} is no kind of organisation (see /kinds)")
        title, slug = _titled("kind", t, kind, lang), local_name(kind)
        path = "/kind/" + quote(local_name(kind))
    for name, iri, known in (
        ("sector", sector, t.concepts),
        ("municipality", municipality, t.municipalities),
    ):
        if not iri:
            continue
        if iri not in known:
            raise NotFound(f"{name}={iri!r} is not a {name} of the graph")
        title, slug = _titled(name, t, iri, lang), local_name(iri)
        path = "/" + iri[len(base) :] if iri.startswith(base) else iri
    chosen = select(t, kind=kind or None, sector=sector or None, municipality=municipality or None)
    page = f"{path}?{urlencode({'lang': lang})}"
    return OrgList(title, slug, page, _header(lang), rows(t, chosen, lang))


def _titled(what: str, t: Table, iri: str, lang: str) -> str:
    return translate(f"orglist.title.{what}", lang).replace("{label}", _label(t, iri, lang))


def _header(lang: str) -> list[str]:
    return [translate(f"orglist.column.{c}", lang) for c in COLUMNS]


def _searched(request: Request, t: Table, lang: str) -> OrgList:
    """The organisations among a search's hits, in its order (every page of it)."""
    settings = settings_of(request)
    params = request.query_params
    facets = {name: params.getlist(name) for name in FACETS}
    index = index_path_for(settings.store_path)
    cache = request.app.state.holder.cache()
    found: list[str] = []
    page, pages = 1, 1
    while page <= pages:
        result = search(index, params.get("q") or "", lang, facets, page, MAX_PER_PAGE, cache=cache)
        found += [h.iri for h in result.hits]
        page, pages = page + 1, result.pages
    chosen = select(t, iris=found)
    title = translate("orglist.title.search", lang)
    query = [(k, v) for k, v in params.multi_items() if k in ("q", "lang", *FACETS)]
    path = "/search?" + urlencode(query)
    return OrgList(title, "search", path, _header(lang), rows(t, chosen, lang, by_name=False))


def _safe(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _csv(found: OrgList) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)  # the csv module's default: comma, quotes where needed, CRLF
    writer.writerow(found.header)
    writer.writerows([_safe(c) for c in row] for row in found.rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _xlsx(found: OrgList, lang: str, page_url: str, made: str | None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(translate("orglist.sheet", lang))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text(value: str, font: Font | None = None) -> Cell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, even when it starts like a formula
        if font is not None:
            cell.font = font
        return cell

    for width, letter in zip((40, 24, 32, 20, 40, 32, 16, 40, 50), "ABCDEFGHI", strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([text(h, bold) for h in found.header])
    for row in found.rows:
        sheet.append([text(c) for c in row])
    about = book.create_sheet(translate("orglist.about_sheet", lang))
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 90
    facts = [
        ("orglist.about.list", found.title),
        ("orglist.about.page", page_url),
        ("orglist.about.rows", str(len(found.rows))),
    ]
    if made:
        facts.append(("orglist.about.made", long_date(made, lang)))
    for key, value in facts:
        about.append([translate(key, lang), value])
    about.append([])
    about.append([translate("orglist.about.note", lang)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _made(request: Request) -> str | None:
    """The date of the data: the serving store's build id (20261207T013842.7Z)."""
    build = settings_of(request).serving_store().name
    return f"{build[:4]}-{build[4:6]}-{build[6:8]}" if build[:8].isdigit() else None


def _answer(request: Request, found: OrgList, fmt: str, lang: str) -> Response:
    name = f"organisations-{found.slug}-{lang}.{fmt}"
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Vary": "Accept-Language",
    }
    if fmt == "csv":
        return Response(_csv(found), media_type=CSV_TYPE, headers=headers)
    page_url = str(request.base_url).rstrip("/") + found.page
    body = _xlsx(found, lang, page_url, _made(request))
    return Response(body, media_type=XLSX_TYPE, headers=headers)


def _format(fmt: str) -> str:
    if fmt not in ("csv", "xlsx"):
        raise NotFound(f"organisations.{fmt}: the lists are organisations.csv and .xlsx")
    return fmt


@get_and_head(router, "/organisations.{fmt}", response_model=None)
def organisations(fmt: str, request: Request) -> Response:
    """Every organisation, or those of one kind (``kind``), sector (``sector``) or
    municipality (``municipality``), as CSV or an Excel workbook, in ``lang``."""
    fmt = _format(fmt)
    lang = page_language(request)
    t = table(store_of(request), settings_of(request).base)
    return _answer(request, _filtered(request, t, lang), fmt, lang)


@get_and_head(router, "/search/organisations.{fmt}", response_model=None)
def searched_organisations(fmt: str, request: Request) -> Response:
    """The organisations a search finds (``q`` and the facets of /search), every page of
    them in the search's order, as CSV or an Excel workbook, in ``lang``."""
    fmt = _format(fmt)
    lang = page_language(request)
    t = table(store_of(request), settings_of(request).base)
    return _answer(request, _searched(request, t, lang), fmt, lang)
