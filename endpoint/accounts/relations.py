"""Relations to other organisations, confirmed by the other side (kg.accounts.relations):
an owner's edit that adds one proposes it and mails the other organisation's owners;
``POST /edit/relation`` is where an owner of the other organisation, or a moderator,
confirms it (the statement is then made, as a change of the log) or declines it."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pyoxigraph import NamedNode
from starlette.concurrency import run_in_threadpool

from endpoint.accounts import session
from endpoint.accounts.apply import write_change
from endpoint.accounts.pages import labels, redirect
from endpoint.http.i18n import page_language, translate
from kg.accounts import claims, mail, people, relations, shapeforms
from kg.accounts.people import Account
from kg.errors import BadRequest, Forbidden
from kg.namespaces import ORG_ORGANIZATION

router = APIRouter()

Term = shapeforms.Term


def split(
    conn: sqlite3.Connection,
    account: Account,
    form: shapeforms.Form,
    added: list[tuple[str, Term]],
) -> tuple[list[tuple[str, Term]], list[tuple[str, Term]]]:
    """(made now, proposed): a relation to an organisation that the editor neither owns
    nor moderates waits for its owners."""
    paths = {f.path for f in form.fields if f.of_class == ORG_ORGANIZATION}
    now: list[tuple[str, Term]] = []
    later: list[tuple[str, Term]] = []
    for p, o in added:
        waits = (
            p in paths
            and isinstance(o, NamedNode)
            and not account.moderator
            and not claims.is_owner(conn, account.id, o.value)
        )
        (later if waits else now).append((p, o))
    return now, later


def owners(conn: sqlite3.Connection, entity: str) -> list[str]:
    return [c.email for c in claims.verified(conn) if c.entity == entity]


async def propose(
    request: Request,
    conn: sqlite3.Connection,
    account: Account,
    entity: str,
    proposed: list[tuple[str, Term]],
    form: shapeforms.Form,
) -> list[relations.Relation]:
    """Record each proposed relation and tell the other organisation's owners."""
    lang = page_language(request)
    names = labels(request, [entity, *(o.value for _, o in proposed)])
    base = session.settings(request).base
    made = []
    for p, o in proposed:
        found = relations.propose(conn, account.id, entity, p, o.value)
        made.append(found)
        field = next(f for f in form.fields if f.path == p)
        body = translate("relation.mail.body", lang)
        body = body.replace("{name}", names[entity]).replace("{other}", names[o.value])
        body = body.replace("{relation}", field.name(lang))
        body = body.replace("{url}", f"{base}edit?entity={quote(o.value, safe='')}")
        subject = translate("relation.mail.subject", lang)
        for to in owners(conn, o.value):
            await run_in_threadpool(mail.send, session.settings(request), to, subject, body)
    return made


def pending(
    request: Request,
    conn: sqlite3.Connection,
    entity: str,
    form: shapeforms.Form,
    account: Account | None,
) -> list[dict[str, Any]]:
    """The relations about ``entity`` waiting for confirmation, as pages show them; with
    ``may_decide`` where ``account`` may confirm them."""
    found = relations.pending_about(conn, entity)
    names = labels(request, [iri for r in found for iri in (r.subject, r.object)])
    lang = page_language(request)
    fields = {f.path: f.name(lang) for f in form.fields}
    out = []
    for r in found:
        may = account is not None and (
            account.moderator or claims.is_owner(conn, account.id, r.object)
        )
        out.append(
            {
                "id": r.id,
                "subject": names[r.subject],
                "subject_iri": r.subject,
                "relation": fields.get(r.predicate, r.predicate),
                "object": names[r.object],
                "object_iri": r.object,
                "created": r.created[:10],
                "may_decide": may,
            }
        )
    return out


@router.post("/edit/relation", response_model=None, include_in_schema=False)
async def decide(request: Request) -> Response:
    with session.database(request) as conn:
        sent = await session.checked_form(request, conn)
        account = session.require_account(request, conn)
        number = session.text(sent, "relation", 12)
        found = relations.get(conn, int(number) if number.isdigit() else 0)
        if not (account.moderator or claims.is_owner(conn, account.id, found.object)):
            raise Forbidden("only an owner of the other organisation or a moderator decides")
        decision = session.text(sent, "decision", 20)
        if found.status != "pending":  # a second click writes nothing twice
            raise BadRequest(f"relation {found.id} was decided already")
        if decision == "confirmed":
            role = "moderator, " if account.moderator else ""
            author = f"{role}account {account.id} (relation {found.id})"
            made: list[tuple[str, Term]] = [(found.predicate, NamedNode(found.object))]
            update = shapeforms.update_text(found.subject, [], made)
            await run_in_threadpool(write_change, request, update, author, "")
        found = relations.decide(conn, found.id, account.id, decision)
        if found.account is not None:
            await _tell_proposer(request, people.get(conn, found.account), found)
        where = quote(found.object, safe="")
        return redirect(request, f"/edit?entity={where}&relation={found.status}")


async def _tell_proposer(request: Request, proposer: Account, found: relations.Relation) -> None:
    lang = page_language(request)
    names = labels(request, [found.subject, found.object])
    body = translate(f"relation.decided.{found.status}", lang)
    body = body.replace("{name}", names[found.subject]).replace("{other}", names[found.object])
    subject = translate("relation.mail.subject", lang)
    await run_in_threadpool(mail.send, session.settings(request), proposer.email, subject, body)
