"""A year of residents' requests in the two demo compounds (issue 3, "Demo").

About 300 requests in 锦绣金山 and 400 in 仓基新村: every channel, every category with its
handling organisation, outcomes from closed-and-rated to rejected, paused, overdue, reopened,
merged, hidden from the public board and excluded from the figures, follow-up calls, and the two
stories of seed article 001: the typhoon night's 4 a.m. call about building 63 and the 20 major
house repair applications the housing management station handled this year.

Everything is written through the real services (`ticket_submit`, `ticket_transition`,
`ticket_rate`, `followup_record` …), so the timelines, audit rows, followers and messages are the
ones the application makes. Services stamp `timezone.now()` and the demo also runs in production,
so there is no time travel: a `Clock` remembers, for each step, the real moment it started and
the moment of the demo's year it stands for; one pass at the end moves every timestamp written
during a step to that step's moment (keeping the milliseconds into the step, so order is kept),
and sets respond-by and resolve-by from the moved submission time. Old inbox messages are then
dropped: the demo users' inboxes show the last two weeks only.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from mulin.core.models import (
    AuditEvent,
    Delivery,
    Notification,
    NotificationKind,
    Role,
    RoleGrant,
    ScopeKind,
    User,
)
from mulin.orgs import selectors as org_selectors
from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind
from mulin.people.models import Residency
from mulin.places.models import Building, Compound, Unit
from mulin.tickets import deadlines, jobs, services
from mulin.tickets.followups import followup_record
from mulin.tickets.models import (
    Category,
    Channel,
    DispatchCursor,
    DispatchMode,
    EventKind,
    Follower,
    FollowUp,
    FollowUpStatus,
    LocationKind,
    Priority,
    Rating,
    Satisfaction,
    Ticket,
    TicketEvent,
)
from mulin.tickets.selectors import team_handlers
from mulin.tickets.states import Status, Target

from . import cangji, jinxiu
from .builder import local_tz
from .ticket_phrases import (
    COMMENTS,
    COST_ITEMS,
    EXCLUDE_REASON,
    FOLLOW_UP_NOTES,
    PAUSE_NOTES,
    REJECT_NOTES,
    REOPEN_NOTES,
    RESOLVE_NOTES,
    START_NOTES,
    TRANSFER_NOTES,
    describe,
)

COUNTS = {jinxiu.CODE: 300, cangji.CODE: 400}
MAJOR_REPAIRS = 20  # 仓基新村: applications handled by the housing management station this year
APP_USERS = {jinxiu.CODE: 45, cangji.CODE: 55}  # residents who use the self-service page
ACCOUNT_PREFIX = "demo-"  # extra accounts the requests need (app users, handlers); removed with it
INBOX_DAYS = 14
CURRENT = 15  # requests of `_current` (open today), part of COUNTS

# Requests per category and year in each compound (仓基新村's major repairs come on top).
CATEGORY_WEIGHTS = {
    jinxiu.CODE: {
        "leak": 22,
        "plumbing": 40,
        "electrical": 28,
        "lift": 12,
        "sanitation": 24,
        "greening": 16,
        "parking": 30,
        "noise": 20,
        "security": 14,
        "neighbour_dispute": 12,
        "public_facilities": 26,
        "suggestion": 16,
        "complaint": 10,
        "praise": 10,
    },
    cangji.CODE: {
        "leak": 55,
        "plumbing": 55,
        "electrical": 40,
        "sanitation": 40,
        "greening": 25,
        "parking": 30,
        "noise": 22,
        "security": 20,
        "neighbour_dispute": 22,
        "public_facilities": 30,
        "suggestion": 20,
        "complaint": 13,
        "praise": 13,
    },
}
CHANNEL_WEIGHTS = {
    Channel.SELF_SERVICE: 36,
    Channel.PHONE: 24,
    Channel.WECHAT_GROUP: 12,
    Channel.DOOR_TO_DOOR: 9,
    Channel.WALK_IN: 9,
    Channel.PATROL: 5,
    Channel.MEETING: 3,
    Channel.PARTNER: 2,
}
# Leaks and greening follow the seasons (plum rains and typhoons in summer).
SEASON = {
    "leak": [1, 1, 2, 3, 5, 8, 9, 9, 6, 3, 1, 1],
    "greening": [1, 1, 3, 4, 4, 3, 3, 3, 2, 2, 1, 1],
}
PLACES = {
    jinxiu.CODE: [
        "儿童游乐场",
        "架空层活动室",
        "东门快递柜旁",
        "绿化带人行通道",
        "地面停车场",
        "小区大门",
        "中心花园",
        "原菜地改造的停车位",
    ],
    cangji.CODE: [
        "中心广场",
        "睦邻长廊",
        "垃圾分类投放点",
        "自行车棚",
        "北门",
        "南门岗亭",
        "雷锋角服务点",
        "文化墙",
    ],
}
COMMON_CATEGORIES = {
    "greening",
    "parking",
    "public_facilities",
    "suggestion",
    "complaint",
    "praise",
}
BUILDING_CATEGORIES = {"lift", "sanitation", "security"}


# ---- time --------------------------------------------------------------------------------


class Clock:
    """Which moment of the demo's year each step stands for. `at(moment)` opens a step;
    `moved(real)` is where a timestamp written during a step belongs."""

    def __init__(self):
        self.reals: list[datetime] = []
        self.moments: list[datetime] = []

    def at(self, moment: datetime) -> None:
        self.reals.append(timezone.now())
        self.moments.append(moment)

    @property
    def started(self) -> datetime:
        return self.reals[0]

    def moved(self, real: datetime | None) -> datetime | None:
        if real is None or not self.reals or real < self.reals[0]:
            return real
        i = bisect_right(self.reals, real) - 1
        return self.moments[i] + (real - self.reals[i])


# ---- who is who --------------------------------------------------------------------------


@dataclass
class Team:
    """An organisation that handles requests, and the accounts acting for it."""

    org: Organisation
    handlers: list[User]  # who accepts, works and resolves
    manager: User  # who assigns, closes and records follow-up calls
    mode: str = DispatchMode.MANUAL


@dataclass
class Cast:
    compound: Compound
    community: User  # community staff
    property: Team
    teams: dict[str, Team]  # category code -> team
    intake: dict[str, list[User]]  # channel -> staff who record requests coming that way
    app_users: list[tuple[User, Unit]]
    residents: list[tuple[object, Unit, int]]  # (person, home, birth year) for on-behalf
    resident_login: tuple[User, Unit] | None
    places: list[str]
    buildings: list[Building]
    users_by_person: dict[int, User] = field(default_factory=dict)


def _login(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _staff_account(org: Organisation, person, username: str, role: str) -> User:
    """An account for someone of the registry who handles requests (no password: the demo's
    printed logins are the ones to sign in with)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username, first_name=person.name, person=person, password="!"
        )
        RoleGrant.objects.create(
            user=user, role=role, scope=ScopeKind.ORGANISATION, organisation=org
        )
    return user


