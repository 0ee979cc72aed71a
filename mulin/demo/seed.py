"""A synthetic district for scale tests: `mulin seed --compounds N --units-per-compound M`.

One district; subdistricts of 20 compounds; communities of 5. Each compound gets buildings,
entrances and homes, households of fictional people (with pinyin keys), ownership and residency,
a party branch whose members answer for the entrances, and a property company whose staff answer
for the buildings.

Rows are generated one community (5 compounds) at a time and written in one transaction per
community, so memory stays bounded however large the district. Primary keys are assigned here
(from the table's current maximum; run the seed alone) so related rows can be written without
reading keys back. On PostgreSQL rows go in with COPY; elsewhere with `bulk_create`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from mulin.orgs.models import (
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.people.models import Ownership, Person, Residency
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
)

from .names import NameMaker

COMPOUNDS_PER_SUBDISTRICT = 20
COMPOUNDS_PER_COMMUNITY = 5
DISTRICT_CODE = "seed-district"
SEED_MODELS = [
    Subdistrict,
    Community,
    Compound,
    Building,
    Entrance,
    Unit,
    Person,
    Ownership,
    Residency,
    Organisation,
    Membership,
    PartyMembership,
    ResponsibilityArea,
]

_PLACE_WORDS = [
    "锦绣",
    "金桥",
    "翠苑",
    "和平",
    "东方",
    "阳光",
    "紫荆",
    "丹桂",
    "青枫",
    "春晖",
    "荷塘",
    "望江",
    "松鹤",
    "兰亭",
    "海棠",
    "银杏",
    "梧桐",
    "星河",
    "明珠",
    "景华",
]
_PLACE_KINDS = ["花园", "新村", "家园", "公寓", "雅苑", "名邸", "小区", "嘉园"]


def compound_name(n: int) -> str:
    """A fictional compound name, unique for each n: 锦绣花园, 金桥花园 … then 锦绣花园二期."""
    words, kinds = len(_PLACE_WORDS), len(_PLACE_KINDS)
    base = _PLACE_WORDS[n % words] + _PLACE_KINDS[(n // words) % kinds]
    phase = n // (words * kinds)
    return base + (f"{phase + 1}期" if phase else "")


@dataclass
class SeedStats:
    compounds: int = 0
    units: int = 0
    persons: int = 0
    rows: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def add_phase(self, name: str, seconds: float) -> None:
        self.phases[name] = self.phases.get(name, 0.0) + seconds


class Tables:
    """Rows waiting to be written, per model, as dicts of attname → value, ids assigned."""

    FLUSH_ROWS = 50_000

    def __init__(self, use_copy: bool, stats: SeedStats):
        self.use_copy = use_copy
        self.stats = stats
        self.rows: dict[type[models.Model], list[dict]] = {m: [] for m in SEED_MODELS}
        self.next_id: dict[type[models.Model], int] = {}
        for model in SEED_MODELS:
            top = model._default_manager.aggregate(top=Max("id"))["top"] or 0
            self.next_id[model] = top + 1

    def add(self, model: type[models.Model], **values) -> int:
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        values["id"] = pk
        self.rows[model].append(values)
        return pk

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def maybe_flush(self) -> None:
        """Write what has piled up when a single big compound would hold too much in memory."""
        if self.count() >= self.FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        stats = self.stats
        now = timezone.now()
        for model in SEED_MODELS:  # parents before children
            rows = self.rows[model]
            if not rows:
                continue
            started = time.monotonic()
            if self.use_copy:
                _copy(model, rows, now)
            else:
                model._default_manager.bulk_create((model(**row) for row in rows), batch_size=500)
            stats.rows += len(rows)
            stats.add_phase(f"write {model._meta.model_name}", time.monotonic() - started)
            self.rows[model] = []


def _copy(model: type[models.Model], rows: list[dict], now) -> None:
    """COPY rows into the model's table; fields a row leaves out take their default."""
    fields = model._meta.concrete_fields
    # get_default() gives "" for text columns without a default and None for nullable ones.
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.get(name, defaults[name]) for name in names])


