"""A leak from report to rating through the API only, and the request GETs under generated input
(schemathesis) on real rows — the document's own test reaches them only with ids that miss."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mulin.core.models import AuditEvent
from mulin.testing.api import token_for
from mulin.tickets.models import FollowUp, Ticket, TicketPhoto

from .test_api import jpeg, move, upload


def test_a_leak_from_report_to_rating_through_the_api(world, desk, api):
    resident, leader, handler = api(world.resident), api(desk.leader), api(desk.handler)

    # The resident reports the leak in their home, then adds a photo of it.
    body = {
        "compound": world.compound.code,
        "category": "leak",
        "description": "卫生间顶上漏水，越来越大",
        "priority": "urgent",
        "unit_id": world.unit.id,
    }
    submitted = resident.post("/requests", body, **{"Idempotency-Key": "walk-1"})
    assert submitted.status_code == 201, submitted.content
    number = submitted.json()["id"]
    assert upload(resident, number, [jpeg()], note="漏水位置").status_code == 200

    # The team leader sees it in the unassigned queue, accepts and assigns it.
    assert number in [r["id"] for r in leader.get("/requests", queue="unassigned").json()["items"]]
    assert move(leader, number, "accepted").json()["status"] == "accepted"
    assigned = leader.post(f"/requests/{number}/assign", {"assignee_id": desk.handler.id})
    assert assigned.json()["status"] == "assigned"

    # The handler finds it in their queue, starts, and resolves it with an after photo.
    assert [r["id"] for r in handler.get("/requests", queue="mine").json()["items"]] == [number]
    started = move(handler, number, "in_progress")
    assert [m["to"] for m in started.json()["moves"]] == ["paused", "resolved", "transferred"]
    resolved = upload(handler, number, [jpeg("after.jpg")], to="resolved", note="已更换防水层")
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"

    # The resident sees both photos and the whole timeline, and rates it.
    mine = resident.get(f"/requests/{number}").json()
    assert [p["stage"] for p in mine["photos"]] == ["report", "after"]
    assert [(e["kind"], e["to_status"]) for e in mine["events"]] == [
        ("submission", "submitted"),
        ("note", ""),
        ("transition", "accepted"),
        ("transition", "assigned"),
        ("transition", "in_progress"),
        ("transition", "resolved"),
    ]
    assert mine["events"][-1]["photos"] == [mine["photos"][1]["id"]]
    assert mine["resolved_at"] and mine["responded_at"]
    assert "rate" in mine["actions"]
    rated = resident.post(
        f"/requests/{number}/rating",
        {"overall": 5, "speed": 5, "attitude": 4, "comment": "修得很快"},
        **{"Idempotency-Key": "walk-rate"},
    )
    assert rated.status_code == 200, rated.content
    assert rated.json()["rating"]["overall"] == 5

    ticket = Ticket.objects.get(pk=number)
    assert (ticket.status, ticket.assignee, ticket.rating.attitude) == (
        "resolved",
        desk.handler,
        4,
    )
    assert TicketPhoto.objects.filter(ticket=ticket).count() == 2
    actions = list(
        AuditEvent.objects.filter(target_id=str(number), target_type="tickets.ticket")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "tickets.submit",
        "tickets.comment",
        "tickets.accepted",
        "tickets.assigned",
        "tickets.in_progress",
        "tickets.resolved",
        "tickets.rate",
    ]
    assert not FollowUp.objects.filter(ticket=ticket, reason="low_rating").exists()


# ---------------------------------------------------------------- generated input


@pytest.fixture
def request_schema(world):
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        yield schema.include(method="GET", path_regex=r"(request|follow-up)")
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


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
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.validate_response(case.call(headers=headers), checks=CHECKS)

    run()


def test_request_reads_survive_generated_input_on_real_rows(request_schema, world, desk, at_status):
    """Valid and invalid generated requests, as community staff and as the resident, on a
    resolved request with a photo, a rating and a follow-up call: no 5xx, and every answer in
    its documented status, content type and shape."""
    from mulin.tickets import services

    ticket = at_status("resolved")
    services.ticket_comment(actor=world.resident, ticket=ticket, note="照片", photos=[jpeg()])
    services.ticket_rate(actor=world.resident, ticket=ticket, overall=1, speed=1, attitude=1)
    known = {
        "/api/v1/requests/{id}": {"id": ticket.id},
        "/api/v1/compounds/{code}/request-categories": {"code": world.compound.code},
    }
    operations = [result.ok() for result in request_schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/follow-ups",
        "/api/v1/compounds/{code}/request-categories",
    }
    failures = []
    for user in (world.staff, world.resident):
        headers = {"Authorization": f"Bearer {token_for(user)}", "Accept-Language": "en"}
        for operation in operations:
            runs = [(operation.as_strategy(), 10)]
            if operation.path in known:
                runs.append((operation.as_strategy(path_parameters=known[operation.path]), 5))
            for strategy, max_examples in runs:
                try:
                    _fuzz(strategy, headers, max_examples)
                except (Exception, FailureGroup) as exc:
                    failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
