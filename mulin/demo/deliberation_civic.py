"""The demo's deliberation: civic — 锦绣金山's 7 regulations adopted by the owners' assembly of
March 2018 (each linked to its motion) with the parking rule amended later, 仓基新村's
three-character convention (linked to the roundtable resolution when the meetings part made it),
the organisations' notice boards, announcements with read receipts, the praise wall, last year's
pioneers and an evaluation of the party branch and the property.

Built through the civic services, then backdated; what the services refuse by design (support
and ratings for a year that is over) is written directly, as the record of what happened then."""

from __future__ import annotations

import difflib
import random
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from mulin.core.models import User
from mulin.decisions.models import Motion
from mulin.deliberation import services_civic as services
from mulin.deliberation.models import (
    Announcement,
    AnnouncementRead,
    BoardEntry,
    Evaluation,
    EvaluationRating,
    PioneerNomination,
    PioneerSupport,
    Praise,
    Resolution,
    Rule,
    RuleKind,
)
from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind, PartyMembership
from mulin.people.models import Ownership, Residency
from mulin.places.models import Building, Compound, Unit

from . import cangji, jinxiu
from .deliberation_plan import (
    CANGJI_CONVENTION,
    CANGJI_TOPICS,
    JINXIU_REGULATIONS,
    JINXIU_RESOLUTIONS,
)

ADOPTED = date(2018, 3, 24)  # the assembly's day (mulin.demo.decisions.ASSEMBLY_DAY)
EFFECTIVE = date(2018, 4, 1)
ASSEMBLY_TITLE = "锦绣金山小区2018年第一次业主大会"

# The clauses of each regulation, one per line (the differences are shown by line).
REGULATION_TEXTS = {
    "业主大会议事规则": [
        "第一条 业主大会由全体业主组成，依法决定小区共同管理事项。",
        "第二条 业主大会会议分为定期会议和临时会议，由业主委员会召集。",
        "第三条 会议可以采用集体讨论、书面征求意见或者网上投票的形式。",
        "第四条 表决事项须经参与表决专有部分面积过半数且参与表决人数过半数的业主同意。",
        "第五条 表决结果在小区公示栏和业主群公示不少于七日。",
    ],
    "小区管理规约": [
        "第一条 业主应当合理使用房屋及公共部位，不得损害其他业主的合法权益。",
        "第二条 不得擅自改变房屋结构和外观，不得占用公共通道。",
        "第三条 楼道、架空层不得堆放杂物，绿化带不得种植蔬菜。",
        "第四条 违反本规约的，业主委员会应当劝阻并要求限期改正。",
    ],
    "小区车辆管理规定": [
        "第一条 小区车辆实行登记管理，业主车辆凭登记信息进出。",
        "第二条 车辆应当在划线车位内停放，不得占用消防通道和人行通道。",
        "第三条 外来车辆临时停放不超过两小时，须在门岗登记。",
        "第四条 电动自行车应停放在指定区域，不得在楼道内充电。",
    ],
    "公共收益管理办法": [
        "第一条 小区公共收益归全体业主共有，单独列账管理。",
        "第二条 公共收益每季度在公示栏公示一次收支明细。",
        "第三条 公共收益的使用须经业主大会决定。",
    ],
    "小区装修管理规定": [
        "第一条 装修前须到物业服务中心登记，并告知相邻业主。",
        "第二条 施工时间为工作日八时至十二时、十四时至十八时。",
        "第三条 建筑垃圾须装袋并在指定地点堆放，及时清运。",
        "第四条 严禁拆改承重墙、梁、柱和改动燃气管道。",
    ],
    "环境卫生管理规定": [
        "第一条 生活垃圾分类投放到指定收集点，不得随意丢弃。",
        "第二条 楼道、架空层不得堆放杂物，电动车不得在楼道内停放。",
        "第三条 绿化带不得种植蔬菜，已种植的由业主委员会组织清理。",
    ],
    "文明养宠公约": [
        "第一条 犬只须登记并按时免疫，出门牵绳。",
        "第二条 及时清理宠物粪便，不在楼道内饲养宠物。",
        "第三条 宠物扰邻的，由楼道党小组和业主委员会劝导。",
    ],
}
PARKING = "小区车辆管理规定"
PARKING_V2 = [
    "第一条 小区车辆实行登记管理，业主车辆凭登记信息进出。",
    "第二条 车辆应当在划线车位内停放，不得占用消防通道、人行通道和快递柜前通道。",
    "第三条 外来车辆临时停放不超过一小时，须在门岗登记。",
    "第四条 电动自行车应停放在指定区域，不得在楼道内充电，应到集中充电棚充电。",
    "第五条 快递车辆在大门内侧快递柜旁限时停靠，每次不超过十五分钟。",
]
CONVENTION_TEXT = [
    "邻里亲，仓基人；见面笑，问声好。",
    "垃圾分，不乱扔；楼道净，不堆物。",
    "车有位，不乱停；消防道，要畅通。",
    "宠物牵，不扰邻；夜静时，声要轻。",
    "有困难，大家帮；议事会，共商量。",
]

