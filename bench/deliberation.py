"""Benchmarks of issue 5 (deliberation and public projects) at district scale.

Every compound of the seed district (`mulin seed`, 500 compounds; seeded here with small
compounds when absent) gets 12 public projects with 5 milestones, 3 funding lines, 8 spending
lines and 6 progress updates each — 6,000 projects and about 130,000 lines — written with
bulk_create, once, and kept (a later run reuses them). seed-0002 gets three times as many: its
pages must make the same number of queries as seed-0001's.

Every compound also gets 60 topics (议题: statuses from open to declined with reasons, some
marked hard and urgent, some hidden, buildings, the supports of 2–40 households each, 7 on
average, and 0–6 comments, the counters kept as the services keep them) and 40 announcements
(公告: 26 to the compound, 10 to one of its buildings, 4 to the whole community; some pinned,
some expired, some drafts) — 30,000 topics, 210,000 supports, 90,000 comments and 20,000
announcements over the district; seed-0002 again three times as many. A resident of each of
the two compounds (a bench user linked to a registered resident) has read half of the notices
that reach their home.

Measured (p95 ≤ 100 ms, query count on seed-0001 equal to seed-0002's):
- the public project list /c/<code>/projects/ (no login), a public project's page, the staff
  list and the API list `/api/v1/compounds/<code>/projects`;
- the public topic board /c/<code>/topics/ (default sort: most supported; and "hardest first"),
  the same board for a resident (their household's supports marked);
- the public announcement list /c/<code>/announcements/ and a resident's /me/announcements/
  (neither is paged: seed-0002's list is timed too, for information).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

from .common import Result, bench_user, grant_once

SMALL, LARGE = "seed-0001", "seed-0002"
PER_COMPOUND = 12
LARGE_FACTOR = 3
BENCH_USER = "bench-deliberation"
SEED_COMPOUNDS, SEED_UNITS = 500, 40  # only when the district was never seeded

TOPICS_PER_COMPOUND = 60
ANNOUNCEMENTS_PER_COMPOUND = 40  # 26 to the compound, 10 to a building, 4 to the community
BENCH_RESIDENT = "bench-deliberation-resident-{}"

MILESTONES = ["方案公示", "施工进场", "主体完工", "配套设施", "联合验收"]
TITLES = [
    "安装监控探头",
    "重修儿童游乐设施",
    "改建生态停车位",
    "架空层改造",
    "楼道照明改造",
    "加装电动车充电桩",
    "雨污分流改造",
    "外墙修缮",
    "新建文化墙",
    "绿化提升",
    "消防通道整治",
    "增设休息座椅",
]


TOPIC_TITLES = [
    ("快递柜占用消防通道", "safety"),
    ("电动车楼道充电有隐患", "safety"),
    ("夜间路灯太暗", "safety"),
    ("停车位不够，车辆乱停", "parking"),
    ("外来车辆随意进出", "parking"),
    ("垃圾分类点异味大", "environment"),
    ("绿化带被占用种菜", "environment"),
    ("楼顶漏水多年未修", "facilities"),
    ("电梯经常停运", "facilities"),
    ("老旧小区加装电梯", "renovation"),
    ("架空层改造成活动室", "renovation"),
    ("物业费公示不清楚", "property"),
    ("物业保安夜间不在岗", "property"),
    ("广场舞噪音扰民", "neighbours"),
    ("宠物粪便无人清理", "neighbours"),
    ("缺少老年助餐点", "services"),
    ("儿童放学后无人看护", "services"),
    ("高空抛物", "other"),
]
TOPIC_MIX = (
    ["open"] * 10 + ["selected"] * 2 + ["discussion"] * 2 + ["resolved"] * 2 + ["done"] * 2
) + ["declined"] * 2
NOTICES = [
    "停水通知",
    "电梯年检通知",
    "消防安全检查",
    "垃圾分类宣传周",
    "业主大会筹备公告",
    "睦邻圆桌会召开通知",
    "二次供水水箱清洗",
    "楼道杂物清理",
    "防汛防台提示",
    "疫苗接种服务",
]


def _compounds():
    from mulin.demo.seed import DISTRICT_CODE, seed_district
    from mulin.places.models import Compound

    seeded = Compound.objects.filter(community__subdistrict__district__code=DISTRICT_CODE)
    if not seeded.filter(code__in=[SMALL, LARGE]).exists():
        print(f"Seeding {SEED_COMPOUNDS} compounds of {SEED_UNITS} homes …", flush=True)
        seed_district(
            compounds=SEED_COMPOUNDS,
            units_per_compound=SEED_UNITS,
            report=lambda line: print("  " + line, flush=True),
        )
    return list(seeded.order_by("code"))


def _seed_projects(compounds, actor) -> dict:
    """Projects and their lines for every compound that has none of the bench's yet."""
    from django.utils import timezone

    from mulin.deliberation.models import (
        Funding,
        Milestone,
        Project,
        ProjectStatus,
        ProjectUpdate,
        Spending,
    )

    done = set(
        Project.objects.filter(created_by=actor).values_list("compound_id", flat=True).distinct()
    )
    todo = [c for c in compounds if c.pk not in done]
    started = time.monotonic()
    rnd = random.Random(5)
    today = timezone.localdate()
    statuses = [ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS, ProjectStatus.DONE]
    made = 0
    for start in range(0, len(todo), 50):
        batch = todo[start : start + 50]
        projects = []
        for compound in batch:
            count = PER_COMPOUND * (LARGE_FACTOR if compound.code == LARGE else 1)
            for i in range(count):
                projects.append(
                    Project(
                        compound=compound,
                        title=f"{TITLES[i % len(TITLES)]}（{i // len(TITLES) + 1}期）",
                        summary="小区实事项目，按议事协商决议实施。",
                        kind="facilities",
                        status=rnd.choice(statuses),
                        progress=rnd.randint(0, 100),
                        public=True,
                        planned_start=today - timedelta(days=rnd.randint(10, 300)),
                        planned_end=today + timedelta(days=rnd.randint(-30, 200)),
                        created_by=actor,
                    )
                )
        Project.objects.bulk_create(projects, batch_size=2000)
        projects = list(Project.objects.filter(compound__in=batch, created_by=actor).only("pk"))
        milestones, funding, spending, updates = [], [], [], []
        for p in projects:
            for n, title in enumerate(MILESTONES):
                planned = today + timedelta(days=rnd.randint(-120, 120))
                done_on = planned if planned < today and rnd.random() < 0.7 else None
                milestones.append(
                    Milestone(
                        project=p, position=n, title=title, planned_on=planned, done_on=done_on
                    )
                )
            for source in ("government", "maintenance_fund", "partner"):
                funding.append(
                    Funding(project=p, source=source, amount=Decimal(rnd.randint(1000, 90000)))
                )
            for _ in range(8):
                spending.append(
                    Spending(
                        project=p,
                        spent_on=today - timedelta(days=rnd.randint(1, 300)),
                        amount=Decimal(rnd.randint(100, 900000)) / 100,
                        payee="施工单位",
                        description="工程款",
                        recorded_by=actor,
                    )
                )
            for k in range(6):
                updates.append(
                    ProjectUpdate(
                        project=p, body=f"第 {k + 1} 次进度更新", progress=k * 15, author=actor
                    )
                )
        Milestone.objects.bulk_create(milestones, batch_size=5000)
        Funding.objects.bulk_create(funding, batch_size=5000)
        Spending.objects.bulk_create(spending, batch_size=5000)
        ProjectUpdate.objects.bulk_create(updates, batch_size=5000)
        made += len(projects)
    return {"projects": made, "seconds": round(time.monotonic() - started, 1)}


