"""Queries answered in the calling thread, without a query worker: only those whose work is
bounded by the answer they give (``kg.queryform.Scan``: one triple pattern, no join, no
filter, no sort), and only when that answer is short.

A worker process is what makes the time limit hold for any query (see ``kg.executor``),
and its price is fixed: sending the job, waking another process, and sending the answer
back cost more than evaluating an entity lookup does. A one-scan query cannot run away:
it reads the rows it skips and those it returns. So it is tried here with a cap of
``INLINE_ROWS`` rows; if it has more, or skips more, the workers answer it, under the
time limit, like any other query. The answer is the same bytes either way: the same
code (``kg.worker.answer``) evaluates and writes it.
"""

from __future__ import annotations

from kg.errors import QueryError
from kg.sparql.analysis import Scan
from kg.sparql.pool import QueryRun
from kg.sparql.worker import Job, answer, failure
from kg.sparql.writers import Buffer
from kg.store import EmbeddedStore

#: rows a one-scan query may skip and return and still be answered in the calling thread
#: (well under a millisecond of work)
INLINE_ROWS = 256


def answer_scan(store: EmbeddedStore, job: Job, scan: Scan) -> QueryRun | None:
    """The answer to ``job`` (a one-scan query, see ``Scan``) evaluated here, or None when
    it skips or returns more than ``INLINE_ROWS`` rows, or names its own dataset: then
    hand it to the workers. Raises QueryError as a worker's answer would."""
    if scan.offset > INLINE_ROWS or job.default_graph is not None or job.named_graphs is not None:
        return None
    cap = min(job.max_rows, INLINE_ROWS)
    buffer = Buffer()
    try:
        how = answer(store, job)
        outcome = how.write(buffer, cap)
    except Exception as err:  # worded as a worker's error is
        raise QueryError(failure(err, job.text)) from None
    if outcome.truncated and outcome.rows >= cap and cap < job.max_rows:
        return None  # longer than the cap here, not than the job's: the workers answer it
    return QueryRun(
        kind=how.kind,
        media_type=how.media_type,
        prefetched=[bytes(buffer.data)],
        finished=True,
        rows=outcome.rows,
        truncated=outcome.truncated,
    )
