"""API: compounds, buildings, units — access, masking, query counts, writes."""

from decimal import Decimal

import pytest

from mulin.core.models import AuditEvent, IdempotencyKey
from mulin.places.models import Building, Unit
from mulin.testing import factories as f
from mulin.testing.api import add_unit, ids

# ---------------------------------------------------------------- compounds


def test_compound_list_is_scoped_and_counts(world, api, neighbourhood):
    data = api(world.staff).get("/compounds").json()
    assert data["count"] == 1
    [row] = data["items"]
    assert row["code"] == world.compound.code
    assert row["building_count"] == 1
    assert row["unit_count"] == 2
    assert row["household_count"] == 2
    assert row["resident_count"] == 2
    assert ids(api(world.outsider).get("/compounds")) == {world.other.id}
    assert ids(api(world.resident).get("/compounds")) == set()
    assert ids(api(world.admin).get("/compounds")) == {world.compound.id, world.other.id}


def test_compound_list_queries_do_not_grow(world, api, constant_queries):
    def grow():
        for _ in range(6):
            f.UnitFactory(
                entrance__building__compound=f.CompoundFactory(community=world.compound.community)
            )

    for _ in range(3):
        f.UnitFactory(
            entrance__building__compound=f.CompoundFactory(community=world.compound.community)
        )
    client = api(world.staff)
    constant_queries(client, "/compounds", grow, 9)


def test_compound_detail(world, api, neighbourhood):
    response = api(world.staff).get(f"/compounds/{world.compound.code}")
    assert response.status_code == 200
    data = response.json()
    assert data["organisation_count"] == 1
    assert data["community"]["code"] == world.compound.community.code
    assert api(world.outsider).get(f"/compounds/{world.compound.code}").status_code == 404
    assert api(world.resident).get(f"/compounds/{world.compound.code}").status_code == 404
    assert api(world.staff).get("/compounds/nope").status_code == 404


# ---------------------------------------------------------------- buildings


def test_building_list_and_detail(world, api):
    building = world.unit.building
    data = api(world.staff).get("/buildings", compound=world.compound.code).json()
    assert [b["number"] for b in data["items"]] == ["63"]
    assert data["items"][0]["unit_count"] == 2
    assert data["items"][0]["entrances"] == [{"id": world.unit.entrance_id, "number": "2"}]
    assert ids(api(world.outsider).get("/buildings")) == {world.other_unit.building_id}
    assert api(world.staff).get(f"/buildings/{building.id}").status_code == 200
    assert api(world.outsider).get(f"/buildings/{building.id}").status_code == 404
    assert api(world.resident).get(f"/buildings/{building.id}").status_code == 404


def test_building_list_queries_do_not_grow(world, api, constant_queries):
    def add(n):
        for _ in range(n):
            number = f"B{Building.objects.count()}"  # never the world's building 63
            f.UnitFactory(
                entrance__building__compound=world.compound, entrance__building__number=number
            )

    add(3)
    client = api(world.staff)
    constant_queries(client, "/buildings", lambda: add(6), 7)


def test_building_create(world, api):
    body = {"compound": world.compound.code, "number": "64", "floors": 6}
    assert api(world.outsider).post("/buildings", body).status_code == 404
    assert api(world.resident).post("/buildings", body).status_code == 404
    response = api(world.staff).post("/buildings", body)
    assert response.status_code == 201
    assert response.json()["number"] == "64"
    assert AuditEvent.objects.filter(action="building.create").count() == 1
    again = api(world.staff).post("/buildings", body)
    assert again.status_code == 422
    assert again.json()["detail"][0]["field"] == "number"
    assert Building.objects.filter(compound=world.compound, number="64").count() == 1


# ---------------------------------------------------------------- units


def test_unit_list_scoped_per_user(world, api):
    both = {world.unit.id, world.neighbour_unit.id}
    assert ids(api(world.staff).get("/units")) == both
    assert ids(api(world.outsider).get("/units")) == {world.other_unit.id}
    assert ids(api(world.resident).get("/units")) == {world.unit.id}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"code": "63-2-301"}, {"unit"}),
        ({"code": "63幢2单元302"}, {"neighbour_unit"}),
        ({"building": "63", "entrance": "2"}, {"unit", "neighbour_unit"}),
        ({"building": "64"}, set()),
        ({"status": "vacant"}, {"neighbour_unit"}),
        ({"use": "commercial"}, set()),
    ],
)
def test_unit_list_filters(world, api, params, expected):
    Unit.objects.filter(pk=world.neighbour_unit.pk).update(status="vacant")
    data = api(world.staff).get("/units", compound=world.compound.code, **params)
    assert ids(data) == {getattr(world, name).id for name in expected}


def test_unit_list_rejects_a_bad_code_naming_the_field(world, api):
    response = api(world.staff).get("/units", code="not a code")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "code"