def _extra_handlers(org: Organisation, note: str, skip: set[int], prefix: str) -> list[User]:
    seats = (
        Membership.objects.filter(organisation=org, role=MemberRole.STAFF, person__note=note)
        .exclude(person_id__in=skip)
        .select_related("person")
        .order_by("person_id")
    )
    return [
        _staff_account(org, seat.person, f"{prefix}-{n}", Role.PROPERTY_STAFF)
        for n, seat in enumerate(seats, start=1)
    ]


def _residents(compound: Compound, rnd: random.Random, code: str):
    """Adults living in the compound with their home; a sample of them get app accounts."""
    rows = list(
        Residency.objects.current()
        .filter(unit__compound=compound, person__user__isnull=True)
        .select_related("person", "unit", "unit__building")
        .order_by("person_id")
    )
    year = timezone.localdate().year
    adults = [
        (r.person, r.unit, r.person.birth_year) for r in rows if year - r.person.birth_year >= 20
    ]
    with_phone = [a for a in adults if a[0].phone and 25 <= year - a[2] <= 72]
    chosen = rnd.sample(with_phone, APP_USERS[code])
    existing = {
        u.person_id: u
        for u in User.objects.filter(username__startswith=f"{ACCOUNT_PREFIX}{code}-app-")
    }
    new = [
        User(
            username=f"{ACCOUNT_PREFIX}{code}-app-{n:03d}",
            first_name=person.name,
            person=person,
            password="!",
        )
        for n, (person, _unit, _born) in enumerate(chosen, start=1)
        if person.pk not in existing
    ]
    User.objects.bulk_create(new)
    users = {u.person_id: u for u in User.objects.filter(person__in=[c[0] for c in chosen])}
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(
                user=users[p.pk], role=Role.RESIDENT, scope=ScopeKind.COMPOUND, compound=compound
            )
            for p, _u, _b in chosen
            if p.pk not in existing
        ]
    )
    app = [(users[p.pk], unit) for p, unit, _b in chosen]
    chosen_ids = {p.pk for p, _u, _b in chosen}
    return app, [a for a in adults if a[0].pk not in chosen_ids]


def _cast(code: str, rnd: random.Random) -> Cast | None:
    compound = Compound.objects.get(code=code)
    orgs = {o.kind: o for o in Organisation.objects.filter(compound=compound).order_by("id")}
    if code == jinxiu.CODE:
        names = ("jinshan-community", "jinxiu-property", "jinxiu-handler", "jinxiu-party")
        names += ("jinxiu-partner", "jinxiu-resident")
        logins = {n: _login(n) for n in names}
        if None in logins.values():
            return None
        prop = orgs[OrgKind.PROPERTY_COMPANY]
        handler = logins["jinxiu-handler"]
        extra = _extra_handlers(
            prop, "物业维修工", {handler.person_id}, f"{ACCOUNT_PREFIX}{code}-handler"
        ) + _extra_handlers(prop, "物业水电工", set(), f"{ACCOUNT_PREFIX}{code}-electrician")
        community, party = logins["jinshan-community"], logins["jinxiu-party"]
        property_team = Team(prop, [handler, *extra], logins["jinxiu-property"], DispatchMode.POOL)
        mediation = Team(orgs[OrgKind.MEDIATION_COMMITTEE], [party], community)
        branch = Team(orgs[OrgKind.PARTY_BRANCH], [party], community)
        teams = {
            "neighbour_dispute": mediation,
            "suggestion": branch,
            "complaint": branch,
        }
        intake = {
            Channel.PHONE: [community, logins["jinxiu-property"], handler],
            Channel.WECHAT_GROUP: [logins["jinxiu-property"], community],
            Channel.DOOR_TO_DOOR: [party],
            Channel.WALK_IN: [community, logins["jinxiu-property"]],
            Channel.MEETING: [community, party],
            Channel.PATROL: [handler, *extra],
            Channel.PARTNER: [logins["jinxiu-partner"]],
        }
        resident_login = logins["jinxiu-resident"]
    else:
        names = ("cangji-community", "cangji-property", "cangji-handler", "cangji-party")
        names += ("cangji-branch8", "cangji-partner", "cangji-resident")
        logins = {n: _login(n) for n in names}
        if None in logins.values():
            return None
        station = orgs[OrgKind.QUASI_PROPERTY]
        handler = logins["cangji-handler"]
        extra = _extra_handlers(
            station, "准物业工程小组", {handler.person_id}, f"{ACCOUNT_PREFIX}{code}-engineer"
        )
        community, party = logins["cangji-community"], logins["cangji-party"]
        housing = Organisation.objects.get(
            compound=compound, kind=OrgKind.PARTNER, name="拱墅区房管站"
        )
        property_team = Team(
            station, [handler, *extra], logins["cangji-property"], DispatchMode.ROUND_ROBIN
        )
        household = Team(
            orgs[OrgKind.HOUSEHOLD_COMMITTEE], [logins["cangji-branch8"], party], community
        )
        committee = Organisation.objects.get(
            community=compound.community, compound=None, kind=OrgKind.PARTY_COMMITTEE
        )
        teams = {
            "neighbour_dispute": household,
            "major_repair": Team(housing, [logins["cangji-partner"]], community),
            "suggestion": Team(committee, [party], community),
            "complaint": Team(committee, [party], community),
        }
        intake = {
            Channel.PHONE: [community, logins["cangji-property"], logins["cangji-branch8"]],
            Channel.WECHAT_GROUP: [logins["cangji-property"], community],
            Channel.DOOR_TO_DOOR: [logins["cangji-branch8"], party],
            Channel.WALK_IN: [community, logins["cangji-property"]],
            Channel.MEETING: [community, party],
            Channel.PATROL: [handler, *extra],
            Channel.PARTNER: [logins["cangji-partner"]],
        }
        resident_login = logins["cangji-resident"]
    app_users, residents = _residents(compound, rnd, code)
    login_home = (
        Residency.objects.current()
        .filter(person_id=resident_login.person_id, unit__compound=compound)
        .select_related("unit__building")
        .first()
    )
    cast = Cast(
        compound=compound,
        community=community,
        property=property_team,
        teams=teams,
        intake=intake,
        app_users=app_users,
        residents=residents,
        resident_login=(resident_login, login_home.unit) if login_home else None,
        places=PLACES[code],
        buildings=list(Building.objects.filter(compound=compound).order_by("sort_key")),
    )
    everyone = [u for u, _ in app_users] + [
        u for t in (property_team, *teams.values()) for u in t.handlers
    ]
    everyone += [community, resident_login] + [u for users in intake.values() for u in users]
    cast.users_by_person = {u.person_id: u for u in everyone if u.person_id}
    return cast


