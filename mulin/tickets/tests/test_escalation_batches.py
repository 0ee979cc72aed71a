"""Escalation in batches: many overdue requests are raised a batch at a time, each exactly once,
with one timeline event, one audit row and one inbox message each, in a number of queries that
does not grow with the batch."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from mulin.core.models import AuditEvent, Notification, NotificationKind
from mulin.testing import factories as f
from mulin.tickets import jobs, services
from mulin.tickets.models import EventKind, Priority, Ticket, TicketEvent
from mulin.tickets.states import Target

T0 = datetime(2030, 7, 1, 4, 0, tzinfo=UTC)
LATE = T0 + timedelta(minutes=31)  # past an emergency's respond-by


@pytest.fixture
def overdue(submit):
    """`overdue(n)`: n emergency requests submitted at T0, all overdue at LATE."""

    def make(n: int) -> list[Ticket]:
        with time_machine.travel(T0, tick=False):
            return [submit(priority=Priority.EMERGENCY) for _ in range(n)]

    return make


def _levels(tickets) -> Counter:
    return Counter(
        TicketEvent.objects.filter(ticket__in=tickets, kind=EventKind.ESCALATION).values_list(
            "ticket_id", flat=True
        )
    )


def test_250_overdue_requests_escalate_once_each_in_batches(overdue):
    tickets = overdue(250)
    assert jobs.escalate_overdue(LATE, batch_size=100) == {1: 250, 2: 0}
    assert jobs.escalate_overdue(LATE, batch_size=100) == {1: 0, 2: 0}
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list(
            "escalation_level", "escalated_at"
        )
    ) == {(1, LATE)}
    events = _levels(tickets)
    assert len(events) == 250 and set(events.values()) == {1}
    audits = Counter(
        AuditEvent.objects.filter(action="tickets.escalate").values_list("target_id", flat=True)
    )
    assert audits == Counter({str(t.pk): 1 for t in tickets})
    row = AuditEvent.objects.filter(action="tickets.escalate").first()
    assert row.changes == {"escalation_level": [0, 1]}
    assert row.compound_id == tickets[0].compound_id
    assert row.target_repr.startswith("#") and row.chain == ""


def test_second_level_in_batches_reaches_community_staff_once(world, overdue):
    tickets = overdue(120)
    jobs.escalate_overdue(LATE, batch_size=50)
    later = LATE + jobs.SECOND_LEVEL_AFTER
    assert jobs.escalate_overdue(later, batch_size=50) == {1: 0, 2: 120}
    assert jobs.escalate_overdue(later + timedelta(hours=5), batch_size=50) == {1: 0, 2: 0}
    second = TicketEvent.objects.filter(
        ticket__in=tickets, kind=EventKind.ESCALATION, data__level=2
    )
    assert second.count() == 120
    assert all(world.staff.pk in e.data["staff_user_ids"] for e in second)


def test_queries_do_not_grow_with_the_batch(overdue):
    few = overdue(10)
    many = overdue(30)
    with CaptureQueriesContext(connection) as small:
        jobs.escalate_batch([t.pk for t in few], 0, LATE)
    with CaptureQueriesContext(connection) as large:
        jobs.escalate_batch([t.pk for t in many], 0, LATE)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_request_answered_meanwhile_is_not_escalated(desk, overdue):
    first, second = overdue(2)
    # Accepted after the run picked it and before its batch claimed it: not overdue any more.
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        services.ticket_transition(actor=desk.leader, ticket=first, to=Target.ACCEPTED)
    assert jobs.escalate_batch([first.pk, second.pk], 0, LATE) == [second.pk]
    first.refresh_from_db()
    assert first.escalation_level == 0


def test_each_escalation_puts_one_message_in_the_inbox_after_commit(
    desk, overdue, django_capture_on_commit_callbacks
):
    leader = f.UserFactory(person=desk.team.memberships.get().person)
    tickets = overdue(25)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        jobs.escalate_overdue(LATE, batch_size=10)
        assert not Notification.objects.filter(recipient=leader).exists()  # not before commit
    assert len(callbacks) >= 3  # one per batch (and the deliveries' tasks)
    notes = Notification.objects.filter(recipient=leader, kind=NotificationKind.OVERDUE)
    assert notes.count() == 25
    assert set(notes.values_list("target_id", flat=True)) == {str(t.pk) for t in tickets}
    note = notes.get(target_id=str(tickets[0].pk))
    assert f"#{tickets[0].pk}" in note.title
    assert note.url == f"/requests/{tickets[0].pk}/"
    assert note.deliveries.count() == 1  # the email channel, queued, never marked sent
    assert note.deliveries.get().status in ("pending", "skipped")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_share_the_batches_and_escalate_each_once(overdue):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is checked on PostgreSQL")
    tickets = overdue(250)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(jobs.escalate_overdue(LATE, batch_size=25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r[1] for r in results) == 250
    events = _levels(tickets)
    assert len(events) == 250 and set(events.values()) == {1}
    assert AuditEvent.objects.filter(action="tickets.escalate").count() == 250