def test_unit_list_paginates(world, api):
    for _ in range(5):
        add_unit(world.unit.entrance)
    client = api(world.staff)
    first = client.get("/units", limit=3).json()
    second = client.get("/units", limit=3, offset=3).json()
    assert first["count"] == second["count"] == 7
    assert (first["limit"], first["offset"], len(first["items"])) == (3, 0, 3)
    assert len(second["items"]) == 3
    assert not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}
    assert client.get("/units", offset=100).json()["items"] == []


def test_unit_list_queries_do_not_grow(world, api, constant_queries):
    def add(n):
        for _ in range(n):
            add_unit(world.unit.entrance)

    add(3)
    client = api(world.staff)
    constant_queries(client, "/units", lambda: add(6), 6)


def test_unit_detail_masks_phones_and_names_who_is_responsible(world, api, neighbourhood):
    response = api(world.staff).get(f"/units/{world.unit.id}")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "63-2-301"
    assert data["chinese_code"] == "63幢2单元301"
    assert data["area"] == "88.50"
    assert [r["person"]["phone"] for r in data["residents"]] == ["138****5678"]
    assert [o["person"]["name"] for o in data["owners"]] == ["张三"]
    assert [v["plate"] for v in data["vehicles"]] == ["闽D12345"]
    [responsible] = data["responsible"]
    assert responsible["membership"]["person"]["name"] == "李四"
    assert responsible["place"] == {"kind": "building", "id": world.unit.building_id, "code": "63"}
    assert "13812345678" not in response.content.decode()


def test_unit_detail_access(world, api, neighbourhood):
    assert api(world.resident).get(f"/units/{world.unit.id}").status_code == 200
    assert api(world.resident).get(f"/units/{world.neighbour_unit.id}").status_code == 404
    assert api(world.outsider).get(f"/units/{world.unit.id}").status_code == 404


def test_unit_detail_query_count_is_fixed(world, api, neighbourhood, count_queries):
    client = api(world.staff)
    client.get(f"/units/{world.unit.id}")
    with count_queries() as before:
        client.get(f"/units/{world.unit.id}")
    for _ in range(3):
        person = f.PersonFactory(compound=world.compound)
        f.ResidencyFactory(unit=world.unit, person=person, is_head=False, relation="family")
    with count_queries() as after:
        client.get(f"/units/{world.unit.id}")
    assert before.count == after.count, after.dump()


def test_unit_create(world, api):
    body = {
        "compound": world.compound.code,
        "building": "63",
        "entrance": "2",
        "number": "401",
        "area": "90.25",
        "area_source": "survey",
    }
    assert api(world.outsider).post("/units", body).status_code == 404
    assert api(world.resident).post("/units", body).status_code == 404
    response = api(world.staff).post("/units", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["code"], data["floor"], data["area"]) == ("63-2-401", 4, "90.25")
    unit = Unit.objects.get(pk=data["id"])
    assert unit.area == Decimal("90.25")
    assert AuditEvent.objects.filter(action="unit.create", target_id=str(unit.pk)).exists()


def test_unit_create_retry_with_key_creates_one(world, api):
    body = {"compound": world.compound.code, "building": "63", "number": "501"}
    client = api(world.staff)
    first = client.post("/units", body, **{"Idempotency-Key": "u-501"})
    second = client.post("/units", body, **{"Idempotency-Key": "u-501"})
    assert first.json() == second.json()
    assert Unit.objects.filter(code="63-501").count() == 1
    assert IdempotencyKey.objects.get().status == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"building": "99"}, "building"),
        ({"area": "-3"}, "area"),
        ({"area": "80", "area_source": None}, "area_source"),
        ({"number": "301"}, "number"),
        ({"use": "castle"}, "use"),
    ],
)
def test_unit_create_refuses_bad_input_and_writes_nothing(world, api, change, field):
    body = {"compound": world.compound.code, "building": "63", "entrance": "2", "number": "601"}
    body |= change
    before = Unit.objects.count()
    response = api(world.staff).post("/units", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == [field]
    assert Unit.objects.count() == before
    assert not AuditEvent.objects.filter(action="unit.create").exists()


def test_unit_update(world, api):
    path = f"/units/{world.unit.id}"
    assert api(world.outsider).patch(path, {"status": "vacant"}).status_code == 404
    assert api(world.resident).patch(path, {"status": "vacant"}).status_code == 404
    response = api(world.staff).patch(path, {"status": "rented"})
    assert response.status_code == 200
    assert response.json()["status"] == "rented"
    world.unit.refresh_from_db()
    assert (world.unit.status, world.unit.area) == ("rented", Decimal("88.50"))
    event = AuditEvent.objects.get(action="unit.update")
    assert event.changes == {"status": ["occupied", "rented"]}


def test_unit_update_refuses_area_without_source(world, api):
    response = api(world.staff, language="zh-hans").patch(
        f"/units/{world.unit.id}", {"area": "70", "area_source": None}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "area_source"
    world.unit.refresh_from_db()
    assert world.unit.area == Decimal("88.50")