BOARD_TEXTS = {
    "branch": (
        "亮身份、亮职责、亮承诺：每月十五日党员活动日，包楼包户联系群众，小区大事先在支部议。",
        "牵头成立业委会，推动安装监控、改造架空层和清理菜地。",
        "党员“大家庭”志愿服务：义诊、法律咨询、家电维修。",
    ),
    "owners": (
        "账目公开、办事公道；每季度公示公共收益；每月接待业主一次。",
        "组织业主大会通过7份规章制度；推动化“菜地”为停车位。",
        "每月第一个周六上午在小区中心花园设“业委会接待日”。",
    ),
    "property": (
        "二十四小时值班；报修三十分钟内响应；公共区域每日保洁两次。",
        "配合完成监控安装和停车位划线；年度业主评价平均分逐年提高。",
        "便民服务：家电清洗、代收快递、独居老人定期探访。",
    ),
}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)  # Asia/Shanghai


def _compound(code: str) -> Compound | None:
    return Compound.objects.select_related("community").filter(code=code).first()


def _manager(compound: Compound) -> User | None:
    names = {jinxiu.CODE: "jinxiu-party", cangji.CODE: "cangji-party"}
    return User.objects.filter(username=names.get(compound.code, "")).first()


def _resident_users(compound: Compound) -> list[User]:
    """Accounts linked to people with a home in the compound (the demo's logins and owners)."""
    people = set(
        Ownership.objects.current()
        .filter(unit__compound=compound)
        .values_list("person_id", flat=True)
    ) | set(
        Residency.objects.current()
        .filter(unit__compound=compound)
        .values_list("person_id", flat=True)
    )
    return list(User.objects.filter(person_id__in=people, is_active=True).order_by("id"))


def _clean(name: str) -> str:
    return name.replace("《", "").replace("》", "").replace("锦绣金山", "").replace("审议通过", "")


def _match_motions(compound: Compound) -> dict[str, Motion]:
    """Each regulation's motion in the March 2018 assembly, by the closest title."""
    motions = list(
        Motion.objects.filter(vote__compound=compound, vote__title__startswith=ASSEMBLY_TITLE)
        .select_related("vote")
        .order_by("position", "id")
    )
    found: dict[str, Motion] = {}
    used: set[int] = set()
    for name in JINXIU_REGULATIONS:
        best, score = None, 0.0
        for motion in motions:
            if motion.pk in used:
                continue
            ratio = difflib.SequenceMatcher(None, name, _clean(motion.title)).ratio()
            if ratio > score:
                best, score = motion, ratio
        if best is not None and score >= 0.75:
            found[name] = best
            used.add(best.pk)
    return found


def _backdate_rule(rule: Rule, when: datetime) -> None:
    Rule.objects.filter(pk=rule.pk).update(created_at=when, updated_at=when)


def _jinxiu_rules(compound: Compound, actor: User) -> None:
    motions = _match_motions(compound)
    rules = {}
    for name in JINXIU_REGULATIONS:
        version = services.rule_adopt(
            actor=actor,
            compound=compound,
            kind=RuleKind.REGULATION,
            title=name,
            text="\n".join(REGULATION_TEXTS[name]),
            effective_on=EFFECTIVE,
            adopted_on=ADOPTED,
            motion=motions.get(name),
        )
        rules[name] = version.rule
        _backdate_rule(version.rule, _at(ADOPTED, 16))
    # The parking rule, amended after the roundtable moved the parcel lockers inside the gate.
    resolution = (
        Resolution.objects.filter(compound=compound, text=JINXIU_RESOLUTIONS["lockers"])
        .select_related("meeting")
        .first()
    )
    adopted = date(2018, 6, 10)
    if resolution is not None and resolution.meeting_id:
        adopted = max(adopted, timezone.localtime(resolution.meeting.starts_at).date())
    services.rule_adopt(
        actor=actor,
        compound=compound,
        kind=RuleKind.REGULATION,
        title=PARKING,
        text="\n".join(PARKING_V2),
        summary="快递柜移入大门内侧后：不得占用快递柜前通道，快递车限时停靠；"
        "外来车辆临停缩短为一小时；电动车集中充电。",
        effective_on=adopted + timedelta(days=21),
        adopted_on=adopted,
        resolution=resolution,
        rule=rules[PARKING],
    )


