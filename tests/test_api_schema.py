"""Schemathesis against the OpenAPI document: no 5xx and no schema violations for generated
requests to every operation. (Driven through each operation's Hypothesis strategy: the pytest
plugin's lazy fixtures do not run under pytest 9.)"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from pijplijn.settings import Settings
from pijplijn.web.app import create_app


@pytest.fixture(scope="module")
def api_schema(demo_url: str) -> object:
    app = create_app(Settings(database_url=demo_url))
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


def test_every_operation_conforms_to_the_schema(api_schema: object) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            # Schema-valid text can still name an unknown region or dimension: a correct 400,
            # so 'positive data acceptance' does not apply. Every other check does.
            case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

        check()
