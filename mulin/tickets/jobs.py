"""Periodic jobs of the tickets app: escalation of overdue requests.

An open request past its respond-by (without a response) or its resolve-by goes to level 1, the
team leader of its handling organisation. If it is still overdue `SECOND_LEVEL_AFTER` later, it
goes to level 2, community staff. Each level is reached once: a row is claimed with a conditional
UPDATE (`WHERE escalation_level = n`), so concurrent runs never escalate a request twice.
Paused requests do not escalate. The people an escalation is for get an "overdue" message in
their inbox (`mulin.core.notifications.notify`) once the escalation is committed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import audit, notifications
from mulin.core.models import NotificationKind, Role, RoleGrant, User
from mulin.core.periodic import periodic
from mulin.orgs.models import MemberRole, Membership

from . import followups, selectors
from .models import EventKind, Ticket, TicketEvent

SECOND_LEVEL_AFTER = timedelta(hours=2)
LEADER_ROLES = (
    MemberRole.LEADER,
    MemberRole.MANAGER,
    MemberRole.DIRECTOR,
    MemberRole.SECRETARY,
)


def _recipients(ticket: Ticket, level: int) -> dict:
    """Who an escalation is for: the team leaders (level 1) or community staff (level 2)."""
    if level == 1:
        people = []
        if ticket.organisation_id:
            people = list(
                Membership.objects.current()
                .filter(organisation_id=ticket.organisation_id, role__in=LEADER_ROLES)
                .values_list("person_id", flat=True)
            )
        return {"leader_person_ids": sorted(people)}
    users = (
        RoleGrant.objects.current()
        .filter(role=Role.COMMUNITY_STAFF, community_id=ticket.compound.community_id)
        .values_list("user_id", flat=True)
    )
    return {"staff_user_ids": sorted(set(users))}


def escalate_one(ticket_id: int, level: int, now: datetime) -> bool:
    """Raise one ticket from `level` to `level + 1`; False if another run got there first."""
    with transaction.atomic():
        claimed = Ticket.objects.filter(pk=ticket_id, escalation_level=level).update(
            escalation_level=level + 1, escalated_at=now
        )
        if claimed != 1:
            return False
        ticket = Ticket.objects.select_related("compound").get(pk=ticket_id)
        data = {"level": level + 1, **_recipients(ticket, level + 1)}
        TicketEvent.objects.create(ticket=ticket, kind=EventKind.ESCALATION, actor=None, data=data)
        audit.record(
            actor=None,
            action="tickets.escalate",
            target=ticket,
            changes={"escalation_level": [level, level + 1]},
        )
        transaction.on_commit(lambda: _notify(ticket_id, data))
    return True


def _notify(ticket_id: int, data: dict) -> None:
    """Tell the team leaders (level 1) or community staff (level 2) about an escalation."""
    users = User.objects.filter(is_active=True)
    if data["level"] == 1:
        users = users.filter(person_id__in=data["leader_person_ids"])
    else:
        users = users.filter(pk__in=data["staff_user_ids"])
    ticket = Ticket.objects.select_related("category").get(pk=ticket_id)
    names = {"number": ticket.pk, "category": ticket.category.name}
    notifications.notify(
        recipients=list(users),
        kind=NotificationKind.OVERDUE,
        title=gettext("Request #%(number)s is overdue") % names,
        body=gettext(
            "The %(category)s request #%(number)s is past its deadline and has been escalated "
            "to you."
        )
        % names,
        target=ticket,
    )


def escalate_overdue(now: datetime | None = None) -> dict[int, int]:
    """Escalate every overdue request by one level; returns {new level: count}."""
    now = now or timezone.now()
    done = {1: 0, 2: 0}
    for level, since in ((1, now - SECOND_LEVEL_AFTER), (0, None)):
        # Level 1 first, so a request is never raised twice in one run.
        ids = list(
            selectors.overdue_at_level(level, now, since=since)
            .order_by("id")
            .values_list("id", flat=True)
        )
        for ticket_id in ids:
            if escalate_one(ticket_id, level, now):
                done[level + 1] += 1
    return done


# Registered here so `mulin tick` and beat find it with the other jobs of this app.
after_resolution_job = followups.after_resolution_job


@periodic("tickets.escalate_overdue", every=timedelta(minutes=5))
def escalate_overdue_job() -> str:
    done = escalate_overdue()
    return f"{done[1]} to team leaders, {done[2]} to community staff"
