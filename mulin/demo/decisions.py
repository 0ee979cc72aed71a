"""Owners' decisions in the demo compounds (issue 4, "Demo"), after seed articles 000 and 001.

锦绣金山小区:
- the owners' committee election of 2017-11-23 (7 members, 2 alternates, 11 candidates): notice
  from 30 October, ballots on paper, at the door (扫楼), by proxy and at the meeting on the day;
  the elected are the committee the demo already has (its director and the two deputies for
  construction and for resources keep their seats; the election seats plain members, the
  committee then gives out its roles, as it did at its first meeting);
- the assembly of March 2018 that adopted the compound's 7 regulations, every one passed;
- the door-to-door consultation of April 2018 on putting the new vehicle rule into effect,
  about 90 % support by households and by area.
仓基新村 (no owners' committee; the household committee runs it): the consultation on the
renovation, open now, with answers collected door to door in branch 8's buildings first.

Everything goes through the real services (`vote_create` … `ballot_cast` … `vote_publish_result`)
with the moment each step stands for passed as `now=`, so the votes carry their historical dates
and every ballot, tally and publication is sealed in the vote's hash chain (audit rows keep the
real time they were written). Ballots are drawn from a seeded random, and each plan is checked
with the tally before any ballot is cast, so `--reset` rebuilds the same results.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone

from mulin.core import audit
from mulin.core.models import AuditChainHead, AuditEvent, User
from mulin.decisions import ballots, results, services, tally
from mulin.decisions.models import (
    Ballot,
    Candidate,
    CanvassStatus,
    Channel,
    Elector,
    MeetingKind,
    MeetingRequest,
    MotionKind,
    Vote,
    VoteDocument,
)
from mulin.orgs.models import MemberRole, Membership, Organisation, OrgKind
from mulin.people.models import Residency
from mulin.places.models import Compound

from . import cangji, jinxiu
from .builder import local_tz

ELECTION_SEATS, ELECTION_ALTERNATES = 7, 2
MAX_PLAN_TRIES = 50


# ---- small helpers ---------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of Asia/Shanghai's clock, in UTC as the database gives it back (a ballot's seal
    covers its time as written)."""
    return datetime.combine(day, time(hour, minute), tzinfo=local_tz()).astimezone(UTC)