def reset_sequences() -> None:
    """After writing explicit ids, move PostgreSQL sequences past them (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), SEED_MODELS)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class CompoundSeeder:
    """Generates one compound's rows into `tables`."""

    FLOORS = 6
    PER_FLOOR = 2
    ENTRANCES = 3
    OCCUPIED = 0.93
    RENTED = 0.08

    def __init__(self, tables: Tables, compound_id: int, community_id: int, index: int | str):
        self.t = tables
        self.compound_id = compound_id
        self.community_id = community_id
        self.names = NameMaker(f"seed-{index}")
        self.random: random.Random = self.names.random
        self.year = timezone.localdate().year

    def person(self, birth_year: int, gender: str | None = None, note: str = "") -> int:
        rnd = self.random
        gender = gender or rnd.choice(("male", "female"))
        name = self.names.name(gender, birth_year)
        keys = _KEY_CACHE.get(name)
        if keys is None:
            if len(_KEY_CACHE) > 200_000:  # bounded memory however many compounds
                _KEY_CACHE.clear()
            keys = _KEY_CACHE[name] = name_keys(name)
        adult = self.year - birth_year >= 18
        phone = (
            f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}"
            if adult and rnd.random() < 0.9
            else ""
        )
        return self.t.add(
            Person,
            compound_id=self.compound_id,
            name=name,
            name_pinyin=keys[0],
            name_initials=keys[1],
            gender=gender,
            birth_date=date(birth_year, rnd.randint(1, 12), rnd.randint(1, 28)),
            birth_year=birth_year,
            phone=phone,
            phone_tail=phone[-4:],
            note=note,
        )

    def build(self, units: int, persons_per_unit: float, delivered: int) -> tuple[int, int]:
        rnd, t = self.random, self.t
        # Households: sizes summing to the persons target, less the owners living elsewhere.
        households = max(1, round(units * self.OCCUPIED))
        rented = round(households * self.RENTED)
        absentee = units - households + rented
        residents = max(households, round(units * persons_per_unit) - absentee)
        sizes = _sizes(rnd, households, residents)
        # Which home gets which household is decided up front, so each unit row is written
        # once with its final status (a big compound is flushed to the database in parts).
        order = list(range(units))
        rnd.shuffle(order)
        status = [UnitStatus.VACANT] * units
        for i, index in enumerate(order[:households]):
            status[index] = UnitStatus.RENTED if i < rented else UnitStatus.OCCUPIED
        # Places: six-storey blocks, three stairwells, two homes a floor.
        placed: list[tuple[int, int]] = []  # (unit, entrance)
        building_ids: list[int] = []
        entrance_ids: list[int] = []
        number = 0
        while len(placed) < units:
            number += 1
            building = t.add(
                Building,
                compound_id=self.compound_id,
                number=str(number),
                floors=self.FLOORS,
                year_built=delivered,
                has_lift=False,
                sort_key=number,
            )
            building_ids.append(building)
            for e in range(1, self.ENTRANCES + 1):
                if len(placed) >= units:
                    break
                entrance = t.add(Entrance, building_id=building, number=str(e))
                entrance_ids.append(entrance)
                areas = [Decimal(rnd.randint(6000, 14000)) / 100 for _ in range(self.PER_FLOOR)]
                for floor in range(1, self.FLOORS + 1):
                    for position in range(1, self.PER_FLOOR + 1):
                        if len(placed) >= units:
                            break
                        room = f"{floor}{position:02d}"
                        roll = rnd.random()
                        unit_id = t.add(
                            Unit,
                            compound_id=self.compound_id,
                            building_id=building,
                            entrance_id=entrance,
                            floor=floor,
                            number=room,
                            code=f"{number}-{e}-{room}",
                            area=areas[position - 1],
                            area_source=AreaSource.REGISTER
                            if roll < 0.86
                            else AreaSource.SURVEY
                            if roll < 0.95
                            else AreaSource.CONTRACT,
                            status=status[len(placed)],
                        )
                        placed.append((unit_id, entrance))
            t.maybe_flush()
        persons = 0
        adults: list[tuple[int, int]] = []  # (person, entrance) of adult residents
        start = date(delivered, 6, 30)
        for i, index in enumerate(order):
            unit, entrance = placed[index]
            if i >= households:
                # Vacant: an owner who lives elsewhere.
                owner = self.person(self.year - rnd.randint(30, 75), note="业主，不在本小区居住")
                persons += 1
                t.add(Ownership, unit_id=unit, person_id=owner, share=Decimal(1), started_on=start)
                continue
            tenants = i < rented
            head_born = self.year - rnd.randint(25, 80)
            members = [self.person(head_born)]
            while len(members) < sizes[i]:
                members.append(self.person(min(self.year - 1, head_born + rnd.randint(-5, 35))))
            persons += len(members)
            relation = Residency.Relation.TENANT if tenants else Residency.Relation.OWNER
            others = Residency.Relation.TENANT if tenants else Residency.Relation.FAMILY
            moved_in = date(rnd.randint(delivered, self.year - 1), rnd.randint(1, 12), 1)
            for k, member in enumerate(members):
                t.add(
                    Residency,
                    unit_id=unit,
                    person_id=member,
                    relation=relation if k == 0 else others,
                    is_head=k == 0,
                    moved_in_on=moved_in,
                )
            adults += [(m, entrance) for m in members[:2]]
            if tenants:
                owner = self.person(self.year - rnd.randint(30, 75), note="业主，不在本小区居住")
                persons += 1
                t.add(Ownership, unit_id=unit, person_id=owner, share=Decimal(1), started_on=start)
            elif len(members) > 1 and rnd.random() < 0.2:
                for owner in members[:2]:
                    t.add(
                        Ownership,
                        unit_id=unit,
                        person_id=owner,
                        share=Decimal("0.5"),
                        started_on=start,
                    )
            else:
                t.add(
                    Ownership,
                    unit_id=unit,
                    person_id=members[0],
                    share=Decimal(1),
                    started_on=start,
                )
            t.maybe_flush()
        persons += self._organisations(adults, entrance_ids, building_ids, delivered)
        return units, persons

    def _organisations(self, adults, entrance_ids, building_ids, delivered) -> int:
        """A party branch whose members answer for every entrance, and a property company
        whose staff answer for every building. Returns the number of persons added."""
        rnd, t = self.random, self.t
        branch = t.add(
            Organisation,
            kind=OrgKind.PARTY_BRANCH,
            name="小区党支部",
            community_id=self.community_id,
            compound_id=self.compound_id,
            founded_on=date(max(delivered, 2010), 7, 1),
        )
        count = min(len(adults), max(len(entrance_ids), len(adults) // 25))
        members = rnd.sample(adults, count)
        since = date(2022, 7, 1)
        seats = []
        for k, (person, _entrance) in enumerate(members):
            seats.append(
                t.add(
                    Membership,
                    organisation_id=branch,
                    person_id=person,
                    role=MemberRole.SECRETARY if k == 0 else MemberRole.MEMBER,
                    term_start=since,
                )
            )
            reporting = k % 4 == 3
            t.add(
                PartyMembership,
                person_id=person,
                organisation_id=branch,
                status=PartyMembership.Status.REPORTING
                if reporting
                else PartyMembership.Status.REGISTERED,
                home_organisation="区机关党支部" if reporting else "",
                joined_on=since,
            )
        for n, entrance in enumerate(entrance_ids):
            t.add(ResponsibilityArea, membership_id=seats[n % len(seats)], entrance_id=entrance)
        company = t.add(
            Organisation,
            kind=OrgKind.PROPERTY_COMPANY,
            name="物业服务中心",
            community_id=self.community_id,
            compound_id=self.compound_id,
        )
        staff = []
        for _ in range(2):
            worker = self.person(self.year - rnd.randint(25, 55), note="物业员工")
            staff.append(
                t.add(
                    Membership,
                    organisation_id=company,
                    person_id=worker,
                    role=MemberRole.STAFF,
                    term_start=since,
                )
            )
        for n, building in enumerate(building_ids):
            t.add(ResponsibilityArea, membership_id=staff[n % 2], building_id=building)
        return len(staff)


_KEY_CACHE: dict[str, tuple[str, str]] = {}


def _sizes(rnd: random.Random, n: int, total: int) -> list[int]:
    """`n` household sizes of 1–6 people summing to exactly `total` (clamped to what fits)."""
    total = max(n, min(total, 6 * n))
    mean = total / n
    sizes = [max(1, min(6, round(rnd.gauss(mean, 1.1)))) for _ in range(n)]
    diff = total - sum(sizes)
    while diff:
        i = rnd.randrange(n)
        step = 1 if diff > 0 else -1
        if 1 <= sizes[i] + step <= 6:
            sizes[i] += step
            diff -= step
    return sizes


def seed_district(
    *,
    compounds: int,
    units_per_compound: int,
    persons_per_unit: float = 2.5,
    report: Callable[[str], None] = print,
) -> SeedStats:
    """Add `compounds` synthetic compounds to the seed district (continuing its numbering)."""
    started = time.monotonic()
    stats = SeedStats()
    district, _ = District.objects.get_or_create(
        code=DISTRICT_CODE, defaults={"name": "样例区", "province": "样例省", "city": "样例市"}
    )
    first = Compound.objects.filter(community__subdistrict__district=district).count()
    tables = Tables(connection.vendor == "postgresql", stats)
    subdistricts: dict[int, int] = {}
    communities: dict[int, int] = {}
    try:
        for group in _chunks(range(first, first + compounds), COMPOUNDS_PER_COMMUNITY):
            with transaction.atomic():
                for index in group:
                    generated = time.monotonic()
                    sub_no = index // COMPOUNDS_PER_SUBDISTRICT
                    com_no = index // COMPOUNDS_PER_COMMUNITY
                    if sub_no not in subdistricts:
                        subdistricts[sub_no] = _find_or_add(
                            tables,
                            Subdistrict,
                            f"seed-sd-{sub_no + 1:03d}",
                            district_id=district.id,
                            name=f"样例第{sub_no + 1}街道",
                        )
                    if com_no not in communities:
                        communities[com_no] = _find_or_add(
                            tables,
                            Community,
                            f"seed-c-{com_no + 1:04d}",
                            subdistrict_id=subdistricts[sub_no],
                            name=f"样例第{com_no + 1}社区",
                        )
                    delivered = 1985 + index % 35
                    compound_id = tables.add(
                        Compound,
                        community_id=communities[com_no],
                        code=f"seed-{index + 1:04d}",
                        name=compound_name(index),
                        delivered_year=delivered,
                    )
                    seeder = CompoundSeeder(tables, compound_id, communities[com_no], index)
                    units, persons = seeder.build(units_per_compound, persons_per_unit, delivered)
                    stats.compounds += 1
                    stats.units += units
                    stats.persons += persons
                    stats.add_phase("generate", time.monotonic() - generated)
                tables.flush()
            if stats.compounds % 50 == 0 or stats.compounds == compounds:
                report(
                    f"{stats.compounds}/{compounds} compounds, {stats.units:,} units, "
                    f"{stats.persons:,} persons, {time.monotonic() - started:.0f} s"
                )
    finally:
        reset_sequences()
    return _finish(stats, started)


def seed_compound(
    *, code: str, units: int, persons_per_unit: float = 2.5, name: str = ""
) -> SeedStats:
    """One synthetic compound of any size (e.g. 80,000 homes for an export benchmark), in a
    district of its own so the seed district's numbering is not disturbed."""
    started = time.monotonic()
    stats = SeedStats()
    tables = Tables(connection.vendor == "postgresql", stats)
    district, _ = District.objects.get_or_create(
        code=f"{code}-district", defaults={"name": "测试区", "province": "样例省", "city": "样例市"}
    )
    try:
        with transaction.atomic():
            subdistrict = _find_or_add(
                tables, Subdistrict, f"{code}-sd", district_id=district.id, name="测试街道"
            )
            community = _find_or_add(
                tables, Community, f"{code}-c", subdistrict_id=subdistrict, name="测试社区"
            )
            compound_id = tables.add(
                Compound,
                community_id=community,
                code=code,
                name=name or code,
                delivered_year=2005,
            )
            seeder = CompoundSeeder(tables, compound_id, community, code)
            stats.units, stats.persons = seeder.build(units, persons_per_unit, 2005)
            stats.compounds = 1
            tables.flush()
    finally:
        reset_sequences()
    return _finish(stats, started)


def _finish(stats: SeedStats, started: float) -> SeedStats:
    """Refresh PostgreSQL's planner statistics: fresh tables otherwise get poor plans."""
    if connection.vendor == "postgresql":
        analysed = time.monotonic()
        with connection.cursor() as cursor:
            for model in SEED_MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        stats.add_phase("analyze", time.monotonic() - analysed)
    stats.seconds = time.monotonic() - started
    return stats


def _find_or_add(tables: Tables, model, code: str, **values) -> int:
    existing = model._default_manager.filter(code=code).values_list("id", flat=True).first()
    if existing:
        return existing
    return tables.add(model, code=code, **values)


def _chunks(items: Iterable[int], size: int) -> Iterable[list[int]]:
    chunk: list[int] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