def _homes(compounds) -> dict[int, list[tuple[int, int]]]:
    """(unit id, building id) of every home of `compounds`, by compound."""
    from mulin.places.models import Unit

    homes: dict[int, list[tuple[int, int]]] = {c.pk: [] for c in compounds}
    rows = Unit.objects.filter(compound__in=compounds).order_by("id")
    for compound_id, unit_id, building_id in rows.values_list("compound_id", "id", "building_id"):
        homes[compound_id].append((unit_id, building_id))
    return homes


def _created(model, objs, **mine):
    """`objs` with their primary keys, whether or not the database returned them."""
    if not objs or objs[0].pk is not None:
        return objs
    return list(model.objects.filter(**mine).order_by("id"))[-len(objs) :]


def _seed_topics(compounds, actor) -> dict:
    """60 topics with supports and comments for every compound (180 for seed-0002) that has none
    of the bench's yet, in one transaction per 50 compounds."""
    from django.db import transaction
    from django.utils import timezone

    from mulin.deliberation.models import (
        Level,
        Topic,
        TopicChange,
        TopicComment,
        TopicSource,
        TopicSupport,
    )

    done = set(
        Topic.objects.filter(submitted_by=actor).values_list("compound_id", flat=True).distinct()
    )
    todo = [c for c in compounds if c.pk not in done]
    started = time.monotonic()
    rnd = random.Random(55)
    now = timezone.now()
    made = supports_made = comments_made = 0
    through = Topic.buildings.through
    for start in range(0, len(todo), 50):
        batch = todo[start : start + 50]
        homes = _homes(batch)
        with transaction.atomic():
            specs, topics = [], []
            for compound in batch:
                units = homes[compound.pk]
                buildings = sorted({b for _u, b in units})
                count = TOPICS_PER_COMPOUND * (LARGE_FACTOR if compound.code == LARGE else 1)
                for i in range(count):
                    title, category = TOPIC_TITLES[i % len(TOPIC_TITLES)]
                    status = rnd.choice(TOPIC_MIX)
                    # Most topics have a few households behind them, some have many.
                    wanted = min(len(units), int(rnd.paretovariate(1.3) * 3) - 1)
                    backers = rnd.sample(units, max(wanted, 0))
                    comments = rnd.randint(0, 6)
                    marked = status != "open" or rnd.random() < 0.3
                    specs.append((backers, comments, status, buildings, rnd.random() < 0.5))
                    topics.append(
                        Topic(
                            compound=compound,
                            title=f"{title}（{i // len(TOPIC_TITLES) + 1}）",
                            description="居民反映的问题，希望邻里一起商量解决办法。" * 3,
                            category=category,
                            source=rnd.choice([TopicSource.ONLINE] * 4 + [TopicSource.MEETING]),
                            submitted_by=actor,
                            status=status,
                            status_reason="不属于小区议事范围，已转交街道办理。"
                            if status == "declined"
                            else "",
                            status_changed_at=None if status == "open" else now,
                            difficulty=rnd.choice(Level.values) if marked else None,
                            urgency=rnd.choice(Level.values) if marked else None,
                            support_count=len(backers),
                            comment_count=comments,
                            hidden=rnd.random() < 0.03,
                        )
                    )
            topics = _created(
                Topic, Topic.objects.bulk_create(topics, batch_size=2000), submitted_by=actor
            )
            supports, comments, changes, places = [], [], [], []
            for topic, (backers, n_comments, status, buildings, local) in zip(
                topics, specs, strict=True
            ):
                supports += [TopicSupport(topic=topic, unit_id=u) for u, _b in backers]
                comments += [
                    TopicComment(topic=topic, author=actor, body=f"同意，第 {k + 1} 条意见。")
                    for k in range(n_comments)
                ]
                if status != "open":
                    changes.append(
                        TopicChange(topic=topic, from_status="open", to_status=status, actor=actor)
                    )
                if local and buildings:
                    places.append(through(topic_id=topic.pk, building_id=rnd.choice(buildings)))
            TopicSupport.objects.bulk_create(supports, batch_size=5000)
            TopicComment.objects.bulk_create(comments, batch_size=5000)
            TopicChange.objects.bulk_create(changes, batch_size=5000)
            through.objects.bulk_create(places, batch_size=5000)
        made += len(topics)
        supports_made += len(supports)
        comments_made += len(comments)
    return {
        "topics": made,
        "supports": supports_made,
        "comments": comments_made,
        "seconds": round(time.monotonic() - started, 1),
    }