def _png(width: int, height: int, strokes: Callable) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    strokes(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _signature_png() -> bytes:
    """A signature as the door-to-door page's pad draws it: dark strokes on a transparent pad."""

    def draw(pen):
        pen.line(
            [(12, 48), (30, 14), (44, 52), (60, 20), (78, 50)], fill=(20, 20, 60, 255), width=4
        )
        pen.line([(92, 40), (120, 18), (140, 46), (170, 30)], fill=(20, 20, 60, 255), width=4)

    return _png(190, 64, draw)


def _scan_png() -> bytes:
    """A photographed paper ballot: a page with lines and a signature at the foot."""

    def draw(pen):
        pen.rectangle([(0, 0), (119, 169)], fill=(250, 250, 246, 255))
        for y in range(20, 130, 14):
            pen.line([(12, y), (108, y)], fill=(120, 120, 120, 255), width=1)
        pen.line([(60, 150), (72, 140), (84, 156), (100, 142)], fill=(20, 20, 60, 255), width=2)

    return _png(120, 170, draw)


@dataclass
class Files:
    signature: bytes
    scan: bytes

    def signed(self) -> ContentFile:
        return ContentFile(self.signature, name="signature.png")

    def scanned(self, name: str = "ballot.png") -> ContentFile:
        return ContentFile(self.scan, name=name)


@dataclass
class Planned:
    """One ballot to cast: whose, how, when, saying what, recorded by whom."""

    elector: Elector
    channel: str
    when: datetime
    choices: dict
    recorder: User | None = None  # None: online, cast by the owner's own account
    proxy: object | None = None


def _electors(vote: Vote) -> list[Elector]:
    return list(vote.electors.select_related("building").prefetch_related("people").order_by("id"))


def _voter(elector: Elector):
    people = sorted(elector.people.all(), key=lambda p: p.pk)
    return people[0] if people else None


def _cast_all(vote: Vote, plan: list[Planned], files: Files, accounts: dict[int, User]) -> None:
    """Cast the planned ballots in the order they came in, each through `ballot_cast`."""
    for item in sorted(plan, key=lambda p: (p.when, p.elector.pk)):
        voter = _voter(item.elector)
        extra: dict = {}
        if item.channel == Channel.ONLINE:
            actor = accounts[voter.pk]
        else:
            actor = item.recorder
            extra["voter"] = voter
        if item.channel == Channel.PAPER:
            extra.update(scan=files.scanned(), signed=True)
        elif item.channel == Channel.CANVASS:
            extra["signature"] = files.signed()
        elif item.channel == Channel.PROXY:
            extra.update(
                proxy=item.proxy,
                voter=item.proxy,
                authorisation=files.scanned("authorisation.png"),
            )
        ballots.ballot_cast(
            actor=actor,
            vote=vote,
            elector=item.elector,
            choices=item.choices,
            channel=item.channel,
            now=item.when,
            **extra,
        )
    # The rows were written now; they stand for the moments the ballots came in.
    Ballot.objects.filter(vote=vote).update(created_at=F("cast_at"), updated_at=F("cast_at"))


def _backdate_vote(vote: Vote, created: datetime) -> None:
    """Rows of the vote itself (not its chained audit events, whose hashes cover their time)."""
    last = max(
        t
        for t in (
            vote.published_at,
            vote.opened_at,
            vote.closed_at,
            vote.tallied_at,
            vote.result_published_at,
            vote.archived_at,
            created,
        )
        if t is not None
    )
    Vote.objects.filter(pk=vote.pk).update(created_at=created, updated_at=last)
    vote.motions.update(created_at=created, updated_at=created)
    Candidate.objects.filter(motion__vote=vote).update(created_at=created, updated_at=created)
    VoteDocument.objects.filter(vote=vote).update(created_at=created, updated_at=created)


def _document(actor, vote: Vote, title: str, text: str) -> None:
    upload = ContentFile(text.encode(), name=f"{title}.txt")
    services.document_add(actor=actor, vote=vote, title=title, upload=upload)


def _mark_visits(
    actor, electors: list[Elector], statuses: list[tuple[str, str]], moments: list[datetime]
) -> None:
    """Door-to-door visits that brought no ballot, recorded through `canvass_mark` and put at
    the evenings they happened."""
    for elector, (status, note), moment in zip(electors, statuses, moments, strict=True):
        ballots.canvass_mark(actor=actor, elector=elector, status=status, note=note)
        Elector.objects.filter(pk=elector.pk).update(canvassed_at=moment)


def _window_moment(rnd: random.Random, start: datetime, end: datetime, hours=(8, 21)) -> datetime:
    """A moment between `start` and `end`, within local daytime `hours`."""
    tz = local_tz()
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    for _ in range(100):
        day = first + timedelta(days=rnd.randint(0, (last - first).days))
        moment = at(day, rnd.randint(hours[0], hours[1] - 1), rnd.randint(0, 59))
        if start <= moment < end:
            return moment
    return start + (end - start) / 2


def _accounts(electors: list[Elector]) -> dict[int, User]:
    """Owners with an account of their own ({person id: user}): they can vote online."""
    ids = {p.pk for e in electors for p in e.people.all()}
    users = User.objects.filter(person_id__in=ids, is_active=True).order_by("pk")
    found: dict[int, User] = {}
    for user in users:
        found.setdefault(user.person_id, user)
    return found


def _share(planned: list[tuple[Elector, object]], electors: list[Elector]) -> list[tally.Owner]:
    """The electorate as the tally sees it, with the planned answers."""
    answers = {e.pk: choice for e, choice in planned}
    return [tally.Owner(e.key, e.area, answers.get(e.pk)) for e in electors]


def _ratio(part: tally.Share, whole: tally.Share) -> tuple[float, float]:
    area, owners = part.of(whole)
    return float(owners), float(area)


# ---- 锦绣金山小区 -------------------------------------------------------------------------------

ELECTION_PUBLISHED = at(date(2017, 10, 30), 10)
ELECTION_OPENS = at(date(2017, 11, 16), 9)
ELECTION_DAY = date(2017, 11, 23)
ELECTION_CLOSES = at(ELECTION_DAY, 17)

ELECTION_RULES = (
    "锦绣金山小区业主委员会选举办法（摘要）\n"
    "一、本届业主委员会设委员7名、候补委员2名。\n"
    "二、候选人由业主自荐、业主联名推荐或小区党支部推荐，须为本小区业主，名单公示不少于7日。\n"
    "三、每张选票最多同意7名候选人，多选的选票作废（计入参与表决）。\n"
    "四、候选人须获参与表决专有部分面积过半数且参与表决人数过半数的同意方可当选；按同意人数"
    "多少确定委员，其余得票过半数者依次为候补委员，得票相同不能确定的，另行选举。\n"
    "五、投票方式：11月16日起领取纸质选票投入票箱，行动不便的业主由工作人员上门收取并签名"
    "确认，可书面委托他人投票；11月23日上午在小区中心花园召开业主大会现场投票，当日下午唱票、"
    "计票并公布结果。\n"
)
CANDIDATE_STATEMENTS = {
    "director": "退休企业经理。愿意把管理经验用在小区，先把卫生、停车这些大家最头疼的事管起来。",
    "build": "路桥集团工程师，熟悉工程管理，愿意监督小区改造施工的质量和进度。",
    "resources": "在职教师，愿意对接社区和共建单位，为小区引进资源和服务。",
    "member": "在小区住了十多年，愿意为邻居们跑腿办事，账目公开、办事公道。",
    "alternate": "热心业主，愿意协助业委会做好楼道清洁和意见收集。",
    "other": "愿意为小区出一份力。",
}
REGULATIONS = [
    (
        "procedure_rules",
        "《锦绣金山小区业主大会议事规则》",
        "规定业主大会的召开、表决程序和业委会的议事方式。",
    ),
    (
        "management_code",
        "《锦绣金山小区管理规约》",
        "明确业主使用物业的权利义务、公共部位维护和违约处理。",
    ),
    (
        "other",
        "《锦绣金山小区车辆管理规定》",
        "划线停车、车辆登记、外来车辆临时停放和消防通道管理。",
    ),
    (
        "other",
        "《锦绣金山小区公共收益管理办法》",
        "公共收益单独列账、每季度公示，使用须经业主大会决定。",
    ),
    (
        "other",
        "《锦绣金山小区装修管理规定》",
        "装修登记、施工时间、建筑垃圾清运和禁止改动承重结构。",
    ),
    ("other", "《锦绣金山小区环境卫生管理规定》", "垃圾分类投放、楼道不堆放杂物、绿化带不种菜。"),
    ("other", "《锦绣金山小区文明养宠公约》", "犬只登记、牵绳出行、及时清理粪便，不在楼道饲养。"),
]
ASSEMBLY_PUBLISHED = at(date(2018, 2, 20), 10)
ASSEMBLY_OPENS = at(date(2018, 3, 10), 9)
ASSEMBLY_DAY = date(2018, 3, 24)
ASSEMBLY_CLOSES = at(ASSEMBLY_DAY, 17)
VEHICLE_PUBLISHED = at(date(2018, 4, 2), 10)
VEHICLE_OPENS = at(date(2018, 4, 8), 8)
VEHICLE_CLOSES = at(date(2018, 4, 30), 20)
VISIT_NOTES = {
    CanvassStatus.CONTACTED: ["家里人说要再商量", "老人在家，子女不在", "先看看规定再说"],
    CanvassStatus.UNREACHABLE: ["多次上门无人应答", "业主长期在外地", "房屋空置"],
}


@dataclass
class JinxiuCast:
    compound: Compound
    community: User  # community staff: ran the 2017 election with the preparatory group
    party: User  # party secretary: led the door-to-door rounds
    owners: User  # owners' committee director: runs the assembly's votes from 2018
    committee: Organisation
    seats: list[tuple[object, str, str]]  # (person, role, portfolio) the demo's committee holds


def _jinxiu_cast(compound: Compound) -> JinxiuCast | None:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["jinshan-community", "jinxiu-party", "jinxiu-owners"]
        )
    }
    committee = Organisation.objects.filter(
        compound=compound, kind=OrgKind.OWNERS_COMMITTEE
    ).first()
    if len(users) < 3 or committee is None:
        return None
    order = {
        MemberRole.DIRECTOR: 0,
        MemberRole.DEPUTY_DIRECTOR: 1,
        MemberRole.COMMITTEE_MEMBER: 2,
        MemberRole.ALTERNATE: 3,
    }
    seats = sorted(
        Membership.objects.current().filter(organisation=committee).select_related("person"),
        key=lambda m: (order.get(m.role, 9), m.portfolio != "小区建设", m.pk),
    )
    return JinxiuCast(
        compound,
        users["jinshan-community"],
        users["jinxiu-party"],
        users["jinxiu-owners"],
        committee,
        [(m.person, m.role, m.portfolio) for m in seats],
    )


