"""API for requests: what the endpoints share — reads with their annotations, lookups, the
fields a caller may see."""

from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from mulin.core import access
from mulin.places.models import Compound

from .. import deadlines, selectors, services, states
from ..models import (
    Category,
    EventKind,
    FollowUp,
    Priority,
    Rating,
    RoutingRule,
    Ticket,
    TicketEvent,
    TicketPhoto,
)
from ..schemas import (
    RequestDetailOut,
)

Party = states.Party
TicketStatus = states.Status
MAX_ID = 2**63 - 1
SUBMISSION_KEY_MAX = 64  # Ticket.idempotency_key

# Timeline lines for the team only: follow-up calls, paging, rerouting and exclusions.
_INTERNAL_KINDS = {EventKind.FOLLOW_UP, EventKind.PAGE}
_INTERNAL_ACTIONS = {"route", "exclude", "include"}


@contextmanager
def _fields(**names: str):
    """Name the body's fields in a service's refusal (`assignee` → `assignee_id`)."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


# ---------------------------------------------------------------- reading


def _rows(user):
    return selectors.tickets_for(user).select_related("unit", "assignee")


def _is_requester(user, ticket: Ticket) -> bool:
    return ticket.submitted_by_id == user.pk or bool(
        user.person_id and ticket.requester_id == user.person_id
    )


def _overdue(ticket: Ticket, now: datetime) -> bool:
    # As the escalation job sees it (`selectors.overdue_at_level`): paused time does not count.
    return (
        ticket.status in states.OPEN
        and ticket.status != TicketStatus.PAUSED
        and deadlines.is_overdue(ticket, now)
    )


def _late_q(now: datetime) -> Q:
    late = Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)
    return late & Q(status__in=states.OPEN) & ~Q(status=TicketStatus.PAUSED)


def _annotate(user, tickets: list[Ticket], now: datetime) -> None:
    """What each row shows this user, decided without a query per row."""
    scope = access.scope_for(user, access.TICKETS_VIEW)
    for ticket in tickets:
        staff = (
            scope.everything
            or ticket.compound_id in scope.compound_ids
            or ticket.building_id in scope.building_ids
        )
        ticket.api_staff = staff
        ticket.api_show_unit = staff or _is_requester(user, ticket)
        ticket.api_overdue = _overdue(ticket, now)


def _moves(ticket: Ticket, found: set[str], now: datetime) -> list[dict]:
    moves = []
    for target in states.targets_from(ticket.status):
        rule = states.rule_for(ticket.status, target)
        if not found & rule.parties:
            continue
        if target == states.Target.REOPENED and (
            ticket.resolved_at is None
            or now > ticket.resolved_at + timedelta(days=states.REOPEN_WITHIN_DAYS)
        ):
            continue
        moves.append(
            {
                "to": target,
                "label": str(states.Target(target).label),
                "needs_note": rule.needs_note,
            }
        )
    return moves


def _actions(ticket: Ticket, found: set[str], rated: bool) -> list[str]:
    """The other services the caller may use now (each still checks for itself)."""
    status = ticket.status
    team = bool(found & {Party.HANDLER, Party.MANAGER})
    requester = Party.REQUESTER in found
    manager = Party.MANAGER in found
    allowed = {
        "assign": manager
        and status
        in (
            TicketStatus.ACCEPTED,
            TicketStatus.ASSIGNED,
            TicketStatus.IN_PROGRESS,
            TicketStatus.PAUSED,
        ),
        "claim": team and status == TicketStatus.ACCEPTED and ticket.assignee_id is None,
        "urge": requester and status in states.OPEN,
        "rate": requester
        and status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        and ticket.resolved_at is not None
        and not rated,
        "merge": team and status in states.OPEN,
        "comment": bool(found),
        "visibility": requester,
        "exclusion": manager,
        "recheck": requester
        and status == TicketStatus.CLOSED
        and ticket.recheck_asked_at is not None
        and not ticket.recheck_answer,
    }
    return [name for name, ok in allowed.items() if ok]


def _detail(user, ticket: Ticket) -> Ticket:
    """`ticket` with everything the request page shows this user attached (a fixed number of
    queries, however long its timeline)."""
    now = timezone.now()
    _annotate(user, [ticket], now)
    staff = ticket.api_staff
    found = services.parties(user, ticket)
    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    if not staff:
        events = [
            e
            for e in events
            if e.kind not in _INTERNAL_KINDS
            and not (e.kind == EventKind.NOTE and e.action in _INTERNAL_ACTIONS)
        ]
    photos = list(TicketPhoto.objects.filter(ticket=ticket).order_by("created_at", "id"))
    by_event = defaultdict(list)
    for photo in photos:
        by_event[photo.event_id].append(photo.pk)
    for event in events:
        event.api_photo_ids = by_event.get(event.pk, [])
    rating = Rating.objects.filter(ticket=ticket).first()
    ticket.api_events = events
    ticket.api_photos = photos
    ticket.api_rating = rating
    ticket.api_requester = ticket.requester if staff else None
    ticket.api_on_behalf_of = ticket.on_behalf_of if staff else None
    ticket.api_submitted_by = ticket.submitted_by if staff else None
    ticket.api_excluded_reason = ticket.excluded_reason if staff else ""
    ticket.api_follow_up = FollowUp.objects.filter(ticket=ticket).first() if staff else None
    ticket.api_duplicates = (
        list(
            selectors.duplicate_candidates(ticket)
            .filter(pk__in=_rows(user).values("pk"))
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)[:20]
        )
        if staff
        else []
    )
    ticket.api_moves = _moves(ticket, found, now)
    ticket.api_actions = _actions(ticket, found, rating is not None)
    return ticket


def _detail_rows(user):
    return _rows(user).select_related("requester", "on_behalf_of", "submitted_by")


def _detail_out(user, pk: int) -> RequestDetailOut:
    ticket = get_object_or_404(_detail_rows(user), pk=pk)
    return RequestDetailOut.from_orm(_detail(user, ticket))


def _ticket(user, pk: int) -> Ticket:
    return get_object_or_404(_rows(user), pk=pk)


# ---------------------------------------------------------------- categories


def _lives_in(user, compound: Compound) -> bool:
    own = access.own_unit_ids(user)
    return bool(own) and compound.units.filter(id__in=own).exists()


def _compound_for_requests(user, code: str) -> Compound:
    """A compound where `user` may see or report requests: staff of it, or a resident there."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None or not (
        access.can_in_compound(user, access.TICKETS_VIEW, compound) or _lives_in(user, compound)
    ):
        raise Http404
    return compound


def _attach_category_details(categories: list[Category]) -> None:
    routes = {
        rule.category_id: rule.organisation
        for rule in RoutingRule.objects.filter(category__in=categories).select_related(
            "organisation"
        )
    }
    for category in categories:
        overrides = {row.priority: row for row in category.deadlines.all()}
        category.api_organisation = routes.get(category.id, category.organisation)
        category.api_deadlines = []
        for priority in Priority.values:
            row = overrides.get(priority)
            respond, resolve = (
                (row.respond_minutes, row.resolve_minutes)
                if row is not None
                else deadlines.default_minutes(category, priority)
            )
            category.api_deadlines.append(
                {"priority": priority, "respond_minutes": respond, "resolve_minutes": resolve}
            )
