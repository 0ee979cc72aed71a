"""The OpenAPI document: served, valid, and every GET operation it describes survives generated
input (schemathesis) without a server error and answers in the shapes it documents."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mulin.testing.api import token_for

OPENAPI = "/api/v1/openapi.json"


def test_document_is_served_and_valid_openapi(db, client):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema
    paths = document["paths"]
    assert "/api/v1/units/{id}" in paths and "/api/v1/me" in paths
    assert {"BearerToken", "SessionAuth"} <= set(document["components"]["securitySchemes"])
    writes = [op for ops in paths.values() for m, op in ops.items() if m in {"post", "patch"}]
    keyed = [
        op for op in writes if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    ]
    # Every write takes an Idempotency-Key, except reveal: a revealed value is never stored.
    assert len(keyed) == len(writes) - 1


@pytest.fixture
def api_schema(world, neighbourhood):
    # Requests go through the real WSGI handler; keep it from closing the test's connection
    # around each request, as Django's test client does.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(OPENAPI, get_wsgi_application())
        yield schema.include(method="GET")
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def staff_headers(world):
    return {"Authorization": f"Bearer {token_for(world.staff)}", "Accept-Language": "en"}


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(strategy, headers, max_examples: int) -> None:
    @given(case=strategy)
    @settings(
        max_examples=max_examples,
        derandomize=True,  # the same requests on every run: CI fails only for real regressions
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()


def _known_ids(world, neighbourhood) -> dict[str, dict]:
    """Path parameters naming real rows, so that detail operations answer 200, not only 404."""
    unit = {"id": world.unit.id}
    return {
        "/api/v1/compounds/{code}": {"code": world.compound.code},
        "/api/v1/buildings/{id}": {"id": world.unit.building_id},
        "/api/v1/units/{id}": unit,
        "/api/v1/units/{id}/residencies": unit,
        "/api/v1/units/{id}/ownerships": unit,
        "/api/v1/persons/{id}": {"id": world.resident_person.id},
        "/api/v1/vehicles/{id}": {"id": neighbourhood.vehicle.id},
        "/api/v1/organisations/{id}": {"id": neighbourhood.org.id},
        "/api/v1/organisations/{id}/memberships": {"id": neighbourhood.org.id},
    }


def test_get_operations_survive_generated_input(api_schema, staff_headers, world, neighbourhood):
    """Generated requests to every GET operation, as community staff — valid ones (also on real
    rows) and invalid ones: no 5xx, and every answer has a documented status, content type and
    shape. Bounded: at most 10 + 5 + 5 requests per operation."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    known = _known_ids(world, neighbourhood)
    failures = []
    for operation in operations:
        runs = [
            (operation.as_strategy(generation_mode=GenerationMode.POSITIVE), 10),
            (operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), 5),
        ]
        if operation.path in known:
            strategy = operation.as_strategy(path_parameters=known[operation.path])
            runs.append((strategy, 5))
        for strategy, max_examples in runs:
            try:
                _fuzz(strategy, staff_headers, max_examples)
            except (Exception, FailureGroup) as exc:  # collect all, then fail once with them all
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_schemas_sharing_a_name_have_one_shape(db):
    """The OpenAPI document keys schemas by class name: two different schemas with the same
    name would silently document one endpoint with the other's shape."""
    import json as _json

    from ninja import Schema

    import mulin.api  # noqa: F401  (every router, so every schema class, is loaded)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    by_name: dict[str, list] = {}
    for cls in walk(Schema):
        if cls.__module__.startswith("mulin."):
            by_name.setdefault(cls.__name__, []).append(cls)
    clashes = []
    for name, classes in by_name.items():
        shapes = {_json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}
        if len(shapes) > 1:
            clashes.append(f"{name}: {', '.join(sorted(c.__module__ for c in classes))}")
    assert not clashes, clashes