def _approve(rnd: random.Random, keys: list[str], weights: list[float], k: int) -> list[str]:
    """`k` of `keys` drawn without replacement, each in proportion to its weight."""
    drawn = sorted(zip(keys, weights, strict=True), key=lambda kw: -(rnd.random() ** (1 / kw[1])))
    return sorted(key for key, _w in drawn[:k])


def _election_plan(
    rnd: random.Random, electors: list[Elector], keys: list[str], cast: JinxiuCast, proxies: dict
) -> list[Planned]:
    """Ballots for the election: about 82 % of the owners; most at the meeting on the day or on
    paper before it, some collected at the door, a few by proxy. `keys` are in the candidates'
    standing (the seven members, the two alternates, the two others), which the approvals
    follow; a few owners abstain, and a few paper ballots approve one name too many (void)."""
    weights = [7, 6.2, 5.6, 5, 4.6, 4.2, 3.9, 3.3, 3.0, 0.9, 0.7]
    voters = [e for e in electors if e.people.all()]
    rnd.shuffle(voters)
    voters = voters[: round(len(voters) * 0.82)]
    plan = []
    for elector in voters:
        roll = rnd.random()
        proxy = proxies.get(elector.pk)
        if proxy is not None and roll < 0.08:
            channel, when = Channel.PROXY, at(ELECTION_DAY, 9, rnd.randint(0, 50))
        elif roll < 0.5:
            channel = Channel.ONSITE
            when = at(ELECTION_DAY, rnd.choice((9, 10, 11)), rnd.randint(0, 59))
        elif roll < 0.84:
            channel = Channel.PAPER
            when = _window_moment(rnd, ELECTION_OPENS, at(ELECTION_DAY, 8))
        else:
            channel = Channel.CANVASS
            when = _window_moment(rnd, ELECTION_OPENS, at(ELECTION_DAY, 8), hours=(18, 21))
        size = rnd.choice([7] * 8 + [6, 5])
        if channel == Channel.PAPER and rnd.random() < 0.03:
            size = ELECTION_SEATS + 1
        choice = "abstain" if rnd.random() < 0.02 else _approve(rnd, keys, weights, size)
        recorder = cast.party if channel == Channel.CANVASS else cast.community
        held = proxy if channel == Channel.PROXY else None
        plan.append(Planned(elector, channel, when, choice, recorder, held))
    return plan


