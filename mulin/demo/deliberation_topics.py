"""The demo's deliberation: topics (议题清单).

锦绣金山's seven pain points (`JINXIU_TOPICS`) and 仓基新村's five (`CANGJI_TOPICS`), raised over
the past year — online by residents, typed in by staff from door-to-door visits, meetings and the
suggestion box — supported by real households of the compound, commented on, marked for
difficulty and urgency, and moved along: the ones that became projects resolved, the others
selected or in discussion, one declined with its reason, and a couple still open.

Built through `services_topics`; supports beyond the few made online by residents with accounts
are the ones staff recorded at roundtables and on visits (`recorded_by`), inserted in one go so
the demo stays fast. Timestamps are then moved into the past.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from mulin.core import audit
from mulin.core.models import User
from mulin.deliberation import services_topics as services
from mulin.deliberation.models import (
    Level,
    Topic,
    TopicChange,
    TopicComment,
    TopicSource,
    TopicStatus,
    TopicSupport,
)
from mulin.people.models import Ownership, Residency
from mulin.places.models import Building, Compound

from .deliberation_plan import (
    CANGJI,
    CANGJI_TOPICS,
    JINXIU,
    JINXIU_PROJECTS,
    JINXIU_RESOLUTIONS,
    JINXIU_TOPICS,
)

S, OPEN = TopicStatus, TopicStatus.OPEN
PATHS = {
    S.SELECTED: [S.SELECTED],
    S.DISCUSSION: [S.SELECTED, S.DISCUSSION],
    S.RESOLVED: [S.SELECTED, S.DISCUSSION, S.RESOLVED],
    S.DECLINED: [S.DECLINED],
    OPEN: [],
}


@dataclass
class Plan:
    key: str
    title: str
    description: str
    category: str
    source: str
    days_ago: int  # when it was raised
    status: str
    supports: int
    buildings: list[str] = field(default_factory=list)
    difficulty: int | None = None
    urgency: int | None = None
    reason: str = ""
    comments: list[str] = field(default_factory=list)


def _jinxiu() -> list[Plan]:
    t = JINXIU_TOPICS
    # The pain points with a roundtable resolution (all the projects among them) are resolved.
    status = {k: S.RESOLVED for k in t if k in JINXIU_PROJECTS or k in JINXIU_RESOLUTIONS}
    return [
        Plan(
            "lockers",
            t["lockers"],
            "快递柜摆在大门口，取件的人和进出车辆挤在一起，早晚高峰老人和孩子只能从车缝里穿过去。",
            "safety",
            TopicSource.VISIT,
            350,
            status["lockers"],
            96,
            [],
            Level.MEDIUM,
            Level.HIGH,
            comments=["每天接孩子都提心吊胆，支持移进来。", "移到大门内侧要留出人行的位置。"],
        ),
        Plan(
            "path",
            t["path"],
            "小区只有一条车行道，没有人行道，下雨天行人和电动车抢道。建议打通绿化带开辟人行通道。",
            "renovation",
            TopicSource.MEETING,
            330,
            S.DISCUSSION,
            71,
            ["1", "2", "3"],
            Level.HIGH,
            Level.MEDIUM,
            comments=["绿化带改通道要先征求一楼住户意见。"],
        ),
        Plan(
            "parking",
            t["parking"],
            "晚上车辆乱停，消防通道经常被堵死，消防车进不来。",
            "parking",
            TopicSource.SUGGESTION_BOX,
            320,
            S.SELECTED,
            88,
            [],
            Level.HIGH,
            Level.HIGH,
            comments=["消防通道必须划线，违停要有人管。", "车位本来就不够，能不能错时停车？"],
        ),
        Plan(
            "cameras",
            t["cameras"],
            "去年以来电动车被偷了好几辆，楼道口和停车区域都没有监控，出了事查不到。",
            "safety",
            TopicSource.ONLINE,
            345,
            status["cameras"],
            131,
            [],
            Level.MEDIUM,
            Level.HIGH,
            comments=["我家电动车上个月刚被偷。", "监控要覆盖车棚。"],
        ),
        Plan(
            "playground",
            t["playground"],
            "儿童游乐设施锈蚀破损，滑梯边角锋利，地面是水泥，孩子摔了很危险。",
            "facilities",
            TopicSource.ONLINE,
            300,
            status["playground"],
            64,
            ["4"],
            Level.LOW,
            Level.MEDIUM,
            comments=["铺上安全地垫就好多了。"],
        ),
        Plan(
            "plots",
            t["plots"],
            "部分绿化带被个别住户种成了菜地，施肥有异味，还占了公共空间。",
            "environment",
            TopicSource.VISIT,
            280,
            status["plots"],
            58,
            ["5", "6"],
            Level.HIGH,
            Level.LOW,
            comments=["种菜的邻居也要做做工作，别伤了和气。"],
        ),
        Plan(
            "stilts",
            t["stilts"],
            "各栋架空层堆满旧家具和杂物，有消防隐患，也浪费了空间。",
            "safety",
            TopicSource.MEETING,
            260,
            status["stilts"],
            77,
            ["1", "2", "3", "4", "5", "6", "7"],
            Level.MEDIUM,
            Level.MEDIUM,
            comments=["清出来可以给老人下棋喝茶。"],
        ),
        Plan(
            "dance",
            "晚上广场舞音响太吵",
            "晚上八点后广场舞音响声音很大，影响老人和学生休息，希望约定时间和音量。",
            "neighbours",
            TopicSource.SUGGESTION_BOX,
            25,
            OPEN,
            9,
            ["7"],
        ),
        Plan(
            "bins",
            "垃圾投放点异味大",
            "7 号楼旁的垃圾投放点夏天异味很重，清运不及时，希望增加清运次数或挪个位置。",
            "environment",
            TopicSource.ONLINE,
            12,
            OPEN,
            14,
            ["7"],
            comments=["夏天确实很臭。"],
        ),
    ]


def _cangji() -> list[Plan]:
    t = CANGJI_TOPICS
    return [
        Plan(
            "trellis",
            t["trellis"],
            "小区中间的葡萄架木头烂了，顶棚漏雨，老人想坐下聊天都没地方。",
            "renovation",
            TopicSource.VISIT,
            340,
            S.RESOLVED,
            112,
            [],
            Level.MEDIUM,
            Level.MEDIUM,
            comments=["改成长廊，下雨也能坐。", "希望保留葡萄藤。"],
        ),
        Plan(
            "wall",
            t["wall"],
            "小区里好人好事很多，却没有一个地方能展示出来，邻里之间也不太认识。",
            "neighbours",
            TopicSource.MEETING,
            310,
            S.RESOLVED,
            69,
            [],
            Level.LOW,
            Level.LOW,
            comments=["可以把老照片放上去。"],
        ),
        Plan(
            "convention",
            t["convention"],
            "现在的小区公约有好几页，老人看不过来，也记不住，能不能编成顺口的几句话？",
            "neighbours",
            TopicSource.MEETING,
            290,
            S.RESOLVED,
            83,
            [],
            Level.LOW,
            Level.MEDIUM,
            comments=["编成三字经，孩子也能背。"],
        ),
        Plan(
            "blackboard",
            t["blackboard"],
            "第七支部门口的小黑板掉漆开裂，通知贴上去就被风吹走。",
            "facilities",
            TopicSource.SUGGESTION_BOX,
            200,
            S.DISCUSSION,
            37,
            [],
            Level.LOW,
            Level.LOW,
        ),
        Plan(
            "lighting",
            t["lighting"],
            "几栋老楼的楼道灯和长廊灯坏了不少，晚上老人上下楼看不清台阶。",
            "safety",
            TopicSource.ONLINE,
            150,
            S.SELECTED,
            54,
            [],
            Level.MEDIUM,
            Level.HIGH,
            comments=["我们单元的灯坏了两个月了。"],
        ),
        Plan(
            "paid_parking",
            "在小区空地建收费停车场",
            "小区停车难，建议把中间空地改成收费停车场，收益归全体业主。",
            "parking",
            TopicSource.ONLINE,
            120,
            S.DECLINED,
            21,
            [],
            Level.HIGH,
            Level.LOW,
            reason="经睦邻圆桌会讨论：空地是消防登高场地，不能改建停车场；改由社区协调周边单位夜间错时停车。",
            comments=["消防场地不能占，理解。"],
        ),
        Plan(
            "meals",
            "希望增设老年助餐点",
            "小区独居老人多，做饭不方便，希望在社区用房里开个助餐点。",
            "services",
            TopicSource.ONLINE,
            18,
            OPEN,
            11,
            [],
        ),
    ]


PLANS = {JINXIU: _jinxiu, CANGJI: _cangji}
# Who types topics in and runs them: (staff with deliberation.manage, staff who record).
STAFF = {
    JINXIU: ("jinxiu-owners", "jinshan-community"),
    CANGJI: ("cangji-household", "cangji-community"),
}

RESIDENT = {JINXIU: "jinxiu-resident", CANGJI: "cangji-resident"}
RAISED_BY_LOGIN = {"bins", "meals"}


def _households(compound) -> list[tuple[int, int]]:
    """(unit, person) for each home of the compound with someone living in or owning it."""
    seen: dict[int, int] = {}
    for unit_id, person_id in (
        Residency.objects.current()
        .filter(unit__compound=compound)
        .order_by("-is_head", "unit_id", "id")
        .values_list("unit_id", "person_id")
    ):
        seen.setdefault(unit_id, person_id)
    for unit_id, person_id in (
        Ownership.objects.current()
        .filter(unit__compound=compound)
        .order_by("unit_id", "id")
        .values_list("unit_id", "person_id")
    ):
        seen.setdefault(unit_id, person_id)
    return sorted(seen.items())


def ensure(code: str) -> None:
    """Build this part for the demo compound `code` unless it is there already."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None or code not in PLANS or Topic.objects.filter(compound=compound).exists():
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=[*STAFF[code], RESIDENT[code]])
    }
    resident_login = users.get(RESIDENT[code])
    manager, recorder = (users.get(name) for name in STAFF[code])
    if manager is None or recorder is None:
        return
    rnd = random.Random(f"{code}-topics")
    households = _households(compound)
    if not households:
        return
    person_homes = {person: unit for unit, person in households}
    residents = list(
        User.objects.filter(person_id__in=person_homes, is_active=True).order_by("pk")[:40]
    )
    buildings = {b.number: b for b in Building.objects.filter(compound=compound)}
    now = timezone.now()
    backdate: list[tuple[Topic, Plan]] = []
    for number, plan in enumerate(PLANS[code]()):
        raiser = residents[number % len(residents)] if residents else None
        if plan.key in RAISED_BY_LOGIN and resident_login is not None:
            raiser = resident_login  # the demo's resident login has a topic of their own
        if plan.source == TopicSource.ONLINE and raiser is not None:
            actor, kw = raiser, {}
        else:
            source = plan.source if plan.source != TopicSource.ONLINE else TopicSource.VISIT
            actor, kw = recorder, {"source": source}
        topic = services.topic_raise(
            actor=actor,
            compound=compound,
            title=plan.title,
            description=plan.description,
            category=plan.category,
            buildings=[buildings[n] for n in plan.buildings if n in buildings],
            **kw,
        )
        _supports(topic, plan, rnd, households, residents, person_homes, recorder)
        for body in plan.comments:
            author = rnd.choice(residents) if residents else recorder
            services.topic_comment(actor=author, topic=topic, body=body)
        if plan.difficulty or plan.urgency:
            services.topic_assess(
                actor=manager, topic=topic, difficulty=plan.difficulty, urgency=plan.urgency
            )
        for step in PATHS[plan.status]:
            services.topic_move(
                actor=manager,
                topic=topic,
                to=step,
                reason=plan.reason if step == S.DECLINED else "",
            )
        backdate.append((topic, plan))
    _backdate(backdate, now, rnd)


