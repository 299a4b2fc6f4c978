"""An accepted proposal becomes a change of the change log, validated and applied by the
same path as an authorised SPARQL Update (kg.build.pipeline with ``new_change``); then
the decision is recorded and the proposer told. The change's author is the deciding
account's number, never its address: the change log is published with the data."""

from __future__ import annotations

import sqlite3

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from endpoint.accounts import session
from endpoint.accounts.pages import labels
from endpoint.http.i18n import page_language, translate
from kg.accounts import claims, mail, people, proposals
from kg.build import pipeline as build
from kg.errors import BuildBusy, Conflict


def write_change(
    request: Request, update: str, author: str, why: str, reverts: int | None = None
) -> None:
    """Apply a web change through the change log's write path (a build that validates it
    first); 409 while another change is being applied. Blocking: run it in a thread."""
    try:
        build.run(session.settings(request), new_change=(update, author, None, why, reverts))
    except BuildBusy:
        raise Conflict("another change is being applied: try again in a moment") from None


async def tell(request: Request, conn: sqlite3.Connection, proposal: proposals.Proposal) -> None:
    """Mail the proposer the decision and its reason (when there is an address)."""
    to = proposals.recipient(conn, proposal)
    if to is None:
        return
    lang = page_language(request)
    body = translate(f"moderation.mail.{proposal.status}", lang)
    body = body.replace("{reason}", proposal.reason or "—").replace("{id}", str(proposal.id))
    subject = translate("moderation.mail.subject", lang)
    await run_in_threadpool(mail.send, session.settings(request), to, subject, body)


async def tell_claimant(request: Request, claim: claims.Claim) -> None:
    """Mail the claimant a moderator's decision on the claim."""
    lang = page_language(request)
    name = labels(request, [claim.entity])[claim.entity]
    body = translate("claim.mail.body", lang).replace("{name}", name)
    body = body.replace("{status}", translate(f"claim.status.{claim.status}", lang))
    body = body.replace("{reason}", claim.reason or "—")
    subject = translate("claim.mail.subject", lang)
    await run_in_threadpool(mail.send, session.settings(request), claim.email, subject, body)


async def apply_proposal(
    request: Request,
    conn: sqlite3.Connection,
    proposal: proposals.Proposal,
    moderator: people.Account | None,
    reason: str,
) -> proposals.Proposal:
    update = proposals.update_text(proposal, session.settings(request).base)
    author = f"moderator, account {moderator.id}" if moderator else f"account {proposal.account}"
    # why: the moderator's reason (published with the change); the proposer's comment was
    # written for the moderators only and stays out of it
    why = reason if moderator else ""
    await run_in_threadpool(
        write_change, request, update, f"{author} (proposal {proposal.id})", why
    )
    return proposals.decide(conn, moderator, proposal.id, "accepted", reason)