def _proxies(electors: list[Elector]) -> dict[int, object]:
    """For each elector, a family member living in its first home, who could hold a proxy
    (electors come with their units prefetched)."""
    from mulin.people.models import Person

    first_unit = {
        e.pk: min(e.units.all(), key=lambda u: u.pk).unit_id for e in electors if e.units.all()
    }
    family: dict[int, int] = {}
    for unit_id, person_id in (
        Residency.objects.current()
        .filter(unit_id__in=first_unit.values(), relation="family")
        .order_by("person_id")
        .values_list("unit_id", "person_id")
    ):
        family.setdefault(unit_id, person_id)
    people = Person.objects.in_bulk(family.values())
    return {e: people[family[u]] for e, u in first_unit.items() if u in family}


def _election_choice(answer) -> object:
    """A planned election answer as the tally reads it."""
    if answer == "abstain":
        return frozenset()
    return tally.VOID if len(answer) > ELECTION_SEATS else frozenset(answer)


def _jinxiu_election(cast: JinxiuCast, rnd: random.Random, files: Files) -> Vote:
    actor = cast.community
    vote = services.vote_create(
        actor=actor,
        compound=cast.compound,
        title="锦绣金山小区业主大会：选举新一届业主委员会",
        description=(
            "在小区党支部牵头下，业委会筹备组拟定选举办法，经公示后召开业主大会选举业主委员会"
            "委员7名、候补委员2名。"
        ),
        opens_at=ELECTION_OPENS,
        closes_at=ELECTION_CLOSES,
        meeting_place="小区中心花园",
        secret=True,
        online=False,
    )
    motion = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业主委员会委员7名、候补委员2名",
        text="每张选票最多同意7名候选人；得票过半数者按同意人数多少当选委员，其后两名为候补委员。",
        seats=ELECTION_SEATS,
        alternate_seats=ELECTION_ALTERNATES,
    )
    # The demo's committee, in the order of its standing, then two owners who were not elected.
    people = [person for person, _role, _portfolio in cast.seats]
    taken = {p.pk for p in people}
    others = list(
        Residency.objects.current()
        .filter(unit__compound=cast.compound, relation="owner", person__birth_year__lte=1985)
        .exclude(person_id__in=taken)
        .select_related("person")
        .order_by("person_id")
    )
    extra = [r.person for r in rnd.sample(others, 2)]
    statements = (
        ["director", "build", "resources"]
        + ["member"] * (ELECTION_SEATS - 3)
        + ["alternate"] * ELECTION_ALTERNATES
        + ["other", "other"]
    )
    nominations = [
        Candidate.Nomination.PARTY,
        Candidate.Nomination.OWNERS,
        Candidate.Nomination.PARTY,
        Candidate.Nomination.OWNERS,
        Candidate.Nomination.SELF,
        Candidate.Nomination.OWNERS,
        Candidate.Nomination.PARTY,
        Candidate.Nomination.SELF,
        Candidate.Nomination.OWNERS,
        Candidate.Nomination.SELF,
        Candidate.Nomination.SELF,
    ]
    # Candidates stand on the ballot in surname-stroke order, not in their standing.
    listed = sorted(
        zip(people + extra, statements, nominations, strict=True), key=lambda x: x[0].name_pinyin
    )
    keys_by_person = {}
    for person, statement, nomination in listed:
        candidate = services.candidate_add(
            actor=actor,
            motion=motion,
            person=person,
            nomination=nomination,
            statement=CANDIDATE_STATEMENTS[statement],
        )
        keys_by_person[person.pk] = candidate.key
    ranked_keys = [keys_by_person[p.pk] for p in people + extra]
    _document(actor, vote, "业主委员会选举办法（摘要）", ELECTION_RULES)
    vote = services.vote_publish(actor=actor, vote=vote, now=ELECTION_PUBLISHED)
    vote = services.vote_open(actor=actor, vote=vote, now=ELECTION_OPENS)
    electors = list(
        vote.electors.select_related("building").prefetch_related("people", "units").order_by("id")
    )
    proxies = _proxies(electors)
    key = str(motion.pk)
    wanted = (ranked_keys[:ELECTION_SEATS], ranked_keys[ELECTION_SEATS : ELECTION_SEATS + 2])
    for attempt in range(MAX_PLAN_TRIES):
        trial = random.Random(f"{cast.compound.code}-election-{attempt}")
        plan = _election_plan(trial, electors, ranked_keys, cast, proxies)
        owners = _share([(p.elector, _election_choice(p.choices)) for p in plan], electors)
        result = tally.election_tally(
            owners, candidates=ranked_keys, seats=ELECTION_SEATS, alternates=ELECTION_ALTERNATES
        )
        if (
            result.quorum_met
            and not result.ties
            and set(result.elected) == set(wanted[0])
            and result.alternates == wanted[1]
        ):
            break
    else:  # pragma: no cover - the odds above make this practically impossible
        raise RuntimeError("no ballot plan elects the demo's committee")
    for item in plan:
        item.choices = {key: item.choices}
    _cast_all(vote, plan, files, {})
    vote = services.vote_close(actor=actor, vote=vote, now=ELECTION_CLOSES)
    vote = results.vote_tally(actor=actor, vote=vote, now=at(ELECTION_DAY, 18))
    # The demo's committee seats were made with the compound; the election seats them now.
    Membership.objects.filter(organisation=cast.committee).delete()
    vote = results.vote_publish_result(actor=actor, vote=vote, now=at(ELECTION_DAY, 20))
    _give_roles(cast, actor)
    services.assembly_update(actor=actor, assembly=vote.assembly, established_on=ELECTION_DAY)
    vote = services.vote_archive(actor=actor, vote=vote, now=at(date(2017, 12, 11), 9))
    _backdate_vote(vote, at(date(2017, 10, 20), 15))
    return vote


