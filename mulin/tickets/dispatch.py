"""Who hears about a request, and who gets it: followers, round-robin dispatch, emergency paging
and the messages each step sends. Called by the services inside their transaction; messages go
out through `mulin.core.notifications.notify`, whose deliveries start after commit."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import notifications
from mulin.core.models import NotificationKind, User
from mulin.orgs import selectors as org_selectors

from . import selectors
from .models import Channel, DispatchCursor, EventKind, Follower, Ticket, TicketEvent


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _names(ticket: Ticket) -> dict:
    return {"number": ticket.pk, "category": ticket.category.name}


def follow(ticket: Ticket, users) -> None:
    """Make `users` followers of `ticket` (already following is fine)."""
    rows = [Follower(ticket=ticket, user=u) for u in users if u is not None]
    if rows:
        Follower.objects.bulk_create(rows, ignore_conflicts=True)


def requester_users(ticket: Ticket) -> list[User]:
    """The accounts of the resident a request is for (the submitter, if they are that resident)."""
    q = Q(person_id=ticket.requester_id) if ticket.requester_id else Q(pk__in=[])
    if ticket.channel == Channel.SELF_SERVICE:
        q |= Q(pk=ticket.submitted_by_id)
    return list(User.objects.filter(q, is_active=True))


def followers(ticket: Ticket, *, without=()) -> list[User]:
    users = User.objects.filter(followed_tickets__ticket=ticket, is_active=True)
    skip = [u.pk for u in without if u is not None and getattr(u, "pk", None)]
    if skip:
        users = users.exclude(pk__in=skip)
    return list(users.order_by("pk"))


def tell_followers(ticket: Ticket, *, actor, title: str, body: str, without=()) -> None:
    """A status message to everyone following `ticket` but the one who made the change."""
    notifications.notify(
        recipients=followers(ticket, without=[actor, *without]),
        kind=NotificationKind.STATUS,
        title=title,
        body=body,
        target=ticket,
        url=ticket_url(ticket),
    )


def tell_assignee(ticket: Ticket, *, actor) -> None:
    if ticket.assignee_id is None or ticket.assignee_id == getattr(actor, "pk", None):
        return
    names = _names(ticket)
    notifications.notify(
        recipients=[ticket.assignee],
        kind=NotificationKind.ASSIGNMENT,
        title=gettext("Request #%(number)s is yours") % names,
        body=gettext("The %(category)s request #%(number)s has been assigned to you.") % names,
        target=ticket,
        url=ticket_url(ticket),
    )


def tell_of_urge(ticket: Ticket, *, actor, note: str) -> None:
    """The resident pressed for progress (催单): the handler hears of it, or the whole team while
    nobody has taken the request."""
    if ticket.assignee_id:
        recipients = [ticket.assignee]
    elif ticket.organisation_id:
        recipients = list(selectors.team_handlers(ticket.organisation))
    else:
        recipients = []
    names = _names(ticket)
    body = gettext("The resident is waiting for news of the %(category)s request #%(number)s.")
    notifications.notify(
        recipients=[u for u in recipients if u.pk != actor.pk],
        kind=NotificationKind.STATUS,
        title=gettext("Request #%(number)s: the resident is urging") % names,
        body=f"{body % names}\n{note}" if note else body % names,
        target=ticket,
        url=ticket_url(ticket),
    )


def ask_for_rating(ticket: Ticket) -> None:
    names = _names(ticket)
    notifications.notify(
        recipients=requester_users(ticket),
        kind=NotificationKind.RATING,
        title=gettext("Request #%(number)s is resolved: how did we do?") % names,
        body=gettext(
            "Your %(category)s request #%(number)s has been resolved. Please rate it; if the "
            "problem is still there you can reopen it within 7 days."
        )
        % names,
        target=ticket,
        url=ticket_url(ticket),
    )


def next_round_robin(organisation) -> User | None:
    """The team's next handler after the one who got the last request; the cursor row is locked
    so two requests accepted at once go to two different handlers."""
    handlers = list(selectors.team_handlers(organisation))
    if not handlers:
        return None
    cursor, _ = DispatchCursor.objects.get_or_create(organisation=organisation)
    cursor = DispatchCursor.objects.select_for_update().get(pk=cursor.pk)
    after = cursor.last_assignee_id or 0
    chosen = next((h for h in handlers if h.pk > after), handlers[0])
    cursor.last_assignee = chosen
    cursor.save(update_fields=["last_assignee", "updated_at"])
    return chosen


def page_for_emergency(ticket: Ticket) -> dict:
    """Page whoever is on duty for the compound now and the party members who answer for the
    unit or building (包楼包户). Records who was paged on the timeline; returns that record."""
    now = timezone.now()
    on_duty = list(org_selectors.on_duty_now(compound=ticket.compound, at=now))
    person_ids = {shift.person_id for shift in on_duty}
    responsible_ids: set[int] = set()
    if ticket.unit_id:
        responsible_ids = {
            area.membership.person_id for area in org_selectors.responsible_for_unit(ticket.unit)
        }
    elif ticket.building_id:
        from mulin.orgs.models import ResponsibilityArea

        responsible_ids = set(
            ResponsibilityArea.objects.filter(building_id=ticket.building_id).values_list(
                "membership__person_id", flat=True
            )
        )
    users = list(
        User.objects.filter(is_active=True, person_id__in=person_ids | responsible_ids).order_by(
            "pk"
        )
    )
    data = {
        "on_duty_person_ids": sorted(person_ids),
        "responsible_person_ids": sorted(responsible_ids),
        "user_ids": [u.pk for u in users],
    }
    TicketEvent.objects.create(ticket=ticket, kind=EventKind.PAGE, actor=None, data=data)
    follow(ticket, users)
    where = ticket.unit.code if ticket.unit_id else (ticket.place or "")
    names = {**_names(ticket), "where": where}
    notifications.notify(
        recipients=users,
        kind=NotificationKind.EMERGENCY,
        title=gettext("Emergency: %(category)s request #%(number)s") % names,
        body=gettext("An emergency %(category)s request (#%(number)s, %(where)s) needs you now.")
        % names,
        target=ticket,
        url=ticket_url(ticket),
    )
    return data
