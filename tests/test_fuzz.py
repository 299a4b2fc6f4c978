"""A property-based fuzz run over every operation of the OpenAPI description (schemathesis
strategies: each parameter generated from its schema, and beyond it): no request a
client can send is answered 500. Short here (``FUZZ_EXAMPLES`` per operation, 6 by
default, the same cases every run); ``make fuzz`` runs it long and random. Against
`kg serve` on loopback (the session's ``server``), whose writes need the token the fuzzer
does not have: it probes the public surface, and the refusals of writes."""

from __future__ import annotations

import os

import hypothesis
import schemathesis
from schemathesis.core.result import Ok

from tests.conftest import Server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


def test_no_request_is_answered_500(server: Server) -> None:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    failures: list[str] = []
    operations = 0
    requests = 0

    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the description itself must be valid
        operation = result.ok()
        operations += 1

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=os.environ.get("FUZZ_RANDOM") is None,
            suppress_health_check=list(hypothesis.HealthCheck),
            database=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        def probe(case: schemathesis.Case) -> None:
            nonlocal requests
            requests += 1
            response = case.call(base_url=server.url, timeout=30)
            # 503 is the intended answer of a busy server; anything else 5xx is a bug
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"headers={case.headers} -> {response.status_code} {response.text[:200]}"
                )

        probe()
    print(f"fuzz: {operations} operations, {requests} requests")
    assert operations >= 20  # every route and saved query is an operation
    assert requests >= operations
    assert not failures, "\n".join(failures)