def _cangji_convention(compound: Compound, actor: User) -> None:
    resolution = (
        Resolution.objects.filter(compound=compound)
        .filter(
            Q(topic__title=CANGJI_TOPICS["convention"])
            | Q(text__contains="三字经")
            | Q(text__contains="公约")
        )
        .select_related("meeting")
        .order_by("id")
        .first()
    )
    adopted = date(2022, 9, 20)
    if resolution is not None and resolution.meeting_id:
        adopted = timezone.localtime(resolution.meeting.starts_at).date()
    version = services.rule_adopt(
        actor=actor,
        compound=compound,
        kind=RuleKind.CONVENTION,
        title=CANGJI_CONVENTION,
        text="\n".join(CONVENTION_TEXT),
        effective_on=adopted + timedelta(days=10),
        adopted_on=adopted,
        resolution=resolution,
        summary="睦邻圆桌会把原来的长篇公约浓缩成朗朗上口的“三字经”。",
    )
    _backdate_rule(version.rule, _at(adopted, 16))


def _leader(org: Organisation) -> Membership | None:
    seats = {
        m.role: m
        for m in Membership.objects.current().filter(organisation=org).select_related("person")
    }
    for role in (
        MemberRole.SECRETARY,
        MemberRole.DIRECTOR,
        MemberRole.MANAGER,
        MemberRole.LEADER,
    ):
        if role in seats:
            return seats[role]
    return next(iter(seats.values()), None)


def _board(actor, org: Organisation, commitments: str, results: str, service: str, area: str):
    leader = _leader(org)
    services.board_save(
        actor=actor,
        organisation=org,
        responsible=leader.person.name if leader else org.name[:20],
        responsible_phone=org.phone,  # the organisation's public line, never a member's mobile
        commitments=commitments,
        results=results,
        area=area,
        featured_service=service,
    )


def _boards(compound: Compound, actor: User) -> None:
    orgs = list(Organisation.objects.active().filter(compound=compound).order_by("order", "id"))
    if compound.code == jinxiu.CODE:
        kinds = {
            OrgKind.PARTY_BRANCH: "branch",
            OrgKind.OWNERS_COMMITTEE: "owners",
            OrgKind.PROPERTY_COMPANY: "property",
        }
        for org in orgs:
            key = kinds.get(org.kind)
            if key:
                commitments, results, service = BOARD_TEXTS[key]
                _board(actor, org, commitments, results, service, "锦绣金山小区全域")
        return
    branches = [o for o in orgs if o.kind == OrgKind.PARTY_BRANCH]
    for n, org in enumerate(branches, 1):
        area = org.description.split("；")[0].removeprefix("负责") if org.description else ""
        results = "包楼包户走访全部住户；收集居民意见并提交睦邻圆桌会。"
        service = "“雷锋角”服务日：每月一次便民摊位。"
        if n == 7:
            results = "原来的小黑板破旧难认，升级为“微阵地”展示栏：四亮一服务一目了然。"
            service = "“微阵地”每周更新支部承诺和服务预约。"
        _board(
            actor,
            org,
            "亮身份：党员挂牌上岗；亮职责：包楼包户；亮承诺：居民诉求三日内回应。",
            results,
            service,
            area,
        )


