"""锦绣金山小区 (Xiamen, Huli district, Jinshan subdistrict), after seed article 000.

Delivered 2003; 252 households and about 1,900 residents; a party branch with 18 registered and
19 reporting members and a first secretary; an owners' committee elected on 2017-11-23 with 7
members and 2 alternates; a mediation committee, a property company and two partners.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mulin.orgs.models import MemberRole, OrgKind
from mulin.people.models import Company, Skill
from mulin.places.models import CityRuleSet, Compound, ParkingKind, ParkingSpace

from .builder import BuildingPlan, Built, CompoundBuilder, EntrancePlan, ensure_community

CODE = "jinxiu-jinshan"
HOUSEHOLDS = 252
RESIDENTS = 1900
REGISTERED_MEMBERS = 18
REPORTING_MEMBERS = 19
COMMITTEE_FOUNDED = date(2017, 11, 23)

DESCRIPTION = (
    "锦绣金山小区于2003年交付使用，是一个袖珍且独具新加坡风格的小区。"
    "在小区党支部引领下，业委会、调委会、物业等治理单元深度融合，组成小区治理“大家庭”，"
    "完成两轮改造：安装50个监控探头，重修儿童游乐设施，化菜地为停车位，"
    "把架空层改为居民娱乐场所；快递柜迁到大门外，打通绿化带开辟安全人行通道。"
)

# Party organisations where the reporting members (在职党员) are registered.
HOME_ORGANISATIONS = [
    "湖里区金山小学党支部",
    "湖里区实验中学党总支",
    "路桥建设集团第二工程公司党支部",
    "农商银行湖里支行党支部",
    "湖里区人民医院第三党支部",
    "金山街道机关党支部",
    "港务物流公司第一党支部",
    "湖里区税务局第二党支部",
    "市政园林局党支部",
    "湖里区法院机关党支部",
    "软件园科技公司党支部",
    "湖里区疾控中心党支部",
]


def _plans(builder: CompoundBuilder) -> list[BuildingPlan]:
    """Seven buildings with three stairwells each (the 21 doors repainted in 2018). The ground
    floor is a stilt area (架空层), homes from the second floor; building 7 is taller."""
    plans = []
    for number in range(1, 8):
        top = 9 if number == 7 else 7
        entrances = []
        for e in range(1, 4):
            small = builder.area(76, 98)
            large = builder.area(108, 138)
            entrances.append(EntrancePlan(str(e), list(range(2, top + 1)), [small, large]))
        plans.append(BuildingPlan(str(number), top, 2003, has_lift=top > 7, entrances=entrances))
    return plans


def build() -> Built:
    community = ensure_community(
        province="福建省",
        city="厦门市",
        district=("湖里区", "xiamen-huli"),
        subdistrict=("金山街道", "huli-jinshan"),
        community=("金山社区", "jinshan"),
        address="厦门市湖里区金山街道",
    )
    compound = Compound.objects.create(
        community=community,
        code=CODE,
        name="锦绣金山小区",
        address="福建省厦门市湖里区金山街道锦绣路",
        delivered_year=2003,
        description=DESCRIPTION,
        city_rule_set=CityRuleSet.XIAMEN,
    )
    b = CompoundBuilder(compound, seed=CODE, plate_prefix="闽D")
    built = Built(compound, community)
    b.build_places(_plans(b))
    developer = Company.objects.create(
        name="厦门锦绣置业有限公司", is_developer=True, compound=compound
    )
    b.settle(
        households=HOUSEHOLDS,
        residents=RESIDENTS,
        rented=22,
        developer=developer,
        developer_units=3,
        renovating=2,
        co_owned_share=0.25,
        multi_owners=6,
        sizes=(3, 13),
        small=14,
    )
    b.save_units()

    residents = b.residents()
    owners = b.owner_residents()
    # People serving in organisations, chosen before anyone is written.
    secretary = b.pick(residents, min_age=60, max_age=74)
    registered = [secretary] + [
        b.pick(residents, min_age=52, max_age=86, phone=False)
        for _ in range(REGISTERED_MEMBERS - 1)
    ]
    reporting = [b.pick(residents, min_age=26, max_age=58) for _ in range(REPORTING_MEMBERS)]
    first_secretary = b.worker("金山街道派驻小区党支部第一书记", birth_year=b.year - 46)
    director = b.pick(owners, min_age=60, max_age=72)
    director.note = "退休企业经理"
    deputy_build = b.pick(owners, min_age=35, max_age=55)
    deputy_build.note = "路桥集团工程师"
    deputy_resources = b.pick(owners, min_age=32, max_age=55)
    deputy_resources.note = "在职教师"
    committee = [b.pick(owners, min_age=30, max_age=70) for _ in range(4)]
    alternates = [b.pick(owners, min_age=30, max_age=70) for _ in range(2)]
    mediators = [b.pick(residents, min_age=45, max_age=72) for _ in range(3)]
    manager = b.worker("物业项目经理")
    handlers = [b.worker(note) for note in ("物业维修工", "物业水电工", "物业维修工")]
    guards = [b.worker("物业保安") for _ in range(2)]
    cleaner = b.worker("物业保洁员", birth_year=b.year - 54, gender="female")
    bank_contact = b.worker("农商银行金山支行联络人")
    college_contact = b.worker("湖里技师学院联络人")
    volunteers = [b.pick(residents, min_age=24, max_age=70) for _ in range(8)]
    resident_login = b.pick(owners, min_age=35, max_age=65)
    b.save_people()
    b.save_ties()

    jinshan_committee = b.org(
        OrgKind.PARTY_COMMITTEE,
        "金山社区党委",
        community_wide=True,
        founded_on=date(2001, 7, 1),
        description="金山社区党委，指导辖区小区党支部开展工作。",
    )
    branch = b.org(
        OrgKind.PARTY_BRANCH,
        "锦绣金山小区党支部",
        parent=jinshan_committee,
        founded_on=date(2015, 6, 18),
        description="小区党支部牵头成立业委会，联合业委会、调委会、物业组成小区治理“大家庭”。",
    )
    owners_committee = b.org(
        OrgKind.OWNERS_COMMITTEE,
        "锦绣金山小区业主委员会",
        founded_on=COMMITTEE_FOUNDED,
        description="2017年11月23日成立，七名委员、两名候补委员；业主大会通过7份小区规章制度。",
    )
    mediation = b.org(
        OrgKind.MEDIATION_COMMITTEE,
        "锦绣金山小区人民调解委员会",
        founded_on=date(2019, 4, 12),
    )
    property_company = b.org(
        OrgKind.PROPERTY_COMPANY,
        "厦门锦山物业服务有限公司",
        founded_on=date(2018, 7, 1),
        phone="0592-5550123",
        description="提供物业服务，并为居民提供家电清洗等便民服务。",
    )
    volunteer_team = b.org(
        OrgKind.VOLUNTEER_TEAM,
        "锦绣金山小区“大家庭”志愿服务队",
        parent=branch,
        founded_on=date(2019, 3, 5),
        description="小区医健、小区律师、小区理财、小区义剪、小区月子护理等邻里互助服务。",
    )
    bank = b.org(
        OrgKind.PARTNER,
        "农商银行金山支行",
        founded_on=date(2019, 10, 1),
        description="共建单位：为居民提供金融知识讲座和理财咨询。",
    )
    college = b.org(
        OrgKind.PARTNER,
        "湖里技师学院",
        founded_on=date(2019, 10, 1),
        description="共建单位：师生志愿者上门开展家电维修和技能培训。",
    )

    # Party branch: the secretary, two branch committee members, the first secretary sent by
    # the subdistrict, and every member of the branch with a seat (for the areas below).
    secretary_seat = b.seat(branch, secretary, MemberRole.SECRETARY, since=date(2023, 9, 16))
    b.seat(branch, first_secretary, MemberRole.FIRST_SECRETARY, since=date(2018, 3, 1))
    member_seats = {id(secretary): secretary_seat}
    for n, person in enumerate(registered[1:] + reporting):
        role = MemberRole.COMMITTEE_MEMBER if n < 2 else MemberRole.MEMBER
        portfolio = ("组织", "宣传")[n] if n < 2 else ""
        member_seats[id(person)] = b.seat(
            branch, person, role, portfolio=portfolio, since=date(2023, 9, 16)
        )
    for person in registered:
        b.party_member(branch, person)
    for n, person in enumerate(reporting):
        b.party_member(branch, person, home=HOME_ORGANISATIONS[n % len(HOME_ORGANISATIONS)])

    # 包楼包户: every stairwell has a party member answering for it, preferably one living there.
    home_building = {id(p): h.unit.building.number for h in b.households for p, _ in h.members}
    free = registered + reporting
    for (building, _entrance), entrance in sorted(b.entrances.items()):
        person = next((p for p in free if home_building.get(id(p)) == building), free[0])
        free.remove(person)
        b.answer_for(member_seats[id(person)], entrance)

    b.seat(owners_committee, director, MemberRole.DIRECTOR)
    b.seat(owners_committee, deputy_build, MemberRole.DEPUTY_DIRECTOR, portfolio="小区建设")
    b.seat(owners_committee, deputy_resources, MemberRole.DEPUTY_DIRECTOR, portfolio="资源引进")
    for person in committee:
        b.seat(owners_committee, person, MemberRole.COMMITTEE_MEMBER)
    for person in alternates:
        b.seat(owners_committee, person, MemberRole.ALTERNATE)
    b.skill(deputy_build, Skill.CONSTRUCTION, "工程师，监督小区改造施工")
    b.skill(deputy_resources, Skill.TEACHING)

    b.seat(mediation, mediators[0], MemberRole.DIRECTOR)
    for person in mediators[1:]:
        b.seat(mediation, person)
    b.skill(mediators[0], Skill.LEGAL, "人民调解员")

    b.seat(property_company, manager, MemberRole.MANAGER)
    handler_seats = [b.seat(property_company, p, MemberRole.STAFF) for p in handlers]
    for person in [*guards, cleaner]:
        b.seat(property_company, person, MemberRole.STAFF)
    for n, building in enumerate(b.buildings):
        b.answer_for(handler_seats[n % len(handler_seats)], building)
    b.skill(handlers[1], Skill.ELECTRICAL)
    b.skill(handlers[0], Skill.APPLIANCE_REPAIR, "家电清洗服务")

    services = [
        (Skill.MEDICAL, "小区医健"),
        (Skill.LEGAL, "小区律师"),
        (Skill.FINANCE, "小区理财"),
        (Skill.HAIRCUT, "小区义剪"),
        (Skill.OTHER, "小区月子护理"),
        (Skill.FIRE_SAFETY, "消防安全知识"),
        (Skill.MEDICAL, "退休护士，测血压"),
        (Skill.PHOTOGRAPHY, "活动摄影"),
    ]
    b.seat(volunteer_team, volunteers[0], MemberRole.LEADER)
    for person, (skill, note) in zip(volunteers, services, strict=True):
        if person is not volunteers[0]:
            b.seat(volunteer_team, person)
        b.skill(person, skill, note)

    b.seat(bank, bank_contact, MemberRole.CONTACT)
    b.seat(college, college_contact, MemberRole.CONTACT)

    b.tag_care()
    b.shifts += b.rolling_shifts(
        property_company, [handlers[0], guards[0], handlers[1], guards[1]], note="物业值班"
    )
    serving = [
        *registered,
        *reporting,
        first_secretary,
        director,
        deputy_build,
        deputy_resources,
        *committee,
        *alternates,
        *mediators,
        *volunteers,
        manager,
        *handlers,
    ]
    parking = [
        ParkingSpace(
            compound=compound,
            number=f"P{n:02d}",
            kind=ParkingKind.SURFACE,
            area=Decimal("12.50"),
            note="原菜地改造的停车位" if n > 28 else "",
        )
        for n in range(1, 49)
    ]
    extra = [
        *b.vehicles(share=0.45, new_energy=0.22),
        *b.consents({id(p) for p in serving}),
        *parking,
    ]
    b.save_rest(extra)

    built.orgs.update(
        party_committee=jinshan_committee,
        branch=branch,
        owners_committee=owners_committee,
        mediation=mediation,
        property=property_company,
        volunteers=volunteer_team,
        bank=bank,
        college=college,
    )
    built.people.update(
        secretary=secretary,
        director=director,
        manager=manager,
        handler=handlers[0],
        volunteer=volunteers[0],
        partner=bank_contact,
        resident=resident_login,
    )
    return built
