"""The demo's deliberation: meetings, minutes, resolutions and tasks.

锦绣金山: a roundtable or committee meeting for each pain point that got a resolution
(`JINXIU_RESOLUTIONS`), with the party branch, the owners' committee and the property company
answering for them; tasks, some done and one overdue. 仓基新村: the seven 睦邻圆桌会 on the
renovation (`CANGJI_ROUNDTABLES`) with residents, branch secretaries, the property and partner
organisations signing in, minutes published, and the resolutions for the trellis corridor, the
culture wall, the three-character convention and the 7th branch's notice board. Each compound
also has one meeting coming up, so its calendar has a future event.

Built through `services_meetings`, then moved into the past.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from mulin.core.models import User
from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import (
    Meeting,
    MeetingKind,
    Resolution,
    ResolutionStatus,
    Task,
    Topic,
)
from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind
from mulin.people.models import Residency
from mulin.places.models import Compound

from .builder import local_tz
from .deliberation_plan import (
    CANGJI,
    CANGJI_ROUNDTABLES,
    CANGJI_TOPICS,
    JINXIU,
    JINXIU_RESOLUTIONS,
    JINXIU_TOPICS,
)

STAFF = {JINXIU: "jinshan-community", CANGJI: "cangji-community"}
OWNERS = {
    JINXIU: ["jinxiu-owners", "jinxiu-party", "jinxiu-property"],
    CANGJI: ["cangji-party", "cangji-household", "cangji-property"],
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=local_tz())


def _org(compound, *kinds):
    return (
        Organisation.objects.filter(compound=compound, kind__in=kinds)
        .order_by("order", "id")
        .first()
    )


def _topic(compound, title):
    return Topic.objects.filter(compound=compound, title=title).first()


def _residents(compound, n):
    people = (
        Residency.objects.current()
        .filter(unit__compound=compound)
        .select_related("person")
        .order_by("id")[: n * 3 : 3]
    )
    return [r.person for r in people]


def _minutes(title, speakers, decided, phone="13906051234"):
    a, b = ([*speakers, "居民", "居民"])[:2]
    return (
        f"# {title}\n"
        f"主持人介绍议题，{a}（{phone}）代表楼栋居民发言，反映问题已有一年多。\n\n"
        f"## 讨论\n- {b}补充了具体情况和建议\n- 物业说明现有条件和费用\n"
        f"- 党支部提出由党员带头、分工落实\n\n"
        f"## 决定\n1. **{decided}**\n2. 一个月后在圆桌会上通报进展\n"
    )


def ensure(code: str) -> None:
    """Build this part for the demo compound `code` unless it is there already."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None or code not in STAFF or Meeting.objects.filter(compound=compound).exists():
        return
    # The community worker; before the logins exist, the platform admin.
    actor = (
        User.objects.filter(username=STAFF[code]).first()
        or User.objects.filter(is_superuser=True).order_by("id").first()
    )
    if actor is None:
        return
    owners = list(User.objects.filter(username__in=OWNERS[code]).order_by("username"))
    if code == JINXIU:
        _jinxiu(compound, actor, owners)
    else:
        _cangji(compound, actor, owners)


def _meeting(
    compound, actor, *, day, title, kind, organiser, invited, agenda, public=True, hour=19
):
    meeting = services.meeting_create(
        actor=actor,
        compound=compound,
        kind=kind,
        title=title,
        description="",
        organiser=organiser,
        invited_organisations=[o for o in invited if o],
        starts_at=_at(day, hour),
        ends_at=_at(day, hour) + timedelta(hours=2),
        place="小区党群服务站议事厅" if compound.code == JINXIU else "仓基新村睦邻议事角",
        public=public,
        agenda=agenda,
    )
    return meeting