def _announcements(compound: Compound, actor: User, users: list[User]) -> None:
    today = timezone.localdate()
    resident = users[0] if users else None
    unit = None
    if resident is not None:
        unit = (
            Unit.objects.filter(
                compound=compound,
                pk__in=Residency.objects.current()
                .filter(person_id=resident.person_id)
                .values("unit_id"),
            )
            .select_related("building")
            .first()
        )
    building = unit.building if unit else Building.objects.filter(compound=compound).first()
    publisher = (
        Organisation.objects.filter(
            compound=compound, kind__in=[OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY]
        )
        .order_by("order", "id")
        .first()
    )
    water = services.announcement_publish(
        actor=actor,
        compound=compound,
        scope="building",
        building=building,
        title=f"{building.number}幢停水通知",
        body=(
            f"因二次供水管道检修，{building.number}幢将于{(today + timedelta(days=3)):%m月%d日}"
            "8:30—16:30停水。\n请各位住户提前储水，关好水龙头，以免来水时跑水。\n"
            "如有困难请联系物业服务中心，我们将为独居老人送水上门。"
        ),
        publisher=publisher,
        expires_on=today + timedelta(days=4),
        pinned=True,
    )
    compound_notice = services.announcement_publish(
        actor=actor,
        compound=compound,
        scope="compound",
        title="小区消防通道清理通知",
        body=(
            "为保障居民生命财产安全，本周六上午将集中清理消防通道和楼道内的堆放物。\n"
            "请各位居民在周五前自行清理楼道杂物、电动车不得在楼道内停放和充电。\n"
            "逾期未清理的，由志愿者和物业统一清理。感谢大家的理解和配合！"
        ),
        expires_on=today + timedelta(days=10),
    )
    community_notice = services.announcement_publish(
        actor=actor,
        compound=compound,
        scope="community",
        title="社区免费健康体检通知",
        body=(
            "社区卫生服务中心将为65周岁以上老人开展免费健康体检。\n"
            "时间：下周二至周四上午8:00—10:30（请空腹）\n地点：社区党群服务中心一楼\n"
            "请携带身份证和医保卡。行动不便的老人可联系网格员预约上门服务。"
        ),
        expires_on=today + timedelta(days=20),
    )
    for n, notice in enumerate([water, compound_notice, community_notice]):
        when = timezone.now() - timedelta(days=2 - n, hours=3)
        Announcement.objects.filter(pk=notice.pk).update(
            published_at=when, created_at=when, updated_at=when
        )
    reads = [
        AnnouncementRead(
            announcement=notice, user=user, read_at=timezone.now() - timedelta(hours=h)
        )
        for notice in (compound_notice, community_notice)
        for h, user in enumerate(users[1:7], 1)
    ]
    AnnouncementRead.objects.bulk_create(reads, ignore_conflicts=True)


PRAISE = [
    (
        "物业维修张师傅",
        "property",
        "家里水管半夜爆了，张师傅二十分钟就赶到，忙到凌晨一点，一分钱没收。",
        "shown",
    ),
    (
        "党支部志愿服务队",
        "branch",
        "每个月的义诊让我们老人不出小区就能量血压、问医生，谢谢你们！",
        "shown",
    ),
    (
        "5幢的王阿姨",
        None,
        "王阿姨天天把楼道扫得干干净净，还帮邻居收快递，是我们楼的好邻居。",
        "shown",
    ),
    (
        "业委会",
        "owners",
        "停车位的事终于解决了，业委会的委员们一家一家上门征求意见，辛苦了。",
        "shown",
    ),
    ("保安小李", "property", "下大雨那天小李帮我把老母亲背上了楼，非常感谢。", "pending"),
    ("楼道党小组", "branch", "谢谢党小组帮我们楼装了扶手，老人上下楼安全多了。", "pending"),
    ("某某", None, "（含有邻居电话号码和门牌的帖子）", "hidden"),
]


def _praise(compound: Compound, actor: User, users: list[User]) -> None:
    if not users:
        return
    kinds = {
        "property": [OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY],
        "branch": [OrgKind.PARTY_BRANCH],
        "owners": [OrgKind.OWNERS_COMMITTEE, OrgKind.HOUSEHOLD_COMMITTEE],
    }
    for n, (to_name, kind, body, status) in enumerate(PRAISE):
        org = None
        if kind:
            org = (
                Organisation.objects.active()
                .filter(compound=compound, kind__in=kinds[kind])
                .order_by("order", "id")
                .first()
            )
        post = services.praise_submit(
            actor=users[n % len(users)],
            compound=compound,
            to_name=to_name,
            body=body,
            to_organisation=org,
        )
        if status == "shown":
            services.praise_moderate(actor=actor, praise=post, show=True)
        elif status == "hidden":
            services.praise_moderate(
                actor=actor, praise=post, show=False, reason="含有他人电话和门牌号，涉及个人信息"
            )
        when = timezone.now() - timedelta(days=40 - n * 5)
        Praise.objects.filter(pk=post.pk).update(created_at=when, updated_at=when)


STORIES = [
    "退休后主动担任楼道党小组长，十年如一日照顾楼里三位独居老人，谁家有事第一个到。",
    "带领党员志愿者清理架空层杂物三十多车，又牵头把它改成了居民活动室。",
    "疫情期间连续五十天值守小区大门，帮居民代购药品和生活物资。",
    "义务为居民调解邻里纠纷二十余起，大家都叫他“和事佬”。",
]