def _give_roles(cast: JinxiuCast, actor) -> None:
    """At its first meeting the committee chose its director and its two deputies (construction,
    resources); the seed article's committee is still the one in office, so the term is open."""
    roles = {person.pk: (role, portfolio) for person, role, portfolio in cast.seats}
    seated = list(Membership.objects.filter(organisation=cast.committee).select_related("person"))
    for membership in seated:
        role, portfolio = roles[membership.person_id]
        before = {"role": membership.role, "portfolio": membership.portfolio}
        before["term_end"] = membership.term_end
        changes = audit.diff(before, {"role": role, "portfolio": portfolio, "term_end": None})
        membership.role, membership.portfolio = role, portfolio
        membership.term_end, membership.phone = None, membership.person.phone
        audit.record(
            actor=actor,
            action="membership.update",
            target=membership,
            subject_person=membership.person,
            changes=changes,
        )
    Membership.objects.bulk_update(seated, ["role", "portfolio", "term_end", "phone"])


def _yes_no(rnd: random.Random, yes: float, no: float) -> str:
    roll = rnd.random()
    return "yes" if roll < yes else "no" if roll < yes + no else "abstain"


def _jinxiu_assembly(cast: JinxiuCast, files: Files) -> Vote:
    actor = cast.owners
    vote = services.vote_create(
        actor=actor,
        compound=cast.compound,
        title="锦绣金山小区2018年第一次业主大会：审议小区规章制度",
        description="业主委员会提请业主大会审议7份小区规章制度，草案已在各楼道公示栏和业主微信群公示。",
        opens_at=ASSEMBLY_OPENS,
        closes_at=ASSEMBLY_CLOSES,
        meeting_place="小区中心花园",
    )
    motions = []
    for matter, title, text in REGULATIONS:
        motions.append(
            services.motion_add(
                actor=actor,
                vote=vote,
                kind=MotionKind.ORDINARY,
                matter=matter,
                title=f"审议通过{title}",
                text=text,
            )
        )
    _document(
        actor,
        vote,
        "七份规章制度草案（公示稿）",
        "\n".join(f"{n}. {title}：{text}" for n, (_m, title, text) in enumerate(REGULATIONS, 1)),
    )
    vote = services.vote_publish(actor=actor, vote=vote, now=ASSEMBLY_PUBLISHED)
    vote = services.vote_open(actor=actor, vote=vote, now=ASSEMBLY_OPENS)
    electors = _electors(vote)
    accounts = _accounts(electors)
    support = [0.9, 0.86, 0.8, 0.84, 0.82, 0.9, 0.76]
    for attempt in range(MAX_PLAN_TRIES):
        trial = random.Random(f"{cast.compound.code}-assembly-{attempt}")
        voters = [e for e in electors if e.people.all()]
        trial.shuffle(voters)
        voters = voters[: round(len(voters) * 0.79)]
        plan = []
        for elector in voters:
            answers = {
                str(m.pk): _yes_no(trial, p, (1 - p) * 0.55)
                for m, p in zip(motions, support, strict=True)
            }
            voter = _voter(elector)
            roll = trial.random()
            if voter.pk in accounts and roll < 0.5:
                channel, when, recorder = (
                    Channel.ONLINE,
                    _window_moment(trial, ASSEMBLY_OPENS, ASSEMBLY_CLOSES, hours=(7, 23)),
                    None,
                )
            elif roll < 0.45:
                channel, when, recorder = (
                    Channel.ONSITE,
                    at(ASSEMBLY_DAY, trial.choice((9, 10)), trial.randint(0, 59)),
                    cast.owners,
                )
            elif roll < 0.85:
                channel, when, recorder = (
                    Channel.PAPER,
                    _window_moment(trial, ASSEMBLY_OPENS, at(ASSEMBLY_DAY, 8)),
                    cast.owners,
                )
            else:
                channel, when, recorder = (
                    Channel.CANVASS,
                    _window_moment(trial, ASSEMBLY_OPENS, at(ASSEMBLY_DAY, 8), hours=(18, 21)),
                    cast.party,
                )
            plan.append(Planned(elector, channel, when, answers, recorder))
        ok = True
        for motion in motions:
            owners = _share([(p.elector, p.choices[str(motion.pk)]) for p in plan], electors)
            if not tally.motion_tally(owners, kind="ordinary").passed:
                ok = False
        if ok:
            break
    else:  # pragma: no cover
        raise RuntimeError("no ballot plan passes the regulations")
    _cast_all(vote, plan, files, accounts)
    vote = services.vote_close(actor=actor, vote=vote, now=ASSEMBLY_CLOSES)
    vote = results.vote_tally(actor=actor, vote=vote, now=at(ASSEMBLY_DAY, 18))
    vote = results.vote_publish_result(
        actor=actor, vote=vote, now=at(ASSEMBLY_DAY + timedelta(days=1), 10)
    )
    vote = services.vote_archive(actor=actor, vote=vote, now=at(date(2018, 4, 10), 9))
    _backdate_vote(vote, at(date(2018, 2, 12), 15))
    return vote


