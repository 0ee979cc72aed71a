"""Building blocks for demo compounds: places, households, organisations, rosters.

A `CompoundBuilder` collects unsaved rows in memory and writes each table with one
`bulk_create`, so a compound of a few thousand people loads in a second or two. `bulk_create`
skips `save()`, so everything `save()` derives (pinyin keys, phone tail, building sort keys) is
computed here before writing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from mulin.orgs.models import (
    DutyShift,
    MemberRole,
    Membership,
    Organisation,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.people.models import (
    CareKind,
    CareTag,
    Company,
    Consent,
    ConsentPurpose,
    Ownership,
    Person,
    PersonSkill,
    Residency,
    Vehicle,
)
from mulin.people.naming import name_keys
from mulin.places.models import (
    AreaSource,
    Building,
    Community,
    Compound,
    District,
    Entrance,
    Subdistrict,
    Unit,
    UnitStatus,
    UnitUse,
    natural_key,
)

from .names import NameMaker, PlateMaker

# PIPL took effect on 2021-11-01; the registry's consents were collected on paper then.
CONSENT_CAMPAIGN = datetime(2021, 11, 8, 2, 0, tzinfo=UTC)


def ensure_community(
    *,
    province: str,
    city: str,
    district: tuple[str, str],
    subdistrict: tuple[str, str],
    community: tuple[str, str],
    address: str = "",
) -> Community:
    """District → subdistrict → community, found by code or created (name, code pairs)."""
    d, _ = District.objects.get_or_create(
        code=district[1], defaults={"name": district[0], "province": province, "city": city}
    )
    s, _ = Subdistrict.objects.get_or_create(
        code=subdistrict[1], defaults={"name": subdistrict[0], "district": d}
    )
    c, _ = Community.objects.get_or_create(
        code=community[1], defaults={"name": community[0], "subdistrict": s, "address": address}
    )
    return c


@dataclass
class EntrancePlan:
    """One stairwell: the floors with homes and the homes per floor, with their areas."""

    number: str
    floors: list[int]
    areas: list[Decimal]  # one per position on a floor: 01, 02, 03 …


@dataclass
class BuildingPlan:
    number: str
    floors: int
    year_built: int
    has_lift: bool
    entrances: list[EntrancePlan]


@dataclass
class Household:
    """The people living in one home, head first, with their relation to the home."""

    unit: Unit
    members: list[tuple[Person, str]]  # (person, Residency.Relation)
    tenants: bool = False

    @property
    def head(self) -> Person:
        return self.members[0][0]


@dataclass
class Built:
    """What a compound builder made, for logins and for the tests."""

    compound: Compound
    community: Community
    orgs: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


class CompoundBuilder:
    def __init__(self, compound: Compound, *, seed: str, plate_prefix: str):
        self.compound = compound
        self.names = NameMaker(seed)
        self.random: random.Random = self.names.random
        self.plates = PlateMaker(plate_prefix, self.random)
        self.today = timezone.localdate()
        self.year = self.today.year
        self.buildings: list[Building] = []
        self.entrances: dict[tuple[str, str], Entrance] = {}
        self.units: list[Unit] = []
        self.persons: list[Person] = []
        self.households: list[Household] = []
        self.ownerships: list[Ownership] = []
        self.residencies: list[Residency] = []
        self.memberships: list[Membership] = []
        self.areas: list[ResponsibilityArea] = []
        self.party: list[PartyMembership] = []
        self.care_tags: list[CareTag] = []
        self.skills: list[PersonSkill] = []
        self.shifts: list[DutyShift] = []
        self._used_for_roles: set[int] = set()  # id() of persons already given a seat

    # ---- places -------------------------------------------------------------------------

    def build_places(self, plans: list[BuildingPlan]) -> None:
        buildings = [
            Building(
                compound=self.compound,
                number=plan.number,
                floors=plan.floors,
                year_built=plan.year_built,
                has_lift=plan.has_lift,
                sort_key=natural_key(plan.number),
            )
            for plan in plans
        ]
        self.buildings = Building.objects.bulk_create(buildings)
        entrances = []
        for building, plan in zip(self.buildings, plans, strict=True):
            entrances += [Entrance(building=building, number=e.number) for e in plan.entrances]
        for entrance in Entrance.objects.bulk_create(entrances):
            self.entrances[(entrance.building.number, entrance.number)] = entrance
        units = []
        for building, plan in zip(self.buildings, plans, strict=True):
            for e in plan.entrances:
                entrance = self.entrances[(building.number, e.number)]
                for floor in e.floors:
                    for position, area in enumerate(e.areas, start=1):
                        number = f"{floor}{position:02d}"
                        units.append(
                            Unit(
                                compound=self.compound,
                                building=building,
                                entrance=entrance,
                                floor=floor,
                                number=number,
                                code=f"{building.number}-{e.number}-{number}",
                                use=UnitUse.RESIDENTIAL,
                                area=area,
                                area_source=self._area_source(),
                                status=UnitStatus.OCCUPIED,
                            )
                        )
        self.units = units  # written after households decide each unit's status

    def _area_source(self) -> str:
        roll = self.random.random()
        if roll < 0.86:
            return AreaSource.REGISTER
        return AreaSource.SURVEY if roll < 0.95 else AreaSource.CONTRACT

    def area(self, low: int, high: int) -> Decimal:
        return Decimal(self.random.randint(low * 100, high * 100)) / 100

    def save_units(self) -> None:
        self.units = Unit.objects.bulk_create(self.units)

    # ---- people -------------------------------------------------------------------------

    def person(
        self,
        *,
        gender: str | None = None,
        birth_year: int,
        surname: str | None = None,
        phone: bool | None = None,
        note: str = "",
    ) -> Person:
        gender = gender or self.names.gender()
        name = self.names.name(gender, birth_year, surname)
        age = self.year - birth_year
        if phone is None:
            phone = age >= 18 and self.random.random() < (0.55 if age >= 80 else 0.9)
        birth = self.names.birth_date(birth_year)
        pinyin, initials = name_keys(name)
        phone_number = self.names.phone() if phone else ""
        person = Person(
            compound=self.compound,
            name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            gender=gender,
            birth_date=birth,
            birth_year=birth_year,
            phone=phone_number,
            phone_tail=phone_number[-4:],
            note=note,
        )
        self.persons.append(person)
        return person

    def household(self, size: int, *, tenants: bool = False) -> list[tuple[Person, str]]:
        """A plausible family of `size`: an elder alone or a couple, or up to four generations."""
        y, rnd = self.year, self.random
        relation = "tenant" if tenants else "owner"
        other = "tenant" if tenants else "family"
        if tenants:
            head = self.person(birth_year=y - rnd.randint(24, 48))
            members = [(head, relation)]
            while len(members) < size:
                if len(members) == 1 and rnd.random() < 0.7:
                    members.append((self._spouse(head), other))
                else:
                    members.append(
                        (self.person(birth_year=y - rnd.randint(2, 45), phone=None), other)
                    )
            return members
        if size == 1:
            elder = rnd.random() < 0.65
            born = y - (round(rnd.triangular(62, 93, 70)) if elder else rnd.randint(26, 55))
            return [(self.person(birth_year=born), relation)]
        if size == 2 and rnd.random() < 0.6:
            head = self.person(gender="male", birth_year=y - round(rnd.triangular(60, 90, 67)))
            return [(head, relation), (self._spouse(head), other)]
        head = self.person(gender="male", birth_year=y - rnd.randint(36, 62))
        members = [(head, relation)]
        if size >= 2:
            members.append((self._spouse(head), other))
        surname = head.name[0]
        head_born = head.birth_year
        # The head's parents, then children, then children's spouses and grandchildren, then
        # other relatives: large households in old compounds are three or four generations.
        elders = min(size - len(members), rnd.choice((0, 1, 1, 2, 2)) if y - head_born <= 52 else 0)
        for i in range(elders):
            parent_born = min(head_born - rnd.randint(24, 32), y - 60)
            members.append(
                (
                    self.person(
                        gender="male" if i == 0 else "female",
                        birth_year=parent_born,
                        surname=surname if i == 0 else None,
                    ),
                    other,
                )
            )
        children: list[Person] = []
        while len(members) < size and len(children) < 3:
            child = self.person(
                birth_year=min(head_born + rnd.randint(23, 34), y - 1), surname=surname
            )
            children.append(child)
            members.append((child, other))
        adults = [c for c in children if y - c.birth_year >= 24]
        for child in adults:
            if len(members) >= size:
                break
            members.append((self._spouse(child), other))
        while len(members) < size and adults:
            parent = rnd.choice(adults)
            grandchild_born = min(parent.birth_year + rnd.randint(24, 34), y - 1)
            members.append((self.person(birth_year=grandchild_born, surname=parent.name[0]), other))
            if len(members) >= size - 1:
                break
        while len(members) < size:
            members.append(
                (self.person(birth_year=head_born + rnd.randint(-8, 8)), other)
            )  # siblings or cousins living in
        return members

    def _spouse(self, person: Person) -> Person:
        gender = "female" if person.gender == "male" else "male"
        born = person.birth_year + self.random.randint(-4, 3)
        return self.person(gender=gender, birth_year=min(born, self.year - 20))

    def worker(self, note: str, *, birth_year: int | None = None, gender: str | None = None):
        """Someone in the registry who works here but does not live here (phone always set)."""
        born = birth_year or self.year - self.random.randint(28, 58)
        return self.person(gender=gender, birth_year=born, phone=True, note=note)

    def pick(self, candidates: list[Person], *, min_age=25, max_age=75, phone=True) -> Person:
        """A person not yet given a seat, within the ages, preferably with a phone."""
        pool = [
            p
            for p in candidates
            if id(p) not in self._used_for_roles
            and min_age <= self.year - p.birth_year <= max_age
            and (p.phone or not phone)
        ]
        chosen = self.random.choice(pool)
        self._used_for_roles.add(id(chosen))
        return chosen

    # ---- households, ownership, residency -------------------------------------------------

    def settle(
        self,
        *,
        households: int,
        residents: int,
        rented: int,
        developer: Company,
        developer_units: int,
        renovating: int,
        co_owned_share: float,
        multi_owners: int,
        sizes: tuple[int, int],
        small: int,
    ) -> None:
        """Fill the units: `households` homes with people living in them (`rented` of them by
        tenants), summing to exactly `residents` people; the rest are vacant, being renovated or
        still the developer's. Owners: single owners, couples with shares, a few people owning
        several homes, owners living elsewhere, and the developer's unsold homes."""
        rnd = self.random
        units = list(self.units)
        rnd.shuffle(units)
        lived_in, empty = units[:households], units[households:]
        sizes_list = self._sizes(households, residents, *sizes, rented=rented, small=small)
        delivered = self.compound.delivered_year or 2000
        rented_units = set(range(rented))
        for i, unit in enumerate(lived_in):
            is_rented = i in rented_units
            members = self.household(sizes_list[i], tenants=is_rented)
            self.households.append(Household(unit, members, tenants=is_rented))
            unit.status = UnitStatus.RENTED if is_rented else UnitStatus.OCCUPIED
        owner_households = [h for h in self.households if not h.tenants]
        # A few owner-occupiers also own other homes here, which they let or leave empty.
        landlords = rnd.sample(owner_households, multi_owners)
        absentee: list[Person] = []

        def absentee_owner() -> Person:
            person = self.person(birth_year=self.year - rnd.randint(32, 70), phone=True)
            person.note = "业主，不在本小区居住"
            absentee.append(person)
            return person

        for household in self.households:
            unit = household.unit
            if household.tenants:
                owner = rnd.choice(landlords).head if rnd.random() < 0.4 else absentee_owner()
                self._own(unit, [owner], delivered)
                continue
            head = household.head
            spouse = next(
                (p for p, _ in household.members[1:2] if abs(p.birth_year - head.birth_year) < 8),
                None,
            )
            if spouse is not None and rnd.random() < co_owned_share:
                self._own(unit, [head, spouse], delivered)
                household.members[1] = (spouse, "owner")
            else:
                self._own(unit, [head], delivered)
        for n, unit in enumerate(empty):
            if n < developer_units:
                unit.status = UnitStatus.VACANT
                self.ownerships.append(
                    Ownership(
                        unit=unit,
                        company=developer,
                        share=Decimal("1"),
                        started_on=date(delivered, 6, 30),
                        date_kind=Ownership.DateKind.REGISTERED,
                    )
                )
                continue
            if n < developer_units + renovating:
                unit.status = UnitStatus.RENOVATING
                bought = date(self.year - 1, rnd.randint(1, 12), 10)
                self._own(unit, [absentee_owner()], delivered, bought=bought, resold=True)
                continue
            unit.status = UnitStatus.VACANT
            owner = rnd.choice(landlords).head if rnd.random() < 0.5 else absentee_owner()
            self._own(unit, [owner], delivered)
        for household in self.households:
            moved_in = self._moved_in(household.tenants, delivered)
            for index, (person, relation) in enumerate(household.members):
                self.residencies.append(
                    Residency(
                        unit=household.unit,
                        person=person,
                        relation=relation,
                        is_head=index == 0,
                        moved_in_on=max(moved_in, person.birth_date),
                    )
                )

    def _sizes(self, n: int, total: int, low: int, high: int, *, rented: int, small: int):
        """`n` household sizes summing to exactly `total`: tenants' households (the first
        `rented`) have 1–4 people, the next `small` are elders alone or couples (1–2), the rest
        lie between `low` and `high` around the mean that makes the total come out."""
        rnd = self.random
        fixed = rented + small
        sizes = [rnd.randint(1, 4) for _ in range(rented)] + [
            rnd.randint(1, 2) for _ in range(small)
        ]
        mean = (total - sum(sizes)) / (n - fixed)
        sizes += [max(low, min(high, round(rnd.gauss(mean, 1.8)))) for _ in range(n - fixed)]
        while (diff := total - sum(sizes)) != 0:
            i = rnd.randrange(fixed, n)
            step = 1 if diff > 0 else -1
            if low <= sizes[i] + step <= high:
                sizes[i] += step
        return sizes

    def _own(
        self,
        unit: Unit,
        owners: list[Person],
        delivered: int,
        *,
        bought: date | None = None,
        resold: bool | None = None,
    ) -> None:
        """Ownership rows for `owners` in equal shares. About one home in twelve was resold:
        the first buyer's row is kept, ended on the day of the sale (history is never lost)."""
        rnd = self.random
        if resold is None:
            resold = rnd.random() < 0.08
        if resold:
            sold = bought or date(rnd.randint(delivered + 2, self.year - 1), rnd.randint(1, 12), 15)
            seller = self.person(birth_year=self.year - rnd.randint(50, 85), phone=False)
            seller.note = "原业主"
            self.ownerships.append(
                Ownership(
                    unit=unit,
                    person=seller,
                    share=Decimal("1"),
                    started_on=date(delivered, 6, 30),
                    date_kind=Ownership.DateKind.POSSESSION,
                    ended_on=sold,
                )
            )
            bought = sold
        started = bought or date(delivered, rnd.randint(6, 12), rnd.randint(1, 28))
        share = (Decimal("1") / len(owners)).quantize(Decimal("0.0001"))
        for owner in owners:
            self.ownerships.append(
                Ownership(
                    unit=unit,
                    person=owner,
                    share=share,
                    started_on=started,
                    date_kind=Ownership.DateKind.REGISTERED,
                )
            )

    def _moved_in(self, tenants: bool, delivered: int) -> date:
        if tenants:
            return date(self.year - self.random.randint(0, 4), self.random.randint(1, 12), 1)
        return date(self.random.randint(delivered, self.year - 1), self.random.randint(1, 12), 1)

    def residents(self) -> list[Person]:
        return [p for h in self.households for p, _ in h.members]

    def owner_residents(self) -> list[Person]:
        return [p for h in self.households if not h.tenants for p, r in h.members if r == "owner"]

    def residents_of(self, building: str) -> list[Person]:
        return [
            p for h in self.households if h.unit.building.number == building for p, _ in h.members
        ]

    # ---- care, skills, vehicles, consent ------------------------------------------------

    def tag_care(self) -> None:
        """Care groups follow from the households: elders alone, elder couples, the very old,
        plus a few residents with disabilities or low incomes."""
        rnd = self.random
        since = date(self.year - 2, 3, 1)
        for household in self.households:
            elders = [p for p, _ in household.members if self.year - p.birth_year >= 60]
            if len(household.members) == 1 and elders:
                kind = CareKind.WIDOWED_CHILDLESS if rnd.random() < 0.25 else CareKind.LIVING_ALONE
                self._care(elders[0], kind, since)
            elif len(household.members) == 2 and len(elders) == 2 and rnd.random() < 0.7:
                for elder in elders:
                    self._care(elder, CareKind.EMPTY_NEST, since)
            for person, _ in household.members:
                if self.year - person.birth_year >= 80:
                    self._care(person, CareKind.OVER_80, since)
                if rnd.random() < 0.012:
                    self._care(person, CareKind.DISABLED, since, note="持残疾证")
                elif rnd.random() < 0.006:
                    self._care(person, CareKind.LOW_INCOME, since, note="低保户")

    def _care(self, person: Person, kind: str, since: date, note: str = "") -> None:
        self.care_tags.append(CareTag(person=person, kind=kind, started_on=since, note=note))

    def skill(self, person: Person, skill: str, note: str = "") -> None:
        self.skills.append(PersonSkill(person=person, skill=skill, note=note))

    def vehicles(self, share: float, new_energy: float) -> list[Vehicle]:
        rnd = self.random
        brands = ["白色大众", "黑色丰田", "银色本田", "红色比亚迪", "白色吉利", "灰色别克"]
        made = []
        for household in self.households:
            if rnd.random() >= share:
                continue
            count = 2 if rnd.random() < 0.12 else 1
            drivers = [p for p, _ in household.members if 20 <= self.year - p.birth_year <= 72]
            for n in range(min(count, len(drivers))):
                electric = rnd.random() < new_energy
                made.append(
                    Vehicle(
                        compound=self.compound,
                        plate=self.plates.plate(new_energy=electric),
                        energy=Vehicle.Energy.NEW_ENERGY if electric else Vehicle.Energy.FUEL,
                        person=drivers[n],
                        unit=household.unit,
                        brand=rnd.choice(brands),
                    )
                )
        return made

    def consents(self, public: set[int]) -> list[Consent]:
        """Registry consent for every adult on the register; notifications for most with a
        phone; public display only for those who agreed (people serving in organisations)."""
        made = []
        for person in self.persons:
            if self.year - person.birth_year < 18:
                continue
            made.append(
                Consent(
                    person=person,
                    purpose=ConsentPurpose.REGISTRY,
                    method=Consent.Method.PAPER,
                    granted_at=CONSENT_CAMPAIGN,
                )
            )
            if person.phone and self.random.random() < 0.7:
                made.append(
                    Consent(
                        person=person,
                        purpose=ConsentPurpose.NOTIFICATIONS,
                        method=Consent.Method.PAPER,
                        granted_at=CONSENT_CAMPAIGN,
                    )
                )
            if id(person) in public:
                made.append(
                    Consent(
                        person=person,
                        purpose=ConsentPurpose.PUBLIC_DISPLAY,
                        method=Consent.Method.PAPER,
                        granted_at=CONSENT_CAMPAIGN,
                    )
                )
        return made

    # ---- organisations -------------------------------------------------------------------

    def org(self, kind: str, name: str, *, parent=None, community_wide=False, **extra):
        return Organisation.objects.create(
            kind=kind,
            name=name,
            parent=parent,
            community=self.compound.community,
            compound=None if community_wide else self.compound,
            **extra,
        )

    def seat(
        self,
        org: Organisation,
        person: Person,
        role: str = MemberRole.MEMBER,
        *,
        portfolio: str = "",
        since: date | None = None,
    ) -> Membership:
        membership = Membership(
            organisation=org,
            person=person,
            role=role,
            portfolio=portfolio,
            term_start=since or org.founded_on,
            phone=person.phone,
        )
        self.memberships.append(membership)
        return membership

    def answer_for(self, membership: Membership, place) -> None:
        kind = {Building: "building", Entrance: "entrance", Unit: "unit"}[type(place)]
        self.areas.append(ResponsibilityArea(membership=membership, **{kind: place}))

    def party_member(
        self, org: Organisation, person: Person, *, home: str = "", since: date | None = None
    ) -> None:
        status = PartyMembership.Status.REPORTING if home else PartyMembership.Status.REGISTERED
        self.party.append(
            PartyMembership(
                person=person,
                organisation=org,
                status=status,
                home_organisation=home,
                joined_on=since or date(self.random.randint(2015, self.year - 1), 7, 1),
            )
        )

    def rolling_shifts(
        self, org: Organisation, people: list[Person], *, note: str, now: datetime | None = None
    ) -> list[DutyShift]:
        return rolling_shifts(org, people, note=note, now=now)

    # ---- writing ---------------------------------------------------------------------------

    def save_people(self) -> None:
        Person.objects.bulk_create(self.persons, batch_size=2000)

    def save_ties(self) -> None:
        Unit.objects.bulk_update(self.units, ["status"], batch_size=1000)
        Ownership.objects.bulk_create(self.ownerships, batch_size=2000)
        Residency.objects.bulk_create(self.residencies, batch_size=2000)

    def save_rest(self, extra: list) -> None:
        Membership.objects.bulk_create(self.memberships, batch_size=2000)
        ResponsibilityArea.objects.bulk_create(self.areas, batch_size=2000)
        PartyMembership.objects.bulk_create(self.party, batch_size=2000)
        CareTag.objects.bulk_create(self.care_tags, batch_size=2000)
        PersonSkill.objects.bulk_create(self.skills, batch_size=2000)
        DutyShift.objects.bulk_create(self.shifts, batch_size=2000)
        by_model: dict[type, list] = {}
        for row in extra:
            by_model.setdefault(type(row), []).append(row)
        for model, rows in by_model.items():
            model.objects.bulk_create(rows, batch_size=2000)


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def rolling_shifts(
    org: Organisation,
    people: list[Person],
    *,
    note: str,
    now: datetime | None = None,
    days: int = 3,
) -> list[DutyShift]:
    """Twelve-hour shifts (08:00–20:00, 20:00–08:00 local) from `days` before now to `days`
    after, people in turn, so "who is on duty now" always names someone after a load."""
    tz = local_tz()
    now = (now or timezone.now()).astimezone(tz)
    start_day = now.date() - timedelta(days=days)
    start = datetime.combine(start_day, time(8, 0), tzinfo=tz)
    end = now + timedelta(days=days)
    shifts = []
    n = 0
    while start < end:
        person = people[n % len(people)]
        stop = start + timedelta(hours=12)
        shifts.append(
            DutyShift(
                organisation=org,
                person=person,
                starts_at=start,
                ends_at=stop,
                phone=person.phone,
                note=note,
            )
        )
        start, n = stop, n + 1
    return shifts
