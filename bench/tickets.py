"""Benchmarks of issue 3 (residents' requests) at district scale: 1,000,000 requests.

The requests are spread over the seed district's compounds (`mulin seed`, 500 compounds) with a
realistic mix of statuses, channels, categories and priorities, their timeline events and
ratings; 100,000 of them are open and overdue. They are written with COPY (the approach of
`mulin.demo.seed`), once, and kept: a later run reuses them.

Measured:
- the escalation job (`jobs.escalate_overdue`) over the 100,000 overdue requests: ≤ 30 s, each
  raised once, with one timeline event and one audit row each; a second run at the same moment
  raises nothing; the second level two hours later (for information);
- the staff workbench, the public progress board and Open311's requests list: p95 ≤ 100 ms with
  query counts that do not grow with the data (a compound with ten times the requests is asked
  too) — measured once those pages exist; until then the REST list `/api/v1/requests` if it
  exists, and the selectors behind the pages, for information.

The job is timed as it runs in production: notification deliveries are queued for the Celery
workers (not run eagerly inside the job, as the embedded default without a broker would).
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .common import RESULTS, Result, bench_user, grant_once, percentile, timed

TOTAL = 1_000_000
OVERDUE = 100_000
ESCALATION_SECONDS = 30.0
# seed-0002 gets ten times a compound's share of requests: pages there must make the same
# number of queries as on seed-0001.
SMALL, LARGE = "seed-0001", "seed-0002"
LARGE_WEIGHT = 10
INTAKE = "bench-intake"  # submits every bench request; marks them as the bench's
SEED_FILE = RESULTS / "tickets_seed.json"
BATCH = 20_000  # tickets generated and copied at a time

DESCRIPTIONS = {
    "leak": ["卫生间顶上渗水，墙皮起泡", "下雨后客厅天花板滴水", "楼上漏水到厨房吊顶"],
    "plumbing": ["厨房下水道堵塞，水排不下去", "水龙头关不紧一直滴水", "楼道总水阀漏水"],
    "electrical": ["楼道灯不亮，晚上上下楼看不清", "家里跳闸后一直合不上", "单元门禁断电"],
    "lift": ["电梯按钮失灵，停在三楼不动", "电梯运行时有异响"],
    "sanitation": ["垃圾投放点满溢没有清运", "楼道里堆放杂物有异味"],
    "greening": ["楼前的树枝挡住窗户，需要修剪", "绿化带杂草太高，蚊虫多"],
    "parking": ["消防通道被私家车占用", "电动车在楼道里充电"],
    "noise": ["楼上夜里装修噪音很大", "广场舞音响声音过大"],
    "security": ["单元门锁坏了，陌生人随便进出", "监控探头不亮"],
    "neighbour_dispute": ["邻居空调外机滴水到我家阳台", "楼上晾衣服滴水，协商不成"],
    "major_repair": ["屋面防水层老化，顶楼房间长期渗漏", "外墙开裂，需要房屋大修"],
    "public_facilities": ["健身器材松动，存在安全隐患", "小区路灯坏了好几盏"],
    "suggestion": ["建议在中心广场加装休息座椅", "建议增设电动车充电桩"],
    "complaint": ["保洁不及时，楼道很脏", "维修人员上门迟到"],
    "praise": ["感谢维修师傅连夜抢修", "物业帮忙找回了走失的老人"],
}
CATEGORY_WEIGHTS = {
    "leak": 10,
    "plumbing": 14,
    "electrical": 10,
    "lift": 4,
    "sanitation": 10,
    "greening": 6,
    "parking": 9,
    "noise": 7,
    "security": 5,
    "neighbour_dispute": 5,
    "major_repair": 2,
    "public_facilities": 8,
    "suggestion": 4,
    "complaint": 4,
    "praise": 2,
}
CHANNEL_WEIGHTS = {
    "self_service": 45,
    "phone": 20,
    "wechat_group": 12,
    "door_to_door": 7,
    "walk_in": 7,
    "meeting": 2,
    "patrol": 5,
    "partner": 2,
}
PRIORITY_WEIGHTS = {"normal": 85, "urgent": 12, "emergency": 3}
# Status mix of the requests that are not the overdue ones.
SETTLED_WEIGHTS = {
    "closed": 82,
    "resolved": 5,
    "rejected": 4,
    "paused": 1,
    "in_progress": 2,
    "assigned": 2,
    "accepted": 2,
    "submitted": 2,
}
OPEN_STATUSES = ("submitted", "accepted", "assigned", "in_progress")


@dataclass
class SeedFigures:
    tickets: int = 0
    overdue: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0
    reference: str = ""  # the moment the data was made for (ISO); jobs are run at it
    phases: dict[str, float] = field(default_factory=dict)


def _weighted(rnd: random.Random, weights: dict[str, int], k: int) -> list[str]:
    return rnd.choices(list(weights), weights=list(weights.values()), k=k)


def _setup(report) -> dict:
    """Categories, team leaders and community staff for every seeded compound; the intake user.
    Idempotent."""
    from django.utils import translation

    from mulin.core.models import Role, RoleGrant, ScopeKind, User
    from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind
    from mulin.places.models import Compound
    from mulin.tickets.models import Category, DispatchMode
    from mulin.tickets.services import category_defaults

    compounds = list(
        Compound.objects.filter(code__startswith="seed-")
        .order_by("code")
        .values_list("id", "code", "community_id")
    )
    if not compounds:
        raise SystemExit("No seeded compounds: run `scripts/bench --only seed` first.")
    companies = dict(
        Organisation.objects.filter(
            kind=OrgKind.PROPERTY_COMPANY, compound_id__in=[c[0] for c in compounds]
        ).values_list("compound_id", "id")
    )
    have = set(
        Category.objects.filter(compound_id__in=companies).values_list("compound_id", "code")
    )
    with translation.override("zh-hans"):
        defaults = [(code, str(name), chargeable) for code, name, chargeable in category_defaults()]
    new = [
        Category(
            compound_id=compound_id,
            code=code,
            name=name,
            chargeable=chargeable,
            position=position,
            organisation_id=companies.get(compound_id),
            dispatch_mode=DispatchMode.POOL,
        )
        for compound_id, _code, _community in compounds
        for position, (code, name, chargeable) in enumerate(defaults)
        if (compound_id, code) not in have
    ]
    Category.objects.bulk_create(new, batch_size=2000)
    # A team leader for each property company (the seed gives them staff only), with a login so
    # the level-1 escalation has someone to tell.
    led = set(
        Membership.objects.filter(
            organisation_id__in=companies.values(), role=MemberRole.MANAGER
        ).values_list("organisation_id", flat=True)
    )
    staff_rows = (
        Membership.objects.filter(organisation_id__in=companies.values(), role=MemberRole.STAFF)
        .order_by("organisation_id", "id")
        .values_list("organisation_id", "person_id")
    )
    first_staff: dict[int, int] = {}
    for org_id, person_id in staff_rows:
        first_staff.setdefault(org_id, person_id)
    leaders = [
        Membership(organisation_id=org_id, person_id=person_id, role=MemberRole.MANAGER)
        for org_id, person_id in first_staff.items()
        if org_id not in led
    ]
    Membership.objects.bulk_create(leaders, batch_size=2000)
    with_login = set(
        User.objects.filter(person_id__in=first_staff.values()).values_list("person_id", flat=True)
    )
    User.objects.bulk_create(
        [
            User(username=f"bench-leader-{person_id}", person_id=person_id, password="!")
            for person_id in first_staff.values()
            if person_id not in with_login
        ],
        batch_size=2000,
    )
    # Community staff of every community, for the second level.
    communities = sorted({c[2] for c in compounds})
    existing = set(
        RoleGrant.objects.filter(
            role=Role.COMMUNITY_STAFF, community_id__in=communities
        ).values_list("community_id", flat=True)
    )
    for community_id in communities:
        if community_id in existing:
            continue
        user = bench_user(f"bench-community-{community_id}")
        RoleGrant.objects.create(
            user=user,
            role=Role.COMMUNITY_STAFF,
            scope=ScopeKind.COMMUNITY,
            community_id=community_id,
        )
    intake = bench_user(INTAKE)
    users = dict(
        User.objects.filter(person_id__in=first_staff.values()).values_list("person_id", "id")
    )
    leaders_by_org = {org_id: users[person_id] for org_id, person_id in first_staff.items()}
    report(f"{len(compounds)} compounds with categories, leaders and community staff")
    return {"compounds": compounds, "intake": intake, "leaders": leaders_by_org}


def seed_requests(*, total: int = TOTAL, overdue: int = OVERDUE, report=print) -> SeedFigures:
    """Write `total` bench requests, `overdue` of them open past their deadlines."""
    from django.db import connection, transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from mulin.demo.seed import _copy
    from mulin.people.models import Person
    from mulin.places.models import Unit
    from mulin.tickets.deadlines import COMPLEX_CATEGORIES, DEFAULT_MINUTES
    from mulin.tickets.models import Category, Rating, Ticket, TicketEvent

    if connection.vendor != "postgresql":
        raise SystemExit("The requests benchmark runs on PostgreSQL (DATABASE_URL).")
    started = time.monotonic()
    figures = SeedFigures()
    setup = _setup(report)
    compounds, intake = setup["compounds"], setup["intake"]
    reference = timezone.now().replace(microsecond=0)
    figures.reference = reference.isoformat()
    rnd = random.Random("bench-tickets")
    leaders = setup["leaders"]
    categories: dict[int, dict[str, tuple[int, int | None]]] = {}
    for compound_id, code, cat_id, org_id in Category.objects.filter(
        compound_id__in=[c[0] for c in compounds]
    ).values_list("compound_id", "code", "id", "organisation_id"):
        categories.setdefault(compound_id, {})[code] = (cat_id, org_id)
    units: dict[int, list[tuple[int, int]]] = {}
    for unit_id, compound_id, building_id in Unit.objects.filter(
        compound_id__in=categories
    ).values_list("id", "compound_id", "building_id"):
        units.setdefault(compound_id, []).append((unit_id, building_id))
    persons = {
        row["compound_id"]: (row["low"], row["high"])
        for row in Person.objects.filter(compound_id__in=categories)
        .values("compound_id")
        .annotate(low=Min("id"), high=Max("id"))
    }
    weights = [LARGE_WEIGHT if code == LARGE else 1 for _id, code, _c in compounds]
    next_id = {
        key: (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        for key, model in (("ticket", Ticket), ("event", TicketEvent), ("rating", Rating))
    }
    figures.phases["prepare"] = time.monotonic() - started
    year = timedelta(days=365)
    done = 0
    while done < total:
        size = min(BATCH, total - done)
        generated = time.monotonic()
        tickets, events, ratings = [], [], []
        targets = rnd.choices(compounds, weights=weights, k=size)
        cats = _weighted(rnd, CATEGORY_WEIGHTS, size)
        channels = _weighted(rnd, CHANNEL_WEIGHTS, size)
        priorities = _weighted(rnd, PRIORITY_WEIGHTS, size)
        settled = _weighted(rnd, SETTLED_WEIGHTS, size)
        for n in range(size):
            compound_id = targets[n][0]
            index = done + n
            every = total // overdue
            late = index % every == 0 and figures.overdue < overdue
            category = cats[n]
            category_id, org_id = categories[compound_id][category]
            priority = "normal" if category == "major_repair" else priorities[n]
            respond, resolve = DEFAULT_MINUTES[priority]
            if category in COMPLEX_CATEGORIES and priority == "normal":
                resolve = 15 * 24 * 60
            if late:
                status = OPEN_STATUSES[index // every % 4]
                # Late by an hour to a month: past respond-by when nobody answered yet, past
                # resolve-by once someone did.
                lateness = timedelta(minutes=rnd.randint(60, 30 * 24 * 60))
                created = reference - lateness - timedelta(minutes=resolve)
                figures.overdue += 1
            else:
                status = settled[n]
                if status in OPEN_STATUSES or status == "paused":
                    # Open and within its deadlines at the reference moment.
                    created = reference - timedelta(minutes=rnd.randint(1, respond - 1 or 1))
                else:
                    created = reference - year * rnd.random() ** 0.8 - timedelta(days=1)
            unit_id, building_id = rnd.choice(units[compound_id])
            low, high = persons[compound_id]
            requester = rnd.randint(low, high) if rnd.random() < 0.9 else None
            respond_by = created + timedelta(minutes=respond)
            resolve_by = created + timedelta(minutes=resolve)
            age = reference - created
            responded = resolved = closed = None
            if late:
                if status != "submitted":
                    responded = created + timedelta(minutes=rnd.randint(5, respond))
            elif status in OPEN_STATUSES or status == "paused":
                if status != "submitted":
                    responded = created + age / 2
            else:
                # Settled: everything happened between submission and the reference moment.
                took = min(timedelta(minutes=rnd.randint(5, respond)), age / 10)
                responded = created + took
                if status in ("resolved", "closed"):
                    resolved = responded + min(timedelta(minutes=rnd.randint(30, resolve)), age / 2)
                if status == "closed":
                    closed = resolved + (reference - resolved) * rnd.random() / 2
                elif status == "rejected":
                    closed = responded
            assignee = None
            if status in ("assigned", "in_progress", "paused", "resolved", "closed"):
                assignee = leaders.get(org_id)
            pk = _take(next_id, "ticket")
            tickets.append(
                {
                    "id": pk,
                    "created_at": created,
                    "updated_at": closed or resolved or responded or created,
                    "compound_id": compound_id,
                    "category_id": category_id,
                    "priority": priority,
                    "status": status,
                    "channel": channels[n],
                    "requester_id": requester,
                    "submitted_by_id": intake.pk,
                    "on_behalf_of_id": requester if channels[n] != "self_service" else None,
                    "location_kind": "unit",
                    "unit_id": unit_id,
                    "building_id": building_id,
                    "description": rnd.choice(DESCRIPTIONS[category]),
                    "organisation_id": org_id,
                    "assignee_id": assignee,
                    "respond_by": respond_by,
                    "resolve_by": resolve_by,
                    "responded_at": responded,
                    "resolved_at": resolved,
                    "closed_at": closed,
                    "paused_at": responded if status == "paused" else None,
                    "paused_until": (reference + timedelta(days=3)).date()
                    if status == "paused"
                    else None,
                    "public_hidden": rnd.random() < 0.03,
                }
            )
            steps = [("submission", "", "", "submitted", created)]
            if responded and status != "rejected":
                steps.append(("transition", "accepted", "submitted", "accepted", responded))
            if status in ("assigned", "in_progress", "paused", "resolved", "closed"):
                steps.append(("assignment", "claim", "accepted", "assigned", responded))
            if status in ("in_progress", "paused", "resolved", "closed"):
                steps.append(("transition", "in_progress", "assigned", "in_progress", responded))
            if status == "paused":
                steps.append(("transition", "paused", "in_progress", "paused", responded))
            if resolved:
                steps.append(("transition", "resolved", "in_progress", "resolved", resolved))
            if status == "closed":
                steps.append(("transition", "closed", "resolved", "closed", closed))
            if status == "rejected":
                steps.append(("transition", "rejected", "submitted", "rejected", closed))
            for kind, action, before, after, at in steps:
                events.append(_event(next_id, pk, kind, action, before, after, at, "{}"))
            if resolved and rnd.random() < 0.6:
                score = rnd.choices((5, 4, 3, 2, 1), weights=(60, 25, 8, 4, 3))[0]
                at = resolved + (reference - resolved) * rnd.random() / 3
                data = json.dumps({"overall": score, "speed": score, "attitude": score})
                events.append(_event(next_id, pk, "rating", "", "", "", at, data))
                ratings.append(
                    {
                        "id": _take(next_id, "rating"),
                        "ticket_id": pk,
                        "overall": score,
                        "speed": max(1, score - rnd.choice((0, 0, 1))),
                        "attitude": score,
                        "comment": "",
                        "rated_by_id": None,
                        "created_at": at,
                    }
                )
        figures.phases["generate"] = figures.phases.get("generate", 0) + (
            time.monotonic() - generated
        )
        written = time.monotonic()
        with transaction.atomic():
            _copy(Ticket, tickets, reference)
            _copy(TicketEvent, events, reference)
            _copy(Rating, ratings, reference)
        figures.phases["copy"] = figures.phases.get("copy", 0) + (time.monotonic() - written)
        done += size
        figures.tickets += len(tickets)
        figures.events += len(events)
        figures.ratings += len(ratings)
        if done % 100_000 == 0 or done == total:
            report(f"{done:,}/{total:,} requests, {time.monotonic() - started:.0f} s")
    analysed = time.monotonic()
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, TicketEvent, Rating]):
            cursor.execute(sql)
        for model in (Ticket, TicketEvent, Rating):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    figures.phases["analyze"] = time.monotonic() - analysed
    figures.seconds = time.monotonic() - started
    return figures


def _take(next_id: dict, model) -> int:
    pk = next_id[model]
    next_id[model] = pk + 1
    return pk


def _event(next_id, ticket_id, kind, action, before, after, at, data) -> dict:
    return {
        "id": _take(next_id, "event"),
        "ticket_id": ticket_id,
        "kind": kind,
        "action": action,
        "from_status": before,
        "to_status": after,
        "note": "",
        "cost_lines": "[]",
        "data": data,
        "created_at": at,
    }


# ---- escalation --------------------------------------------------------------------------


def _reset_escalations(intake) -> None:
    """Put the bench requests back to "never escalated", so every run measures the same work."""
    from django.db import connection, transaction

    from mulin.core.models import AuditEvent, Notification, NotificationKind
    from mulin.tickets.models import EventKind, Ticket, TicketEvent

    bench = Ticket.objects.filter(submitted_by=intake)
    with transaction.atomic():
        TicketEvent.objects.filter(
            kind=EventKind.ESCALATION, ticket_id__in=bench.values("pk")
        ).delete()
        AuditEvent.objects.filter(action="tickets.escalate").delete()
        Notification.objects.filter(kind=NotificationKind.OVERDUE).delete()
        bench.filter(escalation_level__gt=0).update(escalation_level=0, escalated_at=None)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketevent", "core_auditevent"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _queue_deliveries() -> None:
    """Deliveries go to the broker's queue for the workers, as in production, instead of running
    eagerly inside the job (the embedded default without a broker)."""
    from mulin.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"


def _database_cpu() -> float:
    """CPU seconds the database server process of this connection has used so far (a local
    PostgreSQL; 0 when its process cannot be read). Wall-clock time on a shared machine depends
    on what else runs; CPU time shows the job's own cost."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def escalation(reference: datetime, intake, overdue: int) -> list[Result]:
    from mulin.core.models import AuditEvent
    from mulin.tickets import jobs
    from mulin.tickets.models import EventKind, Ticket, TicketEvent

    _reset_escalations(intake)
    _queue_deliveries()
    jobs.dispatch.ticket_url(Ticket(pk=1))  # the URLconf is imported before the clock starts
    now = reference + timedelta(minutes=1)
    database = _database_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    done = jobs.escalate_overdue(now)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    database = _database_cpu() - database
    load = os.getloadavg()[0]
    bench = Ticket.objects.filter(submitted_by=intake)
    raised = bench.filter(escalation_level=1).count()
    events = TicketEvent.objects.filter(
        kind=EventKind.ESCALATION, ticket_id__in=bench.values("pk")
    ).count()
    audits = AuditEvent.objects.filter(action="tickets.escalate").count()
    again_started = time.perf_counter()
    again = jobs.escalate_overdue(now)
    again_seconds = time.perf_counter() - again_started
    exact = done[1] == raised == events == audits == overdue and again == {1: 0, 2: 0}
    results = [
        Result(
            f"escalation job ({overdue:,} overdue)",
            f"{seconds:.1f} s (CPU {cpu:.1f} s here + {database:.1f} s in the database, load "
            f"{load:.1f}): {done[1]:,} raised, {events:,} events, {audits:,} audit rows; "
            f"run again: {sum(again.values())} raised in {again_seconds:.1f} s",
            f"≤ {ESCALATION_SECONDS:g} s, each once",
            seconds <= ESCALATION_SECONDS and exact,
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "database_cpu_seconds": round(database, 2),
                "load_average": round(load, 1),
                "raised": done[1],
                "level_1": raised,
                "events": events,
                "audits": audits,
                "second_run": again,
                "second_run_seconds": round(again_seconds, 2),
            },
        )
    ]
    later = now + jobs.SECOND_LEVEL_AFTER + timedelta(minutes=1)
    started = time.perf_counter()
    second = jobs.escalate_overdue(later)
    seconds = time.perf_counter() - started
    results.append(
        Result(
            "escalation to community staff",
            f"{seconds:.1f} s: {second[2]:,} raised to level 2",
            "for information",
            None,
            {"seconds": round(seconds, 2), "raised": second[2]},
        )
    )
    return results


