"""仓基新村 (Hangzhou, Gongshu district, Hushu subdistrict), after seed article 001.

Built in the 1980s; no owners' committee and no commercial property company: the "new three
parties" are the party organisation, a household committee and a quasi-property service run by
the subdistrict. "3+X": 1 party committee, 9 branches, 27 stairwell groups, 8 self-governance
teams; 17 partner organisations. Branch 8's secretary answers for building 63.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from mulin.orgs.models import DutyShift, MemberRole, OrgKind
from mulin.people.models import Company, Person, Skill
from mulin.places.models import CityRuleSet, Compound

from .builder import (
    BuildingPlan,
    Built,
    CompoundBuilder,
    EntrancePlan,
    ensure_community,
    local_tz,
)

CODE = "cangji-xincun"
FIRST_BUILDING = 41  # buildings 41–67: three per branch, so branch 8 has 62, 63 and 64
BRANCHES = 9
GROUPS_PER_BRANCH = 3
CHINESE_NUMBERS = "一二三四五六七八九"

DESCRIPTION = (
    "仓基新村建于20世纪80年代，没有业委会，没有商业物业，由党组织、家委会、准物业组成“新三方”"
    "共同治理。搭建“3+X”党组织架构：1个党委、9个党支部、27个楼道党小组和8支党员自治小队；"
    "区老干部局、区残联、拱墅区房管站等17家共建单位组成“红色微盟”。"
    "每月5日、15日、25日在小区中心广场开展“雷锋角”服务，每个支部管理一个摊位。"
)

SELF_GOVERNANCE_TEAMS = [
    ("绿化养护小队", "负责小区绿化养护。"),
    ("消防安全巡查小队", "定期开展小区消防安全巡查。"),
    ("居民慰问小队", "走访慰问独居、孤寡、空巢老人。"),
    ("道德评议小队", "开展道德评议，助推小区和谐。"),
    ("邻里调解小队", "调解邻里纠纷。"),
    ("文明劝导小队", "劝导不文明停车和乱堆放。"),
    ("垃圾分类督导小队", "在投放点督导垃圾分类。"),
    ("睦邻长廊维护小队", "维护睦邻长廊和文化墙。"),
]

PARTNERS = [
    ("拱墅区委老干部局", "组织老干部党员参与小区议事和结对帮扶。"),
    ("拱墅区残疾人联合会", "为残疾居民提供辅具适配和康复服务。"),
    (
        "拱墅区房管站",
        "老旧小区提升改造政策咨询、个性化修缮、房屋质保；今年已处理20起居民房屋大修申请。",
    ),
    ("湖墅派出所", "社区民警联系小区，开展防诈骗宣传。"),
    ("湖墅街道社区卫生服务中心", "家庭医生签约和上门随访。"),
    ("拱墅区消防救援大队湖墅中队", "消防安全培训和演练。"),
    ("仓基口腔诊所", "“雷锋角”口腔义诊。"),
    ("湖墅律师事务所", "“雷锋角”法律咨询。"),
    ("拱墅供电服务站", "小家电维修和用电安全检查。"),
    ("湖墅市场监督管理所", "食品安全和消费维权宣传。"),
    ("拱墅区图书馆湖墅分馆", "流动书屋进小区。"),
    ("仓基小学", "小手拉大手，垃圾分类宣传。"),
    ("湖墅中学", "学生志愿服务。"),
    ("杭州银行湖墅支行", "防范金融诈骗讲座。"),
    ("拱墅区城管执法中队", "协助整治违章搭建。"),
    ("拱墅区红十字会", "应急救护培训。"),
    ("拱墅区人民医院", "健康讲座和义诊。"),
]

HOME_ORGANISATIONS = [
    "拱墅区教育局机关党支部",
    "湖墅街道机关党支部",
    "拱墅区人民医院第二党支部",
    "杭州公交集团第五分公司党支部",
    "拱墅区税务局第一党支部",
    "浙江某建设集团第三党支部",
]


def _plans(builder: CompoundBuilder) -> list[BuildingPlan]:
    """27 six-storey walk-ups of the 1980s, one to three stairwells each, two or three small
    homes a floor."""
    rnd = builder.random
    plans = []
    for number in range(FIRST_BUILDING, FIRST_BUILDING + BRANCHES * GROUPS_PER_BRANCH):
        entrances = []
        for e in range(1, rnd.choice((1, 2, 2, 2, 3, 3)) + 1):
            per_floor = 3 if rnd.random() < 0.2 else 2
            areas = [builder.area(60, 88) for _ in range(per_floor)]
            entrances.append(EntrancePlan(str(e), list(range(1, 7)), areas))
        plans.append(
            BuildingPlan(str(number), 6, rnd.choice((1984, 1985, 1986, 1987)), False, entrances)
        )
    return plans


def typhoon_night(now: datetime) -> tuple[datetime, datetime]:
    """The night of 9–10 August (the 4 a.m. call about building 63), the latest one past."""
    tz = local_tz()
    year = now.astimezone(tz).year
    end = datetime.combine(date(year, 8, 10), time(8, 0), tzinfo=tz)
    if end > now:
        end = end.replace(year=year - 1)
    return end - timedelta(hours=12), end


def _branch_name(n: int) -> str:
    return f"仓基新村第{CHINESE_NUMBERS[n]}党支部"


def build() -> Built:
    community = ensure_community(
        province="浙江省",
        city="杭州市",
        district=("拱墅区", "hangzhou-gongshu"),
        subdistrict=("湖墅街道", "gongshu-hushu"),
        community=("仓基新村社区", "cangji"),
        address="杭州市拱墅区湖墅街道",
    )
    compound = Compound.objects.create(
        community=community,
        code=CODE,
        name="仓基新村",
        address="浙江省杭州市拱墅区湖墅街道仓基新村",
        delivered_year=1986,
        description=DESCRIPTION,
        city_rule_set=CityRuleSet.HANGZHOU,
    )
    b = CompoundBuilder(compound, seed=CODE, plate_prefix="浙A")
    built = Built(compound, community)
    plans = _plans(b)
    b.build_places(plans)
    households = round(len(b.units) * 0.95)
    developer = Company.objects.create(
        name="杭州湖墅房屋开发公司", is_developer=True, compound=compound
    )
    b.settle(
        households=households,
        residents=round(households * 2.55),
        rented=round(households * 0.12),
        developer=developer,
        developer_units=2,
        renovating=6,
        co_owned_share=0.3,
        multi_owners=10,
        sizes=(2, 6),
        small=round(households * 0.22),
    )
    b.save_units()

    residents = b.residents()
    owners = b.owner_residents()
    rnd = b.random
    branch_buildings = [
        [str(FIRST_BUILDING + GROUPS_PER_BRANCH * n + k) for k in range(GROUPS_PER_BRANCH)]
        for n in range(BRANCHES)
    ]

    def pick_near(buildings: list[str], **ages) -> Person:
        pool = [p for number in buildings for p in b.residents_of(number)]
        try:
            return b.pick(pool, **ages)
        except IndexError:
            return b.pick(residents, **ages)

    # People first (one bulk write), organisations after.
    committee_secretary = b.worker("仓基新村社区党委书记", birth_year=b.year - 48, gender="female")
    committee_deputy = b.worker("仓基新村社区党委副书记", birth_year=b.year - 41)
    committee_members = [b.worker("社区工作者") for _ in range(3)]
    branch_people = []
    for buildings in branch_buildings:
        secretary = pick_near(buildings, min_age=55, max_age=76)
        registered = [secretary] + [
            pick_near(buildings, min_age=45, max_age=88, phone=False)
            for _ in range(rnd.randint(11, 16))
        ]
        reporting = [pick_near(buildings, min_age=28, max_age=58) for _ in range(rnd.randint(2, 4))]
        branch_people.append((registered, reporting))
    household_committee = [b.pick(owners, min_age=40, max_age=75) for _ in range(7)]
    station_manager = b.worker("湖墅街道准物业服务站站长")
    engineers = [b.worker("准物业工程小组") for _ in range(3)]
    duty_staff = [b.worker("准物业值班员") for _ in range(2)]
    cleaners = [b.worker("准物业保洁员", gender="female") for _ in range(2)]
    partner_contacts = [b.worker(f"{name}联络人") for name, _ in PARTNERS]
    experts = [
        (
            b.pick(residents, min_age=45, max_age=72),
            Skill.CONSTRUCTION,
            "施工专业知识，监督改造现场",
        ),
        (b.pick(residents, min_age=40, max_age=70), Skill.CONSTRUCTION, "退休监理工程师"),
        (b.pick(residents, min_age=35, max_age=70), Skill.FIRE_SAFETY, "消防安全知识"),
        (b.pick(residents, min_age=35, max_age=70), Skill.FIRE_SAFETY, "退休消防员"),
        (b.pick(residents, min_age=30, max_age=72), Skill.APPLIANCE_REPAIR, "小家电维修"),
        (b.pick(residents, min_age=30, max_age=72), Skill.HAIRCUT, "公益理发"),
        (b.pick(residents, min_age=30, max_age=72), Skill.LEGAL, "法律咨询"),
        (b.pick(residents, min_age=30, max_age=72), Skill.MEDICAL, "口腔科医生"),
    ]
    resident_login = b.pick(b.residents_of("63"), min_age=62, max_age=85)
    b.save_people()
    b.save_ties()

    committee = b.org(
        OrgKind.PARTY_COMMITTEE,
        "仓基新村社区党委",
        community_wide=True,
        founded_on=date(2009, 6, 30),
        description="“3+X”党组织架构：1个党委、9个党支部、27个楼道党小组、X支党员自治小队。",
    )
    b.seat(committee, committee_secretary, MemberRole.SECRETARY, since=date(2021, 6, 1))
    b.seat(committee, committee_deputy, MemberRole.DEPUTY_SECRETARY, since=date(2021, 6, 1))
    for person in committee_members:
        b.seat(committee, person, MemberRole.COMMITTEE_MEMBER, since=date(2021, 6, 1))

    home = {id(p): h.unit.building.number for h in b.households for p, _ in h.members}
    branches, stairwell_groups, party_people = [], [], []
    for n, (buildings, (registered, reporting)) in enumerate(
        zip(branch_buildings, branch_people, strict=True)
    ):
        branch = b.org(
            OrgKind.PARTY_BRANCH,
            _branch_name(n),
            parent=committee,
            founded_on=date(2019, 7, 1),
            order=n + 1,
            description=f"负责{'、'.join(buildings)}幢；“雷锋角”服务日管理一个摊位。",
        )
        branches.append(branch)
        members = registered + reporting
        party_people += members
        seats = {}
        for k, person in enumerate(members):
            role = (
                MemberRole.SECRETARY
                if k == 0
                else MemberRole.COMMITTEE_MEMBER
                if k == 1
                else MemberRole.MEMBER
            )
            seats[id(person)] = b.seat(branch, person, role, since=date(2022, 7, 1))
        for person in registered:
            b.party_member(branch, person)
        for k, person in enumerate(reporting):
            b.party_member(
                branch, person, home=HOME_ORGANISATIONS[(n + k) % len(HOME_ORGANISATIONS)]
            )
        # The branch secretary answers for the branch's buildings (building 63: branch 8).
        for number in buildings:
            building = next(x for x in b.buildings if x.number == number)
            b.answer_for(seats[id(registered[0])], building)
        for number in buildings:
            building = next(x for x in b.buildings if x.number == number)
            group = b.org(
                OrgKind.STAIRWELL_GROUP,
                f"{number}幢楼道党小组",
                parent=branch,
                founded_on=date(2019, 7, 1),
            )
            stairwell_groups.append(group)
            living_here = [p for p in members[1:] if home.get(id(p)) == number]
            leader = living_here[0] if living_here else members[1 + len(stairwell_groups) % 3]
            leader_seat = b.seat(group, leader, MemberRole.LEADER, since=date(2022, 7, 1))
            for other in living_here[1:3]:
                b.seat(group, other, since=date(2022, 7, 1))
            for (bn, _e), entrance in sorted(b.entrances.items()):
                if bn == building.number:
                    b.answer_for(leader_seat, entrance)

    teams = []
    for n, (name, description) in enumerate(SELF_GOVERNANCE_TEAMS):
        team = b.org(
            OrgKind.SELF_GOVERNANCE_TEAM,
            name,
            parent=committee,
            founded_on=date(2020, 5, 1),
            order=n + 1,
            description=description,
        )
        teams.append(team)
        crew = rnd.sample(party_people, rnd.randint(5, 8))
        b.seat(team, crew[0], MemberRole.LEADER)
        for person in crew[1:]:
            b.seat(team, person)

    household_org = b.org(
        OrgKind.HOUSEHOLD_COMMITTEE,
        "仓基新村家委会",
        founded_on=date(2019, 3, 1),
        description="没有业委会的小区里代表居民的一方，与党组织、准物业组成“新三方”。",
    )
    b.seat(household_org, household_committee[0], MemberRole.DIRECTOR)
    b.seat(household_org, household_committee[1], MemberRole.DEPUTY_DIRECTOR)
    for person in household_committee[2:]:
        b.seat(household_org, person, MemberRole.COMMITTEE_MEMBER)

    station = b.org(
        OrgKind.QUASI_PROPERTY,
        "湖墅街道仓基新村准物业服务站",
        founded_on=date(2018, 1, 1),
        phone="0571-85550163",
        description="由湖墅街道主导的准物业服务，公开投入清单；物业费收缴率达90%以上。",
    )
    b.seat(station, station_manager, MemberRole.MANAGER)
    engineer_seats = [
        b.seat(station, p, MemberRole.STAFF, portfolio="物业工程小组") for p in engineers
    ]
    for person in duty_staff + cleaners:
        b.seat(station, person, MemberRole.STAFF)
    for n, building in enumerate(b.buildings):
        b.answer_for(engineer_seats[n % len(engineer_seats)], building)
    b.skill(engineers[0], Skill.PLUMBING)
    b.skill(engineers[1], Skill.ELECTRICAL)

    partners = []
    for n, ((name, description), contact) in enumerate(
        zip(PARTNERS, partner_contacts, strict=True)
    ):
        partner = b.org(
            OrgKind.PARTNER, name, founded_on=date(2020, 7, 1), order=n + 1, description=description
        )
        partners.append(partner)
        b.seat(partner, contact, MemberRole.CONTACT)

    for person, skill, note in experts:
        b.skill(person, skill, note)
    b.tag_care()

    # The typhoon night: community duty and the engineering team on call; then the rolling roster.
    night_start, night_end = typhoon_night(timezone.now())
    b.shifts += [
        DutyShift(
            organisation=committee,
            person=committee_deputy,
            starts_at=night_start,
            ends_at=night_end,
            phone=committee_deputy.phone,
            note="抗台值班：凌晨4点接63幢老人求助，客厅、卧室渗水，已联系工程小组上门修复",
        ),
        DutyShift(
            organisation=station,
            person=engineers[0],
            starts_at=night_start,
            ends_at=night_end,
            phone=engineers[0].phone,
            note="抗台值班：物业工程小组待命",
        ),
    ]
    b.shifts += b.rolling_shifts(
        station, [duty_staff[0], engineers[1], duty_staff[1], engineers[2]], note="准物业值班"
    )

    serving = [
        committee_secretary,
        committee_deputy,
        *committee_members,
        *party_people,
        *household_committee,
        station_manager,
        *engineers,
        *duty_staff,
        *partner_contacts,
    ]
    extra = [*b.vehicles(share=0.3, new_energy=0.25), *b.consents({id(p) for p in serving})]
    b.save_rest(extra)

    fire_team = teams[1]
    built.orgs.update(
        party_committee=committee,
        branch8=branches[7],
        household=household_org,
        property=station,
        volunteers=fire_team,
        housing_station=partners[2],
    )
    branch8_secretary = branch_people[7][0][0]
    fire_member = next(m.person for m in b.memberships if m.organisation_id == fire_team.id)
    built.people.update(
        party_secretary=committee_secretary,
        branch8_secretary=branch8_secretary,
        household=household_committee[0],
        manager=station_manager,
        handler=engineers[0],
        volunteer=fire_member,
        partner=partner_contacts[2],
        resident=resident_login,
    )
    return built
