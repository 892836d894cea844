"""Property-based testing of every API operation against the schema the app serves
(/api/schema/), with schemathesis through the WSGI app: ≥ 50 generated requests per operation,
alternately as an integration token of the body (all actions) and as a unit's token. Every response must be
no server error, a documented status code, the documented content type, and match its schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from banli.api.models import TokenAction
from banli.api.tokens import token_issue
from banli.wsgi import application

from .. import factories as f

EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _tokens(cast) -> dict:
    def bearer(name, org):
        return {
            "Authorization": "Bearer "
            + token_issue(actor=cast.secadmin, name=name, org=org, actions=TokenAction.values)[1]
        }

    return {"body": bearer("fuzz-body", cast.orgs.npc), "unit": bearer("fuzz-unit", cast.orgs.gx)}


@pytest.fixture
def keep_connection():
    """Requests go through the WSGI app, whose request signals would close the test's database
    connection (and its transaction) after each one; Django's test client disconnects them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_operation_conforms_to_its_schema(cast, keep_connection):
    """One hypothesis run per operation (schemathesis' pytest plugin needs pytest internals that
    pytest 9 no longer has, so the operations are walked here)."""
    # Some real cases, so that generated ids sometimes reach an object.
    f.sent(cast)
    f.assigned(cast)
    tokens = _tokens(cast)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=tokens["body"])
    failures, operations, calls, per_operation = [], 0, [0], []
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case):
            # Alternately as the body's and as a unit's integration.
            calls[0] += 1
            case.call_and_validate(headers=tokens[("body", "unit")[calls[0] % 2]], checks=CHECKS)

        before = calls[0]
        try:
            # An operation with few possible inputs (no parameters) is exhausted before EXAMPLES
            # examples: it is run again until it has been called EXAMPLES times.
            while calls[0] - before < EXAMPLES:
                run()
        except (Exception, BaseExceptionGroup) as e:  # every operation's failures, not just the first's
            failures.append(f"{operation.label}: {str(e)[:1500]}")
            continue
        per_operation.append(calls[0] - before)
    assert operations >= 30
    assert min(per_operation) >= EXAMPLES, per_operation
    assert not failures, "\n\n".join(failures)
