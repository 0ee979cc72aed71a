"""Reads of tickets: who sees which, duplicates, routing and escalation candidates."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from mulin.core import access

from .models import Category, RoutingRule, Ticket
from .states import OPEN, Status

DUPLICATE_WINDOW = timedelta(hours=24)


def own_tickets_q(user) -> Q:
    """The requests a user submitted or is the requester of."""
    q = Q(submitted_by_id=user.pk)
    if user.person_id:
        q |= Q(requester_id=user.person_id)
    return q


def tickets_for(user) -> QuerySet[Ticket]:
    """Every ticket `user` may see: staff by scope, residents their own."""
    if not getattr(user, "is_authenticated", False):
        return Ticket.objects.none()
    qs = Ticket.objects.select_related("category", "compound", "building", "organisation")
    staff = access.visible(user, access.TICKETS_VIEW, Ticket.objects.all()).values("pk")
    return qs.filter(Q(pk__in=staff) | own_tickets_q(user))


def duplicate_candidates(ticket: Ticket) -> QuerySet[Ticket]:
    """Requests in the same building and category submitted within 24 h before this one."""
    if ticket.building_id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(
        compound_id=ticket.compound_id,
        category_id=ticket.category_id,
        building_id=ticket.building_id,
        created_at__gte=ticket.created_at - DUPLICATE_WINDOW,
        created_at__lte=ticket.created_at,
        duplicate_of__isnull=True,
    ).exclude(pk=ticket.pk)


def route_for(compound, category: Category):
    """The organisation a compound's requests of `category` go to."""
    rule = RoutingRule.objects.filter(compound=compound, category=category).first()
    if rule is not None:
        return rule.organisation
    return category.organisation


def overdue_at_level(level: int, now: datetime, *, since: datetime | None = None):
    """Open, unpaused tickets at `level` that are past a deadline (and, above level 0,
    escalated before `since`)."""
    late = Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)
    qs = Ticket.objects.filter(late, escalation_level=level, status__in=OPEN).exclude(
        status=Status.PAUSED
    )
    if since is not None:
        qs = qs.filter(escalated_at__lte=since)
    return qs