def _jinxiu_vehicles(cast: JinxiuCast, files: Files) -> Vote:
    actor = cast.owners
    vote = services.vote_create(
        actor=actor,
        compound=cast.compound,
        title="《锦绣金山小区车辆管理规定》实施征求意见",
        description=(
            "小区党支部、业委会、物业联合入户，逐户征求对车辆管理规定实施的意见，同时登记车辆信息。"
        ),
        opens_at=VEHICLE_OPENS,
        closes_at=VEHICLE_CLOSES,
        meeting_kind=MeetingKind.CONSULTATION,
    )
    support = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.CONSULTATION,
        title="您是否支持《车辆管理规定》付诸实施（划线停车、车辆登记、外来车辆临时停放管理）？",
    )
    cars = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.SINGLE,
        title="您家需要在小区内停放几辆车？",
        options=["没有车", "1辆", "2辆及以上"],
    )
    vote = services.vote_publish(actor=actor, vote=vote, now=VEHICLE_PUBLISHED)
    vote = services.vote_open(actor=actor, vote=vote, now=VEHICLE_OPENS)
    electors = _electors(vote)
    accounts = _accounts(electors)
    for attempt in range(MAX_PLAN_TRIES):
        trial = random.Random(f"{cast.compound.code}-vehicles-{attempt}")
        voters = [e for e in electors if e.people.all()]
        trial.shuffle(voters)
        count = round(len(voters) * 0.965)
        absent, voters = voters[count:], voters[:count]
        plan = []
        for elector in voters:
            voter = _voter(elector)
            roll = trial.random()
            if voter.pk in accounts and roll < 0.3:
                channel, recorder = Channel.ONLINE, None
                when = _window_moment(trial, VEHICLE_OPENS, VEHICLE_CLOSES, hours=(7, 23))
            elif roll < 0.12:
                channel, recorder = Channel.PAPER, cast.owners
                when = _window_moment(trial, VEHICLE_OPENS, VEHICLE_CLOSES)
            else:
                channel = Channel.CANVASS
                recorder = cast.party if trial.random() < 0.6 else cast.owners
                when = _window_moment(trial, VEHICLE_OPENS, VEHICLE_CLOSES, hours=(18, 21))
            answers = {
                str(support.pk): _yes_no(trial, 0.93, 0.045),
                str(cars.pk): [trial.choices(["o1", "o2", "o3"], weights=[45, 48, 7])[0]],
            }
            plan.append(Planned(elector, channel, when, answers, recorder))
        owners = _share([(p.elector, p.choices[str(support.pk)]) for p in plan], electors)
        result = tally.motion_tally(owners, kind="consultation")
        rates = [*_ratio(result.yes, result.total), *_ratio(result.yes, result.participating)]
        if all(0.87 <= rate <= 0.94 for rate in rates):
            break
    else:  # pragma: no cover
        raise RuntimeError("no ballot plan gives about 90 % support")
    _cast_all(vote, plan, files, accounts)
    visits = []
    for _elector in absent:
        status = trial.choice([CanvassStatus.CONTACTED, CanvassStatus.UNREACHABLE])
        visits.append((status, trial.choice(VISIT_NOTES[status])))
    moments = [_window_moment(trial, VEHICLE_OPENS, VEHICLE_CLOSES, hours=(18, 21)) for _ in absent]
    _mark_visits(cast.party, absent, visits, moments)
    vote = services.vote_close(actor=actor, vote=vote, now=VEHICLE_CLOSES)
    vote = results.vote_tally(actor=actor, vote=vote, now=at(date(2018, 5, 2), 10))
    vote = results.vote_publish_result(actor=actor, vote=vote, now=at(date(2018, 5, 2), 16))
    vote = services.vote_archive(actor=actor, vote=vote, now=at(date(2018, 5, 20), 9))
    _backdate_vote(vote, at(date(2018, 3, 28), 15))
    return vote