def _backdate(meeting, day):
    moment = _at(day, 21)
    Meeting.objects.filter(pk=meeting.pk).update(
        created_at=moment - timedelta(days=7),
        updated_at=moment,
        minutes_published_at=moment + timedelta(days=2),
    )
    Resolution.objects.filter(meeting=meeting).update(created_at=moment, updated_at=moment)
    Task.objects.filter(resolution__meeting=meeting).update(created_at=moment, updated_at=moment)
    meeting.attendance.update(at=meeting.starts_at - timedelta(minutes=10))


def _jinxiu(compound, actor, owners):
    branch = _org(compound, OrgKind.PARTY_BRANCH)
    committee = _org(compound, OrgKind.OWNERS_COMMITTEE)
    prop = _org(compound, OrgKind.PROPERTY_COMPANY)
    responsible = {
        "cameras": committee,
        "playground": committee,
        "plots": prop,
        "stilts": branch,
        "lockers": prop,
    }
    people = _residents(compound, 30)
    today = timezone.localdate()
    first = date(2017, 12, 16)
    for n, (key, text) in enumerate(JINXIU_RESOLUTIONS.items()):
        day = first + timedelta(days=28 * n)
        topic = _topic(compound, JINXIU_TOPICS[key])
        title = (
            f"睦邻圆桌会：{JINXIU_TOPICS[key]}"
            if n % 2 == 0
            else f"业委会会议：{JINXIU_TOPICS[key]}"
        )
        kind = MeetingKind.ROUNDTABLE if n % 2 == 0 else MeetingKind.COMMITTEE
        meeting = _meeting(
            compound,
            actor,
            day=day,
            title=title[:120],
            kind=kind,
            organiser=branch if n % 2 == 0 else committee,
            invited=[committee, prop],
            agenda=[(topic, JINXIU_TOPICS[key])] if topic else [(None, JINXIU_TOPICS[key])],
        )
        attendees = people[n * 5 : n * 5 + 6]
        for person in attendees:
            services.attendance_record(actor=actor, meeting=meeting, person=person)
        for org in (branch, committee, prop):
            if org:
                services.attendance_record(
                    actor=actor, meeting=meeting, name=f"{org.name}代表", organisation=org
                )
        services.minutes_save(
            actor=actor,
            meeting=meeting,
            minutes=_minutes(JINXIU_TOPICS[key], [p.name for p in attendees], text),
            publish=True,
        )
        resolution = services.resolution_create(
            actor=actor,
            compound=compound,
            meeting=meeting,
            topic=topic,
            text=text,
            responsible_organisation=responsible[key],
            due_on=day + timedelta(days=90),
        )
        overdue = key == "lockers"
        for i, title in enumerate(["制定实施方案并公示", "组织施工并验收"]):
            task = services.task_create(
                actor=actor,
                resolution=resolution,
                title=title,
                owner=owners[(n + i) % len(owners)] if owners else None,
                owner_organisation=responsible[key],
                due_on=(today - timedelta(days=5))
                if overdue and i == 1
                else day + timedelta(days=30 * (i + 1)),
            )
            if not (overdue and i == 1):
                Task.objects.filter(pk=task.pk).update(
                    done_at=_at(day + timedelta(days=25 * (i + 1)), 10), done_by=actor
                )
        if not overdue:
            services.resolution_update(
                actor=actor,
                resolution=resolution,
                status=ResolutionStatus.DONE,
                outcome="已完成，居民满意",
            )
        _backdate(meeting, day)
    _upcoming(
        compound,
        actor,
        branch,
        [committee, prop],
        "三方联席会：小区停车管理规定实施一周年回顾",
        kind=MeetingKind.JOINT,
    )


