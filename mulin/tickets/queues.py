"""Reads of the staff workbench: who stands where in a compound, the queues and their counts,
filters and search, the handlers one may assign to, the follow-up calls to make and the category
settings. Every list here costs the same number of queries however many rows it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from mulin.core import access
from mulin.core.models import RoleGrant, ScopeKind
from mulin.orgs.models import Organisation
from mulin.orgs.selectors import serving_compound_q

from . import deadlines
from .models import (
    Category,
    Deadline,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    Priority,
    RoutingRule,
    Ticket,
)
from .states import OPEN, Status

# --- who stands where -------------------------------------------------------------------------

_WIDE_SCOPES = (ScopeKind.PLATFORM, ScopeKind.SUBDISTRICT, ScopeKind.COMMUNITY, ScopeKind.COMPOUND)


def _roles_with(perm: str) -> list[str]:
    return [role for role, perms in access.ROLE_PERMISSIONS.items() if perm in perms]


@dataclass(frozen=True)
class Viewer:
    """How one member of staff stands in one compound's requests."""

    user: object
    compound: object
    teams: frozenset[int]  # organisations whose requests they handle (a handling role on them)
    led_teams: frozenset[int]  # organisations they lead (a managing role on them)
    oversees: bool  # holds a role on the whole compound or above: every team is theirs
    can_handle: bool
    can_manage: bool
    handle_building_ids: frozenset[int] = field(default_factory=frozenset)
    handles_compound: bool = False

    def may_handle(self, ticket: Ticket) -> bool:
        """TICKETS_HANDLE on `ticket`, decided from the scope already loaded (no query)."""
        return self.handles_compound or ticket.building_id in self.handle_building_ids


def viewer_for(user, compound) -> Viewer:
    """One query for the user's organisation grants; the permission scopes are cached per
    request by `access`."""
    handle_roles = set(_roles_with(access.TICKETS_HANDLE))
    manage_roles = set(_roles_with(access.TICKETS_MANAGE))
    view_roles = set(_roles_with(access.TICKETS_VIEW))
    teams, led, oversees = set(), set(), bool(user.is_superuser)
    grants = (
        RoleGrant.objects.current()
        .filter(user=user)
        .values_list(
            "role", "scope", "organisation_id", "subdistrict_id", "community_id", "compound_id"
        )
    )
    for role, scope, org_id, subdistrict_id, community_id, compound_id in grants:
        if scope == ScopeKind.ORGANISATION:
            if role in handle_roles:
                teams.add(org_id)
            if role in manage_roles:
                led.add(org_id)
        elif scope in _WIDE_SCOPES and role in view_roles:
            oversees = oversees or (
                scope == ScopeKind.PLATFORM
                or (
                    scope == ScopeKind.SUBDISTRICT
                    and subdistrict_id == compound.community.subdistrict_id
                )
                or (scope == ScopeKind.COMMUNITY and community_id == compound.community_id)
                or (scope == ScopeKind.COMPOUND and compound_id == compound.id)
            )
    handle = access.scope_for(user, access.TICKETS_HANDLE)
    return Viewer(
        user=user,
        compound=compound,
        teams=frozenset(teams),
        led_teams=frozenset(led),
        oversees=oversees,
        can_handle=access.can_in_compound(user, access.TICKETS_HANDLE, compound),
        can_manage=access.can_in_compound(user, access.TICKETS_MANAGE, compound),
        handle_building_ids=frozenset(handle.building_ids),
        handles_compound=handle.covers_compound(compound.id),
    )


# --- the queues -------------------------------------------------------------------------------

QUEUES: list[tuple[str, object]] = [
    ("mine", _("My queue")),
    ("team", _("Team queue")),
    ("overdue", _("Overdue")),
    ("unassigned", _("Unassigned")),
    ("all", _("All")),
]
QUEUE_NAMES = [name for name, _label in QUEUES]