def _jinxiu(compound: Compound) -> int:
    cast = _jinxiu_cast(compound)
    if cast is None:
        return 0
    rnd = random.Random(f"{compound.code}-votes")
    files = Files(_signature_png(), _scan_png())
    _jinxiu_election(cast, rnd, files)
    _jinxiu_assembly(cast, files)
    _jinxiu_vehicles(cast, files)
    return 3


# ---- 仓基新村 -----------------------------------------------------------------------------------

RENOVATION_TEXTS = [
    "顶楼每年梅雨季都漏，屋面防水一定要做好。",
    "楼道加装扶手，老人上下楼方便些。",
    "雨污管道经常堵，改造时一并解决。",
    "电动车充电棚要远离楼道，注意消防安全。",
    "施工期间早上八点前、中午不要有噪音。",
    "改造后要有长效管理，不要修好了没人管。",
    "葡萄架下的休息区请保留，大家喜欢在那里下棋。",
    "晾衣架统一安装，不要影响楼下。",
    "车棚里常丢电瓶，希望加装监控。",
    "希望施工方公示进度，民间达人参与监督。",
    "单元门禁老是坏，换个质量好的。",
    "垃圾投放点离我们楼太近，夏天有味道。",
]


def _cangji(compound: Compound) -> int:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["cangji-household", "cangji-branch8", "cangji-party", "cangji-resident"]
        )
    }
    if len(users) < 4:
        return 0
    actor, branch8, party = (
        users["cangji-household"],
        users["cangji-branch8"],
        users["cangji-party"],
    )
    rnd = random.Random(f"{compound.code}-votes")
    files = Files(_signature_png(), _scan_png())
    now = timezone.now().replace(second=0, microsecond=0)
    today = timezone.localdate(now)
    opens = at(today - timedelta(days=9), 8)
    closes = at(today + timedelta(days=21), 20)
    vote = services.vote_create(
        actor=actor,
        compound=compound,
        title="仓基新村小区综合改造提升方案征求意见",
        description=(
            "小区议事厅先后7次召开“睦邻圆桌会”，汇总居民提出的改造需求形成方案。"
            "现由家委会会同各党支部、准物业逐户征求意见，也可在线填写或到社区领取纸质意见表。"
        ),
        opens_at=opens,
        closes_at=closes,
        meeting_kind=MeetingKind.CONSULTATION,
        meeting_place="社区阳光食堂二楼小区民议事厅",
    )
    support = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.CONSULTATION,
        title="您是否支持《仓基新村综合改造提升方案》？",
        text="方案包括屋面防水、雨污分流、楼道整治、非机动车棚和睦邻长廊休憩设施。",
    )
    priority = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.SINGLE,
        title="改造中您最希望优先解决哪一项？",
        options=[
            "屋面防水和外墙渗漏",
            "雨污管网改造",
            "楼道照明和消防设施",
            "非机动车停放和充电",
            "绿化和休闲空间",
        ],
    )
    wishes = services.motion_add(
        actor=actor,
        vote=vote,
        kind=MotionKind.MULTIPLE,
        title="您希望增加哪些公共设施？（可多选）",
        options=[
            "长廊休息座椅",
            "电动自行车充电棚",
            "老年活动室",
            "儿童游乐设施",
            "快递柜",
            "无障碍坡道",
        ],
    )
    remarks = services.motion_add(
        actor=actor, vote=vote, kind=MotionKind.TEXT, title="您对改造方案还有什么意见和建议？"
    )
    _document(
        actor,
        vote,
        "综合改造提升方案（征求意见稿）",
        "仓基新村综合改造提升方案（征求意见稿）\n一、屋面防水和外墙修缮\n二、雨污分流和管网改造\n"
        "三、楼道整治：照明、扶手、消防设施\n四、非机动车棚和充电设施\n五、睦邻长廊休憩设施和绿化\n",
    )
    vote = services.vote_publish(actor=actor, vote=vote, now=opens - timedelta(days=1))
    vote = services.vote_open(actor=actor, vote=vote, now=opens)
    electors = _electors(vote)
    accounts = _accounts(electors)
    login = users["cangji-resident"].person_id
    # Branch 8 (buildings 62–64) went round first; some other buildings have begun.
    done = {"62": 0.75, "63": 0.8, "64": 0.7}
    started = dict.fromkeys(("44", "53", "59"), 0.3)
    plan, visits, visited = [], [], []
    for elector in electors:
        voter = _voter(elector)
        number = elector.building.number if elector.building_id else ""
        share = done.get(number, started.get(number, 0.03))
        if voter is None or voter.pk == login:
            continue  # the resident login's own home is left to vote online in the demo
        roll = rnd.random()
        if roll >= share:
            if number in done or (number in started and rnd.random() < 0.3):
                status = rnd.choice([CanvassStatus.CONTACTED, CanvassStatus.UNREACHABLE])
                visits.append((status, rnd.choice(VISIT_NOTES[status])))
                visited.append(elector)
            continue
        if voter.pk in accounts and rnd.random() < 0.5:
            channel, recorder = Channel.ONLINE, None
            when = _window_moment(rnd, opens, now, hours=(7, 23))
        elif number in done or number in started:
            channel = Channel.CANVASS
            recorder = branch8 if number in done else party
            when = _window_moment(rnd, opens, now, hours=(9, 20))
        else:
            channel = rnd.choice([Channel.PAPER, Channel.ONSITE])
            recorder = party
            when = _window_moment(rnd, opens, now, hours=(9, 17))
        multiple = sorted(
            {
                rnd.choices(["o1", "o2", "o3", "o4", "o5", "o6"], weights=[30, 26, 18, 8, 12, 6])[0]
                for _ in range(rnd.randint(1, 3))
            }
        )
        answers = {
            str(support.pk): _yes_no(rnd, 0.88, 0.06),
            str(priority.pk): [
                rnd.choices(["o1", "o2", "o3", "o4", "o5"], weights=[38, 22, 14, 16, 10])[0]
            ],
            str(wishes.pk): multiple,
            str(remarks.pk): {"text": rnd.choice(RENOVATION_TEXTS) if rnd.random() < 0.4 else ""},
        }
        plan.append(
            Planned(elector, channel, min(when, now - timedelta(minutes=5)), answers, recorder)
        )
    _cast_all(vote, plan, files, accounts)
    moments = [_window_moment(rnd, opens, now, hours=(9, 20)) for _ in visited]
    _mark_visits(branch8, visited, visits, moments)
    _backdate_vote(vote, opens - timedelta(days=3))
    return 1


