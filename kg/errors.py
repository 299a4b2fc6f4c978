"""One error hierarchy for the whole project, each class with its HTTP status.

The CLI prints these; the web layer (``endpoint.errors``) renders them with ``status``, the
class's ``headers`` and the instance's ``extra`` (the body's members besides ``type`` and
``message``: a ``parameter``, ``suggestions``, the validation ``issues``…). A class here
knows nothing of HTTP but these numbers, so ``kg`` stays free of web code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from kg.build.report import Report

#: seconds a client is told to wait before it tries a 503 again
RETRY_AFTER = "5"


class KgError(Exception):
    """Base of every error the project raises on purpose. ``extra`` become members of the
    error body; ``headers`` (per instance) join the class's ``headers`` on the response."""

    status: ClassVar[int] = 500
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self, message: str = "", *, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.extra: dict[str, Any] = extra
        self.instance_headers: dict[str, str] = dict(headers or {})

    def response_headers(self) -> dict[str, str]:
        return {**self.headers, **self.instance_headers}


# --- 4xx: the request is at fault --------------------------------------------------------


class BadRequest(KgError):
    """The request is malformed (400)."""

    status = 400


class QueryError(KgError):
    """A SPARQL query or update is malformed or cannot be evaluated (400)."""

    status = 400


class ParameterError(QueryError):
    """A value given for a parameter is missing, malformed or not allowed (400). Carries the
    parameter's name."""

    def __init__(self, name: str, message: str) -> None:
        self.name, self.problem = name, message
        super().__init__(f"parameter `{name}`: {message}", parameter=name)


class InvalidFilter(QueryError):
    """A filter value in the request cannot name anything (400)."""


class Unauthorized(KgError):
    """Writing needs the administrator token (401)."""

    status = 401
    headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": 'Bearer realm="kg"'}


class Forbidden(KgError):
    """Writing is switched off on this server (403)."""

    status = 403


class NotFound(KgError):
    """A named thing (saved query, graph, entity, page) does not exist (404)."""

    status = 404


class MethodNotAllowed(KgError):
    """The route exists but does not take this method (405)."""

    status = 405


class NotAcceptable(KgError):
    """No format the client accepts can carry this answer (406)."""

    status = 406


class Conflict(KgError):
    """Another change is being applied (409)."""

    status = 409


class TooManyRequests(KgError):
    """Too many attempts from one client or for one address in a while (429)."""

    status = 429
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "600"}


class TooManyQueries(TooManyRequests):
    """One client already holds as many query slots as one client may (429): the others
    keep theirs. It may ask again as soon as one of its queries is answered."""

    headers: ClassVar[Mapping[str, str]] = {"Retry-After": "1"}


class BuildBusy(KgError):
    """Another build (or web edit) holds the build lock (409)."""

    status = 409


class SnapshotExists(KgError):
    """A snapshot for that date exists already (``--replace`` overwrites it) (409)."""

    status = 409


class PayloadTooLarge(KgError):
    """The request is larger than the server accepts (413)."""

    status = 413


class UnsupportedMediaType(KgError):
    """The request body has a content type the route does not take (415)."""

    status = 415


class ValidationFailed(KgError):
    """Validation found violations; nothing was loaded (422). The body lists the issues."""

    status = 422

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(
            f"validation failed with {report.error_count} error(s)",
            issues=[issue.__dict__ for issue in report.issues],
        )


# --- 5xx: the server cannot answer now ---------------------------------------------------


class SourceSyntaxError(KgError):
    """A source file does not parse. Says which file, line and column."""

    def __init__(self, file: str, line: int | None, column: int | None, message: str) -> None:
        self.file, self.line, self.column, self.message = file, line, column, message
        where = file if line is None else f"{file}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


class ChangeFailed(SourceSyntaxError):
    """A change of the change log cannot be replayed: names its file, and how to set it
    aside so that the build goes on without it."""

    def __init__(self, file: str, number: int, message: str) -> None:
        super().__init__(
            file,
            None,
            None,
            f"{message}\nThis change cannot be replayed. Read it with `kg changes show "
            f"{number}`; set it aside with `kg changes quarantine {number}` (it is moved to "
            "data/changes/quarantine/, not deleted), then build again.",
        )


class QueryFileError(KgError):
    """A saved query's file breaks the header format or does not parse. Names the file and
    the line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class ReviewFileError(KgError):
    """A link review file (``kg link``) has a row that cannot be read or applied. Names the
    file and the line."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


class ParamSpecError(KgError):
    """A ``# param:`` line is malformed (the caller adds the file and line)."""


class KpiError(KgError):
    """A KPI query cannot be recorded (e.g. a value column names no declared measure)."""


class Unavailable(KgError):
    """Base of the errors that pass: the client may try again (503, ``Retry-After``)."""

    status = 503
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": RETRY_AFTER}


class StoreError(Unavailable):
    """The store cannot be opened or reached (503)."""


class ExternalEndpointError(Unavailable):
    """An outside SPARQL endpoint (Wikidata for ``kg link``) cannot be reached or answers
    what cannot be read (503)."""


class QueryTimeout(Unavailable):
    """The query ran past the time limit and was stopped (503)."""


class TransferCut(QueryTimeout):
    """The answer was still being sent at the transfer limit and was cut."""


class ServerBusy(Unavailable):
    """Every worker stayed busy until the time limit (503)."""


class WorkerCrashed(Unavailable):
    """The worker process died while evaluating the query (503)."""


class FrontendMissing(Unavailable):
    """A front-end library is not installed (npm ci has not run) (503)."""


#: errors a query worker may report, by name: they arrive in the web process as themselves
BY_NAME: dict[str, type[KgError]] = {
    cls.__name__: cls
    for cls in (QueryError, StoreError, NotFound, QueryTimeout, TransferCut, ServerBusy)
}
