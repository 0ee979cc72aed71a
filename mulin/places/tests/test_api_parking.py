"""API: parking spaces — access, scoped lists, query counts, writes through the services."""

from decimal import Decimal

import pytest

from mulin.core.models import AuditEvent, IdempotencyKey
from mulin.places.models import ParkingKind, ParkingSpace
from mulin.testing.api import ids


def add_spaces(compound, n: int, start: int = 1, **fields) -> list[ParkingSpace]:
    return ParkingSpace.objects.bulk_create(
        ParkingSpace(compound=compound, number=f"P{i:03d}", **fields)
        for i in range(start, start + n)
    )


def stored() -> list[tuple]:
    return list(
        ParkingSpace.objects.order_by("id").values_list(
            "compound_id", "number", "kind", "area", "counts_as_unit", "note"
        )
    )


@pytest.fixture
def spaces(world):
    mine = add_spaces(world.compound, 2, kind=ParkingKind.SURFACE, area=Decimal("12.50"))
    mine += add_spaces(world.compound, 1, start=10, kind=ParkingKind.GARAGE, counts_as_unit=True)
    theirs = add_spaces(world.other, 2)
    return mine, theirs


# ---------------------------------------------------------------- reading


def test_anonymous_gets_401(world, api, spaces):
    mine, _theirs = spaces
    assert api().get("/parking-spaces").status_code == 401
    assert api().get(f"/parking-spaces/{mine[0].id}").status_code == 401
    body = {"compound": world.compound.code, "number": "P99"}
    assert api().post("/parking-spaces", body).status_code == 401
    assert api().patch(f"/parking-spaces/{mine[0].id}", {"note": "x"}).status_code == 401


def test_list_is_scoped_per_user(world, api, spaces):
    mine, theirs = spaces
    assert ids(api(world.staff).get("/parking-spaces")) == {s.id for s in mine}
    assert ids(api(world.outsider).get("/parking-spaces")) == {s.id for s in theirs}
    assert ids(api(world.resident).get("/parking-spaces")) == set()
    assert ids(api(world.admin).get("/parking-spaces")) == {s.id for s in mine + theirs}


def test_list_filters_by_compound_and_kind(world, api, spaces):
    mine, _theirs = spaces
    client = api(world.staff)
    data = client.get("/parking-spaces", compound=world.compound.code, kind="garage").json()
    assert [row["number"] for row in data["items"]] == ["P010"]
    assert data["items"][0] == {
        "id": mine[2].id,
        "compound": world.compound.code,
        "number": "P010",
        "kind": "garage",
        "area": None,
        "counts_as_unit": True,
        "note": "",
    }
    assert ids(client.get("/parking-spaces", compound=world.other.code)) == set()
    response = client.get("/parking-spaces", kind="hovercraft")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "kind"


def test_detail_access(world, api, spaces):
    mine, theirs = spaces
    response = api(world.staff).get(f"/parking-spaces/{mine[0].id}")
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["area"]) == ("P001", "12.50")
    assert api(world.staff).get(f"/parking-spaces/{theirs[0].id}").status_code == 404
    assert api(world.outsider).get(f"/parking-spaces/{mine[0].id}").status_code == 404
    assert api(world.resident).get(f"/parking-spaces/{mine[0].id}").status_code == 404
    assert api(world.staff).get("/parking-spaces/999999999").status_code == 404


def test_list_has_nothing_to_mask(world, api, spaces):
    # A parking space carries no personal data: no name, phone or unit to mask.
    [row, *_rest] = api(world.staff).get("/parking-spaces").json()["items"]
    assert set(row) == {"id", "compound", "number", "kind", "area", "counts_as_unit", "note"}


def test_list_queries_do_not_grow(world, api, spaces, constant_queries):
    client = api(world.staff)
    constant_queries(client, "/parking-spaces", lambda: add_spaces(world.compound, 6, start=100), 5)