# ---- entry points --------------------------------------------------------------------------


def ensure_votes(code: str) -> int:
    """Give a demo compound its votes unless it has some; returns how many were made."""
    compound = Compound.objects.filter(code=code).first()
    if compound is None or Vote.objects.filter(compound=compound).exists():
        return 0
    if code == jinxiu.CODE:
        return _jinxiu(compound)
    if code == cangji.CODE:
        return _cangji(compound)
    return 0


def remove_votes(compounds) -> None:
    """Delete the demo compounds' votes with their ballots, files and hash chains; called before
    the compounds themselves are removed (votes protect their compound, ballots their voters)."""
    votes = Vote.objects.filter(compound__in=compounds)
    chains = [services.chain_of(v) for v in votes.only("pk")]
    stored = []
    for scan, signature, authorisation in Ballot.objects.filter(vote__in=votes).values_list(
        "scan", "signature", "authorisation"
    ):
        stored += [name for name in (scan, signature, authorisation) if name]
    stored += [
        f for f in VoteDocument.objects.filter(vote__in=votes).values_list("file", flat=True) if f
    ]
    Ballot.objects.filter(vote__in=votes).delete()
    votes.delete()
    MeetingRequest.objects.filter(compound__in=compounds).delete()
    AuditEvent.objects.filter(Q(chain__in=chains)).delete()
    AuditChainHead.objects.filter(chain__in=chains).delete()
    from django.core.files.storage import default_storage

    for name in stored:
        default_storage.delete(name)