def late_q(now: datetime) -> Q:
    """Past respond-by without a response, or past resolve-by (see `deadlines.is_overdue`)."""
    return Q(responded_at__isnull=True, respond_by__lt=now) | Q(resolve_by__lt=now)


def _team_q(viewer: Viewer) -> Q:
    # Community staff (and anyone else without a team of their own who may see the requests)
    # answer for every team; a team member for the requests routed to their organisations.
    if viewer.oversees or not viewer.teams:
        return Q()
    return Q(organisation_id__in=viewer.teams)


def queue_q(name: str, viewer: Viewer, now: datetime) -> Q:
    """The rows of one queue, among the requests the viewer may see.

    Overdue and unassigned are kept within the viewer's teams: they are what the team has to
    act on now. Paused requests are not overdue: their clock is stopped."""
    open_q = Q(status__in=OPEN)
    if name == "mine":
        return open_q & Q(assignee_id=viewer.user.pk)
    if name == "team":
        return open_q & _team_q(viewer)
    if name == "overdue":
        return open_q & ~Q(status=Status.PAUSED) & late_q(now) & _team_q(viewer)
    if name == "unassigned":
        waiting = Q(status=Status.SUBMITTED) | Q(status=Status.ACCEPTED, assignee__isnull=True)
        return waiting & _team_q(viewer)
    return Q()


def default_queue(viewer: Viewer) -> str:
    """Handlers start on their own work; whoever assigns starts on the team's."""
    return "team" if viewer.can_manage or not viewer.can_handle else "mine"


def visible_tickets(viewer: Viewer) -> QuerySet[Ticket]:
    return access.visible(
        viewer.user, access.TICKETS_VIEW, Ticket.objects.filter(compound=viewer.compound)
    )


@dataclass(frozen=True)
class Filters:
    """The workbench's filters, already checked by the form."""

    status: str = ""
    category: int | None = None
    building: int | None = None
    priority: str = ""
    channel: str = ""
    created_from: date | None = None
    created_to: date | None = None
    search: str = ""

    def q(self) -> Q:
        q = Q()
        if self.status:
            q &= Q(status=self.status)
        if self.category:
            q &= Q(category_id=self.category)
        if self.building:
            q &= Q(building_id=self.building)
        if self.priority:
            q &= Q(priority=self.priority)
        if self.channel:
            q &= Q(channel=self.channel)
        zone = timezone.get_current_timezone()
        if self.created_from:
            q &= Q(created_at__gte=datetime.combine(self.created_from, time.min, tzinfo=zone))
        if self.created_to:
            end = datetime.combine(self.created_to + timedelta(days=1), time.min, tzinfo=zone)
            q &= Q(created_at__lt=end)
        if self.search:
            q &= search_q(self.search)
        return q


def search_q(text: str) -> Q:
    """A request number (`123` or `#123`), or every word somewhere in the description."""
    text = text.strip()
    number = text.removeprefix("#").strip()
    if number.isdigit() and len(number) < 12:
        return Q(pk=int(number))
    words = text.split()[:8]
    q = Q()
    for word in words:
        q &= Q(description__icontains=word)
    return q


def queue_counts(viewer: Viewer, filters: Filters, now: datetime) -> dict[str, int]:
    """Every tab's count in one query, under the same filters as the list."""
    rows = visible_tickets(viewer).filter(filters.q())
    counts = rows.aggregate(
        **{
            name: Count("pk", filter=queue_q(name, viewer, now)) if name != "all" else Count("pk")
            for name in QUEUE_NAMES
        }
    )
    return {name: counts[name] or 0 for name in QUEUE_NAMES}


def queue_tickets(viewer: Viewer, name: str, filters: Filters, now: datetime) -> QuerySet[Ticket]:
    """One queue's rows with everything a row shows. Open queues put the nearest deadline
    first (overdue at the top); "all" shows the newest first."""
    rows = (
        visible_tickets(viewer)
        .filter(filters.q() & queue_q(name, viewer, now))
        .select_related("category", "building", "unit", "organisation", "assignee")
    )
    if name == "all":
        return rows.order_by("-created_at", "-id")
    due = Case(
        When(responded_at__isnull=True, then="respond_by"),
        default="resolve_by",
    )
    return rows.annotate(due=due).order_by("due", "id")


