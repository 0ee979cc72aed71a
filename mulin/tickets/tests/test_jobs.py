"""Escalation: overdue requests go up one level at a time, and never twice."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from mulin.core import periodic
from mulin.core.models import AuditEvent
from mulin.tickets import jobs
from mulin.tickets.models import EventKind, Priority, TicketEvent
from mulin.tickets.states import Status, Target

T0 = datetime(2030, 7, 1, 4, 0, tzinfo=UTC)  # after the fixtures' role grants start
LATE = T0 + timedelta(minutes=31)  # past an emergency's respond-by


def _escalations(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATION).values_list(
            "data__level", flat=True
        )
    )


def test_nothing_escalates_before_the_deadline(submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    assert jobs.escalate_overdue(T0 + timedelta(minutes=30)) == {1: 0, 2: 0}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0


def test_run_twice_escalates_once_to_the_team_leader(desk, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    assert jobs.escalate_overdue(LATE) == {1: 1, 2: 0}
    assert jobs.escalate_overdue(LATE) == {1: 0, 2: 0}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert _escalations(ticket) == [1]
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATION)
    assert len(event.data["leader_person_ids"]) == 1
    assert AuditEvent.objects.filter(action="tickets.escalate").count() == 1


def test_two_claims_in_the_same_slot_escalate_once(submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    assert jobs.escalate_one(ticket.pk, 0, LATE) is True
    assert jobs.escalate_one(ticket.pk, 0, LATE) is False
    assert _escalations(ticket) == [1]


def test_second_level_goes_to_community_staff_later_and_only_once(world, submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    jobs.escalate_overdue(LATE)
    assert jobs.escalate_overdue(LATE + timedelta(hours=1)) == {1: 0, 2: 0}
    later = LATE + jobs.SECOND_LEVEL_AFTER
    assert jobs.escalate_overdue(later) == {1: 0, 2: 1}
    assert jobs.escalate_overdue(later + timedelta(days=1)) == {1: 0, 2: 0}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    assert _escalations(ticket) == [1, 2]
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATION).last()
    assert world.staff.pk in event.data["staff_user_ids"]


def test_paused_and_finished_requests_do_not_escalate(desk, at_status):
    with time_machine.travel(T0, tick=False):
        paused = at_status(Status.PAUSED)
        resolved = at_status(Status.RESOLVED)
    assert jobs.escalate_overdue(T0 + timedelta(days=30)) == {1: 0, 2: 0}
    for ticket in (paused, resolved):
        ticket.refresh_from_db()
        assert ticket.escalation_level == 0


def test_responded_request_escalates_only_after_resolve_by(desk, submit):
    with time_machine.travel(T0, tick=False):
        from mulin.tickets import services

        ticket = submit(priority=Priority.EMERGENCY)
        services.ticket_transition(actor=desk.leader, ticket=ticket, to=Target.ACCEPTED)
    assert jobs.escalate_overdue(T0 + timedelta(hours=2)) == {1: 0, 2: 0}
    assert jobs.escalate_overdue(T0 + timedelta(hours=2, seconds=1)) == {1: 1, 2: 0}


def test_periodic_job_is_registered_and_runs_once_per_slot(submit):
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    with time_machine.travel(LATE, tick=False):
        first = periodic.run_due(only="tickets.escalate_overdue")
        second = periodic.run_due(only="tickets.escalate_overdue")
    assert first == {"tickets.escalate_overdue": "1 to team leaders, 0 to community staff"}
    assert second == {}
    assert _escalations(ticket) == [1]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_escalate_once(submit):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is checked on PostgreSQL")
    with time_machine.travel(T0, tick=False):
        tickets = [submit(priority=Priority.EMERGENCY) for _ in range(20)]
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(jobs.escalate_overdue(LATE))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r[1] for r in results) == len(tickets)
    for ticket in tickets:
        assert _escalations(ticket) == [1]


def test_escalation_puts_an_overdue_message_in_the_inbox_after_commit(
    world, desk, submit, django_capture_on_commit_callbacks
):
    from mulin.core.models import Notification, NotificationKind
    from mulin.testing import factories as f

    leader_person = desk.team.memberships.get().person
    leader_user = f.UserFactory(person=leader_person)
    with time_machine.travel(T0, tick=False):
        ticket = submit(priority=Priority.EMERGENCY)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.escalate_overdue(LATE)
    note = Notification.objects.get(recipient=leader_user)
    assert note.kind == NotificationKind.OVERDUE
    assert f"#{ticket.pk}" in note.title
    with django_capture_on_commit_callbacks(execute=True):
        jobs.escalate_overdue(LATE + jobs.SECOND_LEVEL_AFTER)
    assert (
        Notification.objects.filter(recipient=world.staff, kind=NotificationKind.OVERDUE).count()
        == 1
    )
    assert Notification.objects.filter(recipient=leader_user).count() == 1
