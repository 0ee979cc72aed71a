"""After resolution: follow-up calls (回访), closing, "is it still fixed?" and resuming paused work.

- A low rating, and a sample of the rest (`MULIN_FOLLOWUP_SAMPLE`, default one in five, unrated
  requests included), gets a follow-up call that staff record. Done calls are the valid
  follow-ups the 响应率 / 解决率 / 满意率 figures count (DESIGN §9).
- A resolved request the resident neither closes nor reopens closes itself after the 7-day
  reopen window.
- 14 days after closing the resident is asked "is it still fixed?"; "no" reopens it.
- Paused work resumes on its resume date.

Every periodic step claims each row with a conditional UPDATE, so two runs never act twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import access, audit, notifications
from mulin.core.models import NotificationKind
from mulin.core.periodic import periodic

from . import deadlines, dispatch
from .models import (
    EventKind,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    Rating,
    RecheckAnswer,
    Satisfaction,
    Ticket,
    TicketEvent,
)
from .states import RECHECK_REOPEN, REOPEN_WITHIN_DAYS, Party, Status

RECHECK_AFTER = timedelta(days=14)
AUTO_CLOSE_AFTER = timedelta(days=REOPEN_WITHIN_DAYS)
LOW_OVERALL = 3  # an overall score of 3 or less is a low rating
LOW_PART = 2  # and so is 2 or less for speed or attitude


def sample_rate() -> float:
    return getattr(settings, "MULIN_FOLLOWUP_SAMPLE", 0.2)


def is_low(rating: Rating) -> bool:
    return rating.overall <= LOW_OVERALL or min(rating.speed, rating.attitude) <= LOW_PART


def followup_schedule_after_rating(
    ticket: Ticket, rating: Rating, rng: Callable[[], float] = random.random
) -> FollowUp | None:
    """Queue a follow-up call for a low rating, or for a sample of the others."""
    if is_low(rating):
        reason = FollowUpReason.LOW_RATING
    elif rng() < sample_rate():
        reason = FollowUpReason.SAMPLE
    else:
        return None
    follow_up, _ = FollowUp.objects.get_or_create(ticket=ticket, defaults={"reason": reason})
    return follow_up


@transaction.atomic
def followup_record(
    *,
    actor,
    follow_up: FollowUp,
    status: str,
    contacted_in_time: bool | None = None,
    solved: bool | None = None,
    satisfaction: str = "",
    note: str = "",
) -> FollowUp:
    """Staff record a follow-up call: reached (with the resident's three answers) or not reached.
    Team leaders and community staff call; the handler who did the work does not grade it."""
    follow_up = FollowUp.objects.select_for_update().select_related("ticket").get(pk=follow_up.pk)
    ticket = follow_up.ticket
    if not access.can(actor, access.TICKETS_VIEW, ticket):
        raise Http404
    if not access.can(actor, access.TICKETS_MANAGE, ticket):
        raise ValidationError(
            gettext("Only a team leader or community staff may record a follow-up call.")
        )
    if follow_up.status == FollowUpStatus.DONE:
        raise ValidationError(gettext("This follow-up call has already been recorded."))
    note = (note or "").strip()
    errors = {}
    if status not in (FollowUpStatus.DONE, FollowUpStatus.UNREACHABLE):
        errors["status"] = gettext("Say whether the resident was reached.")
    elif status == FollowUpStatus.DONE:
        if contacted_in_time is None:
            errors["contacted_in_time"] = gettext("Ask whether the resident was contacted in time.")
        if solved is None:
            errors["solved"] = gettext("Ask whether the problem was solved.")
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = gettext("Ask how satisfied the resident is.")
    if len(note) > 2000:
        errors["note"] = gettext("Keep the note under 2000 characters.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(follow_up, ["status", "contacted_in_time", "solved", "satisfaction"])
    follow_up.status = status
    if status == FollowUpStatus.DONE:
        follow_up.contacted_in_time = contacted_in_time
        follow_up.solved = solved
        follow_up.satisfaction = satisfaction
    follow_up.note = note
    follow_up.done_by = actor
    follow_up.done_at = timezone.now()
    follow_up.save()
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.FOLLOW_UP,
        actor=actor,
        action=status,
        note=note,
        data={
            "contacted_in_time": follow_up.contacted_in_time,
            "solved": follow_up.solved,
            "satisfaction": follow_up.satisfaction,
        },
    )
    audit.record(
        actor=actor,
        action="tickets.follow_up",
        target=ticket,
        changes=audit.diff(
            before,
            audit.snapshot(follow_up, ["status", "contacted_in_time", "solved", "satisfaction"]),
        ),
    )
    return follow_up


@transaction.atomic
def ticket_recheck_answer(*, actor, ticket: Ticket, still_fixed: bool, note: str = "") -> Ticket:
    """The resident answers "is it still fixed?"; "no" reopens the request for its team with a
    fresh resolve-by."""
    ticket = Ticket.objects.select_for_update().select_related("category").get(pk=ticket.pk)
    from .services import parties

    found = parties(actor, ticket)
    if not found and not access.can(actor, access.TICKETS_VIEW, ticket):
        raise Http404
    if Party.REQUESTER not in found:
        raise ValidationError(gettext("Only the resident who made the request can answer this."))
    if ticket.status != Status.CLOSED or ticket.recheck_asked_at is None or ticket.recheck_answer:
        raise ValidationError(gettext("This request is not waiting for your answer."))
    note = (note or "").strip()
    if not still_fixed and not note:
        raise ValidationError({"note": gettext("Say what is wrong again; the team will see it.")})
    now = timezone.now()
    ticket.recheck_answer = RecheckAnswer.YES if still_fixed else RecheckAnswer.NO
    ticket.recheck_answered_at = now
    changes = {"recheck_answer": ["", ticket.recheck_answer]}
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.RECHECK,
        actor=actor,
        action=ticket.recheck_answer,
        note=note,
    )
    if still_fixed:
        ticket.save(update_fields=["recheck_answer", "recheck_answered_at", "updated_at"])
    else:
        lands_in = RECHECK_REOPEN.lands_in if ticket.assignee_id else Status.ACCEPTED
        _respond, resolve = deadlines.minutes_for(ticket.category, ticket.priority)
        changes["status"] = [ticket.status, lands_in]
        ticket.status = lands_in
        ticket.closed_at = ticket.resolved_at = None
        ticket.reopen_count += 1
        ticket.resolve_by = now + timedelta(minutes=resolve)
        ticket.save()
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.TRANSITION,
            actor=actor,
            action="reopened",
            from_status=Status.CLOSED,
            to_status=lands_in,
            note=note,
        )
        dispatch.tell_assignee(ticket, actor=actor)
        names = {"number": ticket.pk, "category": ticket.category.name}
        dispatch.tell_followers(
            ticket,
            actor=actor,
            title=gettext("Request #%(number)s reopened: not fixed") % names,
            body=note,
        )
    audit.record(actor=actor, action="tickets.recheck", target=ticket, changes=changes)
    return ticket


# --- periodic steps -----------------------------------------------------------------------


def close_resolved(now=None, rng: Callable[[], float] = random.random) -> int:
    """Close requests resolved more than 7 days ago that the resident left alone; a sample of
    the unrated ones gets a follow-up call."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=now - AUTO_CLOSE_AFTER)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            if (
                Ticket.objects.filter(pk=ticket_id, status=Status.RESOLVED).update(
                    status=Status.CLOSED, closed_at=now, updated_at=now
                )
                != 1
            ):
                continue
            ticket = Ticket.objects.get(pk=ticket_id)
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.TRANSITION,
                actor=None,
                action="closed",
                from_status=Status.RESOLVED,
                to_status=Status.CLOSED,
                note=gettext("Closed after 7 days without an answer."),
            )
            audit.record(
                actor=None,
                action="tickets.auto_close",
                target=ticket,
                changes={"status": [Status.RESOLVED, Status.CLOSED]},
            )
            if not Rating.objects.filter(ticket_id=ticket_id).exists() and rng() < sample_rate():
                FollowUp.objects.get_or_create(
                    ticket=ticket, defaults={"reason": FollowUpReason.NOT_RATED}
                )
            done += 1
    return done