def _supports(topic, plan, rnd, households, residents, person_homes, recorder) -> None:
    """A few households support online through the service; the rest were recorded by staff
    at roundtables and on visits (one row per home, in one insert)."""
    online = rnd.sample(residents, min(max(plan.supports // 10, 1), len(residents)))
    used = set()
    for user in online:
        _s, created = services.topic_support(actor=user, topic=topic)
        if created:
            used.add(person_homes[user.person_id])
    rest = [h for h in households if h[0] not in used]
    picked = rnd.sample(rest, min(max(plan.supports - len(used), 0), len(rest)))
    TopicSupport.objects.bulk_create(
        TopicSupport(topic=topic, unit_id=unit, person_id=person, recorded_by=recorder)
        for unit, person in picked
    )
    Topic.objects.filter(pk=topic.pk).update(support_count=len(used) + len(picked))
    audit.record_many(
        actor=recorder,
        action="topic.support",
        targets=[(topic, {"unit": unit, "recorded": True}) for unit, _p in picked],
    )


def _backdate(made: list[tuple[Topic, Plan]], now, rnd) -> None:
    for topic, plan in made:
        raised = now - timedelta(days=plan.days_ago, hours=rnd.randint(0, 10))
        span = max(plan.days_ago - 5, 1)
        Topic.objects.filter(pk=topic.pk).update(created_at=raised, updated_at=raised)
        changes = list(TopicChange.objects.filter(topic=topic).order_by("id"))
        for n, change in enumerate(changes, start=1):
            at = raised + timedelta(days=span * n // (len(changes) + 1))
            TopicChange.objects.filter(pk=change.pk).update(at=at)
            Topic.objects.filter(pk=topic.pk).update(status_changed_at=at, updated_at=at)
        TopicSupport.objects.filter(topic=topic).update(
            created_at=raised + timedelta(days=rnd.randint(1, min(span, 30)))
        )
        for n, pk in enumerate(
            TopicComment.objects.filter(topic=topic).order_by("id").values_list("pk", flat=True)
        ):
            TopicComment.objects.filter(pk=pk).update(
                created_at=raised + timedelta(days=n + 1, hours=rnd.randint(0, 12))
            )


def remove(compounds) -> None:
    """Delete this part's records in `compounds` (supports, photos, comments and the timeline
    go with their topics)."""
    Topic.objects.filter(Q(compound__in=compounds)).delete()
