"""Reads of the request pages: the resident's own requests, the request page every party shares
(timeline with actors, photos and costs), and which actions each party may take there.

Every read here runs a fixed number of queries, however long the list or the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mulin.core import access
from mulin.core.privacy import mask_phone

from . import selectors
from .models import (
    Category,
    EventKind,
    FollowUp,
    Rating,
    Ticket,
    TicketEvent,
    TicketPhoto,
)
from .services import URGE_INTERVAL, parties
from .states import OPEN, REOPEN_WITHIN_DAYS, Party, Status, Target, rule_for, targets_from

# --- categories as residents pick them ---------------------------------------------------------

GROUPS: list[tuple[str, str]] = [
    ("repairs", _("Repairs")),
    ("environment", _("Environment and order")),
    ("neighbours", _("Neighbours")),
    ("feedback", _("Feedback")),
    ("other", _("Other")),
]
_GROUP_OF = {
    "leak": "repairs",
    "plumbing": "repairs",
    "electrical": "repairs",
    "lift": "repairs",
    "major_repair": "repairs",
    "public_facilities": "repairs",
    "sanitation": "environment",
    "greening": "environment",
    "parking": "environment",
    "security": "environment",
    "noise": "neighbours",
    "neighbour_dispute": "neighbours",
    "suggestion": "feedback",
    "complaint": "feedback",
    "praise": "feedback",
}
ICONS = {
    "leak": "droplet-half",
    "plumbing": "wrench-adjustable",
    "electrical": "lightning-charge-fill",
    "lift": "arrow-down-up",
    "major_repair": "house-gear",
    "public_facilities": "lamp",
    "sanitation": "trash3",
    "greening": "tree",
    "parking": "p-square",
    "security": "shield-check",
    "noise": "volume-up",
    "neighbour_dispute": "people",
    "suggestion": "lightbulb",
    "complaint": "megaphone",
    "praise": "hand-thumbs-up",
}


def category_icon(code: str) -> str:
    return ICONS.get(code, "question-circle")


def category_group(code: str) -> str:
    return _GROUP_OF.get(code, "other")


@dataclass
class CategoryGroup:
    code: str
    label: str
    categories: list[Category]


def grouped_categories(categories) -> list[CategoryGroup]:
    """Categories under the four headings residents look for (repairs, environment, neighbours,
    feedback), custom ones under "Other"; empty groups are left out."""
    groups = {code: CategoryGroup(code, str(label), []) for code, label in GROUPS}
    for category in categories:
        category.icon = category_icon(category.code)
        groups[category_group(category.code)].categories.append(category)
    return [g for g in groups.values() if g.categories]


def compound_categories(compound) -> list[Category]:
    return list(
        Category.objects.filter(compound=compound, active=True).order_by("position", "code")
    )


# --- my requests -------------------------------------------------------------------------------

MINE_PAGE_SIZE = 10


def my_requests(user) -> QuerySet[Ticket]:
    """The requests `user` submitted or is the requester of, newest first, with what one row of
    "My requests" shows: the last urge and the note of the move into the current status (the
    reason of a rejection or a pause). One query per page."""
    events = TicketEvent.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Ticket.objects.filter(selectors.own_tickets_q(user))
        .select_related("category", "compound", "building", "unit", "organisation", "assignee")
        .select_related("rating")
        .annotate(
            last_urged_at=Subquery(events.filter(kind=EventKind.URGE).values("created_at")[:1]),
            status_note=Subquery(
                events.filter(kind=EventKind.TRANSITION, to_status=OuterRef("status")).values(
                    "note"
                )[:1]
            ),
        )
        .order_by("-created_at", "-id")
    )


@dataclass
class RequesterActions:
    """What the requester may do now, and when they may urge again."""

    urge: bool = False
    urge_again_at: datetime | None = None
    rate: bool = False
    reopen: bool = False
    reopen_until: datetime | None = None
    recheck: bool = False


def _rating(ticket: Ticket) -> Rating | None:
    try:
        return ticket.rating
    except Rating.DoesNotExist:
        return None


def requester_actions(ticket: Ticket, last_urged_at: datetime | None, now: datetime):
    found = RequesterActions()
    if ticket.status in OPEN:
        again = last_urged_at + URGE_INTERVAL if last_urged_at else None
        if again is not None and again > now:
            found.urge_again_at = again
        else:
            found.urge = True
    if ticket.status in (Status.RESOLVED, Status.CLOSED) and ticket.resolved_at is not None:
        found.rate = _rating(ticket) is None
    if ticket.status == Status.RESOLVED and ticket.resolved_at is not None:
        until = ticket.resolved_at + timedelta(days=REOPEN_WITHIN_DAYS)
        if now <= until:
            found.reopen, found.reopen_until = True, until
    found.recheck = (
        ticket.status == Status.CLOSED
        and ticket.recheck_asked_at is not None
        and not ticket.recheck_answer
    )
    return found


def _when(value: datetime) -> str:
    return date_format(timezone.localtime(value), "m-d H:i")


def next_step(ticket: Ticket, note: str = "") -> str:
    """What happens next, in the words a resident reads: who acts and by when."""
    names = {"respond_by": _when(ticket.respond_by), "resolve_by": _when(ticket.resolve_by)}
    if ticket.duplicate_of_id:
        return gettext(
            "Neighbours reported the same problem: it is handled as request #%(number)s, and "
            "you will hear about its progress."
        ) % {"number": ticket.duplicate_of_id}
    status = ticket.status
    if status == Status.SUBMITTED:
        return gettext("The team will look at it and answer by %(respond_by)s.") % names
    if status == Status.ACCEPTED:
        return gettext("The team has taken it on and will send someone soon.")
    if status == Status.ASSIGNED:
        if ticket.assignee_id:
            return gettext("%(name)s will handle it; it should be solved by %(resolve_by)s.") % {
                **names,
                "name": ticket.assignee.display_name,
            }
        return gettext("A handler will start soon; it should be solved by %(resolve_by)s.") % names
    if status == Status.IN_PROGRESS:
        return gettext("Work is under way; it should be solved by %(resolve_by)s.") % names
    if status == Status.PAUSED:
        text = gettext("Work is paused until %(date)s.") % {
            "date": date_format(ticket.paused_until, "Y-m-d") if ticket.paused_until else "—"
        }
        return f"{text} {note}".strip()
    if status == Status.RESOLVED:
        return gettext(
            "The team says it is fixed. Please rate the work; if it is not fixed, reopen it "
            "within 7 days."
        )
    if status == Status.REJECTED:
        text = gettext("The team could not take this request.")
        return f"{text} {gettext('Reason:')} {note}" if note else text
    if ticket.recheck_asked_at and not ticket.recheck_answer:
        return gettext("Is it still fixed? Please tell us.")
    return gettext("This request is finished.")


@dataclass
class MineRow:
    ticket: Ticket
    next_step: str
    actions: RequesterActions


def mine_rows(tickets, now: datetime | None = None) -> list[MineRow]:
    """Rows of "My requests" from tickets of `my_requests` (no further queries)."""
    now = now or timezone.now()
    return [
        MineRow(
            ticket=t,
            next_step=next_step(t, t.status_note or ""),
            actions=requester_actions(t, t.last_urged_at, now),
        )
        for t in tickets
    ]


# --- the request page --------------------------------------------------------------------------

STEPS = [
    (Status.SUBMITTED, _("Submitted")),
    (Status.ACCEPTED, _("Accepted")),
    (Status.ASSIGNED, _("Handler chosen")),
    (Status.IN_PROGRESS, _("Work under way")),
    (Status.RESOLVED, _("Fixed")),
    (Status.CLOSED, _("Finished")),
]
_STEP_INDEX = {status: i for i, (status, _label) in enumerate(STEPS)}
_STEP_INDEX[Status.PAUSED] = _STEP_INDEX[Status.IN_PROGRESS]


@dataclass
class Step:
    label: str
    state: str  # done, current, todo


def progress_steps(ticket: Ticket) -> list[Step]:
    """The stepper: submitted → accepted → handler → work → fixed → finished. A rejected request
    stops after "Submitted"; a paused one stands at "Work under way"."""
    if ticket.status == Status.REJECTED:
        return [Step(str(STEPS[0][1]), "done"), Step(gettext("Not taken on"), "current")]
    current = _STEP_INDEX.get(ticket.status, 0)
    steps = []
    for i, (_status, label) in enumerate(STEPS):
        if i < current or (i == current and ticket.status == Status.CLOSED):
            state = "done"
        elif i == current:
            state = "current"
        else:
            state = "todo"
        label = str(label)
        if i == current and ticket.status == Status.PAUSED:
            label = gettext("Paused")
        steps.append(Step(label, state))
    return steps


@dataclass
class CostLine:
    item: str
    amount: Decimal


@dataclass
class Entry:
    """One line of the timeline, ready to show."""

    event: TicketEvent
    icon: str
    title: str
    actor: str
    photos: list[TicketPhoto] = field(default_factory=list)
    cost_lines: list[CostLine] = field(default_factory=list)
    cost_total: Decimal | None = None
    detail: str = ""


_TRANSITION_TITLES = {
    Target.ACCEPTED: ("clipboard-check", _("Accepted")),
    Target.ASSIGNED: ("person-check", _("Handler chosen")),
    Target.IN_PROGRESS: ("tools", _("Work started")),
    Target.PAUSED: ("pause-circle", _("Work paused")),
    Target.RESOLVED: ("check-circle-fill", _("Marked as fixed")),
    Target.CLOSED: ("archive", _("Closed")),
    Target.REJECTED: ("x-circle-fill", _("Not taken on")),
    Target.TRANSFERRED: ("sign-turn-right", _("Passed to another team")),
    Target.REOPENED: ("arrow-counterclockwise", _("Reopened")),
    "claim": ("hand-index", _("Taken from the team pool")),
}
_KIND_TITLES = {
    EventKind.URGE: ("bell", _("Urged")),
    EventKind.ESCALATION: ("exclamation-triangle", _("Overdue: raised to a higher level")),
    EventKind.RATING: ("star-fill", _("Rated")),
    EventKind.PAGE: ("broadcast", _("Person on duty alerted")),
    EventKind.FOLLOW_UP: ("telephone", _("Follow-up call")),
    EventKind.VISIBILITY: ("eye", _("Public progress board")),
}


def _cost_lines(event: TicketEvent) -> tuple[list[CostLine], Decimal | None]:
    lines = [
        CostLine(str(line.get("item", "")), Decimal(str(line.get("amount", "0"))))
        for line in event.cost_lines or []
    ]
    return lines, (sum((line.amount for line in lines), Decimal("0.00")) if lines else None)


def _entry(event: TicketEvent, users: dict[int, str], orgs: dict[int, str], system: str) -> Entry:
    actor = event.actor.display_name if event.actor_id and event.actor else system
    kind, action, data = event.kind, event.action, event.data or {}
    icon, title, detail = "dot", str(EventKind(kind).label) if kind in EventKind.values else "", ""
    if kind == EventKind.SUBMISSION:
        icon, title = "inbox", gettext("Submitted")
    elif kind == EventKind.TRANSITION:
        icon, title = _TRANSITION_TITLES.get(action, ("arrow-right", title))
        title = str(title)
        if action == Target.IN_PROGRESS and event.from_status == Status.PAUSED:
            title = gettext("Work resumed")
        if action == Target.CLOSED and event.actor_id is None:
            title = gettext("Closed automatically")
    elif kind == EventKind.ASSIGNMENT:
        icon = "person-check"
        name = users.get(data.get("assignee"), "")
        if action == "round_robin":
            title = gettext("Given in turn to %(name)s") % {"name": name}
        else:
            title = gettext("Handed to %(name)s") % {"name": name}
    elif kind == EventKind.NOTE:
        icon, title = "chat-left-text", gettext("Note")
        if action == "route":
            icon = "signpost-split"
            title = gettext("Sent to %(team)s") % {"team": orgs.get(data.get("organisation"), "—")}
        elif action == "exclude":
            icon, title = "slash-circle", gettext("Left out of the figures")
        elif action == "include":
            icon, title = "plus-circle", gettext("Counted in the figures again")
    elif kind == EventKind.MERGE:
        icon = "union"
        if data.get("into"):
            title = gettext("Merged into request #%(number)s") % {"number": data["into"]}
        else:
            title = gettext("Request #%(number)s merged into this one") % {
                "number": data.get("merged", "—")
            }
    elif kind == EventKind.RECHECK:
        icon = "question-circle"
        if action == "asked":
            title = gettext("Asked whether it is still fixed")
        elif action == "yes":
            icon, title = "check-circle", gettext("Answered: still fixed")
        else:
            icon, title = "x-circle", gettext("Answered: not fixed")
    elif kind in _KIND_TITLES:
        icon, title = _KIND_TITLES[kind]
        title = str(title)
        if kind == EventKind.RATING:
            detail = gettext(
                "Overall %(overall)s/5 · speed %(speed)s/5 · attitude %(attitude)s/5"
            ) % {
                "overall": data.get("overall", "—"),
                "speed": data.get("speed", "—"),
                "attitude": data.get("attitude", "—"),
            }
        elif kind == EventKind.ESCALATION:
            detail = (
                gettext("Team leaders were told.")
                if data.get("level") == 1
                else gettext("Community staff were told.")
            )
        elif kind == EventKind.VISIBILITY:
            title = (
                gettext("Hidden from the public progress board")
                if action == "hide"
                else gettext("Shown on the public progress board")
            )
        elif kind == EventKind.FOLLOW_UP:
            detail = (
                gettext("The resident could not be reached.")
                if action == "unreachable"
                else gettext("The resident was reached.")
            )
    lines, total = _cost_lines(event)
    return Entry(
        event=event,
        icon=icon,
        title=title,
        actor=actor,
        photos=list(event.photos.all()),
        cost_lines=lines,
        cost_total=total,
        detail=detail,
    )


def timeline(ticket: Ticket) -> list[Entry]:
    """Every event of `ticket`, oldest first, with its actor, photos and cost lines: two queries
    for the events and their photos, one more for the handlers and teams the events name."""
    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .prefetch_related(
            Prefetch("photos", queryset=TicketPhoto.objects.order_by("created_at", "id"))
        )
        .order_by("created_at", "id")
    )
    user_ids = {e.data.get("assignee") for e in events if e.kind == EventKind.ASSIGNMENT}
    org_ids = {e.data.get("organisation") for e in events if e.action == "route"}
    users: dict[int, str] = {}
    orgs: dict[int, str] = {}
    user_ids.discard(None)
    org_ids.discard(None)
    if user_ids:
        from mulin.core.models import User

        users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}
    if org_ids:
        from mulin.orgs.models import Organisation

        orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    system = gettext("Mulin (automatic)")
    return [_entry(e, users, orgs, system) for e in events]


@dataclass
class RequestPage:
    ticket: Ticket
    entries: list[Entry]
    report_photos: list[TicketPhoto]
    cost_total: Decimal | None
    cost_events: int
    rating: Rating | None
    follow_up: FollowUp | None
    steps: list[Step]
    parties: set[str]
    staff_view: bool
    requester_name: str
    requester_phone: str
    status_note: str
    next_step: str
    requester: RequesterActions
    actions: set[str]
    is_open: bool = False
    respond_late: bool = False
    resolve_late: bool = False


def request_ticket(user, pk: int) -> Ticket:
    """The request `user` may see (staff by scope, residents their own) with what its page shows,
    or `Ticket.DoesNotExist`."""
    return (
        selectors.tickets_for(user)
        .select_related("requester", "unit", "assignee", "rating", "submitted_by")
        .get(pk=pk)
    )


def _staff_actions(ticket: Ticket, found: set[str]) -> set[str]:
    """Moves of the state machine `found` may make from the ticket's status, plus the staff
    actions outside it (claim, reassign, merge, exclude)."""
    allowed = set()
    for target in targets_from(ticket.status):
        rule = rule_for(ticket.status, target)
        if rule is not None and rule.parties & found:
            allowed.add(str(target))
    staff = found & {Party.HANDLER, Party.MANAGER}
    if staff and ticket.status == Status.ACCEPTED and ticket.assignee_id is None:
        allowed.add("claim")
    if Party.MANAGER in found and ticket.status in (
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PAUSED,
    ):
        allowed.add(str(Target.ASSIGNED))
    if staff and ticket.status in OPEN and ticket.duplicate_of_id is None:
        allowed.add("merge")
    if Party.MANAGER in found:
        allowed.add("exclude")
    return allowed


def request_page(user, ticket: Ticket, now: datetime | None = None) -> RequestPage:
    """Everything the request page shows and which actions it offers `user`. Queries: the
    parties (two), the timeline (two or three), the follow-up call and, for staff who hold
    no role on the ticket, one access check — the same for a long timeline as for a short one."""
    now = now or timezone.now()
    found = parties(user, ticket)
    staff_view = bool(found & {Party.HANDLER, Party.MANAGER}) or (
        access.can(user, access.TICKETS_VIEW, ticket)
    )
    entries = timeline(ticket)
    report_photos = [p for e in entries if e.event.kind == EventKind.SUBMISSION for p in e.photos]
    totals = [e.cost_total for e in entries if e.cost_total is not None]
    last_urge = max(
        (e.event.created_at for e in entries if e.event.kind == EventKind.URGE), default=None
    )
    status_note = next(
        (
            e.event.note
            for e in reversed(entries)
            if e.event.kind == EventKind.TRANSITION and e.event.to_status == ticket.status
        ),
        "",
    )
    follow_up = FollowUp.objects.filter(ticket=ticket).select_related("done_by").first()
    mine = requester_actions(ticket, last_urge, now)
    actions = _staff_actions(ticket, found) - {str(Target.REOPENED), str(Target.CLOSED)}
    rule = rule_for(ticket.status, Target.CLOSED)
    if rule is not None and rule.parties & found:
        actions.add(str(Target.CLOSED))
    if Party.REQUESTER in found:
        actions |= {
            name
            for name, ok in (
                ("urge", mine.urge),
                ("rate", mine.rate),
                (str(Target.REOPENED), mine.reopen),
                ("recheck", mine.recheck),
            )
            if ok
        }
        actions.add("public")
    if found:
        actions.add("comment")
    requester = ticket.requester
    return RequestPage(
        ticket=ticket,
        entries=entries,
        report_photos=report_photos,
        cost_total=sum(totals, Decimal("0.00")) if totals else None,
        cost_events=len(totals),
        rating=_rating(ticket),
        follow_up=follow_up,
        steps=progress_steps(ticket),
        parties=found,
        staff_view=staff_view,
        requester_name=requester.name if requester else "",
        requester_phone=mask_phone(requester.phone) if requester else "",
        status_note=status_note,
        next_step=next_step(ticket, status_note),
        requester=mine,
        actions=actions,
        is_open=ticket.status in OPEN,
        respond_late=ticket.status in OPEN
        and ticket.responded_at is None
        and ticket.respond_by < now,
        resolve_late=ticket.status in OPEN
        and ticket.status != Status.PAUSED
        and ticket.resolve_by < now,
    )


def transfer_organisations(ticket: Ticket) -> QuerySet:
    """Organisations serving the ticket's compound that could take it over (not its own)."""
    from mulin.orgs.models import Organisation
    from mulin.orgs.selectors import serving_compound_q

    return (
        Organisation.objects.active()
        .filter(serving_compound_q(ticket.compound))
        .exclude(pk=ticket.organisation_id)
        .order_by("name", "id")
    )


def merge_candidates(ticket: Ticket) -> QuerySet[Ticket]:
    """Requests this one may be merged into: its duplicate candidates that are still their own."""
    return (
        selectors.duplicate_candidates(ticket)
        .exclude(status=Status.REJECTED)
        .select_related("category", "building")
        .order_by("-created_at", "-id")
    )
