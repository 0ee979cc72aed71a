"""A valid import creates the right rows; re-importing updates instead of duplicating."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import translation

from mulin.core import access, privacy
from mulin.core.models import AuditEvent
from mulin.people.imports import registry_import
from mulin.people.models import Company, Ownership, Person, Residency, Vehicle
from mulin.people.tests.files.spreadsheets import (
    csv_text,
    id_number,
    registry_counts,
    registry_workbook,
    xlsx,
)
from mulin.places.models import Building, Entrance, Unit


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source messages, whatever catalogues are compiled."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


WANG_ID = id_number("35020319500101123")


def sample_workbook() -> bytes:
    return registry_workbook(
        buildings=[["64", 6, "否", 1986], ["65幢", 7, "是", 1990]],
        units=[
            ["64-1-101", "住宅", 72.35, "产权登记", "自住"],
            ["64-1-102", "住宅", "60.5㎡", "测绘", "出租"],
            ["65幢2单元1201", "商业", 120, "合同", "空置"],
        ],
        owners=[
            ["64-1-101", "王大伟", "139 0000 1111", WANG_ID, 0.5, date(2003, 5, 1), None, None],
            ["64-1-101", "李小红", "13900003333", None, "50%", None, None, None],
            ["64-1-102", None, None, None, None, None, "锦绣地产有限公司", "是"],
            ["65-2-1201", None, None, None, None, None, "锦绣地产有限公司", "是"],
        ],
        residents=[
            ["64-1-101", "王大伟", "13900001111", None, "男", 1950, "业主", "是", "2003-06-01"],
            ["64-1-101", "李小红", "13900003333", None, "女", date(1952, 3, 4), "家属", "否", None],
            ["64-1-102", "赵租户", "13900002222", None, "男", None, "租户", "是", None],
        ],
        vehicles=[
            ["浙A12345", "王大伟", "13900001111", "64-1-101", "白色大众"],
            ["浙AD12345", "赵租户", None, "64-1-102", None],
        ],
    )


def do_import(world, content: bytes, filename: str = "registry.xlsx", **kwargs):
    return registry_import(
        actor=world.staff,
        compound=world.compound,
        file=io.BytesIO(content),
        filename=filename,
        **kwargs,
    )


def test_valid_multi_sheet_import_creates_the_right_rows(world):
    result = do_import(world, sample_workbook())
    assert result.ok, result.errors
    counts = result.summary()
    assert {k: v["created"] for k, v in counts.items()} == {
        "buildings": 2,
        "entrances": 2,
        "units": 3,
        "persons": 3,
        "companies": 1,
        "ownerships": 4,
        "residencies": 3,
        "vehicles": 2,
    }
    b65 = Building.objects.get(compound=world.compound, number="65")
    assert (b65.floors, b65.has_lift, b65.year_built) == (7, True, 1990)
    assert Building.objects.get(compound=world.compound, number="64").sort_key == 64

    shop = Unit.objects.get(compound=world.compound, code="65-2-1201")
    assert (shop.use, shop.area, shop.area_source, shop.status) == (
        "commercial",
        Decimal("120.00"),
        "contract",
        "vacant",
    )
    assert shop.floor == 12 and shop.entrance.number == "2" and shop.building == b65
    assert Unit.objects.get(code="64-1-102").area == Decimal("60.50")

    wang = Person.objects.get(compound=world.compound, name="王大伟")
    assert wang.phone == "13900001111" and wang.phone_tail == "1111"
    assert (wang.name_pinyin, wang.name_initials) == ("wangdawei", "wdw")
    assert wang.gender == "male" and wang.birth_year == 1950
    assert wang.id_number_digest == privacy.digest(WANG_ID)
    assert privacy.decrypt(wang.id_number_encrypted) == WANG_ID
    assert WANG_ID not in wang.id_number_encrypted
    li = Person.objects.get(compound=world.compound, name="李小红")
    assert li.birth_date == date(1952, 3, 4) and li.birth_year == 1952

    home = Unit.objects.get(code="64-1-101")
    assert sorted(Ownership.objects.filter(unit=home).values_list("share", flat=True)) == [
        Decimal("0.5"),
        Decimal("0.5"),
    ]
    assert Ownership.objects.get(unit=home, person=wang).started_on == date(2003, 5, 1)
    developer = Company.objects.get(compound=world.compound)
    assert developer.is_developer and developer.ownerships.count() == 2

    head = Residency.objects.get(unit=home, is_head=True)
    assert head.person == wang and head.relation == "owner" and head.moved_in_on == date(2003, 6, 1)
    assert Residency.objects.get(unit=home, person=li).relation == "family"

    car = Vehicle.objects.get(plate="浙A12345")
    assert (car.person, car.unit, car.energy, car.brand) == (wang, home, "fuel", "白色大众")
    assert Vehicle.objects.get(plate="浙AD12345").energy == "new_energy"

    event = AuditEvent.objects.get(action="registry.import")
    assert event.actor == world.staff and event.compound_id == world.compound.id
    assert event.changes["file"] == "registry.xlsx" and event.changes["sha256"] == result.digest
    assert event.changes["counts"]["persons"]["created"] == 3


def test_reimporting_the_same_file_changes_nothing(world):
    first = do_import(world, sample_workbook())
    assert first.ok
    before = registry_counts()
    second = do_import(world, sample_workbook())
    assert second.ok, second.errors
    assert second.created == 0 and second.updated == 0
    assert second.counts["units"].unchanged == 3
    assert second.counts["persons"].unchanged == 3
    assert second.counts["ownerships"].unchanged == 4
    after = registry_counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1  # only the summary event
    assert after == before


def test_reimport_with_changes_updates_and_audits_old_and_new_values(world):
    do_import(world, sample_workbook())
    changed = registry_workbook(
        units=[["64-1-101", "住宅", 75, "测绘", "出租"]],
        residents=[["64-1-101", "王大伟", "13900009999", WANG_ID, None, None, None, None, None]],
    )
    result = do_import(world, changed)
    assert result.ok, result.errors
    assert result.counts["units"].updated == 1 and result.counts["persons"].updated == 1
    assert result.created == 0
    unit = Unit.objects.get(code="64-1-101")
    assert (unit.area, unit.area_source, unit.status) == (Decimal("75.00"), "survey", "rented")
    unit_event = AuditEvent.objects.get(action="unit.update", target_id=str(unit.pk))
    assert unit_event.changes["area"] == ["72.35", "75.00"]
    assert unit_event.changes["status"] == ["occupied", "rented"]
    wang = Person.objects.get(name="王大伟")
    assert wang.phone == "13900009999" and wang.phone_tail == "9999"
    person_event = AuditEvent.objects.get(action="person.update")
    assert person_event.subject_person == wang
    assert person_event.changes == {"phone": ["13900001111", "13900009999"]}


def test_a_registered_person_is_found_by_name_within_the_unit(world):
    # 张三 lives in 63-2-301 (world fixture); a row without phone names the same person.
    content = registry_workbook(
        residents=[["63-2-301", "张三", None, None, "男", 1958, "业主", "是", None]]
    )
    before = Person.objects.count()
    result = do_import(world, content)
    assert result.ok, result.errors
    assert Person.objects.count() == before
    assert result.counts["residencies"].updated == 0 or result.counts["residencies"].unchanged
    world.resident_person.refresh_from_db()
    assert world.resident_person.birth_year == 1958 and world.resident_person.gender == "male"


def test_a_registered_person_is_found_by_id_number_even_under_another_name(world):
    world.resident_person.id_number_digest = privacy.digest(WANG_ID)
    world.resident_person.save()
    content = registry_workbook(owners=[["63-2-301", "张叁", None, WANG_ID, 1, None, None, None]])
    result = do_import(world, content)
    assert result.ok, result.errors
    world.resident_person.refresh_from_db()
    assert world.resident_person.name == "张叁"
    assert result.counts["persons"].created == 0 and result.counts["ownerships"].unchanged == 1


def test_two_people_sharing_a_phone_stay_two_people(world):
    content = registry_workbook(
        residents=[
            ["63-2-302", "王奶奶", "13900001111", None, "女", 1940, "业主", "是", None],
            ["63-2-302", "王爷爷", "13900001111", None, "男", 1938, "业主", "否", None],
        ]
    )
    result = do_import(world, content)
    assert result.ok and result.counts["persons"].created == 2


def test_a_new_head_of_household_replaces_the_old_one(world):
    content = registry_workbook(
        residents=[["63-2-301", "张小三", "13900004444", None, "男", None, "家属", "是", None]]
    )
    result = do_import(world, content)
    assert result.ok, result.errors
    heads = Residency.objects.current().filter(unit=world.unit, is_head=True)
    assert [r.person.name for r in heads] == ["张小三"]
    assert result.counts["residencies"].updated == 1
    event = AuditEvent.objects.get(action="residency.update")
    assert event.changes == {"is_head": [True, False]}
    assert event.subject_person == world.resident_person


def test_dry_run_writes_nothing_but_counts(world):
    before = registry_counts()
    result = do_import(world, sample_workbook(), dry_run=True)
    assert result.ok and result.dry_run and not result.written
    assert result.counts["units"].created == 3 and result.counts["persons"].created == 3
    assert registry_counts() == before


def test_gbk_csv_from_chinese_excel(world):
    text = csv_text(
        [
            ["房屋编号", "姓名", "手机", "性别", "居住身份"],
            ["63-2-302", "欧阳娜娜", "13900005555", "女", "租户"],
        ]
    )
    result = do_import(world, text.encode("gbk"), "住户.csv")
    assert result.ok, result.errors
    person = Person.objects.get(phone="13900005555")
    assert person.name == "欧阳娜娜"
    assert Residency.objects.get(person=person).relation == "tenant"


def test_utf8_csv_with_byte_order_mark(world):
    text = csv_text(
        [
            ["车牌号", "车主姓名", "车主手机", "房屋编号"],
            ["闽D12345", "张三", "13812345678", "63-2-301"],
        ]
    )
    result = do_import(world, ("\ufeff" + text).encode("utf-8"), "vehicles.csv")
    assert result.ok, result.errors
    vehicle = Vehicle.objects.get(plate="闽D12345")
    assert vehicle.person == world.resident_person and vehicle.unit == world.unit


def test_english_headers_are_accepted(world):
    content = xlsx(
        {
            "Sheet1": [
                [
                    "Unit code",
                    "Name",
                    "Phone",
                    "Gender",
                    "Birth date",
                    "Relation",
                    "Head of household",
                ],
                ["63-2-302", "Lin Mei", "13900006666", "female", "1960-01-02", "tenant", "yes"],
            ]
        }
    )
    result = do_import(world, content)
    assert result.ok, result.errors
    person = Person.objects.get(phone="13900006666")
    assert (person.name, person.gender, person.birth_date) == (
        "Lin Mei",
        "female",
        date(1960, 1, 2),
    )
    residency = Residency.objects.get(person=person)
    assert residency.relation == "tenant" and residency.is_head


def test_a_title_row_above_the_headers_is_skipped(world):
    content = xlsx(
        {
            "居民 residents": [
                ["锦绣测试小区住户花名册"],
                ["房屋编号", "姓名", "手机"],
                ["63-2-302", "钱七", "13900007777"],
            ]
        }
    )
    result = do_import(world, content)
    assert result.ok, result.errors
    assert Person.objects.filter(name="钱七").exists()


def rows_workbook(n: int, *, building: str = "70", phones: int = 0, plates: str = "浙B") -> bytes:
    def unit(i: int) -> str:
        return f"{building}-1-{100 + i}"

    def phone(i: int) -> str:
        return f"139{phones + i:08d}"

    return registry_workbook(
        buildings=[[building, 6, "否", 1990]],
        units=[[unit(i), "住宅", 50 + i, "产权登记", "自住"] for i in range(n)],
        owners=[[unit(i), f"业主{i}", phone(i), None, 1, None, None, None] for i in range(n)],
        residents=[
            [unit(i), f"业主{i}", phone(i), None, "男", None, "业主", "是", None] for i in range(n)
        ],
        vehicles=[[f"{plates}{10000 + i}", f"业主{i}", phone(i), unit(i), None] for i in range(n)],
    )


def test_query_count_does_not_grow_with_rows(world, count_queries):
    # Sizes stay under SQLite's bulk-insert batch (999 parameters) so both databases compare
    # the same statements; on PostgreSQL one batch holds 1,000 rows.
    access.scope_for(world.staff, access.REGISTRY_IMPORT)  # the per-request access lookup
    with count_queries() as q_small:
        small = do_import(world, rows_workbook(20))
    with count_queries() as q_large:
        large = do_import(world, rows_workbook(60, building="71", phones=1000, plates="浙C"))
    assert small.ok and large.ok, (small.errors, large.errors)
    assert small.counts["units"].created == 20 and large.counts["units"].created == 60
    assert q_large.count == q_small.count, q_large.dump()


def test_reimport_query_count_does_not_grow_with_rows(world, count_queries):
    assert do_import(world, rows_workbook(20)).ok
    assert do_import(world, rows_workbook(60, building="71", phones=1000, plates="浙C")).ok
    # The same rows again with new phones: each person is found by name in the unit and updated.
    with count_queries() as q_small:
        small = do_import(world, rows_workbook(20, phones=500))
    with count_queries() as q_large:
        large = do_import(world, rows_workbook(60, building="71", phones=3000, plates="浙C"))
    assert small.ok and large.ok, (small.errors, large.errors)
    assert small.counts["persons"].updated == 20 and large.counts["persons"].updated == 60
    assert small.counts["units"].unchanged == 20 and large.counts["units"].unchanged == 60
    assert q_large.count == q_small.count, q_large.dump()


def test_import_needs_the_import_permission(world):
    for user in (world.outsider, world.resident):
        with pytest.raises(Http404):
            registry_import(
                actor=user,
                compound=world.compound,
                file=io.BytesIO(sample_workbook()),
                filename="registry.xlsx",
            )
    assert not Building.objects.filter(number="64").exists()
    assert not Entrance.objects.filter(building__number="64").exists()


def test_reimport_updates_every_kind_of_field(world):
    do_import(world, sample_workbook())
    changed = registry_workbook(
        buildings=[["64", 7, "是", 1987]],
        units=[["64-1-102", "其他", 61.25, "合同", "装修中"]],
        owners=[
            ["64-1-101", "王大伟", "13900001111", None, 0.7, date(2004, 1, 2), None, None],
            ["64-1-101", "李小红", "13900003333", None, 0.3, None, None, None],
            ["64-1-102", None, None, None, None, None, "锦绣地产有限公司", "否"],
        ],
        residents=[
            ["64-1-101", "李小红", "13900003333", None, None, None, "业主", None, "2005-07-08"],
        ],
        vehicles=[["浙A12345", "新车主", "13900007777", "64-1-102", "黑色丰田"]],
    )
    result = do_import(world, changed)
    assert result.ok, result.errors
    assert result.counts["persons"].created == 1
    building = Building.objects.get(compound=world.compound, number="64")
    assert (building.floors, building.has_lift, building.year_built) == (7, True, 1987)
    unit = Unit.objects.get(code="64-1-102")
    assert (unit.use, unit.area, unit.area_source, unit.status) == (
        "other",
        Decimal("61.25"),
        "contract",
        "renovating",
    )
    wang = Ownership.objects.get(person__name="王大伟")
    assert (wang.share, wang.started_on) == (Decimal("0.7"), date(2004, 1, 2))
    assert Ownership.objects.get(person__name="李小红").share == Decimal("0.3")
    assert not Company.objects.get(compound=world.compound).is_developer
    li = Residency.objects.get(person__name="李小红")
    assert (li.relation, li.is_head, li.moved_in_on) == ("owner", False, date(2005, 7, 8))
    car = Vehicle.objects.get(plate="浙A12345")
    assert car.person.name == "新车主" and car.unit == unit and car.brand == "黑色丰田"
    event = AuditEvent.objects.get(action="vehicle.update")
    assert event.changes["person_id"][1] == car.person_id
    assert event.changes["brand"] == ["白色大众", "黑色丰田"]


def test_an_empty_share_keeps_the_registered_share_and_new_owners_split_the_rest(world):
    co_owner = Person.objects.create(compound=world.compound, name="张太太", phone="13900001212")
    Ownership.objects.filter(unit=world.unit).update(share=Decimal("0.5"))
    Ownership.objects.create(unit=world.unit, person=co_owner, share=Decimal("0.25"))
    content = registry_workbook(
        owners=[
            ["63-2-301", "张三", "13812345678", None, None, None, None, None],
            ["63-2-301", "张小三", "13900004444", None, None, None, None, None],
        ]
    )
    result = do_import(world, content)
    assert result.ok, result.errors
    shares = dict(Ownership.objects.filter(unit=world.unit).values_list("person__name", "share"))
    assert shares == {"张三": Decimal("0.5"), "张太太": Decimal("0.25"), "张小三": Decimal("0.25")}
    assert result.counts["ownerships"].unchanged == 1 and result.counts["ownerships"].created == 1


def test_a_new_owner_without_a_share_on_a_fully_owned_unit_is_refused(world):
    content = registry_workbook(
        owners=[["63-2-301", "王五", "13900001111", None, None, None, None, None]]
    )
    before = registry_counts()
    result = do_import(world, content)
    assert [(e.row, e.column) for e in result.errors] == [(2, "份额")]
    assert "hold all of it" in result.errors[0].message
    assert registry_counts() == before