def _cangji(compound, actor, owners):
    party = _org(compound, OrgKind.PARTY_COMMITTEE)
    household = _org(compound, OrgKind.HOUSEHOLD_COMMITTEE)
    prop = _org(compound, OrgKind.QUASI_PROPERTY, OrgKind.PROPERTY_COMPANY)
    partners = list(
        Organisation.objects.filter(compound=compound, kind=OrgKind.PARTNER).order_by("order")[:2]
    )
    secretaries = list(
        Membership.objects.filter(
            organisation__compound=compound,
            organisation__kind=OrgKind.PARTY_BRANCH,
            role=MemberRole.SECRETARY,
        )
        .select_related("person", "organisation")
        .order_by("organisation__order")[:4]
    )
    seventh = Organisation.objects.filter(
        compound=compound, kind=OrgKind.PARTY_BRANCH, name__contains="七"
    ).first()
    people = _residents(compound, 60)
    decisions = {
        1: ("trellis", "葡萄架改建为“睦邻长廊”，保留老葡萄藤，增设座椅和照明"),
        3: ("wall", "在长廊东侧新建小区文化墙，展示邻里故事和老照片"),
        5: ("convention", "把邻里公约改写为朗朗上口的“三字经”，张贴在每个楼道"),
        6: ("blackboard", "为第七支部更换新的小黑板，作为支部的微阵地"),
    }
    first = date(2021, 3, 6)
    for n in range(1, CANGJI_ROUNDTABLES + 1):
        day = first + timedelta(days=21 * (n - 1))
        key, text = decisions.get(n, (None, ""))
        topic_title = CANGJI_TOPICS[key] if key else None
        topic = _topic(compound, topic_title) if topic_title else None
        agenda = [(topic, topic_title)] if topic_title else [(None, "老旧小区改造方案征求意见")]
        meeting = _meeting(
            compound,
            actor,
            day=day,
            title=f"第{n}次睦邻圆桌会：老旧小区改造",
            kind=MeetingKind.ROUNDTABLE,
            organiser=party,
            invited=[household, prop, *partners],
            agenda=agenda,
            hour=14,
        )
        attendees = people[(n - 1) * 8 : (n - 1) * 8 + 8]
        for person in attendees:
            services.attendance_record(actor=actor, meeting=meeting, person=person)
        for m in secretaries:
            if m.person not in attendees:
                services.attendance_record(
                    actor=actor, meeting=meeting, person=m.person, organisation=m.organisation
                )
        for org in [prop, *partners]:
            if org:
                services.attendance_record(
                    actor=actor, meeting=meeting, name=f"{org.name}代表", organisation=org
                )
        services.minutes_save(
            actor=actor,
            meeting=meeting,
            minutes=_minutes(
                topic_title or "改造方案",
                [p.name for p in attendees],
                text or "改造方案继续征求意见，下次圆桌会再议",
            ),
            publish=True,
        )
        if key:
            organisation = (
                seventh
                if key == "blackboard" and seventh
                else (household if key == "convention" else party)
            )
            resolution = services.resolution_create(
                actor=actor,
                compound=compound,
                meeting=meeting,
                topic=topic,
                text=text,
                responsible_organisation=organisation,
                due_on=day + timedelta(days=120),
            )
            task = services.task_create(
                actor=actor,
                resolution=resolution,
                title="落实方案并向居民通报",
                owner=owners[n % len(owners)] if owners else None,
                owner_organisation=organisation,
                due_on=day + timedelta(days=60),
            )
            Task.objects.filter(pk=task.pk).update(
                done_at=_at(day + timedelta(days=50), 10), done_by=actor
            )
            services.resolution_update(
                actor=actor, resolution=resolution, status=ResolutionStatus.DONE, outcome="已落实"
            )
        _backdate(meeting, day)
    _upcoming(compound, actor, party, [household, prop], "睦邻圆桌会：楼道和长廊照明")


def _upcoming(compound, actor, organiser, invited, title, kind=MeetingKind.ROUNDTABLE):
    day = timezone.localdate() + timedelta(days=10)
    _meeting(
        compound,
        actor,
        day=day,
        title=title,
        kind=kind,
        organiser=organiser,
        invited=invited,
        agenda=[(None, "议题介绍"), (None, "居民发言"), (None, "形成决议")],
    )


def remove(compounds) -> None:
    """Delete this part's records in `compounds` (agenda, attendance, files, requests and
    tasks go with their meetings and resolutions)."""
    Resolution.objects.filter(compound__in=compounds).delete()
    Meeting.objects.filter(compound__in=compounds).delete()
