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
    # One WHERE with the scope OR'd to "my own" (not `pk IN (subquery)`), so PostgreSQL can
    # combine the compound, submitter and requester indexes.
    return access.visible(user, access.TICKETS_VIEW, qs) | qs.filter(own_tickets_q(user))


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


def public_tickets(compound) -> QuerySet[Ticket]:
    """What the public progress board and Open311's public reads may show of a compound: every
    request not hidden by its requester and not merged into another, newest first. Callers show
    only category, building number, status and times — never unit, place text, description,
    photos or any person (DESIGN §6)."""
    return (
        Ticket.objects.filter(compound=compound, public_hidden=False, duplicate_of__isnull=True)
        .select_related("category", "building")
        .order_by("-created_at", "-id")
    )


def team_handlers(organisation) -> QuerySet:
    """Active users who handle the requests of `organisation`: a current grant on the
    organisation with a role that holds TICKETS_HANDLE, in a stable order."""
    from mulin.core.models import RoleGrant, User

    roles = [
        role for role, perms in access.ROLE_PERMISSIONS.items() if access.TICKETS_HANDLE in perms
    ]
    grants = RoleGrant.objects.current().filter(organisation=organisation, role__in=roles)
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("pk")
