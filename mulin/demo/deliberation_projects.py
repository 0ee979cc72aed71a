"""The demo's deliberation: public projects (实事项目 · 晒进度).

锦绣金山: the four projects that came of the residents' pain points — the 50 cameras (done in
2018, accepted, rated by some forty households), the playground (done, the satisfaction survey
open now), the vegetable plots turned into parking (under way, one milestone late) and the
stilt floor (planned, starting soon). 仓基新村: the grape trellis rebuilt as the 睦邻长廊
corridor (done and accepted) and the new culture wall (under way).

Built through `services_projects` (funding, spending, milestones, updates with generated photos,
supervisors with construction and fire-safety skills, inspection notes), then backdated where the
story is in the past. Each project links to its topic and resolution by the names in
`deliberation_plan` when the topics and meetings parts have made them. Households' ratings of the
2018 cameras are written directly (those owners have no accounts); everything else is a service.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from mulin.core.models import User
from mulin.deliberation import services_projects as services
from mulin.deliberation.models import (
    Acceptance,
    Inspection,
    Project,
    ProjectPhoto,
    ProjectUpdate,
    Resolution,
    Satisfaction,
    Spending,
    Topic,
)
from mulin.people.models import Person, PersonSkill, Residency, Skill
from mulin.places.models import Compound, Unit
from mulin.tickets.photos import clean_photos

from . import deliberation_plan as plan

STAFF = {plan.JINXIU: "jinshan-community", plan.CANGJI: "cangji-community"}
RESIDENT = {plan.JINXIU: "jinxiu-resident", plan.CANGJI: "cangji-resident"}
COLOURS = [(70, 120, 90), (150, 110, 70), (90, 110, 150), (160, 150, 120), (110, 140, 110)]


def _photo(seed: int):
    """A small generated JPEG (a sky, the ground and a few 'works' blocks), cleaned as uploads
    are."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (480, 360), (196, 220, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 220, 480, 360], fill=COLOURS[seed % len(COLOURS)])
    for _ in range(4):
        x, w, h = rnd.randint(10, 380), rnd.randint(40, 90), rnd.randint(40, 140)
        draw.rectangle([x, 220 - h, x + w, 220], fill=(rnd.randint(150, 230),) * 3)
    draw.ellipse([390, 30, 440, 80], fill=(250, 220, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    upload = SimpleUploadedFile(f"{seed}.jpg", buffer.getvalue(), content_type="image/jpeg")
    return clean_photos([upload])


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _links(compound: Compound, key: str, topics: dict, resolutions: dict | None):
    topic = Topic.objects.filter(compound=compound, title=topics.get(key, "")).first()
    resolution = None
    if resolutions and key in resolutions:
        resolution = Resolution.objects.filter(compound=compound, text=resolutions[key]).first()
    if resolution is None and topic is not None:
        resolution = Resolution.objects.filter(topic=topic).order_by("id").first()
    return topic, resolution


def _residents(compound: Compound, count: int, skip: set[int]) -> list[Person]:
    ids = (
        Residency.objects.current()
        .filter(unit__entrance__building__compound=compound)
        .exclude(person_id__in=skip)
        .values_list("person_id", flat=True)
        .order_by("person_id")
        .distinct()[: count * 3]
    )
    return list(Person.objects.filter(pk__in=list(ids)).order_by("id")[:count])


def _supervisors(compound: Compound, resident_user: User | None) -> list[tuple[Person, str]]:
    """Two resident experts: a construction supervisor and a fire-safety one — people with that
    skill in the registry, else the demo resident (so that signing in as them shows the
    inspection form), else a resident given the skill."""
    found: list[tuple[Person, str]] = []
    taken: set[int] = set()
    for skill in (Skill.CONSTRUCTION, Skill.FIRE_SAFETY):
        row = (
            PersonSkill.objects.filter(person__compound=compound, skill=skill)
            .exclude(person_id__in=taken)
            .select_related("person")
            .order_by("id")
            .first()
        )
        person = row.person if row is not None else None
        resident_person = resident_user.person_id if resident_user is not None else None
        if person is None and resident_person and resident_person not in taken:
            person = resident_user.person
        if person is None:
            person = next(iter(_residents(compound, 1, taken)), None)
        if person is not None:
            found.append((person, skill))
            taken.add(person.pk)
    notes = {Skill.CONSTRUCTION: "退休监理工程师", Skill.FIRE_SAFETY: "消防安全知识"}
    for person, skill in found:
        PersonSkill.objects.get_or_create(
            person=person, skill=skill, defaults={"note": notes[skill]}
        )
    return found


class _Story:
    """Builds one project step by step, remembering what to backdate."""

    def __init__(self, actor, compound, key, title, summary, kind, links, **fields):
        topic, resolution = links
        self.actor = actor
        # A resolution's hand-off (the meetings part) may have made the project already: fill it.
        existing = Project.objects.filter(compound=compound, title=title).first()
        if existing is not None:
            services.project_edit(
                actor=actor, project=existing, summary=summary, kind=kind, **fields
            )
            self.project = existing
        else:
            self.project = services.project_create(
                actor=actor,
                compound=compound,
                title=title,
                summary=summary,
                kind=kind,
                resolution=resolution,
                topic=topic,
                **fields,
            )
        self.seed = sum(map(ord, key))
        self.created: date | None = None

    def fund(self, *lines):
        for source, amount, note in lines:
            services.funding_add(
                actor=self.actor, project=self.project, source=source, amount=amount, note=note
            )

    def spend(self, *lines):
        for day, amount, payee, what in lines:
            services.spending_add(
                actor=self.actor,
                project=self.project,
                spent_on=day,
                amount=amount,
                payee=payee,
                description=what,
            )

    def milestones(self, *lines):
        made = []
        for title, planned, done in lines:
            m = services.milestone_add(
                actor=self.actor, project=self.project, title=title, planned_on=planned
            )
            if done is not None:
                services.milestone_done(actor=self.actor, milestone=m, done_on=done)
            made.append(m)
        return made

    def update(self, day: date, body: str, progress=None, photos: int = 1):
        self.seed += 1
        pictures = [p for i in range(photos) for p in _photo(self.seed * 10 + i)]
        u = services.update_post(
            actor=self.actor, project=self.project, body=body, progress=progress, photos=pictures
        )
        ProjectUpdate.objects.filter(pk=u.pk).update(created_at=_at(day, 16))
        ProjectPhoto.objects.filter(update=u).update(created_at=_at(day, 16))

    def move(self, status: str, day: date):
        services.project_move(actor=self.actor, project=self.project, status=status, on=day)

    def supervise(self, found, users: dict[int, User]):
        out = []
        for person, skill in found:
            services.supervisor_appoint(
                actor=self.actor, project=self.project, person=person, skill=skill
            )
            out.append((person, users.get(person.pk)))
        self.project.supervisors.update(appointed_on=self.created or timezone.localdate())
        return out

    def inspect(self, person: Person, user: User | None, day: date, verdict, body, answer=""):
        self.seed += 1
        if user is not None:  # the supervisor's own account: through the service
            inspection = services.inspection_post(
                actor=user,
                project=self.project,
                verdict=verdict,
                body=body,
                photos=_photo(self.seed),
            )
        else:  # a supervisor without an account: staff write down what they reported
            inspection = Inspection.objects.create(
                project=self.project,
                supervisor=self.project.supervisors.get(person=person),
                verdict=verdict,
                body=body,
                author=self.actor,
            )
        Inspection.objects.filter(pk=inspection.pk).update(created_at=_at(day, 11))
        if answer:
            services.inspection_answer(actor=self.actor, inspection=inspection, answer=answer)
            Inspection.objects.filter(pk=inspection.pk).update(
                settled_at=_at(day + timedelta(days=2))
            )

    def accept(self, day: date, closes: date, note: str):
        services.acceptance_record(
            actor=self.actor,
            project=self.project,
            accepted_on=day,
            survey_closes_on=max(closes, day),
            note=note,
        )

    def backdate(self, day: date):
        self.created = day
        Project.objects.filter(pk=self.project.pk).update(
            created_at=_at(day, 9), updated_at=_at(day, 9)
        )


def _rate(project: Project, compound: Compound, scores: list[int], comments: dict[int, str]):
    units = list(
        Unit.objects.filter(entrance__building__compound=compound).order_by("id")[: len(scores)]
    )
    Satisfaction.objects.bulk_create(
        Satisfaction(project=project, unit=u, score=s, comment=comments.get(i, ""))
        for i, (u, s) in enumerate(zip(units, scores, strict=False))
    )


def _jinxiu(compound: Compound, actor: User, resident: User | None) -> None:
    today = timezone.localdate()
    p = plan.JINXIU_PROJECTS
    links = lambda key: _links(compound, key, plan.JINXIU_TOPICS, plan.JINXIU_RESOLUTIONS)  # noqa: E731
    experts = _supervisors(compound, resident)
    users = {u.person_id: u for u in User.objects.filter(person__in=[x for x, _ in experts])}

    # 1. Cameras: done in 2018, accepted, rated.
    s = _Story(
        actor,
        compound,
        "cameras",
        p["cameras"],
        "在大门、各楼道口和停车区域安装 50 个高清监控探头，接入物业监控室，解决电动车屡次被偷的问题。",
        "safety",
        links("cameras"),
        contractor="厦门安视达安防工程有限公司",
        planned_start=date(2018, 4, 10),
        planned_end=date(2018, 6, 10),
    )
    s.backdate(date(2018, 3, 28))
    s.fund(
        ("government", "120000.00", "街道“为民办实事”专项"),
        ("maintenance_fund", "36500.00", "经业主大会表决使用公共维修资金"),
        ("partner", "10000.00", "共建单位建设银行金山支行捐助"),
    )
    s.spend(
        (date(2018, 4, 12), "50150.00", "厦门安视达安防工程有限公司", "首期工程款（30%）"),
        (date(2018, 5, 20), "66866.67", "厦门安视达安防工程有限公司", "二期工程款（40%）"),
        (date(2018, 6, 25), "41500.00", "厦门安视达安防工程有限公司", "尾款（验收后）"),
        (date(2018, 6, 28), "2680.50", "金山五金建材店", "立杆防锈漆与线槽"),
    )
    s.milestones(
        ("勘察点位、公示方案", date(2018, 4, 10), date(2018, 4, 8)),
        ("布线与立杆", date(2018, 5, 15), date(2018, 5, 15)),
        ("探头安装调试", date(2018, 6, 5), date(2018, 6, 3)),
        ("联调验收", date(2018, 6, 15), date(2018, 6, 18)),
    )
    sup = s.supervise(experts, users)
    s.move("in_progress", date(2018, 4, 12))
    s.update(date(2018, 4, 12), "施工队进场，点位方案已在各楼道公示，业主监督员全程参与。", 10)
    s.inspect(
        *sup[0],
        date(2018, 4, 28),
        "issue",
        "63 号楼道口线槽没有固定牢，雨天容易进水。",
        answer="施工队已重新固定并加装防水接头。",
    )
    s.update(date(2018, 5, 16), "布线与立杆完成，开始安装探头。", 55, photos=2)
    s.inspect(*sup[-1], date(2018, 5, 30), "ok", "监控室电源与消防通道留空符合要求。")
    s.update(date(2018, 6, 18), "50 个探头全部安装调试完毕，接入物业监控室。", 100, photos=2)
    s.move("acceptance", date(2018, 6, 18))
    s.accept(
        date(2018, 6, 22), date(2018, 7, 22), "街道、社区、业委会、物业与业主代表联合验收合格。"
    )
    s.move("done", date(2018, 6, 22))
    rnd = random.Random("cameras")
    scores = rnd.choices([5, 4, 3, 2], weights=[62, 26, 9, 3], k=42)
    _rate(
        s.project,
        compound,
        scores,
        {0: "晚上回家安心多了", 3: "电动车再也没丢过", 7: "希望停车场再加两个"},
    )

    # 2. Playground: done, survey open.
    s = _Story(
        actor,
        compound,
        "playground",
        p["playground"],
        "拆除破旧滑梯和秋千，重新安装儿童游乐设施，铺设安全地垫，加装休息座椅。",
        "recreation",
        links("playground"),
        contractor="厦门童乐园林景观有限公司",
        planned_start=today - timedelta(days=80),
        planned_end=today - timedelta(days=20),
    )
    s.backdate(today - timedelta(days=95))
    s.fund(
        ("government", "68000.00", "社区微更新项目资金"),
        ("common_income", "15000.00", "小区公共收益（广告位租金）"),
    )
    s.spend(
        (today - timedelta(days=78), "24900.00", "厦门童乐园林景观有限公司", "首期工程款"),
        (today - timedelta(days=30), "49800.00", "厦门童乐园林景观有限公司", "设备及安装"),
        (today - timedelta(days=12), "7350.00", "厦门童乐园林景观有限公司", "安全地垫补铺"),
    )
    s.milestones(
        ("拆除旧设施", today - timedelta(days=70), today - timedelta(days=72)),
        ("铺设安全地垫", today - timedelta(days=45), today - timedelta(days=46)),
        ("新设施安装", today - timedelta(days=22), today - timedelta(days=22)),
    )
    sup = s.supervise(experts[:1], users)
    s.move("in_progress", today - timedelta(days=78))
    s.update(today - timedelta(days=70), "旧滑梯、秋千已拆除，场地围挡施工。", 20)
    s.inspect(*sup[0], today - timedelta(days=50), "ok", "地垫基层平整，厚度符合要求。")
    s.update(today - timedelta(days=22), "新设施安装完成，正在做安全检测。", 95, photos=2)
    s.move("acceptance", today - timedelta(days=20))
    s.accept(today - timedelta(days=15), today + timedelta(days=20), "设施安装牢固，安全检测合格。")
    s.move("done", today - timedelta(days=15))
    _rate(s.project, compound, [5, 5, 4, 5, 3, 4, 5, 4], {0: "孩子们天天都来玩"})

    # 3. Plots → parking: under way, one milestone late.
    s = _Story(
        actor,
        compound,
        "plots",
        p["plots"],
        "清理被占种的绿化带菜地，改建为 36 个生态停车位，同时补种乔木和草坪。",
        "parking",
        links("plots"),
        contractor="金山市政绿化工程队",
        planned_start=today - timedelta(days=40),
        planned_end=today + timedelta(days=30),
    )
    s.backdate(today - timedelta(days=55))
    s.fund(
        ("government", "150000.00", "老旧小区改造配套资金"),
        ("maintenance_fund", "40000.00", ""),
        ("partner", "20000.00", "共建单位捐助"),
    )
    s.spend(
        (today - timedelta(days=38), "63000.00", "金山市政绿化工程队", "首期工程款"),
        (today - timedelta(days=10), "18600.00", "厦门植景苗木场", "补种乔木与草皮"),
    )
    s.milestones(
        ("清理菜地、入户沟通", today - timedelta(days=35), today - timedelta(days=33)),
        ("铺设植草砖", today - timedelta(days=8), None),  # late
        ("划线与补种绿化", today + timedelta(days=20), None),
        ("验收", today + timedelta(days=30), None),
    )
    sup = s.supervise(experts, users)
    s.move("in_progress", today - timedelta(days=38))
    s.update(today - timedelta(days=33), "菜地清理完成，志愿者逐户沟通，居民自愿移走种植物。", 25)
    s.inspect(
        *sup[-1],
        today - timedelta(days=12),
        "issue",
        "施工材料堆在消防通道上，请尽快挪走。",
        answer="已移至临时堆场，每天收工后检查通道。",
    )
    s.update(today - timedelta(days=6), "植草砖材料延迟到货，铺设推迟约一周。", 45, photos=2)
    s.inspect(*sup[0], today - timedelta(days=3), "issue", "北侧植草砖基层压实不够，需要返工。")

    # 4. Stilt floor: planned.
    s = _Story(
        actor,
        compound,
        "stilts",
        p["stilts"],
        "清理架空层堆放的杂物，改造为居民娱乐活动场所：棋牌区、阅读角和乒乓球台。",
        "recreation",
        links("stilts"),
        planned_start=today + timedelta(days=14),
        planned_end=today + timedelta(days=75),
    )
    s.backdate(today - timedelta(days=12))
    s.fund(
        ("government", "45000.00", "社区微更新项目资金"), ("residents", "3200.00", "居民自愿捐款")
    )
    s.milestones(
        ("清理杂物", today + timedelta(days=20), None),
        ("装修与设施安装", today + timedelta(days=60), None),
    )
    s.update(today - timedelta(days=5), "方案已在各单元公示，欢迎居民提出意见。", None, photos=1)


def _cangji(compound: Compound, actor: User, resident: User | None) -> None:
    today = timezone.localdate()
    p = plan.CANGJI_PROJECTS
    links = lambda key: _links(compound, key, plan.CANGJI_TOPICS, None)  # noqa: E731
    experts = _supervisors(compound, resident)
    users = {u.person_id: u for u in User.objects.filter(person__in=[x for x, _ in experts])}

    s = _Story(
        actor,
        compound,
        "trellis",
        p["trellis"],
        "拆除破败的葡萄架，改建为带座椅和照明的“睦邻长廊”，七次睦邻圆桌会议定方案。",
        "renovation",
        links("trellis"),
        contractor="杭州拱墅城建工程有限公司",
        planned_start=today - timedelta(days=150),
        planned_end=today - timedelta(days=70),
    )
    s.backdate(today - timedelta(days=170))
    s.fund(
        ("government", "180000.00", "老旧小区综合改造"),
        ("partner", "30000.00", "住房服务站"),
    )
    s.spend(
        (today - timedelta(days=140), "90000.00", "杭州拱墅城建工程有限公司", "首期工程款"),
        (today - timedelta(days=72), "98500.00", "杭州拱墅城建工程有限公司", "竣工结算"),
        (today - timedelta(days=60), "6200.00", "拱墅灯具城", "长廊照明灯具"),
    )
    s.milestones(
        ("拆除旧葡萄架", today - timedelta(days=140), today - timedelta(days=141)),
        ("钢结构长廊", today - timedelta(days=96), today - timedelta(days=96)),
        ("座椅、照明与绿植", today - timedelta(days=73), today - timedelta(days=74)),
    )
    sup = s.supervise(experts, users)
    s.move("in_progress", today - timedelta(days=140))
    s.update(today - timedelta(days=139), "旧葡萄架拆除，保留原有葡萄藤移栽。", 15)
    s.inspect(*sup[0], today - timedelta(days=110), "ok", "钢结构焊接质量良好，防锈处理到位。")
    s.update(today - timedelta(days=96), "长廊钢结构完成。", 70, photos=2)
    s.update(today - timedelta(days=72), "座椅、照明安装完毕，“睦邻长廊”落成。", 100, photos=2)
    s.move("acceptance", today - timedelta(days=70))
    s.accept(today - timedelta(days=65), today - timedelta(days=20), "联合验收合格。")
    s.move("done", today - timedelta(days=65))
    _rate(s.project, compound, [5] * 21 + [4] * 9 + [3] * 2, {0: "傍晚在长廊下聊天真舒服"})

    s = _Story(
        actor,
        compound,
        "wall",
        p["wall"],
        "在长廊旁新建小区文化墙，展示邻里故事、好人好事和小区公约“三字经”。",
        "recreation",
        links("wall"),
        planned_start=today - timedelta(days=20),
        planned_end=today + timedelta(days=25),
    )
    s.backdate(today - timedelta(days=40))
    s.fund(("government", "26000.00", "社区文化建设经费"), ("residents", "1800.00", "居民众筹"))
    s.spend((today - timedelta(days=15), "9800.00", "杭州墨香广告制作", "墙面基层处理"))
    s.milestones(
        ("征集邻里故事", today - timedelta(days=15), today - timedelta(days=16)),
        ("墙面绘制", today + timedelta(days=15), None),
    )
    s.supervise(experts[:1], users)
    s.move("in_progress", today - timedelta(days=18))
    s.update(today - timedelta(days=14), "征集到 46 个邻里故事，正在排版设计。", 30)


def ensure(code: str) -> None:
    """Build this part for the demo compound `code` unless it is there already."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None:
        return
    titles = {plan.JINXIU: plan.JINXIU_PROJECTS, plan.CANGJI: plan.CANGJI_PROJECTS}.get(code, {})
    built = Project.objects.filter(compound=compound, title__in=titles.values())
    if built.filter(funding__isnull=False).exists():
        return
    builders = {plan.JINXIU: _jinxiu, plan.CANGJI: _cangji}
    if code not in builders:
        return
    actor = User.objects.filter(username=STAFF[code]).first()
    if actor is None:
        actor = User.objects.filter(is_superuser=True).order_by("id").first()
    if actor is None:
        return
    resident = User.objects.filter(username=RESIDENT[code]).select_related("person").first()
    builders[code](compound, actor, resident)


def remove(compounds) -> None:
    """Delete this part's records in `compounds`, with their stored photos and invoices."""
    projects = Project.objects.filter(compound__in=compounds)
    files = [
        (row.image.storage, row.image.name)
        for row in ProjectPhoto.objects.filter(project__in=projects)
    ]
    files += [
        (row.invoice.storage, row.invoice.name)
        for row in Spending.objects.filter(project__in=projects).exclude(
            Q(invoice="") | Q(invoice=None)
        )
    ]
    Acceptance.objects.filter(project__in=projects).delete()
    Inspection.objects.filter(project__in=projects).delete()
    projects.delete()
    for storage, name in files:
        storage.delete(name)