# --- what a row says --------------------------------------------------------------------------


def span_words(delta: timedelta) -> str:
    """A span of time in a few words: "40 min", "3 h", "5 days"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        n = max(minutes, 1)
        return ngettext("%(n)d min", "%(n)d min", n) % {"n": n}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


@dataclass
class Due:
    kind: str  # "respond" or "resolve"; empty when nothing is due
    at: datetime | None
    overdue: bool
    words: str


def due_of(ticket: Ticket, now: datetime) -> Due:
    """The deadline that matters now, in words: "overdue by 3 h" or "due in 40 min"."""
    if ticket.status not in OPEN:
        return Due("", None, False, "")
    if ticket.responded_at is None:
        kind, at = "respond", ticket.respond_by
    else:
        kind, at = "resolve", ticket.resolve_by
    if ticket.status == Status.PAUSED:
        return Due(kind, at, False, gettext("clock stopped while paused"))
    if at < now:
        return Due(kind, at, True, gettext("overdue by %(span)s") % {"span": span_words(now - at)})
    return Due(kind, at, False, gettext("due in %(span)s") % {"span": span_words(at - now)})


@dataclass
class Row:
    ticket: Ticket
    due: Due
    age: str
    can_claim: bool


def rows_for(viewer: Viewer, tickets, now: datetime) -> list[Row]:
    rows = []
    for ticket in tickets:
        can_claim = (
            ticket.status == Status.ACCEPTED
            and ticket.assignee_id is None
            and ticket.organisation_id in viewer.teams
            and viewer.may_handle(ticket)
        )
        rows.append(
            Row(
                ticket=ticket,
                due=due_of(ticket, now),
                age=span_words(now - ticket.created_at),
                can_claim=can_claim,
            )
        )
    return rows


# --- whom one may assign to -------------------------------------------------------------------


@dataclass
class Team:
    organisation: Organisation
    handlers: list = field(default_factory=list)


def assignable_teams(viewer: Viewer) -> list[Team]:
    """The teams a viewer assigns for, each with its handlers, in one query. A handler is who
    `selectors.team_handlers` says: an active user with a current handling role on the team."""
    if not viewer.can_manage:
        return []
    grants = RoleGrant.objects.current().filter(
        scope=ScopeKind.ORGANISATION,
        role__in=_roles_with(access.TICKETS_HANDLE),
        user__is_active=True,
        organisation__dissolved_on__isnull=True,
    )
    if viewer.oversees:
        grants = grants.filter(serving_compound_q(viewer.compound, "organisation__"))
    else:
        grants = grants.filter(organisation_id__in=viewer.led_teams)
    grants = grants.select_related("user", "organisation").order_by(
        "organisation__order", "organisation_id", "user_id"
    )
    teams: dict[int, Team] = {}
    for grant in grants:
        team = teams.setdefault(grant.organisation_id, Team(grant.organisation))
        if all(u.pk != grant.user_id for u in team.handlers):
            team.handlers.append(grant.user)
    return list(teams.values())


# --- follow-up calls --------------------------------------------------------------------------

_REASON_ORDER = Case(
    When(reason=FollowUpReason.LOW_RATING, then=Value(0)),
    When(reason=FollowUpReason.SAMPLE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def followups_of(user, compound) -> QuerySet[FollowUp]:
    return access.visible(
        user, access.TICKETS_MANAGE, FollowUp.objects.filter(ticket__compound=compound)
    ).select_related(
        "ticket__category",
        "ticket__building",
        "ticket__unit",
        "ticket__requester",
        "ticket__assignee",
        "ticket__rating",
        "done_by",
    )


def followups_to_call(user, compound) -> QuerySet[FollowUp]:
    """Calls still to make: low ratings first, then the sample, then the unrated; those not
    reached last time after the untried; oldest first within each."""
    return (
        followups_of(user, compound)
        .filter(status__in=[FollowUpStatus.PENDING, FollowUpStatus.UNREACHABLE])
        .annotate(reason_rank=_REASON_ORDER)
        .order_by("reason_rank", "status", "created_at", "id")
    )


def followups_done(user, compound, month: date | None = None) -> QuerySet[FollowUp]:
    """Recorded calls, the latest first; `month` (its first day) narrows to that month."""
    rows = followups_of(user, compound).filter(status=FollowUpStatus.DONE)
    if month is not None:
        zone = timezone.get_current_timezone()
        start = datetime.combine(month, time.min, tzinfo=zone)
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        end = datetime.combine(following, time.min, tzinfo=zone)
        rows = rows.filter(done_at__gte=start, done_at__lt=end)
    return rows.order_by("-done_at", "-id")


def recent_months(today: date, count: int = 12) -> list[date]:
    """The first days of this month and the `count - 1` before it, newest first."""
    months, current = [], today.replace(day=1)
    for _i in range(count):
        months.append(current)
        current = (current - timedelta(days=1)).replace(day=1)
    return months


# --- category settings ------------------------------------------------------------------------


def serving_organisations(compound) -> QuerySet[Organisation]:
    """Organisations that may handle a compound's requests: its own and the community-wide ones
    serving it, not dissolved."""
    return (
        Organisation.objects.active()
        .filter(serving_compound_q(compound))
        .order_by("order", "name", "id")
    )


@dataclass
class CategoryRow:
    category: Category
    minutes: dict[str, tuple[int, int]]  # priority -> (respond, resolve)
    custom: set[str]  # priorities with the compound's own deadline
    route: RoutingRule | None

    @property
    def deadline_words(self) -> list[tuple[str, object, str, str, bool]]:
        """(priority, its label, respond in words, resolve in words, set for this compound)."""
        return [
            (
                priority,
                Priority(priority).label,
                minutes_words(respond),
                minutes_words(resolve),
                priority in self.custom,
            )
            for priority, (respond, resolve) in self.minutes.items()
        ]


def category_rows(compound) -> list[CategoryRow]:
    """The compound's categories with their deadlines (the compound's own, else the defaults)
    and routing rules: three queries."""
    categories = (
        Category.objects.filter(compound=compound)
        .select_related("organisation")
        .prefetch_related(Prefetch("deadlines", queryset=Deadline.objects.order_by("id")))
        .order_by("position", "code")
    )
    routes = {
        r.category_id: r
        for r in RoutingRule.objects.filter(compound=compound).select_related(
            "organisation", "category"
        )
    }
    rows = []
    for category in categories:
        own = {d.priority: (d.respond_minutes, d.resolve_minutes) for d in category.deadlines.all()}
        minutes = {}
        for priority in PRIORITIES:
            minutes[priority] = own.get(priority) or default_minutes(category, priority)
        rows.append(CategoryRow(category, minutes, set(own), routes.get(category.pk)))
    return rows


PRIORITIES = [Priority.EMERGENCY, Priority.URGENT, Priority.NORMAL]


def default_minutes(category: Category, priority: str) -> tuple[int, int]:
    """What `deadlines.minutes_for` gives a category without a `Deadline` row of its own."""
    respond, resolve = deadlines.DEFAULT_MINUTES[priority]
    if category.code in deadlines.COMPLEX_CATEGORIES and priority == Priority.NORMAL:
        resolve = deadlines.COMPLEX_RESOLVE_MINUTES
    return respond, resolve


def minutes_words(minutes: int) -> str:
    """A deadline for the settings table: "30 min", "2 h", "1 h 30 min", "7 days"."""
    if minutes >= 2 * deadlines.DAY and minutes % deadlines.DAY == 0:
        days = minutes // deadlines.DAY
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    return ngettext("%(n)d min", "%(n)d min", rest) % {"n": rest}
