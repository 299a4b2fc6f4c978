"""``/claim`` ("this is my organisation"), ``/claim/invite`` (an owner adds a co-owner),
``/suggest`` (a correction, from anyone) and ``/add-organisation``."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from endpoint.accounts import session
from endpoint.accounts.apply import apply_proposal
from endpoint.accounts.pages import labels, redirect, render
from endpoint.http.i18n import page_language, translate
from endpoint.pages.pagerequest import store_of
from kg.accounts import claims, mail, people, proposals
from kg.errors import BadRequest
from kg.labels import languages

router = APIRouter()

#: anonymous suggestions one client may send per hour
SUGGESTIONS = 10


def _entity(value: str | None) -> str:
    if not value or not value.startswith(("http://", "https://")) or len(value) > 500:
        raise BadRequest("name the organisation: ?entity=<its IRI>", parameter="entity")
    return value


def _signin_first(request: Request) -> Response:
    here = request.url.path + ("?" + request.url.query if request.url.query else "")
    return redirect(request, "/signin?next=" + quote(here, safe=""))


@router.get("/claim", response_model=None, include_in_schema=False)
def claim_form(request: Request, entity: str | None = None) -> Response:
    iri = _entity(entity)
    with session.database(request) as conn:
        found = session.current(request, conn)
        if found is None:
            return _signin_first(request)
        hosts = claims.web_domains(store_of(request), iri)
        owners = [c for c in claims.of_entity(conn, iri) if c.status == "verified"]
        return render(
            request,
            conn,
            "claim.html",
            entity=iri,
            name=labels(request, [iri])[iri],
            on_domain=claims.domain_matches(found.account.domain, hosts),
            owner=any(c.account == found.account.id for c in owners),
            owners=len(owners),
        )


@router.post("/claim", response_model=None, include_in_schema=False)
async def claim_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        account = session.require_account(request, conn)
        iri = _entity(session.text(form, "entity", 500))
        claim = claims.make(conn, store_of(request), account, iri, session.text(form, "evidence"))
        return render(
            request, conn, "claim-done.html", claim=claim, name=labels(request, [iri])[iri]
        )


@router.post("/claim/invite", response_model=None, include_in_schema=False)
async def invite_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        account = session.require_account(request, conn)
        iri = _entity(session.text(form, "entity", 500))
        session.limit(conn, f"invite:{account.id}", 20, 86400)
        email = people.normalise_email(session.text(form, "email", 320))
        invited, _ = claims.invite(conn, account, iri, email)
        lang = page_language(request)
        name = labels(request, [iri])[iri]
        url = f"{str(request.base_url).rstrip('/')}/signin?lang={lang}"
        body = translate("claim.invite.mail", lang).replace("{name}", name).replace("{url}", url)
        await run_in_threadpool(
            mail.send,
            session.settings(request),
            invited.email,
            translate("claim.invite.subject", lang),
            body,
        )
        return redirect(request, "/claim?entity=" + quote(iri, safe=""))


@router.get("/suggest", response_model=None, include_in_schema=False)
def suggest_form(request: Request, entity: str | None = None) -> Response:
    iri = _entity(entity)
    claims.web_domains(store_of(request), iri)  # 404 for what is no organisation
    with session.database(request) as conn:
        return render(
            request,
            conn,
            "suggest.html",
            entity=iri,
            sent=False,
            name=labels(request, [iri])[iri],
            fields=list(proposals.EDITABLE),
        )


@router.post("/suggest", response_model=None, include_in_schema=False)
async def suggest_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        iri = _entity(session.text(form, "entity", 500))
        found = session.current(request, conn)
        if not session.is_bot(form):
            claims.web_domains(store_of(request), iri)
            if found is None:
                session.limit(conn, f"suggest:{session.client(request)}", SUGGESTIONS, 3600)
            email = session.text(form, "email", 320)
            email = people.normalise_email(email) if email and found is None else ""
            proposals.suggest(
                conn,
                iri,
                found.account if found else None,
                email,
                session.text(form, "property"),
                session.text(form, "lang", 5),
                session.text(form, "value"),
                session.text(form, "comment", 2000),
            )
        return render(
            request,
            conn,
            "suggest.html",
            entity=iri,
            sent=True,
            name=labels(request, [iri])[iri],
            fields=list(proposals.EDITABLE),
        )


@router.get("/add-organisation", response_model=None, include_in_schema=False)
def add_form(request: Request) -> Response:
    with session.database(request) as conn:
        if session.current(request, conn) is None:
            return _signin_first(request)
        return render(request, conn, "add-organisation.html")


@router.post("/add-organisation", response_model=None, include_in_schema=False)
async def add_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        account = session.require_account(request, conn)
        session.limit(conn, f"add:{account.id}", 10, 86400)
        langs = languages()
        proposal = proposals.add_organisation(
            conn,
            store_of(request),
            session.settings(request).base,
            account,
            {lang: session.text(form, f"name_{lang}", 300) for lang in langs},
            session.text(form, "homepage", 500),
            {lang: session.text(form, f"description_{lang}") for lang in langs},
        )
        home = proposal.body["homepage"]
        public = bool(home) and claims.domain_matches(account.domain, _hosts(home))
        if public:
            # the adder's address is on the new organisation's own domain: it is public at
            # once, and the adder is its first owner
            await apply_proposal(request, conn, proposal, None, "e-mail on the web domain")
            claims.make(conn, store_of(request), account, proposal.entity, "")
        return render(request, conn, "add-done.html", proposal=proposal, public=public)


def _hosts(homepage: str) -> list[str]:
    from urllib.parse import urlsplit

    host = (urlsplit(homepage).hostname or "").lower().removeprefix("www.")
    return [host] if host else []
