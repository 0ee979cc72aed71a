"""Reads about organisations: who serves a compound, who answers for a home, who is on duty."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mulin.core import access
from mulin.core.privacy import mask_phone
from mulin.people.models import Person
from mulin.places.models import Compound, Unit

from .models import (
    LEADING_ROLES,
    DutyShift,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)

# The "new three parties" (新三方) and the rest of the "3+X" structure, in the order pages show
# them: the party side leads, the residents' side and the property side work with it, teams and
# partner organisations (红色微盟) bring the "X".
KIND_GROUPS: list[tuple[str, str, list[str]]] = [
    (
        "party",
        _("Party organisations"),
        [OrgKind.PARTY_COMMITTEE, OrgKind.PARTY_BRANCH, OrgKind.STAIRWELL_GROUP],
    ),
    (
        "residents",
        _("Residents' side"),
        [
            OrgKind.OWNERS_COMMITTEE,
            OrgKind.HOUSEHOLD_COMMITTEE,
            OrgKind.RESIDENTS_COMMITTEE,
            OrgKind.MEDIATION_COMMITTEE,
        ],
    ),
    ("property", _("Property services"), [OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY]),
    ("teams", _("Teams"), [OrgKind.SELF_GOVERNANCE_TEAM, OrgKind.VOLUNTEER_TEAM]),
    ("partners", _("Partner organisations"), [OrgKind.PARTNER]),
]
KIND_ORDER = {kind: i for i, (_key, _label, kinds) in enumerate(KIND_GROUPS) for kind in kinds}
KIND_RANK = {kind: i for i, kind in enumerate(k for _key, _l, kinds in KIND_GROUPS for k in kinds)}
GROUP_OF_KIND = {kind: key for key, _label, kinds in KIND_GROUPS for kind in kinds}

# Who is listed first in an organisation: its leaders, then members, alternates last.
ROLE_RANK = {
    role: i
    for i, role in enumerate(
        [
            MemberRole.SECRETARY,
            MemberRole.FIRST_SECRETARY,
            MemberRole.DEPUTY_SECRETARY,
            MemberRole.DIRECTOR,
            MemberRole.DEPUTY_DIRECTOR,
            MemberRole.LEADER,
            MemberRole.MANAGER,
            MemberRole.COMMITTEE_MEMBER,
            MemberRole.STAFF,
            MemberRole.CONTACT,
            MemberRole.MEMBER,
            MemberRole.ALTERNATE,
        ]
    )
}
# A partner organisation or a team may have no leader, only a contact: show them instead.
LEADER_RANK = {role: i for i, role in enumerate([*LEADING_ROLES, MemberRole.CONTACT])}


def serving_compound_q(compound: Compound, prefix: str = "") -> Q:
    """Organisations of the compound and the community-wide ones that serve it."""
    return Q(**{f"{prefix}compound_id": compound.id}) | Q(
        **{f"{prefix}compound__isnull": True, f"{prefix}community_id": compound.community_id}
    )


def _count(queryset: QuerySet, ref: str = "organisation") -> Coalesce:
    """A correlated COUNT over `queryset` per organisation (no join fan-out between counts)."""
    rows = (
        queryset.filter(**{ref: OuterRef("pk")})
        .order_by()
        .values(ref)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _current_party_members(today: date) -> QuerySet:
    return PartyMembership.objects.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))


def with_counts(queryset: QuerySet, today: date | None = None) -> QuerySet:
    """Annotate current members and current registered and reporting party members."""
    today = today or timezone.localdate()
    party = _current_party_members(today)
    return queryset.annotate(
        member_count=_count(Membership.objects.current(today)),
        registered_count=_count(party.filter(status=PartyMembership.Status.REGISTERED)),
        reporting_count=_count(party.filter(status=PartyMembership.Status.REPORTING)),
    )


def _with_leaders(queryset: QuerySet, today: date) -> QuerySet:
    leaders = (
        Membership.objects.current(today)
        .filter(role__in=list(LEADER_RANK))
        .select_related("person")
        .order_by("term_start", "id")
    )
    return queryset.prefetch_related(
        Prefetch("memberships", queryset=leaders, to_attr="leading_memberships")
    )


def _pick_leader(org: Organisation) -> None:
    found = sorted(org.leading_memberships, key=lambda m: LEADER_RANK.get(m.role, 99))
    org.leader = found[0] if found else None


def organisations_serving(user, compound: Compound, today: date | None = None) -> list:
    """Every organisation serving `compound` that `user` may view, with counts and its leader.
    Three queries, whatever the number of organisations."""
    today = today or timezone.localdate()
    queryset = access.visible(
        user,
        access.ORGS_VIEW,
        Organisation.objects.filter(serving_compound_q(compound)).select_related(
            "parent", "compound"
        ),
    )
    orgs = list(_with_leaders(with_counts(queryset, today), today))
    for org in orgs:
        _pick_leader(org)
    return sorted(orgs, key=lambda o: (KIND_RANK.get(o.kind, 99), o.order, o.id))


def community_organisations(user, community, today: date | None = None) -> list:
    """Every organisation of a whole community (all its compounds) that `user` may view."""
    today = today or timezone.localdate()
    queryset = access.visible(
        user,
        access.ORGS_VIEW,
        Organisation.objects.filter(community=community).select_related("parent", "compound"),
    )
    orgs = list(_with_leaders(with_counts(queryset, today), today))
    for org in orgs:
        _pick_leader(org)
    return sorted(orgs, key=lambda o: (KIND_RANK.get(o.kind, 99), o.order, o.id))


@dataclass
class KindGroup:
    key: str
    label: str
    organisations: list = field(default_factory=list)


def group_by_kind(orgs: list) -> tuple[list[KindGroup], list]:
    """Active organisations in the "new three parties" groups, and the dissolved ones apart."""
    groups = {key: KindGroup(key, label) for key, label, _kinds in KIND_GROUPS}
    dissolved = []
    for org in orgs:
        if org.dissolved_on:
            dissolved.append(org)
        else:
            groups[GROUP_OF_KIND.get(org.kind, "partners")].organisations.append(org)
    return list(groups.values()), dissolved


# ---------------------------------------------------------------------------------------------
# The org chart ("3+X")


@dataclass
class ChartNode:
    org: Organisation
    children: list[ChartNode] = field(default_factory=list)
    total_members: int = 0
    total_registered: int = 0
    total_reporting: int = 0

    def as_echarts(self) -> dict:
        return {
            "name": self.org.name,
            "value": self.org.member_count,
            "children": [child.as_echarts() for child in self.children],
        }


@dataclass
class ChartSection:
    key: str
    label: str
    roots: list[ChartNode] = field(default_factory=list)

    @property
    def trees(self) -> list[ChartNode]:
        """Roots with organisations under them: drawn as a tree under a heading."""
        return [root for root in self.roots if root.children]

    @property
    def singles(self) -> list[ChartNode]:
        """Roots standing alone (most partners): listed compactly."""
        return [root for root in self.roots if not root.children]

    @property
    def organisation_count(self) -> int:
        def count(node: ChartNode) -> int:
            return 1 + sum(count(child) for child in node.children)

        return sum(count(root) for root in self.roots)


@dataclass
class OrgChart:
    sections: list[ChartSection]
    kind_counts: list[tuple[str, str, int]]  # (kind, label, count) in chart order
    registered: int
    reporting: int
    members: int

    def echarts_data(self) -> dict:
        return {
            "name": "",
            "children": [
                {
                    "name": str(section.label),
                    "children": [root.as_echarts() for root in section.roots],
                }
                for section in self.sections
                if section.roots
            ],
        }


def org_chart(orgs: list) -> OrgChart:
    """Arrange organisations (from `organisations_serving` or `community_organisations`) as a
    forest along their parent links. A tree lands in the section of its root's kind, so teams
    hung under the party committee appear inside the "3+X" party tree, as the practice has it.
    Dissolved organisations are left out."""
    active = [o for o in orgs if not o.dissolved_on]
    nodes = {o.id: ChartNode(o) for o in active}
    roots: list[ChartNode] = []
    for org in active:
        node = nodes[org.id]
        if org.parent_id in nodes:
            nodes[org.parent_id].children.append(node)
        else:
            roots.append(node)

    def settle(node: ChartNode) -> None:
        node.children.sort(key=lambda n: (KIND_RANK.get(n.org.kind, 99), n.org.order, n.org.id))
        node.total_members = node.org.member_count
        node.total_registered = node.org.registered_count
        node.total_reporting = node.org.reporting_count
        for child in node.children:
            settle(child)
            node.total_members += child.total_members
            node.total_registered += child.total_registered
            node.total_reporting += child.total_reporting

    sections = {key: ChartSection(key, label) for key, label, _kinds in KIND_GROUPS}
    for root in roots:
        settle(root)
        sections[GROUP_OF_KIND.get(root.org.kind, "partners")].roots.append(root)
    counts = Counter(o.kind for o in active)
    labels = dict(OrgKind.choices)
    kind_counts = [(kind, labels[kind], counts[kind]) for kind in KIND_RANK if counts[kind]]
    return OrgChart(
        sections=list(sections.values()),
        kind_counts=kind_counts,
        registered=sum(o.registered_count for o in active),
        reporting=sum(o.reporting_count for o in active),
        members=sum(o.member_count for o in active),
    )


# ---------------------------------------------------------------------------------------------
# One organisation's page


@dataclass
class OrganisationPage:
    members: list  # current and upcoming terms, leaders first, each with `.area_list`
    history: list  # ended terms, latest first
    party_members: list
    former_party_members: list
    children: list
    shifts: list

    @property
    def registered(self) -> list:
        return [p for p in self.party_members if p.status == PartyMembership.Status.REGISTERED]

    @property
    def reporting(self) -> list:
        return [p for p in self.party_members if p.status == PartyMembership.Status.REPORTING]


def place_label(area: ResponsibilityArea) -> str:
    """What an area covers, in words: `63-2-301`, `Building 63, Entrance 2`, `Building 63`."""
    if area.unit_id:
        return area.unit.code
    if area.entrance_id:
        return gettext("%(building)s, %(entrance)s") % {
            "building": area.entrance.building,
            "entrance": area.entrance,
        }
    return str(area.building)


def organisation_page(org: Organisation, today: date | None = None, now=None) -> OrganisationPage:
    """Everything an organisation's page shows, in five queries."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    areas = ResponsibilityArea.objects.select_related(
        "building__compound", "entrance__building__compound", "unit__compound"
    ).order_by("building__sort_key", "entrance__number", "unit__code", "id")
    memberships = list(
        Membership.objects.filter(organisation=org)
        .select_related("person")
        .prefetch_related(Prefetch("areas", queryset=areas, to_attr="area_list"))
    )
    members = sorted(
        (m for m in memberships if m.term_end is None or m.term_end >= today),
        key=lambda m: (ROLE_RANK.get(m.role, 99), m.term_start or date.min, m.id),
    )
    history = sorted(
        (m for m in memberships if m.term_end is not None and m.term_end < today),
        key=lambda m: (m.term_end, m.id),
        reverse=True,
    )
    for m in memberships:
        # A role's work number if it has one, else the person's; masked in every list.
        m.masked_phone = mask_phone(m.phone or m.person.phone)
    for m in members:
        m.is_upcoming = bool(m.term_start and m.term_start > today)
        for area in m.area_list:
            area.label = place_label(area)
    party = list(
        PartyMembership.objects.filter(organisation=org)
        .select_related("person")
        .order_by("status", "person__name_pinyin", "id")
    )
    current_party = [p for p in party if p.left_on is None or p.left_on > today]
    former_party = [p for p in party if not (p.left_on is None or p.left_on > today)]
    children = sorted(
        with_counts(org.children.all(), today),
        key=lambda o: (KIND_RANK.get(o.kind, 99), o.order, o.id),
    )
    shifts = list(
        DutyShift.objects.filter(organisation=org, ends_at__gt=now)
        .select_related("person")
        .order_by("starts_at", "id")[:20]
    )
    for shift in shifts:
        shift.masked_phone = mask_phone(shift.phone)
    return OrganisationPage(members, history, current_party, former_party, children, shifts)