def _categories(cast: Cast) -> dict[str, Category]:
    """The default categories, each with its handling organisation and dispatch mode."""
    services.categories_ensure_defaults(actor=cast.community, compound=cast.compound)
    categories = {c.code: c for c in Category.objects.filter(compound=cast.compound)}
    for code, category in categories.items():
        team = cast.teams.get(code, cast.property)
        category.organisation = team.org
        category.dispatch_mode = team.mode
    Category.objects.bulk_update(categories.values(), ["organisation", "dispatch_mode"])
    return categories


# ---- one request -------------------------------------------------------------------------


@dataclass
class Story:
    """How one request goes."""

    created: datetime
    category: str
    priority: str
    channel: str
    outcome: str  # closed, resolved, open, paused, resumed, reopened, rejected, transferred
    stage: str = Status.IN_PROGRESS  # where an open request stands
    late: bool = False
    rated: bool = True
    hidden: bool = False
    key: str = ""


class NotYet(Exception):
    """A step would fall after the moment the demo is loaded: the request stops where it is."""


class Runner:
    def __init__(self, cast: Cast, categories: dict[str, Category], clock: Clock, seed: str):
        self.cast = cast
        self.categories = categories
        self.clock = clock
        self.rnd = random.Random(seed)
        self.now = timezone.now()
        self.tz = local_tz()
        self.made: list[Ticket] = []
        self.pauses: dict[int, timedelta] = defaultdict(timedelta)
        self.open: list[int] = []  # requests left open: the escalation job looks at them
        self.emergencies: list[int] = []
        self.n = 0
        self._minutes: dict[tuple[int, str], tuple[int, int]] = {}

    def minutes(self, category_id: int, priority: str) -> tuple[int, int]:
        """`deadlines.minutes_for`, asked once per category and priority."""
        key = (category_id, priority)
        if key not in self._minutes:
            category = next(c for c in self.categories.values() if c.pk == category_id)
            self._minutes[key] = deadlines.minutes_for(category, priority)
        return self._minutes[key]

    # -- choosing -------------------------------------------------------------------------

    def moment(self, day: date, *, emergency: bool = False) -> datetime:
        rnd = self.rnd
        if emergency:
            hour = rnd.randrange(24)
        else:
            hours = range(7, 23)
            hour = rnd.choices(hours, weights=[3, 6, 8, 7, 5, 4, 5, 6, 6, 5, 4, 5, 6, 5, 3, 2])[0]
        clock = time(hour, rnd.randrange(60), rnd.randrange(60))
        return datetime.combine(day, clock, tzinfo=self.tz)

    def day_in_year(self, category: str) -> date:
        """A day of the past year, more often in the category's season."""
        today = timezone.localdate()
        weights = SEASON.get(category)
        while True:
            day = today - timedelta(days=self.rnd.randint(1, 364))
            if weights is None or self.rnd.random() * 9 < weights[day.month - 1]:
                return day

    def who(self, channel: str):
        """(submitter, requester's account or None, person on whose behalf, home)."""
        rnd, cast = self.rnd, self.cast
        if channel == Channel.SELF_SERVICE:
            if cast.resident_login and rnd.random() < 0.04:
                user, unit = cast.resident_login
            else:
                user, unit = rnd.choice(cast.app_users)
            return user, user, None, unit
        submitter = rnd.choice(cast.intake[channel])
        if channel == Channel.PATROL or rnd.random() < 0.06:
            return submitter, None, None, rnd.choice(cast.residents)[1]  # anonymous
        year = timezone.localdate().year
        elders = [r for r in cast.residents if year - r[2] >= 60]
        pool = cast.residents
        if channel in (Channel.PHONE, Channel.DOOR_TO_DOOR) and elders and rnd.random() < 0.7:
            pool = elders
        person, unit, _born = rnd.choice(pool)
        return submitter, cast.users_by_person.get(person.pk), person, unit

    def where(self, category: str, unit: Unit, channel: str) -> dict:
        rnd = self.rnd
        if category == "lift":
            lifted = [b for b in self.cast.buildings if b.has_lift] or self.cast.buildings
            return {"location_kind": LocationKind.BUILDING, "building": rnd.choice(lifted)}
        common = category in COMMON_CATEGORIES or channel == Channel.PATROL
        if common or (category in BUILDING_CATEGORIES and rnd.random() < 0.4):
            building = rnd.choice(self.cast.buildings) if rnd.random() < 0.3 else None
            place = f"{building.number}幢附近" if building else rnd.choice(self.cast.places)
            return {"location_kind": LocationKind.COMMON_AREA, "building": building, "place": place}
        if category in BUILDING_CATEGORIES or (category == "electrical" and rnd.random() < 0.35):
            return {"location_kind": LocationKind.BUILDING, "building": unit.building}
        return {"location_kind": LocationKind.UNIT, "unit": unit}

    def team(self, category: str) -> Team:
        return self.cast.teams.get(category, self.cast.property)

    # -- steps -----------------------------------------------------------------------------

    def at(self, when: datetime) -> None:
        if when > self.now - timedelta(minutes=5):
            raise NotYet
        self.clock.at(when)

    def move(self, when: datetime, actor, ticket: Ticket, to: str, **kw) -> Ticket:
        self.at(when)
        return services.ticket_transition(actor=actor, ticket=ticket, to=to, **kw)

    def dispatch(self, when: datetime, ticket: Ticket, team: Team, handler: User) -> Ticket:
        """An accepted request reaches a handler the way its team works."""
        if ticket.status != Status.ACCEPTED:  # round-robin gave it to someone already
            return ticket
        self.at(when)
        if team.mode == DispatchMode.POOL:
            return services.ticket_claim(actor=handler, ticket=ticket)
        return services.ticket_transition(
            actor=team.manager, ticket=ticket, to=Target.ASSIGNED, assignee=handler
        )

    def assignee(self, ticket: Ticket) -> User:
        known = [*self.cast.property.handlers, self.cast.property.manager, self.cast.community]
        known += [u for team in self.cast.teams.values() for u in team.handlers]
        by_pk = {u.pk: u for u in known}
        return by_pk.get(ticket.assignee_id) or User.objects.get(pk=ticket.assignee_id)

    def durations(self, story: Story) -> tuple[timedelta, timedelta]:
        """(time to respond, time from response to resolution)."""
        rnd = self.rnd
        respond, resolve = self.minutes(self.categories[story.category].pk, story.priority)
        if story.priority == Priority.EMERGENCY:
            took = timedelta(minutes=rnd.randint(4, 25))
            work = timedelta(minutes=rnd.randint(40, 110))
        elif story.priority == Priority.URGENT:
            took = timedelta(minutes=rnd.randint(15, 100))
            work = timedelta(hours=rnd.uniform(2, 20))
        else:
            took = timedelta(minutes=rnd.randint(20, 20 * 60))
            work = timedelta(minutes=rnd.randint(resolve // 12, resolve * 3 // 4))
        if story.late:
            took = timedelta(minutes=respond * rnd.uniform(1.1, 2.5))
            work = timedelta(minutes=resolve * rnd.uniform(1.05, 1.6))
        return took, work

    def play(
        self, story: Story, *, people=None, where=None, description: str = "", notes=None
    ) -> Ticket:
        """Submit a request and take it as far as its story goes (or as far as today)."""
        submitter, requester, on_behalf, unit = people or self.who(story.channel)
        where = where or self.where(story.category, unit, story.channel)
        home = where["location_kind"] == LocationKind.UNIT
        self.n += 1
        self.clock.at(story.created)
        ticket = services.ticket_submit(
            actor=submitter,
            compound=self.cast.compound,
            category=self.categories[story.category],
            description=description or describe(story.category, self.rnd, home=home),
            idempotency_key=story.key or f"demo-{self.cast.compound.code}-{self.n}",
            priority=story.priority,
            channel=story.channel,
            on_behalf_of=on_behalf,
            **where,
        )
        self.made.append(ticket)
        if story.priority == Priority.EMERGENCY:
            self.emergencies.append(ticket.pk)
        try:
            ticket = self._handle(ticket, story, requester or submitter, notes or {})
        except NotYet:
            ticket.refresh_from_db()
        if ticket.status not in (Status.RESOLVED, Status.CLOSED, Status.REJECTED):
            self.open.append(ticket.pk)
        return ticket

    def _handle(self, ticket: Ticket, story: Story, rater, notes: dict) -> Ticket:
        rnd = self.rnd
        team = self.team(story.category)
        handler = notes.get("handler") or rnd.choice(team.handlers)
        took, work = self.durations(story)
        took = notes.get("took", took)
        t = story.created + took
        if story.outcome == "rejected":
            note = notes.get("reject") or rnd.choice(REJECT_NOTES)
            return self.move(t, handler, ticket, Target.REJECTED, note=note)
        if story.outcome == "open" and story.stage == Status.SUBMITTED:
            return ticket
        ticket = self.move(t, handler, ticket, Target.ACCEPTED)
        if story.outcome == "open" and story.stage == Status.ACCEPTED:
            return ticket
        t += timedelta(minutes=rnd.randint(2, 40))
        ticket = self.dispatch(t, ticket, team, handler)
        if story.outcome == "transferred":
            other = self.cast.teams.get("major_repair") or self.cast.teams["neighbour_dispute"]
            note = TRANSFER_NOTES[0] if "major_repair" in self.cast.teams else TRANSFER_NOTES[1]
            t += timedelta(hours=rnd.uniform(1, 6))
            ticket = self.move(
                t,
                self.assignee(ticket),
                ticket,
                Target.TRANSFERRED,
                organisation=other.org,
                note=note,
            )
            team = other
            t += timedelta(hours=rnd.uniform(1, 20))
            ticket = self.dispatch(t, ticket, team, rnd.choice(team.handlers))
        worker = self.assignee(ticket)
        if story.outcome == "open" and story.stage == Status.ASSIGNED:
            return ticket
        t += notes.get("on_site") or timedelta(minutes=rnd.randint(5, 90))
        start = notes.get("start") or rnd.choice(START_NOTES)
        ticket = self.move(t, worker, ticket, Target.IN_PROGRESS, note=start)
        if story.outcome == "open":
            return ticket
        if story.outcome in ("paused", "resumed"):
            t += work / 3
            until = timezone.localdate() + timedelta(days=rnd.randint(4, 12))
            note = rnd.choice(PAUSE_NOTES)
            if story.category == "major_repair":
                note = "等待房屋维修资金审批，批下后安排施工"
            ticket = self.move(t, worker, ticket, Target.PAUSED, note=note, paused_until=until)
            if story.outcome == "paused":
                return ticket
            pause = timedelta(days=rnd.randint(2, 6))
            t += pause
            ticket = self.move(t, worker, ticket, Target.IN_PROGRESS)
            self.pauses[ticket.pk] += pause
        t = notes.get("resolved_at") or max(t, story.created + took + work)
        ticket = self.resolve(t, worker, ticket, story, notes.get("resolve"))
        if story.outcome == "reopened":
            t += timedelta(days=rnd.uniform(1, 5))
            note = rnd.choice(REOPEN_NOTES)
            ticket = self.move(t, rater, ticket, Target.REOPENED, note=note)
            t += timedelta(hours=rnd.uniform(2, 30))
            ticket = self.move(t, worker, ticket, Target.IN_PROGRESS)
            t += timedelta(hours=rnd.uniform(2, 30))
            ticket = self.resolve(t, worker, ticket, story, None)
        if story.hidden:
            self.at(t + timedelta(minutes=rnd.randint(1, 30)))
            services.ticket_set_public(actor=rater, ticket=ticket, shown=False)
        return self.finish(t, ticket, story, rater, team, notes)

    def resolve(self, when, worker, ticket, story: Story, note: str | None) -> Ticket:
        rnd = self.rnd
        lines = []
        chargeable = self.categories[story.category].chargeable
        if chargeable and story.category in COST_ITEMS and rnd.random() < 0.6:
            item, amount = rnd.choice(COST_ITEMS[story.category])
            lines = [{"item": item, "amount": amount}]
        note = note or rnd.choice(RESOLVE_NOTES[story.category])
        return self.move(when, worker, ticket, Target.RESOLVED, note=note, cost_lines=lines)

    def finish(self, resolved: datetime, ticket, story: Story, rater, team: Team, notes: dict):
        """Rating, closing and the follow-up call after a resolution."""
        rnd = self.rnd
        recent = self.now - resolved < timedelta(days=7)
        t = resolved + timedelta(hours=rnd.uniform(1, 30))
        rating = None
        if story.rated and t < self.now - timedelta(minutes=10):
            overall = notes.get("overall") or rnd.choices((5, 4, 3, 2, 1), (58, 25, 9, 5, 3))[0]
            if story.late and overall > 3 and rnd.random() < 0.5:
                overall -= 1
            speed = max(1, min(5, overall + rnd.choice((0, 0, 0, -1, 1))))
            attitude = max(1, min(5, overall + rnd.choice((0, 0, 1))))
            comment = notes.get("comment")
            if comment is None:
                comment = rnd.choice(COMMENTS[overall]) if rnd.random() < 0.6 else ""
            self.at(t)
            rating = services.ticket_rate(
                actor=rater,
                ticket=ticket,
                overall=overall,
                speed=speed,
                attitude=attitude,
                comment=comment,
            )
            if not recent or rnd.random() < 0.5:
                t += timedelta(minutes=rnd.randint(1, 20))
                ticket = self.move(t, rater, ticket, Target.CLOSED)
        if ticket.status == Status.RESOLVED and not recent:
            # Nobody answered within the reopen window: the team leader closes it.
            t = resolved + timedelta(days=7, hours=rnd.uniform(1, 10))
            ticket = self.move(t, team.manager, ticket, Target.CLOSED)
        follow_up = FollowUp.objects.filter(ticket=ticket).first() if rating else None
        called = t + timedelta(days=rnd.uniform(1, 4))
        if follow_up is None or called > self.now - timedelta(days=2):
            return ticket  # recent ones are still to call
        caller = rnd.choice([self.cast.community, self.cast.property.manager])
        self.at(called)
        if rnd.random() < 0.12:
            followup_record(
                actor=caller,
                follow_up=follow_up,
                status=FollowUpStatus.UNREACHABLE,
                note="电话无人接听，改天再打",
            )
            return ticket
        satisfaction = Satisfaction.UNSATISFIED
        if rating.overall >= 4:
            satisfaction = Satisfaction.SATISFIED
        elif rating.overall == 3:
            satisfaction = Satisfaction.BASIC
        followup_record(
            actor=caller,
            follow_up=follow_up,
            status=FollowUpStatus.DONE,
            contacted_in_time=not story.late,
            solved=rating.overall >= 3,
            satisfaction=satisfaction,
            note=rnd.choice(FOLLOW_UP_NOTES),
        )
        return ticket

    def merge(self, when: datetime, ticket: Ticket, into: Ticket) -> None:
        team = self.team(into.category.code)
        self.at(when)
        services.ticket_merge(
            actor=self.rnd.choice(team.handlers),
            ticket=ticket,
            into=into,
            note="同一问题已有诉求在处理，合并跟进",
        )


# ---- the year ----------------------------------------------------------------------------


def _outcome(rnd: random.Random, age: timedelta, category: str) -> Story:
    """What becomes of a request submitted `age` ago."""
    story = Story(
        created=timezone.now(),
        category=category,
        priority=Priority.NORMAL,
        channel="",
        outcome="closed",
    )
    roll = rnd.random()
    story.rated = rnd.random() < 0.72
    story.hidden = rnd.random() < 0.05
    story.late = rnd.random() < 0.08
    if age < timedelta(days=2):
        story.outcome = "open" if roll < 0.6 else "resolved"
        story.stage = rnd.choice(
            [Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS]
        )
        story.late = False
    elif age < timedelta(days=12) and roll < 0.2:
        story.outcome, story.late = "open", True
        story.stage = rnd.choice(
            [Status.SUBMITTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.IN_PROGRESS]
        )
    elif age < timedelta(days=8) and roll < 0.3:
        story.outcome = "paused"
    elif roll < 0.06:
        story.outcome = "rejected"
    elif roll < 0.10:
        story.outcome = "reopened"
    elif roll < 0.14:
        story.outcome = "resumed"
    elif roll < 0.2 and category in ("leak", "noise"):
        story.outcome = "transferred"
    if category in ("suggestion", "praise", "complaint") and story.outcome != "rejected":
        # Nothing to pause, reopen or transfer, and answered in time: open (new) or closed.
        story.outcome = "open" if story.outcome == "open" and not story.late else "closed"
    return story


def _priority(rnd: random.Random, category: str) -> str:
    if category in ("leak", "plumbing", "electrical", "lift", "security"):
        return rnd.choices(
            [Priority.NORMAL, Priority.URGENT, Priority.EMERGENCY], weights=(78, 18, 4)
        )[0]
    if category in ("suggestion", "praise", "complaint", "greening", "major_repair"):
        return Priority.NORMAL
    return rnd.choices([Priority.NORMAL, Priority.URGENT], weights=(90, 10))[0]


def _year(runner: Runner, count: int) -> None:
    rnd, code = runner.rnd, runner.cast.compound.code
    weights = CATEGORY_WEIGHTS[code]
    channels = list(CHANNEL_WEIGHTS)
    stories = []
    for n in range(count):
        category = rnd.choices(list(weights), weights=list(weights.values()))[0]
        day = runner.day_in_year(category)
        # Every channel at least once; then as often as residents use them.
        channel = (
            channels[n]
            if n < len(channels)
            else rnd.choices(channels, weights=list(CHANNEL_WEIGHTS.values()))[0]
        )
        if channel == Channel.PATROL and category in ("noise", "neighbour_dispute", "praise"):
            category = "security"
        if channel == Channel.MEETING:
            category = rnd.choice(["suggestion", "public_facilities", "parking"])
        priority = _priority(rnd, category)
        created = runner.moment(day, emergency=priority == Priority.EMERGENCY)
        if created > runner.now - timedelta(hours=3):
            created = runner.now - timedelta(hours=rnd.randint(3, 30))
        story = _outcome(rnd, runner.now - created, category)
        if story.outcome == "open" and story.late and story.stage != Status.SUBMITTED:
            # Worked on but past resolve-by: a week or more old.
            created = runner.moment(timezone.localdate() - timedelta(days=rnd.randint(8, 20)))
        story.created, story.priority, story.channel = created, priority, channel
        if story.channel != Channel.SELF_SERVICE:
            story.hidden = False
        stories.append(story)
    stories.sort(key=lambda s: s.created)
    for story in stories:
        ticket = runner.play(story)
        # About one in thirty is reported twice within a day by another neighbour: merged.
        if ticket.building_id and rnd.random() < 0.035 and story.outcome != "rejected":
            again = Story(
                created=story.created + timedelta(minutes=rnd.randint(20, 600)),
                category=story.category,
                priority=story.priority,
                channel=rnd.choice([Channel.SELF_SERVICE, Channel.PHONE]),
                outcome="open",
                stage=Status.SUBMITTED,
            )
            if again.created < runner.now - timedelta(hours=2):
                # A neighbour in the same building reports the same thing.
                same = {"location_kind": LocationKind.BUILDING, "building": ticket.building}
                duplicate = runner.play(again, where=same)
                runner.merge(
                    again.created + timedelta(minutes=rnd.randint(10, 60)), duplicate, ticket
                )
    _repeats(runner)
    _current(runner)


def _current(runner: Runner) -> None:
    """What is on the desk today: requests past their deadlines (the escalation job has raised
    them), others still within them, paused work and resolutions waiting for a rating."""
    rnd = runner.rnd
    weights = dict(CATEGORY_WEIGHTS[runner.cast.compound.code])
    for code in ("suggestion", "praise", "complaint"):
        weights.pop(code)
    today = timezone.localdate()
    plans = [
        # (days ago from, to, outcome, stage, late)
        (2, 4, "open", Status.SUBMITTED, True),
        (1, 3, "open", Status.SUBMITTED, True),
        (9, 16, "open", Status.IN_PROGRESS, True),
        (9, 16, "open", Status.IN_PROGRESS, True),
        (8, 12, "open", Status.ASSIGNED, True),
        (9, 11, "open", Status.ACCEPTED, True),
        (1, 3, "open", Status.IN_PROGRESS, False),
        (1, 4, "open", Status.ASSIGNED, False),
        (1, 2, "open", Status.ACCEPTED, False),
        (5, 12, "paused", Status.PAUSED, False),
        (5, 12, "paused", Status.PAUSED, False),
        (2, 3, "resolved", Status.RESOLVED, False),
        (2, 3, "resolved", Status.RESOLVED, False),
    ]
    for low, high, outcome, stage, late in plans:
        category = rnd.choices(list(weights), weights=list(weights.values()))[0]
        story = Story(
            created=runner.moment(today - timedelta(days=rnd.randint(low, high))),
            category=category,
            priority=Priority.NORMAL,
            channel=rnd.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0],
            outcome=outcome,
            stage=stage,
            late=late,
            rated=False,
        )
        if story.channel in (Channel.MEETING, Channel.PATROL):
            story.channel = Channel.PHONE
        notes = {}
        if outcome == "resolved":
            # Fixed yesterday and rated so-so: the follow-up call is still to make.
            story.priority, story.rated, notes["overall"] = Priority.URGENT, True, 3
        runner.play(story, notes=notes)
    for hours in (2, 7):
        story = Story(
            created=runner.now - timedelta(hours=hours, minutes=rnd.randint(0, 50)),
            category=rnd.choice(["plumbing", "electrical", "sanitation"]),
            priority=Priority.NORMAL,
            channel=Channel.SELF_SERVICE,
            outcome="open",
            stage=Status.SUBMITTED,
        )
        runner.play(story)


def _repeats(runner: Runner) -> None:
    """One resident reports the same barking dog again and again: after the first is handled,
    the repeats are rejected and taken out of the figures as malicious repeats (DESIGN §9)."""
    rnd = runner.rnd
    user, unit = runner.cast.app_users[-1]
    day = timezone.localdate() - timedelta(days=rnd.randint(40, 120))
    first = None
    for k in range(5):
        created = runner.moment(day + timedelta(days=k * 4 + rnd.randint(0, 2)))
        story = Story(
            created=created,
            category="noise",
            priority=Priority.NORMAL,
            channel=Channel.SELF_SERVICE,
            outcome="closed" if k == 0 else "rejected",
        )
        ticket = runner.play(
            story,
            people=(user, user, None, unit),
            description="隔壁家的狗整夜叫，吵得睡不着，请物业管一管。",
            notes={
                "reject": "同一事项已处理完毕：已上门提醒犬主并登记，属重复反映",
                "overall": 2 if k == 0 else None,
            },
        )
        first = first or ticket
        if k >= 2:
            runner.clock.at(created + timedelta(days=1))
            services.ticket_exclude(
                actor=runner.cast.community, ticket=ticket, reason=EXCLUDE_REASON
            )


def _typhoon(runner: Runner) -> Ticket | None:
    """10 August, 04:1x: an elderly resident of building 63 phones the secretary of branch 8
    about water coming into the living room and bedroom; the on-duty engineer is there within
    minutes and it is fixed by the morning."""
    cast = runner.cast
    if cast.resident_login is None:
        return None
    night_start, _night_end = cangji.typhoon_night(runner.now)
    call = night_start.astimezone(runner.tz).replace(hour=4, minute=13, second=27) + timedelta(
        days=1
    )
    user, unit = cast.resident_login
    secretary = next(u for u in cast.intake[Channel.PHONE] if u.username == "cangji-branch8")
    handler = next(u for u in cast.property.handlers if u.username == "cangji-handler")
    # Round-robin gives the next request to the engineer on duty that night.
    handlers = list(team_handlers(cast.property.org))
    before = [h for h in handlers if h.pk < handler.pk]
    DispatchCursor.objects.update_or_create(
        organisation=cast.property.org,
        defaults={"last_assignee": before[-1] if before else handlers[-1]},
    )
    story = Story(
        created=call,
        category="leak",
        priority=Priority.EMERGENCY,
        channel=Channel.PHONE,
        outcome="closed",
        key=f"demo-{cast.compound.code}-typhoon",
    )
    return runner.play(
        story,
        people=(secretary, user, user.person, unit),
        description="台风夜63幢老人来电：客厅和卧室天花板都在渗水，地上已经积水，家里只有老两口，请马上派人。",
        notes={
            "handler": handler,
            "took": timedelta(minutes=9),
            "on_site": timedelta(minutes=17),
            "resolved_at": call.replace(hour=7, minute=42),
            "start": "值班工程人员已到63幢，屋面排水沟被落叶堵塞，雨水倒灌进顶楼",
            "resolve": "疏通屋面排水沟，临时封堵渗水点，客厅和卧室已不再渗水；天晴后复查屋面防水",
            "overall": 5,
            "comment": "凌晨四点打电话给支部书记，十几分钟工程小组就冒着台风上门了，帮我们堵住了漏水，真的太感谢了！",
        },
    )


def _major_repairs(runner: Runner) -> None:
    """The 20 major house repair applications of this year, handled by the housing management
    station: most resolved, a few still under way."""
    rnd = runner.rnd
    today = timezone.localdate()
    first = date(today.year, 1, 3)
    span = (today - first).days - 3
    outcomes = ["closed"] * 15 + ["resolved", "resolved", "paused", "open", "open"]
    channels = (
        [Channel.WALK_IN] * 8
        + [Channel.PHONE] * 4
        + [Channel.DOOR_TO_DOOR] * 4
        + [Channel.PARTNER] * 4
    )
    rnd.shuffle(channels)
    for n in range(MAJOR_REPAIRS):
        outcome = outcomes[n]
        if outcome == "closed":
            day = first + timedelta(days=round(span * n / 18 * 0.85))
        elif outcome == "resolved":
            day = today - timedelta(days=rnd.randint(20, 24))
        else:
            day = today - timedelta(days=rnd.randint(6, 14))
        story = Story(
            created=runner.moment(day),
            category="major_repair",
            priority=Priority.NORMAL,
            channel=channels[n],
            outcome=outcome,
            stage=Status.IN_PROGRESS if n % 2 else Status.ACCEPTED,
            late=rnd.random() < 0.15,
        )
        if outcome == "resolved":
            story.created = runner.now - timedelta(days=rnd.randint(14, 17))
        runner.play(story)


# ---- after the year: times, escalations, paging, inboxes ---------------------------------


def _backdate(runner: Runner) -> None:
    """Move every timestamp written during a step to the step's moment, in one pass per table."""
    clock = runner.clock
    moved = clock.moved
    ids = [t.pk for t in runner.made]
    rows = []
    for pk, category_id, priority, *stamps in Ticket.objects.filter(pk__in=ids).values_list(
        "pk", "category_id", "priority", *TICKET_TIMES
    ):
        created, *rest = (moved(value) for value in stamps)
        respond, resolve = runner.minutes(category_id, priority)
        respond_by = created + timedelta(minutes=respond)
        resolve_by = created + timedelta(minutes=resolve) + runner.pauses.get(pk, timedelta())
        rows.append((pk, [created, *rest, respond_by, resolve_by]))
    _update(Ticket, [*TICKET_TIMES, "respond_by", "resolve_by"], rows)
    for model, fields, queryset in (
        (TicketEvent, ["created_at"], TicketEvent.objects.filter(ticket_id__in=ids)),
        (Rating, ["created_at"], Rating.objects.filter(ticket_id__in=ids)),
        (
            FollowUp,
            ["created_at", "updated_at", "done_at"],
            FollowUp.objects.filter(ticket_id__in=ids),
        ),
        (Follower, ["created_at"], Follower.objects.filter(ticket_id__in=ids)),
        (
            Category,
            ["created_at", "updated_at"],
            Category.objects.filter(compound=runner.cast.compound),
        ),
        (
            AuditEvent,
            ["created_at"],
            AuditEvent.objects.filter(
                created_at__gte=clock.started, compound=runner.cast.compound, chain=""
            ),
        ),
    ):
        _update(model, fields, _moved_rows(queryset, fields, moved))
    notes = Notification.objects.filter(
        created_at__gte=clock.started,
        target_type="tickets.ticket",
        target_id__in=[str(i) for i in ids],
    )
    # Deliveries first: their notifications are found by the time not yet moved.
    deliveries = Delivery.objects.filter(notification__in=notes)
    _update(Delivery, ["created_at"], _moved_rows(deliveries, ["created_at"], moved))
    _update(Notification, ["created_at"], _moved_rows(notes, ["created_at"], moved))


TICKET_TIMES = ["created_at", "updated_at", "responded_at", "resolved_at", "closed_at", "paused_at"]


def _moved_rows(queryset, fields: list[str], moved) -> list[tuple[int, list]]:
    return [(pk, [moved(v) for v in values]) for pk, *values in queryset.values_list("pk", *fields)]


def _update(model, fields: list[str], rows: list[tuple[int, list]]) -> None:
    """Set `fields` of many rows by primary key: one prepared UPDATE run for every row (far
    cheaper than `bulk_update`'s CASE expressions for thousands of rows)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    sets = ", ".join(f"{quote(columns[name])} = %s" for name in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[adapt(v) for v in values] + [pk] for pk, values in rows])


def _escalate(runner: Runner) -> None:
    """The overdue requests were escalated while they waited: to the team leader as the
    deadline passed, to community staff two hours later. Run through the job, then put at the
    moments they happened."""
    late = Ticket.objects.filter(pk__in=runner.open)
    now = timezone.now()
    jobs.escalate_overdue(now, tickets=late)
    raised = list(late.filter(escalation_level=1))

    def missed(ticket: Ticket) -> datetime:
        return ticket.respond_by if ticket.responded_at is None else ticket.resolve_by

    second = [
        t.pk for t in raised if missed(t) < now - jobs.SECOND_LEVEL_AFTER - timedelta(minutes=10)
    ]
    if second:
        later = now + jobs.SECOND_LEVEL_AFTER + timedelta(minutes=1)
        jobs.escalate_overdue(later, tickets=Ticket.objects.filter(pk__in=second))
    events = defaultdict(list)
    for event in TicketEvent.objects.filter(ticket__in=raised, kind=EventKind.ESCALATION).order_by(
        "id"
    ):
        events[event.ticket_id].append(event)
    audits = defaultdict(list)
    for audit in AuditEvent.objects.filter(
        action="tickets.escalate",
        target_type="tickets.ticket",
        target_id__in=[str(t.pk) for t in raised],
    ).order_by("id"):
        audits[int(audit.target_id)].append(audit)
    changed_events, changed_audits = [], []
    for ticket in raised:
        when = [missed(ticket) + timedelta(minutes=4)]
        when.append(when[0] + jobs.SECOND_LEVEL_AFTER + timedelta(minutes=1))
        for rows, changed in (
            (events[ticket.pk], changed_events),
            (audits[ticket.pk], changed_audits),
        ):
            for row, at in zip(rows, when, strict=False):
                row.created_at = at
                changed.append(row)
        ticket.escalated_at = when[len(events[ticket.pk]) - 1]
    TicketEvent.objects.bulk_update(changed_events, ["created_at"])
    AuditEvent.objects.bulk_update(changed_audits, ["created_at"])
    Ticket.objects.bulk_update(raised, ["escalated_at"])


def _repage(runner: Runner) -> None:
    """Emergency paging ran at load time; page instead whoever was on duty at the moment of the
    request (the typhoon night's roster) and the people answering for the home."""
    for ticket in Ticket.objects.filter(pk__in=runner.emergencies).select_related(
        "unit", "compound"
    ):
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PAGE).first()
        if event is None:
            continue
        on_duty = {
            s.person_id
            for s in org_selectors.on_duty_now(compound=ticket.compound, at=ticket.created_at)
        }
        responsible = set(event.data.get("responsible_person_ids", []))
        users = list(
            User.objects.filter(is_active=True, person_id__in=on_duty | responsible).order_by("pk")
        )
        paged_before = set(event.data.get("user_ids", []))
        event.data = {
            "on_duty_person_ids": sorted(on_duty),
            "responsible_person_ids": sorted(responsible),
            "user_ids": [u.pk for u in users],
        }
        event.save(update_fields=["data"])
        keep = (
            {u.pk for u in users}
            | {ticket.submitted_by_id}
            | set(User.objects.filter(person_id=ticket.requester_id).values_list("pk", flat=True))
        )
        Follower.objects.filter(ticket=ticket, user_id__in=paged_before - keep).delete()
        Follower.objects.bulk_create(
            [Follower(ticket=ticket, user=u, created_at=ticket.created_at) for u in users],
            ignore_conflicts=True,
        )
        Notification.objects.filter(
            kind=NotificationKind.EMERGENCY, target_type="tickets.ticket", target_id=str(ticket.pk)
        ).exclude(recipient__in=users).delete()


def _tidy_inboxes(runner: Runner) -> None:
    """Keep the last two weeks of messages about the demo's requests, older ones read."""
    ids = [str(t.pk) for t in runner.made]
    notes = Notification.objects.filter(target_type="tickets.ticket", target_id__in=ids)
    notes.filter(created_at__lt=runner.now - timedelta(days=INBOX_DAYS)).delete()
    for note in notes.filter(created_at__lt=runner.now - timedelta(days=2), read_at__isnull=True):
        note.read_at = note.created_at + timedelta(hours=3)
        note.save(update_fields=["read_at"])


# ---- entry points --------------------------------------------------------------------------


def ensure_requests(code: str) -> int:
    """Give a demo compound its year of requests unless it has some; returns how many were made."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None or Ticket.objects.filter(compound=compound).exists():
        return 0
    rnd = random.Random(f"{code}-requests")
    cast = _cast(code, rnd)
    if cast is None:
        return 0
    clock = Clock()
    runner = Runner(cast, {}, clock, f"{code}-stories")
    clock.at(runner.now - timedelta(days=375))
    runner.categories = _categories(cast)
    count = COUNTS[code]
    # The services draw the sample of follow-up calls from the module-level random: seeded for
    # this run, so that `--reset` rebuilds the same rows, and restored after.
    state = random.getstate()
    random.seed(f"{code}-follow-ups")
    try:
        if code == cangji.CODE:
            _typhoon(runner)
            _major_repairs(runner)
            count -= MAJOR_REPAIRS + 1
        _year(runner, count - CURRENT)
    finally:
        random.setstate(state)
    clock.at(runner.now)  # anything after the last step stays where it is
    _backdate(runner)
    _escalate(runner)
    _repage(runner)
    _tidy_inboxes(runner)
    return len(runner.made)


def remove_requests(compounds) -> None:
    """Delete the demo compounds' requests, categories and their audit rows (not chained ones),
    and the accounts made for them; called before the compounds themselves are removed."""
    tickets = Ticket.objects.filter(compound__in=compounds)
    ids = [str(pk) for pk in tickets.values_list("pk", flat=True)]
    Notification.objects.filter(target_type="tickets.ticket", target_id__in=ids).delete()
    tickets.delete()
    Category.objects.filter(compound__in=compounds).delete()
    AuditEvent.objects.filter(compound__in=compounds, chain="").delete()
    codes = list(compounds.values_list("code", flat=True))
    accounts = Q()
    for code in codes:
        accounts |= Q(username__startswith=f"{ACCOUNT_PREFIX}{code}-")
    if codes:
        User.objects.filter(accounts).delete()
