"""``/edit?entity=…``: an owner (or a moderator) edits an organisation in a form made
from the shapes (kg.accounts.shapeforms). The page's ETag is the entity's version; a save
carries it (``If-Match``, or the form's ``version``), and a save over a newer version is a
412 that shows what the entry says now beside what was sent. The edit is validated
against the shapes by the build that applies it (the change log's write path): a
refused edit is shown again with the report on its fields, and nothing is stored.
``/edit/confirm``: the owner confirms the entry as it is (its last verification)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from endpoint.accounts import relations as relationpages
from endpoint.accounts import session
from endpoint.accounts.apply import write_change
from endpoint.accounts.pages import labels, render
from endpoint.http.i18n import page_language
from endpoint.pages.pagerequest import store_of
from kg.accounts import claims, shapeforms
from kg.accounts.people import Account
from kg.errors import BadRequest, Forbidden, ValidationFailed
from kg.namespaces import ORG
from kg.views.verification import confirmation_update

router = APIRouter()
TARGET = ORG + "Organization"


def _editor(request: Request, conn: sqlite3.Connection, entity: str) -> Account:
    account = session.require_account(request, conn)
    if not (account.moderator or claims.is_owner(conn, account.id, entity)):
        raise Forbidden("only a verified owner of this organisation or a moderator can edit it")
    return account


def _page(
    request: Request,
    conn: sqlite3.Connection,
    entity: str,
    status: int = 200,
    values: dict[str, list[shapeforms.Term]] | None = None,
    **data: object,
) -> Response:
    store = store_of(request)
    form = shapeforms.form_for(store, TARGET, page_language(request))
    held = shapeforms.current(form, shapeforms.statements(store, entity))
    version = shapeforms.version(store, entity)
    found = session.current(request, conn)
    viewer = found.account if found else None
    data.setdefault("pending", relationpages.pending(request, conn, entity, form, viewer))
    data.setdefault("decided", request.query_params.get("relation", ""))
    response = render(
        request,
        conn,
        "edit.html",
        status,
        entity=entity,
        form=form,
        groups=form.grouped(page_language(request)),
        values=values or held,
        now=held,
        version=version,
        name=labels(request, [entity])[entity],
        **data,
    )
    response.headers["ETag"] = f'"{version}"'
    return response


@router.get("/edit", response_model=None, include_in_schema=False)
def edit_form(request: Request, entity: str = "") -> Response:
    with session.database(request) as conn:
        claims.web_domains(store_of(request), entity)  # 404 for what is no organisation
        _editor(request, conn, entity)
        return _page(request, conn, entity)


def _sent_version(request: Request, form: FormData) -> str:
    match = request.headers.get("if-match", "").strip().strip('"')
    return match or session.text(form, "version", 64)


@router.post("/edit", response_model=None, include_in_schema=False)
async def edit_post(request: Request) -> Response:
    with session.database(request) as conn:
        sent = await session.checked_form(request, conn)
        entity = session.text(sent, "entity", 500)
        store = store_of(request)
        claims.web_domains(store, entity)
        account = _editor(request, conn, entity)
        form = shapeforms.form_for(store, TARGET, page_language(request))
        after = shapeforms.submitted(
            form,
            lambda k: session.text(sent, k),
            lambda k: [v for v in sent.getlist(k) if isinstance(v, str)],
        )
        if _sent_version(request, sent) != shapeforms.version(store, entity):
            # someone saved first: nothing is written; the page shows their version
            return _page(request, conn, entity, 412, values=after, stale=True)
        before = shapeforms.current(form, shapeforms.statements(store, entity))
        removed, added = shapeforms.changes(form, before, after)
        # a relation to another organisation waits for its owners (endpoint.accounts.relations)
        added, proposed = relationpages.split(conn, account, form, added)
        if not removed and not added and not proposed:
            raise BadRequest("nothing was changed")
        try:
            if removed or added:
                update = shapeforms.update_text(entity, removed, added)
                role = "moderator, " if account.moderator else ""
                author = f"{role}account {account.id} (edit)"
                why = session.text(sent, "why", 2000)
                await run_in_threadpool(write_change, request, update, author, why)
        except ValidationFailed as err:
            by_path: dict[str, list[str]] = {}
            for issue in err.report.issues:
                if issue.is_error and issue.entity.strip("<>") == entity:
                    prop = (issue.property or "").strip("<>")
                    said = shapeforms.message_in(store, issue.message, page_language(request))
                    by_path.setdefault(prop, []).append(said)
            return _page(request, conn, entity, 422, values=after, issues=by_path)
        if proposed:
            await relationpages.propose(request, conn, account, entity, proposed, form)
        return _page(request, conn, entity, saved=bool(removed or added), sent=bool(proposed))


@router.post("/edit/confirm", response_model=None, include_in_schema=False)
async def confirm_post(request: Request) -> Response:
    """The owner (or a moderator) confirms the entry as it is: a change of its own, with
    ``cci:verifiedOn`` today, so that the entry counts as verified (kg.views.verification)."""
    with session.database(request) as conn:
        sent = await session.checked_form(request, conn)
        entity = session.text(sent, "entity", 500)
        claims.web_domains(store_of(request), entity)  # 404 for what is no organisation
        account = _editor(request, conn, entity)
        role = "moderator, " if account.moderator else ""
        update = confirmation_update(entity, datetime.now(UTC).date())
        author = f"{role}account {account.id} (verify)"
        await run_in_threadpool(write_change, request, update, author, "")
        return _page(request, conn, entity, confirmed=True)