# ---------------------------------------------------------------- writing


def test_create(world, api):
    body = {
        "compound": world.compound.code,
        "number": " p49 ",
        "kind": "underground",
        "area": "13.5",
        "counts_as_unit": True,
        "note": "原菜地",
    }
    assert api(world.outsider).post("/parking-spaces", body).status_code == 404
    assert api(world.resident).post("/parking-spaces", body).status_code == 404
    assert not ParkingSpace.objects.exists()
    response = api(world.staff).post("/parking-spaces", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["number"], data["kind"], data["area"], data["counts_as_unit"]) == (
        "P49",
        "underground",
        "13.50",
        True,
    )
    event = AuditEvent.objects.get(action="parking_space.create")
    assert (event.target_id, event.actor) == (str(data["id"]), world.staff)


def test_create_retry_with_key_creates_one(world, api):
    body = {"compound": world.compound.code, "number": "P50"}
    client = api(world.staff)
    first = client.post("/parking-spaces", body, **{"Idempotency-Key": "p-50"})
    second = client.post("/parking-spaces", body, **{"Idempotency-Key": "p-50"})
    assert first.status_code == 201
    assert first.json() == second.json()
    assert ParkingSpace.objects.filter(number="P50").count() == 1
    assert IdempotencyKey.objects.get().status == 201


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"number": "  "}, "number", "Enter the parking space number."),
        ({"number": "P001"}, "number", "Parking space P001 already exists in this compound."),
        ({"kind": "hovercraft"}, "kind", "Select a valid choice."),
        ({"area": "0"}, "area", "The area must be greater than 0 m²."),
        ({"area": "-2.5"}, "area", "The area must be greater than 0 m²."),
        ({"area": "1.234"}, "area", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_create_refuses_bad_input_naming_the_field(world, api, spaces, change, field, message):
    body = {"compound": world.compound.code, "number": "P60", "kind": "surface"} | change
    before = stored()
    response = api(world.staff).post("/parking-spaces", body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == field
    assert error["message"].startswith(message), error
    assert stored() == before
    assert not AuditEvent.objects.filter(action="parking_space.create").exists()


def test_create_messages_follow_the_request_language(world, api):
    body = {"compound": world.compound.code, "number": ""}
    response = api(world.staff, language="zh-hans").post("/parking-spaces", body)
    assert response.status_code == 422
    message = response.json()["detail"][0]["message"]
    assert message != "Enter the parking space number."
    assert "车位" in message


def test_update(world, api, spaces):
    mine, theirs = spaces
    path = f"/parking-spaces/{mine[0].id}"
    assert api(world.outsider).patch(path, {"note": "x"}).status_code == 404
    assert api(world.resident).patch(path, {"note": "x"}).status_code == 404
    assert (
        api(world.staff).patch(f"/parking-spaces/{theirs[0].id}", {"note": "x"}).status_code == 404
    )
    response = api(world.staff).patch(path, {"kind": "mechanical", "area": None})
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["area"]) == ("mechanical", None)
    event = AuditEvent.objects.get(action="parking_space.update")
    assert event.changes == {"area": ["12.50", None], "kind": ["surface", "mechanical"]}
    theirs[0].refresh_from_db()
    assert theirs[0].note == ""


def test_update_refuses_a_taken_number_and_changes_nothing(world, api, spaces):
    mine, _theirs = spaces
    before = stored()
    response = api(world.staff).patch(
        f"/parking-spaces/{mine[1].id}", {"number": "p001", "note": "changed"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "number", "message": "Parking space P001 already exists in this compound."}
    ]
    assert stored() == before
    assert not AuditEvent.objects.filter(action="parking_space.update").exists()


def test_update_with_a_null_number_is_refused(world, api, spaces):
    mine, _theirs = spaces
    response = api(world.staff).patch(f"/parking-spaces/{mine[0].id}", {"number": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "number"