def person_candidates(user, *, community_id: int, compound_id: int | None, query: str = ""):
    """People an editor may put into an organisation or on duty: the registry of the
    organisation's compound (or of its community for community-wide ones), as far as the
    editor may see it, matched by name, pinyin, initials or phone tail."""
    people = Person.objects.filter(deceased_on__isnull=True)
    if compound_id:
        people = people.filter(compound_id=compound_id)
    else:
        people = people.filter(compound__community_id=community_id)
    people = access.visible(user, access.REGISTRY_VIEW, people)
    query = (query or "").strip()
    if query:
        lowered = query.lower().replace(" ", "")
        match = (
            Q(name__contains=query)
            | Q(name_pinyin__startswith=lowered)
            | Q(name_initials__startswith=lowered)
        )
        if query.isdigit() and len(query) == 4:
            match |= Q(phone_tail=query)
        people = people.filter(match)
    return people.order_by("name_pinyin", "id")


# ---------------------------------------------------------------------------------------------
# Who answers for a home, who is on duty


def responsible_for_unit(unit: Unit, today=None) -> list[ResponsibilityArea]:
    """Everyone who answers for this household (包楼包户): areas on the unit, its entrance or its
    building, with current memberships, nearest first. One query."""
    today = today or timezone.localdate()
    place = Q(unit_id=unit.pk) | Q(building_id=unit.building_id)
    if unit.entrance_id:
        place |= Q(entrance_id=unit.entrance_id)
    areas = (
        # Term conditions on the joined membership row (not a subquery): the planner then
        # starts from the three indexed place columns.
        ResponsibilityArea.objects.filter(place)
        .filter(
            Q(membership__term_start__isnull=True) | Q(membership__term_start__lte=today),
            Q(membership__term_end__isnull=True) | Q(membership__term_end__gte=today),
        )
        .select_related(
            "membership__person", "membership__organisation", "membership__organisation__parent"
        )
    )
    return sorted(
        areas,
        key=lambda a: (
            0 if a.unit_id else 1 if a.entrance_id else 2,
            a.membership.organisation.order,
            a.id,
        ),
    )


