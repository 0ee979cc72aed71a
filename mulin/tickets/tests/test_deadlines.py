"""Deadline arithmetic: respond-by and resolve-by at submission, pauses not counted."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from mulin.tickets import deadlines, services
from mulin.tickets.models import Deadline, Priority
from mulin.tickets.states import Status, Target

T0 = datetime(2030, 7, 1, 4, 0, tzinfo=UTC)  # after the fixtures' role grants start


@pytest.mark.parametrize(
    ("priority", "respond", "resolve"),
    [
        (Priority.EMERGENCY, timedelta(minutes=30), timedelta(hours=2)),
        (Priority.URGENT, timedelta(hours=2), timedelta(hours=24)),
        (Priority.NORMAL, timedelta(hours=24), timedelta(days=7)),
    ],
)
def test_default_deadlines_by_priority(priority, respond, resolve, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=priority)
    assert (ticket.respond_by, ticket.resolve_by) == (T0 + respond, T0 + resolve)


def test_major_house_repair_resolves_within_15_days(desk, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(category=desk.cats["major_repair"])
    assert ticket.resolve_by == T0 + timedelta(days=15)


def test_category_deadline_overrides_the_default(desk, submit):
    Deadline.objects.create(
        category=desk.cats["leak"],
        priority=Priority.EMERGENCY,
        respond_minutes=15,
        resolve_minutes=90,
    )
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    assert (ticket.respond_by, ticket.resolve_by) == (
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=90),
    )


def test_overdue_starts_just_after_the_deadline_not_at_it(submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    assert not deadlines.is_overdue(ticket, ticket.respond_by)
    assert deadlines.is_overdue(ticket, ticket.respond_by + timedelta(microseconds=1))
    ticket.responded_at = T0 + timedelta(minutes=1)
    assert not deadlines.is_overdue(ticket, ticket.resolve_by)
    assert deadlines.is_overdue(ticket, ticket.resolve_by + timedelta(microseconds=1))


def test_accepting_records_the_response_time(desk, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit()
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        ticket = services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    assert ticket.responded_at == T0 + timedelta(minutes=10)


def test_paused_time_is_not_counted_against_resolve_by(desk, at_status):
    with time_machine.travel(T0, tick=False):
        ticket = at_status(Status.IN_PROGRESS)
        resolve_by = ticket.resolve_by
        services.ticket_transition(
            actor=desk.handler,
            ticket=ticket,
            to=Target.PAUSED,
            note="等配件",
            paused_until=timezone.localdate() + timedelta(days=2),
        )
    with time_machine.travel(T0 + timedelta(days=2, hours=3), tick=False):
        resumed = services.ticket_transition(
            actor=desk.handler, ticket=ticket, to=Target.IN_PROGRESS
        )
    assert resumed.resolve_by == resolve_by + timedelta(days=2, hours=3)
    assert (resumed.paused_at, resumed.paused_until) == (None, None)