# ---- pages -------------------------------------------------------------------------------


def _path_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def _url(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def pages(repeat: int) -> list[Result]:
    from django.test import Client

    from mulin.core.models import Role
    from mulin.places.models import Compound

    from .pages import _client, _measure

    small = Compound.objects.get(code=SMALL)
    large = Compound.objects.get(code=LARGE)
    staff = bench_user("bench-tickets-staff")
    grant_once(staff, Role.COMMUNITY_STAFF, small)
    large_staff = bench_user("bench-tickets-staff-large")
    grant_once(large_staff, Role.COMMUNITY_STAFF, large)
    client, large_client = _client(staff), _client(large_staff)
    anonymous = Client()
    open311 = "/open311/v2/requests.json?jurisdiction_id={}"
    api = "/api/v1/requests?compound={}"
    # (name, client, url on the small compound, client and url on the large one)
    wanted = []
    if _url("tickets:workbench", code=small.code):
        wanted.append(
            (
                "workbench list",
                client,
                _url("tickets:workbench", code=small.code),
                (large_client, _url("tickets:workbench", code=large.code)),
            )
        )
    if _url("tickets:progress", code=small.code):
        wanted.append(
            (
                "public progress board",
                anonymous,
                _url("tickets:progress", code=small.code),
                (anonymous, _url("tickets:progress", code=large.code)),
            )
        )
    if _path_exists("/open311/v2/requests.json"):
        wanted.append(
            (
                "Open311 requests.json",
                anonymous,
                open311.format(small.code),
                (anonymous, open311.format(large.code)),
            )
        )
    if not wanted and _path_exists("/api/v1/requests"):
        wanted.append(
            (
                "API requests list",
                client,
                api.format(small.code),
                (large_client, api.format(large.code)),
            )
        )
    results = []
    for name, who, url, larger in wanted:
        try:
            results.append(_measure(name, who, url, repeat, larger))
        except Exception as exc:  # a page still being written must not stop the other figures
            results.append(
                Result(name, f"error: {type(exc).__name__}: {exc}"[:200], "", False, {"url": url})
            )
    if not results:
        results.append(
            Result(
                "request pages",
                "workbench, progress board and Open311 not available yet",
                "",
                None,
            )
        )
    results += selectors(small, large, staff, large_staff, repeat)
    return results


def selectors(small, large, staff, large_staff, repeat: int) -> list[Result]:
    """The reads behind the pages, timed on their own (for information): the public board's
    newest 20, a team's open queue, a handler's overdue list."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from mulin.tickets import selectors as s
    from mulin.tickets.states import OPEN

    def board(compound):
        return lambda: list(s.public_tickets(compound)[:20])

    def queue(user):
        return lambda: list(
            s.tickets_for(user).filter(status__in=OPEN).order_by("-created_at")[:50]
        )

    def overdue(user):
        now = timezone.now()
        return lambda: list(
            s.tickets_for(user)
            .filter(status__in=OPEN, resolve_by__lt=now)
            .order_by("resolve_by")[:50]
        )

    results = []
    for name, make in (("board", board), ("open queue", queue), ("overdue list", overdue)):
        arg_small, arg_large = (small, large) if make is board else (staff, large_staff)
        wall, _cpu = timed(make(arg_small), repeat)
        wall_large, _cpu = timed(make(arg_large), repeat)
        with CaptureQueriesContext(connection) as ctx:
            make(arg_small)()
        with CaptureQueriesContext(connection) as ctx_large:
            make(arg_large)()
        results.append(
            Result(
                f"selector: {name}",
                f"p95 {percentile(wall, 95):.1f} ms ({percentile(wall_large, 95):.1f} ms with "
                f"10× the requests), {len(ctx.captured_queries)} / "
                f"{len(ctx_large.captured_queries)} queries",
                "for information",
                None,
                {
                    "p50_ms": round(percentile(wall, 50), 2),
                    "p95_ms": round(percentile(wall, 95), 2),
                    "large_p95_ms": round(percentile(wall_large, 95), 2),
                    "queries": len(ctx.captured_queries),
                    "large_queries": len(ctx_large.captured_queries),
                },
            )
        )
    return results


# ---- entry point -------------------------------------------------------------------------


def run(*, repeat: int = 50, total: int = TOTAL, overdue: int = OVERDUE, again: bool = False):
    """Seed the bench requests when they are missing (or with `again`), then measure."""
    from django.db import connection
    from django.utils.dateparse import parse_datetime

    from mulin.tickets.models import Ticket

    if connection.vendor != "postgresql":
        return [Result("requests at district scale", "needs PostgreSQL (DATABASE_URL)", "", None)]
    results: list[Result] = []
    intake = bench_user(INTAKE)
    have = Ticket.objects.filter(submitted_by=intake).count()
    if have < total or again or not SEED_FILE.exists():
        if have:
            print(f"{have:,} bench requests exist; adding {total:,} more …", flush=True)
        print(f"Seeding {total:,} requests ({overdue:,} overdue) …", flush=True)
        figures = seed_requests(
            total=total, overdue=overdue, report=lambda line: print("  " + line, flush=True)
        )
        recorded = Result(
            f"seed requests ({figures.tickets:,})",
            f"{figures.seconds:.0f} s: {figures.tickets:,} requests, {figures.events:,} events, "
            f"{figures.ratings:,} ratings",
            "",
            None,
            {
                "seconds": round(figures.seconds, 1),
                "tickets": figures.tickets,
                "overdue": figures.overdue,
                "events": figures.events,
                "ratings": figures.ratings,
                "reference": figures.reference,
                "phases": {k: round(v, 1) for k, v in figures.phases.items()},
            },
        )
        SEED_FILE.write_text(json.dumps(recorded.as_dict(), ensure_ascii=False, indent=2))
    else:
        recorded = Result(**json.loads(SEED_FILE.read_text()))
        recorded.name += " (earlier run)"
    results.append(recorded)
    reference = parse_datetime(recorded.details["reference"])
    results += escalation(reference, intake, recorded.details["overdue"])
    results += pages(repeat)
    return results