def on_duty_now(*, compound=None, community=None, at=None):
    """Shifts in progress now, with person and organisation — one query."""
    shifts = DutyShift.objects.on_duty(at or timezone.now()).select_related(
        "person", "organisation"
    )
    if compound is not None:
        shifts = shifts.filter(
            Q(organisation__compound=compound)
            | Q(
                organisation__compound__isnull=True,
                organisation__community_id=compound.community_id,
            )
        )
    elif community is not None:
        shifts = shifts.filter(organisation__community=community)
    return shifts.order_by("starts_at")


def shifts_between(compound: Compound, start: datetime, end: datetime) -> QuerySet:
    """Shifts serving `compound` that overlap [start, end), with person and organisation."""
    return (
        DutyShift.objects.filter(serving_compound_q(compound, "organisation__"))
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("person", "organisation")
        .order_by("starts_at", "id")
    )


@dataclass
class WeekEntry:
    """A shift as one day's cell shows it: a night shift begins on one day and ends on the next."""

    shift: DutyShift
    from_day_before: bool
    into_day_after: bool


@dataclass
class WeekRow:
    organisation: Organisation
    days: list[list[WeekEntry]]


def week_table(shifts: list[DutyShift], week_start: date) -> tuple[list[date], list[WeekRow]]:
    """The roster as a table: one row per organisation, one column per day (Asia/Shanghai);
    a night shift appears on each day it touches."""
    days = [week_start + timedelta(days=i) for i in range(7)]
    rows: dict[int, WeekRow] = {}
    for shift in shifts:
        first = timezone.localtime(shift.starts_at).date()
        # A shift ending exactly at midnight does not touch the next day.
        last = timezone.localtime(shift.ends_at - timedelta(microseconds=1)).date()
        row = rows.setdefault(
            shift.organisation_id, WeekRow(shift.organisation, [[] for _ in days])
        )
        for i, day in enumerate(days):
            if first <= day <= last:
                row.days[i].append(WeekEntry(shift, day > first, day < last))
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            KIND_RANK.get(r.organisation.kind, 99),
            r.organisation.order,
            r.organisation.id,
        ),
    )
    return days, ordered
