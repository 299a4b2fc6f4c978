"""Reading SPARQL Protocol requests: parameters from the URL and the body, with a size cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request

from kg.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType


@dataclass
class ProtocolParams:
    query: str | None = None
    update: str | None = None
    default_graph_uri: list[str] = field(default_factory=list)
    named_graph_uri: list[str] = field(default_factory=list)
    using_graph_uri: list[str] = field(default_factory=list)
    using_named_graph_uri: list[str] = field(default_factory=list)
    format: str | None = None


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body is {declared} bytes; this server takes {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body is larger than the {limit} bytes allowed")
    return bytes(body)


def _collect(params: ProtocolParams, pairs: list[tuple[str, str]]) -> None:
    single = {"query", "update", "format"}
    for name, value in pairs:
        if name in single:
            if getattr(params, name) is not None:
                raise BadRequest(f"the `{name}` parameter is given more than once")
            setattr(params, name, value)
        elif name in (
            "default-graph-uri",
            "named-graph-uri",
            "using-graph-uri",
            "using-named-graph-uri",
        ):
            getattr(params, name.replace("-", "_")).append(value)


async def read_params(request: Request, limit: int) -> ProtocolParams:
    query = request.scope["query_string"].decode("latin-1")  # as request.url.query has it
    if len(query) > limit:
        raise PayloadTooLarge(f"the URL is longer than the {limit} bytes allowed")
    params = ProtocolParams()
    _collect(params, parse_qsl(query, keep_blank_values=True))
    if request.method != "POST":
        return params
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, limit)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not valid UTF-8") from None
    if kind == "application/x-www-form-urlencoded":
        _collect(params, parse_qsl(text, keep_blank_values=True))
    elif kind == "application/sparql-query":
        if params.query is not None:
            raise BadRequest("the query is both in the URL and in the body")
        params.query = text
    elif kind == "application/sparql-update":
        if params.update is not None:
            raise BadRequest("the update is both in the URL and in the body")
        params.update = text
    elif body:
        raise UnsupportedMediaType(
            f"POST a query as application/x-www-form-urlencoded, application/sparql-query "
            f"or application/sparql-update, not {kind or 'an untyped body'}"
        )
    if params.query is not None and params.update is not None:
        raise BadRequest("send either `query` or `update`, not both")
    return params
