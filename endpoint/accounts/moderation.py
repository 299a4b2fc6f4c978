"""``/moderation``: the queue of pending claims and proposals, each proposal beside what
the graph says now; a moderator accepts or rejects with a reason, and revokes claims."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Request
from fastapi.responses import Response

from endpoint.accounts import session
from endpoint.accounts.apply import apply_proposal, tell, tell_claimant
from endpoint.accounts.pages import labels, redirect, render
from endpoint.pages.pagerequest import store_of
from kg.accounts import claims, people, proposals
from kg.errors import BadRequest, Forbidden

router = APIRouter()


def _moderator(request: Request, conn: sqlite3.Connection) -> people.Account:
    account = session.require_account(request, conn)
    if not account.moderator:
        raise Forbidden("the moderation queue is for moderators")
    return account


def _number(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise BadRequest("a number is expected", parameter="id")
    return int(value)


@router.get("/moderation", response_model=None, include_in_schema=False)
def queue(request: Request) -> Response:
    with session.database(request) as conn:
        _moderator(request, conn)
        waiting = claims.pending(conn)
        verified = claims.verified(conn)
        queued = proposals.pending(conn)
        store = store_of(request)
        olds = {p.id: proposals.current(store, p) for p in queued}
        names = labels(
            request,
            [c.entity for c in waiting + verified]
            + [p.entity for p in queued if p.kind == "correction"],
        )
        return render(
            request,
            conn,
            "moderation.html",
            claims=waiting,
            owners=verified,
            proposals=queued,
            olds=olds,
            names=names,
        )


@router.post("/moderation/claim/{claim_id}", response_model=None, include_in_schema=False)
async def decide_claim(request: Request, claim_id: str) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        moderator = _moderator(request, conn)
        claim = claims.decide(
            conn,
            moderator,
            _number(claim_id),
            session.text(form, "decision", 20),
            session.text(form, "reason", 2000),
        )
        await tell_claimant(request, claim)
    return redirect(request, "/moderation")


@router.post("/moderation/proposal/{proposal_id}", response_model=None, include_in_schema=False)
async def decide_proposal(request: Request, proposal_id: str) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        moderator = _moderator(request, conn)
        proposal = proposals.get(conn, _number(proposal_id))
        decision, reason = session.text(form, "decision", 20), session.text(form, "reason", 2000)
        if decision == "accepted":
            if proposal.status != "pending":
                raise BadRequest(f"proposal {proposal.id} was decided already")
            proposal = await apply_proposal(request, conn, proposal, moderator, reason)
        else:
            if not reason:
                raise BadRequest("say why the proposal is rejected", parameter="reason")
            proposal = proposals.decide(conn, moderator, proposal.id, decision, reason)
        await tell(request, conn, proposal)
    return redirect(request, "/moderation")
