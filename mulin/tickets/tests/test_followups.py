"""After resolution: follow-up calls, auto-close after the reopen window, "is it still fixed?"
14 days after closing, and paused work resuming on its date — with time frozen."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from mulin.core.models import AuditEvent, Notification, NotificationKind
from mulin.core.periodic import JOBS, _load_jobs
from mulin.tickets import followups, services
from mulin.tickets.models import (
    EventKind,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    RecheckAnswer,
    Satisfaction,
    Ticket,
    TicketEvent,
)
from mulin.tickets.states import Status, Target

T0 = datetime(2030, 7, 1, 2, 0, tzinfo=UTC)


def _rate(world, ticket, overall=5, speed=5, attitude=5):
    return services.ticket_rate(
        actor=world.resident, ticket=ticket, overall=overall, speed=speed, attitude=attitude
    )


# --- scheduling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "low"), [((3, 5, 5), True), ((5, 2, 5), True), ((4, 3, 3), False)]
)
def test_low_ratings_always_get_a_follow_up_call(world, desk, at_status, scores, low, settings):
    settings.MULIN_FOLLOWUP_SAMPLE = 0.0
    ticket = at_status(Status.RESOLVED)
    _rate(world, ticket, *scores)
    calls = FollowUp.objects.filter(ticket=ticket)
    assert calls.exists() is low
    if low:
        assert calls.get().reason == FollowUpReason.LOW_RATING


def test_a_sample_of_good_ratings_gets_a_call(world, desk, at_status):
    ticket = at_status(Status.RESOLVED)
    rating = _rate(world, ticket)
    FollowUp.objects.filter(ticket=ticket).delete()  # the rating itself may have drawn one
    assert followups.followup_schedule_after_rating(ticket, rating, rng=lambda: 0.99) is None
    call = followups.followup_schedule_after_rating(ticket, rating, rng=lambda: 0.01)
    assert call.reason == FollowUpReason.SAMPLE


# --- recording -------------------------------------------------------------------------------


@pytest.fixture
def call(world, desk, at_status, settings):
    settings.MULIN_FOLLOWUP_SAMPLE = 0.0
    ticket = at_status(Status.RESOLVED)
    _rate(world, ticket, overall=2)
    return FollowUp.objects.get(ticket=ticket)


def test_staff_record_a_call_that_reached_the_resident(world, desk, call):
    done = followups.followup_record(
        actor=world.staff,
        follow_up=call,
        status=FollowUpStatus.DONE,
        contacted_in_time=True,
        solved=False,
        satisfaction=Satisfaction.BASIC,
        note="师傅态度好，但水管还有点渗",
    )
    assert (done.status, done.solved, done.satisfaction, done.done_by) == (
        FollowUpStatus.DONE,
        False,
        Satisfaction.BASIC,
        world.staff,
    )
    assert TicketEvent.objects.filter(ticket=call.ticket, kind=EventKind.FOLLOW_UP).count() == 1
    assert AuditEvent.objects.filter(action="tickets.follow_up").count() == 1
    with pytest.raises(ValidationError, match="already been recorded"):
        followups.followup_record(actor=world.staff, follow_up=call, status="unreachable")


def test_a_reached_call_needs_all_three_answers(world, call):
    with pytest.raises(ValidationError) as caught:
        followups.followup_record(actor=world.staff, follow_up=call, status=FollowUpStatus.DONE)
    assert set(caught.value.message_dict) == {"contacted_in_time", "solved", "satisfaction"}
    call.refresh_from_db()
    assert call.status == FollowUpStatus.PENDING


def test_the_handler_does_not_grade_their_own_work_and_outsiders_get_404(world, desk, call):
    with pytest.raises(ValidationError):
        followups.followup_record(
            actor=desk.handler, follow_up=call, status=FollowUpStatus.UNREACHABLE
        )
    with pytest.raises(Http404):
        followups.followup_record(
            actor=world.outsider, follow_up=call, status=FollowUpStatus.UNREACHABLE
        )
    call.refresh_from_db()
    assert call.status == FollowUpStatus.PENDING


# --- auto-close ------------------------------------------------------------------------------


def _resolved_at(at_status, when):
    with time_machine.travel(when, tick=False):
        return at_status(Status.RESOLVED)


def test_a_resolved_request_closes_itself_after_the_7_day_reopen_window(world, desk, at_status):
    ticket = _resolved_at(at_status, T0)
    assert followups.close_resolved(now=T0 + timedelta(days=7)) == 0  # not past the window yet
    assert followups.close_resolved(now=T0 + timedelta(days=7, seconds=1), rng=lambda: 0.99) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert followups.close_resolved(now=T0 + timedelta(days=8)) == 0  # once
    assert not FollowUp.objects.filter(ticket=ticket).exists()


def test_a_sample_of_unrated_closed_requests_gets_a_call(world, desk, at_status):
    ticket = _resolved_at(at_status, T0)
    followups.close_resolved(now=T0 + timedelta(days=8), rng=lambda: 0.0)
    assert FollowUp.objects.get(ticket=ticket).reason == FollowUpReason.NOT_RATED


# --- is it still fixed? ----------------------------------------------------------------------


@pytest.fixture
def closed(world, desk, at_status):
    with time_machine.travel(T0, tick=False):
        ticket = at_status(Status.RESOLVED)
        return services.ticket_transition(actor=world.resident, ticket=ticket, to=Target.CLOSED)


def test_the_resident_is_asked_14_days_after_closing_once(world, closed):
    assert followups.ask_rechecks(now=T0 + timedelta(days=13, hours=23)) == 0
    assert followups.ask_rechecks(now=T0 + timedelta(days=14)) == 1
    assert followups.ask_rechecks(now=T0 + timedelta(days=15)) == 0
    [message] = Notification.objects.filter(recipient=world.resident, title__contains="still fixed")
    assert message.kind == NotificationKind.RATING
    assert message.url == f"/requests/{closed.pk}/"


def test_still_fixed_is_recorded_and_the_request_stays_closed(world, closed):
    followups.ask_rechecks(now=T0 + timedelta(days=14))
    ticket = followups.ticket_recheck_answer(actor=world.resident, ticket=closed, still_fixed=True)
    assert (ticket.status, ticket.recheck_answer) == (Status.CLOSED, RecheckAnswer.YES)
    with pytest.raises(ValidationError, match="not waiting"):
        followups.ticket_recheck_answer(actor=world.resident, ticket=closed, still_fixed=False)


def test_not_fixed_reopens_for_the_same_handler_with_a_fresh_deadline(world, desk, closed):
    followups.ask_rechecks(now=T0 + timedelta(days=14))
    with pytest.raises(ValidationError) as caught:
        followups.ticket_recheck_answer(actor=world.resident, ticket=closed, still_fixed=False)
    assert "note" in caught.value.message_dict
    answered_at = T0 + timedelta(days=15)
    with time_machine.travel(answered_at, tick=False):
        ticket = followups.ticket_recheck_answer(
            actor=world.resident, ticket=closed, still_fixed=False, note="又开始漏了"
        )
    assert ticket.status == Status.ASSIGNED
    assert ticket.assignee == desk.handler
    assert ticket.reopen_count == 1
    assert ticket.closed_at is None and ticket.resolved_at is None
    assert ticket.resolve_by == answered_at + timedelta(days=7)
    assert (
        Notification.objects.filter(
            recipient=desk.handler, kind=NotificationKind.ASSIGNMENT
        ).count()
        == 2
    )  # the first assignment and now the reopening


def test_only_the_requester_answers_and_only_when_asked(world, desk, closed):
    with pytest.raises(ValidationError, match="not waiting"):
        followups.ticket_recheck_answer(actor=world.resident, ticket=closed, still_fixed=True)
    followups.ask_rechecks(now=T0 + timedelta(days=14))
    with pytest.raises(ValidationError):
        followups.ticket_recheck_answer(
            actor=desk.leader, ticket=closed, still_fixed=False, note="x"
        )
    with pytest.raises(Http404):
        followups.ticket_recheck_answer(
            actor=world.outsider, ticket=closed, still_fixed=False, note="x"
        )
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED


# --- paused work -----------------------------------------------------------------------------


def test_paused_work_resumes_on_its_date_and_the_pause_does_not_count(world, desk, at_status):
    with time_machine.travel(T0, tick=False):
        ticket = at_status(Status.PAUSED)  # paused until three days later
    resolve_by = ticket.resolve_by
    resume_day = ticket.paused_until
    the_day_before = datetime.combine(resume_day - timedelta(days=1), datetime.min.time(), UTC)
    assert followups.resume_paused(now=the_day_before) == 0
    at = T0 + timedelta(days=3)
    assert followups.resume_paused(now=at) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.paused_until is None
    assert ticket.resolve_by == resolve_by + timedelta(days=3)
    assert Notification.objects.filter(recipient=desk.handler, title__contains="resumes").exists()


def test_the_after_resolution_job_is_registered_for_tick():
    _load_jobs()
    assert "tickets.after_resolution" in JOBS