def _seed_announcements(compounds, actor) -> dict:
    """40 announcements for every compound (120 for seed-0002) that has none of the bench's
    yet: to the compound, to one of its buildings, to the whole community."""
    from django.db import transaction
    from django.utils import timezone

    from mulin.deliberation.models import Announcement

    done = set(
        Announcement.objects.filter(author=actor, compound__isnull=False)
        .values_list("compound_id", flat=True)
        .distinct()
    )
    todo = [c for c in compounds if c.pk not in done]
    started = time.monotonic()
    rnd = random.Random(50)
    now = timezone.now()
    today = timezone.localdate()
    made = 0
    for start in range(0, len(todo), 50):
        batch = todo[start : start + 50]
        homes = _homes(batch)
        rows = []
        for compound in batch:
            buildings = sorted({b for _u, b in homes[compound.pk]})
            count = ANNOUNCEMENTS_PER_COMPOUND * (LARGE_FACTOR if compound.code == LARGE else 1)
            for i in range(count):
                if i % 10 == 9:
                    scope = "community"  # 4 in 40
                elif i % 4 == 2 and buildings:
                    scope = "building"  # 10 in 40
                else:
                    scope = "compound"  # 26 in 40
                published = now - timedelta(days=rnd.randint(0, 120), minutes=i)
                expired = rnd.random() < 0.2
                rows.append(
                    Announcement(
                        community_id=compound.community_id,
                        compound=None if scope == "community" else compound,
                        building_id=rnd.choice(buildings) if scope == "building" else None,
                        title=f"{NOTICES[i % len(NOTICES)]}（{i + 1}）",
                        body="各位居民：\n\n" + "请相互转告，谢谢配合。" * 8,
                        published_at=None if rnd.random() < 0.05 else published,
                        expires_on=today - timedelta(days=rnd.randint(1, 30))
                        if expired
                        else (today + timedelta(days=rnd.randint(1, 60)) if i % 3 else None),
                        pinned=i < 2,
                        author=actor,
                    )
                )
        with transaction.atomic():
            Announcement.objects.bulk_create(rows, batch_size=5000)
        made += len(rows)
    return {"announcements": made, "seconds": round(time.monotonic() - started, 1)}