def _pioneers(compound: Compound, actor: User) -> None:
    year = timezone.localdate().year
    members = list(
        PartyMembership.objects.filter(
            Q(organisation__compound=compound)
            | Q(
                organisation__compound__isnull=True,
                organisation__community_id=compound.community_id,
            ),
            left_on__isnull=True,
        )
        .select_related("person")
        .order_by("id")[:6]
    )
    units = list(Unit.objects.filter(compound=compound).order_by("id").values_list("pk", flat=True))
    rnd = random.Random(f"{compound.code}-pioneers")
    chosen_at = _at(date(year - 1, 12, 20))
    for n, membership in enumerate(members[:4]):
        nomination = services.pioneer_nominate(
            actor=actor,
            compound=compound,
            year=year - 1,
            person=membership.person,
            story=STORIES[n],
        )
        supporters = rnd.sample(units, min(len(units), 40 - n * 7))
        PioneerSupport.objects.bulk_create(
            [PioneerSupport(nomination=nomination, unit_id=u) for u in supporters]
        )
        PioneerNomination.objects.filter(pk=nomination.pk).update(
            support_count=len(supporters),
            created_at=_at(date(year - 1, 11, 1)),
        )
        if n < 2:
            nomination.refresh_from_db()
            services.pioneer_choose(actor=actor, nomination=nomination, now=chosen_at)
    for n, membership in enumerate(members[4:6]):
        services.pioneer_nominate(
            actor=actor,
            compound=compound,
            year=year,
            person=membership.person,
            story=STORIES[(n + 2) % len(STORIES)],
        )


def _evaluation(compound: Compound, actor: User) -> None:
    year = timezone.localdate().year
    orgs = [
        o
        for kinds in ([OrgKind.PARTY_BRANCH], [OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY])
        for o in Organisation.objects.active()
        .filter(compound=compound, kind__in=kinds)
        .order_by("order", "id")[:1]
    ]
    if not orgs:
        return
    evaluation = services.evaluation_open(
        actor=actor,
        compound=compound,
        title=f"{year - 1}年度党组织和物业服务居民评价",
        opens_on=date(year - 1, 12, 1),
        closes_on=date(year - 1, 12, 31),
        organisations=orgs,
    )
    units = list(Unit.objects.filter(compound=compound).order_by("id").values_list("pk", flat=True))
    rnd = random.Random(f"{compound.code}-evaluation")
    comments = ["服务很及时", "希望夜间巡逻再多一些", "态度好，办事快", "停车管理还要加强", ""]
    rows = []
    for org, weights in zip(orgs, ([2, 3, 10, 35, 50], [4, 8, 20, 38, 30]), strict=False):
        for unit in rnd.sample(units, min(len(units), 160)):
            rows.append(
                EvaluationRating(
                    evaluation=evaluation,
                    organisation=org,
                    unit_id=unit,
                    score=rnd.choices([1, 2, 3, 4, 5], weights)[0],
                    comment=rnd.choice(comments) if rnd.random() < 0.2 else "",
                )
            )
    EvaluationRating.objects.bulk_create(rows)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        created_at=_at(date(year - 1, 11, 25)), updated_at=_at(date(year - 1, 12, 31))
    )


def ensure(code: str) -> None:
    """Build this part for the demo compound `code` unless it is there already."""
    compound = _compound(code)
    if compound is None or code not in (jinxiu.CODE, cangji.CODE):
        return
    if (
        Rule.objects.filter(compound=compound).exists()
        or BoardEntry.objects.filter(organisation__compound=compound).exists()
    ):
        return
    actor = _manager(compound)
    if actor is None:
        return
    users = _resident_users(compound)
    resident_login = [u for u in users if u.username.endswith("-resident")]
    users = resident_login + [u for u in users if u not in resident_login]
    if code == jinxiu.CODE:
        _jinxiu_rules(compound, actor)
    else:
        _cangji_convention(compound, actor)
    _boards(compound, actor)
    _announcements(compound, actor, users)
    _praise(compound, actor, users)
    _pioneers(compound, actor)
    _evaluation(compound, actor)


def remove(compounds) -> None:
    """Delete this part's records in `compounds`."""
    compounds = list(compounds)
    communities = {c.community_id for c in compounds}
    Rule.objects.filter(compound__in=compounds).delete()
    BoardEntry.objects.filter(organisation__compound__in=compounds).delete()
    Announcement.objects.filter(
        Q(compound__in=compounds) | Q(compound__isnull=True, community_id__in=communities)
    ).delete()
    Praise.objects.filter(compound__in=compounds).delete()
    PioneerNomination.objects.filter(compound__in=compounds).delete()
    Evaluation.objects.filter(compound__in=compounds).delete()
