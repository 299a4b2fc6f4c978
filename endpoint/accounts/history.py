"""``/history?entity=…``: the change sets that touched an entry, newest first (who in
plain words, when, why, and what was added and removed, by the labels of properties and
values in the page's language), with its JSON and CSV twins (``/history.json``,
``/history.csv``, or ``?format=``). A moderator, or a verified owner of every entry a
change set touched, may revert it (``POST /history/revert``): a new change set through
the write path of every edit, refused with 412 when the entry changed since the page
was read and with 409 when what the change set did has been changed again since."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pyoxigraph import Literal
from starlette.concurrency import run_in_threadpool

from endpoint.accounts import session
from endpoint.accounts.apply import write_change
from endpoint.accounts.pages import labels, redirect, render
from endpoint.http.i18n import long_date, page_language, translate
from endpoint.pages.page import Page
from endpoint.pages.pagerequest import (
    HTML,
    JSON,
    VARY,
    absolute,
    not_acceptable,
    store_of,
    wanted,
)
from kg.accounts import claims, reverts, shapeforms
from kg.accounts.people import Account
from kg.build import changes
from kg.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from kg.views.describe import exists
from kg.views.history import ChangeSet, Statement, change_iri, change_set, history, subjects

router = APIRouter()
CSV = "text/csv"
OFFERS = [HTML, JSON, CSV]
TWINS = {"html": HTML, "json": JSON, "csv": CSV}
_ACCOUNT = re.compile(r"^(moderator, )?account (\d+)$")


def who(text: str, lang: str) -> str:
    """ "account 3" -> "compte 3"; "moderator, account 3" -> "modérateur (compte 3)"."""
    if m := _ACCOUNT.match(text):
        key = "history.who.moderator" if m.group(1) else "history.who.account"
        return translate(key, lang).replace("{n}", m.group(2))
    if text == "administrator":
        return translate("history.who.administrator", lang)
    return text


def _value(page: Page, st: Statement) -> dict[str, str]:
    if isinstance(st.value, Literal):
        return {"value": st.value.value, "language": st.value.language or ""}
    return {"iri": st.value.value, "label": page.label(st.ref)[0]}


def _statement(page: Page, st: Statement) -> dict[str, Any]:
    return {
        "property": {"iri": st.predicate.iri, "label": page.label(st.predicate)[0]},
        "value": _value(page, st),
    }


def _shown(page: Page, found: ChangeSet, lang: str) -> dict[str, Any]:
    return {
        "change": found.number,
        "iri": found.iri,
        "date": found.when,
        "date_text": long_date(found.when, lang),
        "who": who(found.who, lang),
        "why": found.why,
        "reverts": changes_number(found.reverts),
        "added": [_statement(page, st) for st in found.added],
        "removed": [_statement(page, st) for st in found.removed],
        "other_statements": found.others,
    }


def changes_number(iri: str | None) -> int | None:
    if not iri:
        return None
    head = iri.rsplit("/", 1)[-1].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _may_revert(
    request: Request, conn: sqlite3.Connection, account: Account | None, found: ChangeSet
) -> bool:
    if account is None:
        return False
    if account.moderator:
        return True
    base = session.settings(request).base
    touched = subjects(store_of(request), base, found.iri)
    return bool(touched) and all(claims.is_owner(conn, account.id, e) for e in touched)


def _entity(request: Request, entity: str) -> str:
    if not entity:
        raise BadRequest("name the entry with ?entity=<its IRI>", parameter="entity")
    if not exists(store_of(request), entity, session.settings(request).base):
        raise NotFound(f"nothing is known about <{entity}>")
    return entity


def _csv(rows: list[dict[str, Any]], lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    keys = ("change", "date", "who", "why", "kind", "property", "value", "language")
    writer.writerow([translate(f"history.col.{k}", lang) for k in keys])
    for row in rows:
        for kind in ("added", "removed"):
            for st in row[kind]:
                value = st["value"]
                text = value.get("label") or value.get("value", "")
                cell = [row["change"], row["date"], row["who"], row["why"]]
                cell += [translate(f"history.{kind}", lang), st["property"]["label"], text]
                writer.writerow([*cell, value.get("language", "")])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _links(request: Request, entity: str) -> str:
    lang = page_language(request)
    query = urlencode({"entity": entity, "lang": lang})
    return ", ".join(
        f'<{absolute(request, f"/history{ext}?{query}")}>; rel="alternate"; type="{media}"'
        for ext, media in (("", HTML), (".json", JSON), (".csv", CSV))
    )


def _page(
    request: Request,
    conn: sqlite3.Connection,
    entity: str,
    media: str = HTML,
    status: int = 200,
    **data: object,
) -> Response:
    store, lang = store_of(request), page_language(request)
    page = Page(request, lang)
    base = session.settings(request).base
    sets = history(store, base, entity)
    rows = [_shown(page, found, lang) for found in sets]
    name = labels(request, [entity])[entity]
    headers = {"Vary": VARY, "Link": _links(request, entity)}
    if media == JSON:
        body = {"entity": entity, "name": name, "changes": rows}
        return JSONResponse(body, status_code=status, headers=headers)
    if media == CSV:
        filename = quote(f"history-{entity.rstrip('/').rsplit('/', 1)[-1]}-{lang}.csv")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return Response(_csv(rows, lang), status, headers, media_type=f"{CSV}; charset=utf-8")
    found = session.current(request, conn)
    account = found.account if found else None
    version = shapeforms.version(store, entity)
    for row, change in zip(rows, sets, strict=True):
        row["may_revert"] = _may_revert(request, conn, account, change)
    response = render(
        request,
        conn,
        "history.html",
        status,
        entity=entity,
        name=name,
        changes=rows,
        version=version,
        **data,
    )
    response.headers["Link"] = headers["Link"]
    response.headers["ETag"] = f'"{version}"'  # the entry's version, as on its edit form
    return response


@router.get("/history", response_model=None, include_in_schema=False)
def history_page(request: Request, entity: str = "") -> Response:
    named = request.query_params.get("format", "")
    media = TWINS.get(named) if named in TWINS else wanted(request, OFFERS)
    if media is None:
        raise not_acceptable(OFFERS, _links(request, entity))
    with session.database(request) as conn:
        reverted = request.query_params.get("reverted", "")
        done = int(reverted) if reverted.isdigit() and len(reverted) < 10 else None
        return _page(request, conn, _entity(request, entity), media, reverted=done)


@router.get("/history.{fmt}", response_model=None, include_in_schema=False)
def history_twin(request: Request, fmt: str, entity: str = "") -> Response:
    media = TWINS.get(fmt)
    if media is None:
        raise NotFound(f"history.{fmt}: the history is history.json or history.csv")
    with session.database(request) as conn:
        return _page(request, conn, _entity(request, entity), media)


def _conflict_text(page: Page, kind: str, st: Statement) -> str:
    value = _value(page, st)
    text = value.get("label") or value.get("value", "")
    key = "history.conflict.added" if kind == "added" else "history.conflict.removed"
    return (
        translate(key, page.lang)
        .replace("{property}", page.label(st.predicate)[0])
        .replace("{value}", text)
    )


@router.post("/history/revert", response_model=None, include_in_schema=False)
async def revert(request: Request) -> Response:
    with session.database(request) as conn:
        sent = await session.checked_form(request, conn)
        account = session.require_account(request, conn)
        entity = _entity(request, session.text(sent, "entity", 500))
        number = session.text(sent, "change", 12)
        if not number.isdigit():
            raise BadRequest("say which change to revert", parameter="change")
        settings = session.settings(request)
        store = store_of(request)
        stems = [c.stem for c in changes.list_changes(settings)]
        found = change_set(store, settings.base, change_iri(settings.base, int(number), stems))
        if entity not in subjects(store, settings.base, found.iri):
            raise BadRequest(f"change {found.number} did not change this entry")
        if not _may_revert(request, conn, account, found):
            raise Forbidden(
                "only a moderator, or a verified owner of every entry the change touched, "
                "can revert it"
            )
        sent_version = request.headers.get("if-match", "").strip().strip('"')
        if (sent_version or session.text(sent, "version", 64)) != shapeforms.version(store, entity):
            return _page(request, conn, entity, status=412, stale=True)
        page = Page(request, page_language(request))
        clashes = reverts.conflicts(store, settings.base, found)
        if clashes:
            texts = [_conflict_text(page, kind, st) for kind, st in clashes]
            return _page(request, conn, entity, status=409, conflicts=texts, tried=found.number)
        update = reverts.update_text(found)
        why = session.text(sent, "why", 2000)
        role = "moderator, " if account.moderator else ""
        try:
            await run_in_threadpool(
                write_change,
                request,
                update,
                f"{role}account {account.id} (revert)",
                why,
                found.number,
            )
        except ValidationFailed as err:
            texts = [i.message for i in err.report.issues if i.is_error]
            return _page(request, conn, entity, status=422, invalid=texts)
    return redirect(request, f"/history?entity={quote(entity, safe='')}&reverted={found.number}")
