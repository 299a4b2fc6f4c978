"""``/signin`` (a one-time link by e-mail), ``/signin/link`` (the mailed link: a button,
so that a mail scanner that opens links does not spend it), ``/signout`` and
``/account``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from endpoint.accounts import session
from endpoint.accounts.pages import labels, redirect, render
from endpoint.http.i18n import page_language, translate
from kg.accounts import claims, mail, people, signin

router = APIRouter()

#: sign-in links asked for one address, and by one client, per hour
PER_ADDRESS = 5
PER_CLIENT = 20


@router.get("/signin", response_model=None, include_in_schema=False)
def signin_form(request: Request, next: str | None = None) -> Response:
    with session.database(request) as conn:
        return render(request, conn, "signin.html", next=signin.safe_next(next), sent=False)


def link_mail(request: Request, token: str) -> tuple[str, str]:
    lang = page_language(request)
    url = f"{str(request.base_url).rstrip('/')}/signin/link?token={token}&lang={lang}"
    minutes = str(session.settings(request).signin_minutes)
    body = translate("signin.mail.body", lang).replace("{url}", url).replace("{m}", minutes)
    return translate("signin.mail.subject", lang), body


@router.post("/signin", response_model=None, include_in_schema=False)
async def signin_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        next_path = signin.safe_next(session.text(form, "next", 500))
        if not session.is_bot(form):
            email = people.normalise_email(session.text(form, "email", 320))
            session.limit(conn, f"signin:client:{session.client(request)}", PER_CLIENT, 3600)
            session.limit(conn, f"signin:email:{email.lower()}", PER_ADDRESS, 3600)
            token = signin.new_link(conn, session.settings(request), email, next_path)
            subject, body = link_mail(request, token)
            await run_in_threadpool(mail.send, session.settings(request), email, subject, body)
        # the same answer whether the address has an account or not, and for a bot
        return render(request, conn, "signin.html", next=next_path, sent=True)


@router.get("/signin/link", response_model=None, include_in_schema=False)
def link_page(request: Request, token: str = "") -> Response:
    with session.database(request) as conn:
        return render(request, conn, "signin-link.html", token=token[:100])


@router.post("/signin/link", response_model=None, include_in_schema=False)
async def link_post(request: Request) -> Response:
    with session.database(request) as conn:
        form = await session.checked_form(request, conn)
        session.limit(conn, f"redeem:client:{session.client(request)}", 30, 3600)
        account, next_path = signin.redeem(conn, session.text(form, "token", 100))
        token = signin.new_session(conn, session.settings(request), account)
        response = redirect(request, next_path)
        return session.set_cookies(request, response, {session.SESSION: token})


@router.post("/signout", response_model=None, include_in_schema=False)
async def signout(request: Request) -> Response:
    with session.database(request) as conn:
        await session.checked_form(request, conn)
        signin.end_session(conn, request.cookies.get(session.SESSION))
    response = redirect(request, "/")
    response.delete_cookie(
        session.SESSION, path="/", secure=session.secure(request), httponly=True, samesite="lax"
    )
    return response


@router.get("/account", response_model=None, include_in_schema=False)
def account_page(request: Request) -> Response:
    with session.database(request) as conn:
        account = session.require_account(request, conn)
        mine = claims.of_account(conn, account.id)
        names = labels(request, [c.entity for c in mine])
        return render(request, conn, "account.html", claims=mine, names=names)