def ask_rechecks(now=None) -> int:
    """Ask "is it still fixed?" of every request closed 14 or more days ago, once."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(
            status=Status.CLOSED,
            closed_at__lte=now - RECHECK_AFTER,
            recheck_asked_at__isnull=True,
            resolved_at__isnull=False,
            duplicate_of__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket_id, recheck_asked_at__isnull=True).update(
                recheck_asked_at=now
            )
            if claimed != 1:
                continue
            ticket = Ticket.objects.select_related("category").get(pk=ticket_id)
            TicketEvent.objects.create(
                ticket=ticket, kind=EventKind.RECHECK, actor=None, action="asked"
            )
            names = {"number": ticket.pk, "category": ticket.category.name}
            notifications.notify(
                recipients=dispatch.requester_users(ticket),
                kind=NotificationKind.RATING,
                title=gettext("Is it still fixed? Request #%(number)s") % names,
                body=gettext(
                    "Two weeks ago your %(category)s request #%(number)s was closed. Is the "
                    "problem still fixed? If not, say so and it will be reopened."
                )
                % names,
                target=ticket,
                url=dispatch.ticket_url(ticket),
            )
            done += 1
    return done


def resume_paused(now=None) -> int:
    """Resume paused work on its resume date; the paused time does not count against the team."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = list(
        Ticket.objects.filter(status=Status.PAUSED, paused_until__lte=today)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("category", "assignee")
                .filter(pk=ticket_id, status=Status.PAUSED)
                .first()
            )
            if ticket is None:
                continue
            ticket.resolve_by = deadlines.extend_for_pause(
                ticket.resolve_by, ticket.paused_at or now, now
            )
            ticket.status = Status.IN_PROGRESS
            ticket.paused_at = ticket.paused_until = None
            ticket.save()
            TicketEvent.objects.create(
                ticket=ticket,
                kind=EventKind.TRANSITION,
                actor=None,
                action="in_progress",
                from_status=Status.PAUSED,
                to_status=Status.IN_PROGRESS,
                note=gettext("The resume date has come."),
            )
            audit.record(
                actor=None,
                action="tickets.resume",
                target=ticket,
                changes={"status": [Status.PAUSED, Status.IN_PROGRESS]},
            )
            if ticket.assignee_id:
                names = {"number": ticket.pk, "category": ticket.category.name}
                notifications.notify(
                    recipients=[ticket.assignee],
                    kind=NotificationKind.STATUS,
                    title=gettext("Request #%(number)s resumes today") % names,
                    body=gettext("The paused %(category)s request #%(number)s is due again.")
                    % names,
                    target=ticket,
                    url=dispatch.ticket_url(ticket),
                )
            done += 1
    return done


@periodic("tickets.after_resolution", every=timedelta(hours=1))
def after_resolution_job() -> str:
    closed = close_resolved()
    asked = ask_rechecks()
    resumed = resume_paused()
    return f"{closed} closed, {asked} asked if still fixed, {resumed} resumed"