def _bench_resident(compound, index: int):
    """A bench user linked to a resident registered in `compound` (their own account), who
    has read every other notice that reaches their home."""
    from mulin.core.models import Role
    from mulin.deliberation import selectors_civic
    from mulin.deliberation.models import AnnouncementRead
    from mulin.people.models import Residency

    user = bench_user(BENCH_RESIDENT.format(index))
    if user.person_id is None or user.person.compound_id != compound.pk:
        taken = type(user).objects.filter(person__isnull=False).values("person_id")
        residency = (
            Residency.objects.current()
            .filter(unit__compound=compound)
            .exclude(person_id__in=taken)
            .order_by("unit_id", "id")
            .first()
        )
        user.person = residency.person
        user.save(update_fields=["person"])
    grant_once(user, Role.RESIDENT, compound)
    if not AnnouncementRead.objects.filter(user=user).exists():
        from mulin.places.models import Unit

        units = list(
            Unit.objects.filter(residencies__person=user.person).select_related("compound")
        )
        reached = selectors_civic.announcements_for_homes(units).order_by("id")
        AnnouncementRead.objects.bulk_create(
            [AnnouncementRead(announcement=a, user=user) for a in list(reached)[::2]]
        )
    return user


def _path_ok(client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except Exception:  # a page still being written must not stop the other figures
        return False


def run(*, repeat: int = 50) -> list[Result]:
    try:
        from mulin.deliberation import selectors_projects  # noqa: F401
    except ImportError:
        return [Result("public projects", "projects not available yet", "", None)]
    from django.test import Client

    from mulin.core.models import Role
    from mulin.deliberation.models import Announcement, Project, Topic, TopicSupport
    from mulin.places.models import Compound

    from .pages import _client, _measure

    compounds = _compounds()
    actor = bench_user(BENCH_USER, superuser=True)
    seeded = _seed_projects(compounds, actor)
    topics_seeded = _seed_topics(compounds, actor)
    notices_seeded = _seed_announcements(compounds, actor)
    small = Compound.objects.get(code=SMALL)
    large = Compound.objects.get(code=LARGE)
    staff = bench_user("bench-deliberation-staff")
    grant_once(staff, Role.COMMUNITY_STAFF, small)
    large_staff = bench_user("bench-deliberation-staff-large")
    grant_once(large_staff, Role.COMMUNITY_STAFF, large)
    client, large_client = _client(staff), _client(large_staff)
    anonymous = Client()
    resident = _client(_bench_resident(small, 1))
    large_resident = _client(_bench_resident(large, 2))
    total = Project.objects.count()
    results = [
        Result(
            f"deliberation seed ({total:,} projects)",
            f"{seeded['projects']:,} projects added in {seeded['seconds']} s",
            "",
            None,
            seeded,
        ),
        Result(
            f"deliberation seed ({Topic.objects.count():,} topics, "
            f"{TopicSupport.objects.count():,} supports, "
            f"{Announcement.objects.count():,} announcements)",
            f"{topics_seeded['topics']:,} topics, {topics_seeded['supports']:,} supports, "
            f"{topics_seeded['comments']:,} comments in {topics_seeded['seconds']} s; "
            f"{notices_seeded['announcements']:,} announcements in {notices_seeded['seconds']} s",
            "",
            None,
            {"topics": topics_seeded, "announcements": notices_seeded},
        ),
    ]
    one_small = Project.objects.filter(compound=small, public=True).order_by("id").first()
    one_large = Project.objects.filter(compound=large, public=True).order_by("id").first()
    wanted = [
        (
            "public project list",
            anonymous,
            f"/c/{small.code}/projects/",
            (anonymous, f"/c/{large.code}/projects/"),
        ),
        (
            "public project page",
            anonymous,
            f"/c/{small.code}/projects/{one_small.pk}/",
            (anonymous, f"/c/{large.code}/projects/{one_large.pk}/"),
        ),
        (
            "staff project list",
            client,
            f"/compounds/{small.code}/projects/",
            (large_client, f"/compounds/{large.code}/projects/"),
        ),
        (
            "API project list",
            client,
            f"/api/v1/compounds/{small.code}/projects",
            (large_client, f"/api/v1/compounds/{large.code}/projects"),
        ),
    ]
    # The other parts' pages: topics and announcements.
    for name, who, path, large_who in (
        ("public topic board", anonymous, "/c/{}/topics/", anonymous),
        ("public topic board, hardest first", anonymous, "/c/{}/topics/?sort=hardest", anonymous),
        ("topic board, a resident", resident, "/c/{}/topics/", large_resident),
        ("public announcement list", anonymous, "/c/{}/announcements/", anonymous),
    ):
        if _path_ok(who, path.format(small.code)):
            wanted.append(
                (name, who, path.format(small.code), (large_who, path.format(large.code)))
            )
        else:
            results.append(Result(name, "page not available yet", "", None))
    if _path_ok(resident, "/me/announcements/"):
        wanted.append(("my announcements", resident, "/me/announcements/", (large_resident, None)))
    else:
        results.append(Result("my announcements", "page not available yet", "", None))
    for name, who, url, larger in wanted:
        if larger[1] is None:  # the same address for another user
            larger = (larger[0], url)
        try:
            results.append(_measure(name, who, url, repeat, larger))
        except Exception as exc:
            results.append(
                Result(name, f"error: {type(exc).__name__}: {exc}"[:200], "", False, {"url": url})
            )
    # Neither announcement list is paged: how long seed-0002's three times as many take.
    for name, who, url in (
        ("public announcement list (seed-0002)", anonymous, f"/c/{large.code}/announcements/"),
        ("my announcements (seed-0002)", large_resident, "/me/announcements/"),
    ):
        if _path_ok(who, url):
            results.append(_measure(name, who, url, repeat, informational=True))
    return results


if __name__ == "__main__":
    from .common import ensure_database, setup_django
    from .run import print_table

    ensure_database()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    print_table(run())
