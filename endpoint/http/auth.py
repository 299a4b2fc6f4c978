"""Writes need the administrator token; reads never do."""

from __future__ import annotations

import hmac

from fastapi import Request

from kg.errors import Forbidden, Unauthorized
from kg.settings import Settings


def require_admin(request: Request) -> str:
    """Return who is writing, or refuse: 403 when writes are off, 401 without the token."""
    settings: Settings = request.app.state.settings
    if not settings.admin_token:
        raise Forbidden("writes are switched off on this server (no KG_ADMIN_TOKEN is set)")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("writing needs the administrator token: `Authorization: Bearer …`")
    if not hmac.compare_digest(token.strip().encode(), settings.admin_token.encode()):
        raise Unauthorized("the administrator token is not valid")
    return "administrator"
