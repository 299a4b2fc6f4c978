"""One error hierarchy for the whole project. The web layer maps these to HTTP statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.build.report import Report


class KgError(Exception):
    """Base of every error the project raises on purpose."""


class SourceSyntaxError(KgError):
    """A source file does not parse. Says which file, line and column."""

    def __init__(self, file: str, line: int | None, column: int | None, message: str) -> None:
        self.file, self.line, self.column, self.message = file, line, column, message
        where = file if line is None else f"{file}:{line}" + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


class ValidationFailed(KgError):
    """Validation found violations; nothing was loaded."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(f"validation failed with {report.error_count} error(s)")


class QueryError(KgError):
    """A SPARQL query or update is malformed or cannot be evaluated."""


class StoreError(KgError):
    """The store cannot be opened or reached."""


class BuildBusy(KgError):
    """Another build (or web edit) holds the build lock."""


class NotFound(KgError):
    """A named thing (saved query, graph, entity) does not exist."""


class QueryTimeout(KgError):
    """The query ran past the time limit and was stopped."""


class TransferCut(QueryTimeout):
    """The answer was still being sent at the transfer limit and was cut."""


class ServerBusy(KgError):
    """Every query slot stayed busy until the time limit."""


class WorkerCrashed(KgError):
    """The process evaluating the query died while evaluating it."""


#: errors a query worker may report, by name: they arrive in the web process as themselves
BY_NAME: dict[str, type[KgError]] = {
    cls.__name__: cls
    for cls in (QueryError, StoreError, NotFound, QueryTimeout, TransferCut, ServerBusy)
}
