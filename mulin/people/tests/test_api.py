"""API: persons (search, masking, reveal, consent), residencies, ownerships, vehicles."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mulin.core.models import AuditEvent, IdempotencyKey
from mulin.people import services
from mulin.people.models import Company, Consent, Ownership, Person, Residency, Vehicle
from mulin.testing import factories as f
from mulin.testing.api import ids

ID_NUMBER = "11010519491231002X"


# ---------------------------------------------------------------- persons


def test_person_list_is_scoped(world, api, neighbourhood):
    assert ids(api(world.staff).get("/persons")) == {
        world.resident_person.id,
        neighbourhood.neighbour.id,
    }
    assert ids(api(world.outsider).get("/persons")) == {neighbourhood.other_person.id}
    # A resident sees their own household, not the neighbour next door.
    assert ids(api(world.resident).get("/persons")) == {world.resident_person.id}


def test_person_list_and_detail_mask_phone_and_id_number(world, api):
    services.person_update(actor=world.staff, person=world.resident_person, id_number=ID_NUMBER)
    for path in ("/persons", f"/persons/{world.resident_person.id}"):
        response = api(world.staff).get(path)
        body = response.content.decode()
        data = response.json()
        row = data["items"][0] if "items" in data else data
        assert row["phone"] == "138****5678"
        assert row["id_number"] == "1101**********002X"
        assert "13812345678" not in body and ID_NUMBER not in body
        assert "encrypted" not in body and "digest" not in body


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张", {"resident"}),
        ("zs", {"resident"}),
        ("zhangsan", {"resident"}),
        ("zhang", {"resident"}),
        ("5678", {"resident"}),
        ("13812345678", {"resident"}),
        ("1111", {"neighbour"}),
        ("63-2-302", {"neighbour"}),
        ("63幢2单元301", {"resident"}),
        ("ls", {"neighbour"}),
        ("xyz", set()),
        ("-", set()),
    ],
)
def test_person_search(world, api, neighbourhood, q, expected):
    people = {"resident": world.resident_person.id, "neighbour": neighbourhood.neighbour.id}
    found = ids(api(world.staff).get("/persons", q=q, compound=world.compound.code))
    assert found == {people[name] for name in expected}


def test_person_search_never_crosses_compounds(world, api, neighbourhood):
    assert ids(api(world.outsider).get("/persons", q="zs")) == set()
    assert ids(api(world.staff).get("/persons", q="ww")) == set()


def test_person_list_queries_do_not_grow(world, api, constant_queries):
    def add(n):
        for _ in range(n):
            f.PersonFactory(compound=world.compound)

    add(3)
    client = api(world.staff)
    constant_queries(client, "/persons", lambda: add(6), 6)
    constant_queries(client, "/persons", lambda: add(6), 6, q="zs")


def test_person_detail_access(world, api, neighbourhood):
    path = f"/persons/{world.resident_person.id}"
    assert api(world.staff).get(path).status_code == 200
    assert api(world.resident).get(path).status_code == 200
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(f"/persons/{neighbourhood.neighbour.id}").status_code == 404


def test_person_detail_shows_homes_and_hides_care_tags_from_residents(world, api):
    services.care_tag_add(actor=world.staff, person=world.resident_person, kind="living_alone")
    services.consent_grant(actor=world.staff, person=world.resident_person, purpose="registry")
    staff_view = api(world.staff).get(f"/persons/{world.resident_person.id}").json()
    homes = [(h["unit"]["code"], h["relation"], h["share"]) for h in staff_view["homes"]]
    assert homes == [("63-2-301", "owner", None), ("63-2-301", "owner", "1.0000")]
    assert [t["kind"] for t in staff_view["care_tags"]] == ["living_alone"]
    assert [c["purpose"] for c in staff_view["consents"]] == ["registry"]
    own_view = api(world.resident).get(f"/persons/{world.resident_person.id}").json()
    assert own_view["care_tags"] == []
    assert [c["purpose"] for c in own_view["consents"]] == ["registry"]


def test_person_create(world, api):
    body = {
        "compound": world.compound.code,
        "name": "赵六",
        "phone": "139 1234 5678",
        "id_number": ID_NUMBER,
    }
    assert api(world.outsider).post("/persons", body).status_code == 404
    assert api(world.resident).post("/persons", body).status_code == 404
    response = api(world.staff).post("/persons", body)
    assert response.status_code == 201
    data = response.json()
    assert (data["phone"], data["id_number"]) == ("139****5678", "1101**********002X")
    person = Person.objects.get(pk=data["id"])
    assert person.phone == "13912345678"
    assert AuditEvent.objects.filter(action="person.create", target_id=str(person.pk)).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The ID number's check digit is wrong; please check it for a typing mistake."),
        ("zh-hans", None),
    ],
)
def test_person_create_refuses_a_bad_id_number_in_the_callers_language(
    world, api, language, message
):
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        expected = message or gettext(
            "The ID number's check digit is wrong; please check it for a typing mistake."
        )
    response = api(world.staff, language=language).post(
        "/persons",
        {"compound": world.compound.code, "name": "赵六", "id_number": "110105194912310021"},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "id_number", "message": expected}]}
    assert not Person.objects.filter(name="赵六").exists()


def test_person_update(world, api, neighbourhood):
    path = f"/persons/{world.resident_person.id}"
    assert api(world.outsider).patch(path, {"note": "x"}).status_code == 404
    assert api(world.resident).patch(path, {"note": "x"}).status_code == 404
    response = api(world.staff).patch(path, {"note": "三楼", "phone": "13698765432"})
    assert response.status_code == 200
    assert response.json()["phone"] == "136****5432"
    world.resident_person.refresh_from_db()
    assert (world.resident_person.note, world.resident_person.phone) == ("三楼", "13698765432")
    assert AuditEvent.objects.filter(action="person.update").count() == 1


def test_person_update_refuses_blank_name_and_changes_nothing(world, api):
    response = api(world.staff).patch(f"/persons/{world.resident_person.id}", {"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "name", "message": "Enter the person's name."}]
    world.resident_person.refresh_from_db()
    assert world.resident_person.name == "张三"


# ---------------------------------------------------------------- reveal


def test_reveal_returns_the_value_and_is_audited(world, api):
    services.person_update(actor=world.staff, person=world.resident_person, id_number=ID_NUMBER)
    path = f"/persons/{world.resident_person.id}/reveal"
    response = api(world.staff).post(path, {"field": "id_number", "reason": "核对"})
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": ID_NUMBER}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal.id_number")
    assert (event.actor, event.changes) == (world.staff, {"reason": "核对"})
    phone = api(world.staff).post(path, {"field": "phone"}, **{"Idempotency-Key": "r1"})
    assert phone.json()["value"] == "13812345678"
    assert not IdempotencyKey.objects.exists()  # a revealed value is never stored


def test_reveal_is_refused_to_residents_and_outsiders(world, api):
    path = f"/persons/{world.resident_person.id}/reveal"
    assert api(world.resident).post(path, {"field": "phone"}).status_code == 404
    assert api(world.outsider).post(path, {"field": "phone"}).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="person.reveal").exists()


def test_reveal_of_another_field_is_422(world, api):
    response = api(world.staff).post(
        f"/persons/{world.resident_person.id}/reveal", {"field": "name"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "field"


# ---------------------------------------------------------------- consent


def test_resident_withdraws_own_consent(world, api):
    services.consent_grant(actor=world.staff, person=world.resident_person, purpose="notifications")
    path = f"/persons/{world.resident_person.id}/consents/notifications/withdraw"
    response = api(world.resident).post(path)
    assert response.status_code == 200
    assert response.json() == {"purpose": "notifications", "withdrawn": 1}
    assert not services.consent_active(world.resident_person, "notifications")
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 1
    assert api(world.resident).post(path).json()["withdrawn"] == 0


def test_consent_withdraw_access(world, api, neighbourhood):
    services.consent_grant(actor=world.staff, person=neighbourhood.neighbour, purpose="registry")
    path = f"/persons/{neighbourhood.neighbour.id}/consents/registry/withdraw"
    assert api(world.resident).post(path).status_code == 404
    assert api(world.outsider).post(path).status_code == 404
    assert Consent.objects.active().filter(person=neighbourhood.neighbour).count() == 1
    assert api(world.staff).post(path).json()["withdrawn"] == 1


def test_consent_withdraw_unknown_purpose_is_422(world, api):
    response = api(world.resident).post(
        f"/persons/{world.resident_person.id}/consents/ads/withdraw"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "purpose"


# ---------------------------------------------------------------- residencies


def test_residency_list(world, api, neighbourhood):
    path = f"/units/{world.unit.id}/residencies"
    data = api(world.staff).get(path).json()
    assert [(r["person"]["name"], r["person"]["phone"]) for r in data["items"]] == [
        ("张三", "138****5678")
    ]
    assert api(world.resident).get(path).status_code == 200
    assert (
        api(world.resident).get(f"/units/{world.neighbour_unit.id}/residencies").status_code == 404
    )
    assert api(world.outsider).get(path).status_code == 404


def test_residency_history(world, api):
    past = f.PersonFactory(compound=world.compound, name="钱七")
    Residency.objects.create(
        unit=world.unit,
        person=past,
        relation="tenant",
        moved_out_on=timezone.localdate() - timedelta(days=3),
    )
    path = f"/units/{world.unit.id}/residencies"
    assert api(world.staff).get(path).json()["count"] == 1
    assert api(world.staff).get(path, include_ended="true").json()["count"] == 2


def test_residency_list_queries_do_not_grow(world, api, constant_queries):
    def add(n):
        for _ in range(n):
            f.ResidencyFactory(unit=world.unit, relation="family", is_head=False)

    add(3)
    client = api(world.staff)
    path = f"/units/{world.unit.id}/residencies"
    constant_queries(client, path, lambda: add(6), 7)


def test_residency_add_and_end(world, api, neighbourhood):
    newcomer = f.PersonFactory(compound=world.compound, name="孙八")
    path = f"/units/{world.unit.id}/residencies"
    body = {"person": newcomer.id, "relation": "family"}
    assert api(world.outsider).post(path, body).status_code == 404
    assert api(world.resident).post(path, body).status_code == 404
    response = api(world.staff).post(path, body, **{"Idempotency-Key": "move-in"})
    assert response.status_code == 201
    again = api(world.staff).post(path, body, **{"Idempotency-Key": "move-in"})
    assert again.json() == response.json()
    assert Residency.objects.filter(person=newcomer).count() == 1
    end = f"/residencies/{response.json()['id']}/end"
    assert api(world.resident).post(end, {}).status_code == 404
    ended = api(world.staff).post(end, {})
    assert ended.status_code == 200
    assert ended.json()["moved_out_on"] == str(timezone.localdate())


def test_residency_add_refuses_a_person_of_another_compound(world, api, neighbourhood):
    response = api(world.staff).post(
        f"/units/{world.unit.id}/residencies",
        {"person": neighbourhood.other_person.id, "relation": "family"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "person"
    assert not Residency.objects.filter(person=neighbourhood.other_person, unit=world.unit).exists()


# ---------------------------------------------------------------- ownerships


def test_ownership_list_add_and_end(world, api, neighbourhood):
    path = f"/units/{world.neighbour_unit.id}/ownerships"
    assert api(world.staff).get(path).json()["count"] == 0
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 404
    developer = Company.objects.create(name="开发商", is_developer=True, compound=world.compound)
    body = {"company": developer.id, "share": "0.5"}
    assert api(world.resident).post(path, body).status_code == 404
    response = api(world.staff).post(path, body)
    assert response.status_code == 201
    assert response.json()["company"] == {"id": developer.id, "label": "开发商"}
    assert response.json()["share"] == "0.5000"
    too_much = api(world.staff).post(path, {"person": neighbourhood.neighbour.id, "share": "0.75"})
    assert too_much.status_code == 422
    assert too_much.json()["detail"][0]["field"] == "share"
    assert Ownership.objects.filter(unit=world.neighbour_unit).count() == 1
    ended = api(world.staff).post(f"/ownerships/{response.json()['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["ended_on"] == str(timezone.localdate())


def test_ownership_list_queries_do_not_grow(world, api, constant_queries):
    def add(n):
        for _ in range(n):
            f.OwnershipFactory(unit=world.neighbour_unit, share=Decimal("0.01"))

    add(3)
    path = f"/units/{world.neighbour_unit.id}/ownerships"
    constant_queries(api(world.staff), path, lambda: add(6), 7)


# ---------------------------------------------------------------- vehicles


def test_vehicle_list_and_detail(world, api, neighbourhood):
    assert ids(api(world.staff).get("/vehicles")) == {neighbourhood.vehicle.id}
    assert ids(api(world.outsider).get("/vehicles")) == {neighbourhood.other_vehicle.id}
    assert ids(api(world.resident).get("/vehicles")) == {neighbourhood.vehicle.id}
    assert ids(api(world.staff).get("/vehicles", plate="d123")) == {neighbourhood.vehicle.id}
    data = api(world.staff).get(f"/vehicles/{neighbourhood.vehicle.id}").json()
    assert data["person"]["phone"] == "138****5678"
    assert data["unit"]["code"] == "63-2-301"
    assert api(world.outsider).get(f"/vehicles/{neighbourhood.vehicle.id}").status_code == 404


def test_vehicle_list_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        start = Vehicle.objects.count()
        for i in range(start, start + n):
            Vehicle.objects.create(
                compound=world.compound,
                plate=f"闽D{i:05d}",
                unit=world.unit,
                person=world.resident_person,
            )

    add(3)
    constant_queries(api(world.staff), "/vehicles", lambda: add(6), 6)


def test_vehicle_add(world, api):
    body = {"compound": world.compound.code, "plate": "闽d 88888", "unit": world.unit.id}
    assert api(world.outsider).post("/vehicles", body).status_code == 404
    assert api(world.resident).post("/vehicles", body).status_code == 404
    response = api(world.staff).post("/vehicles", body)
    assert response.status_code == 201
    assert response.json()["plate"] == "闽D88888"
    bad = api(world.staff).post("/vehicles", body | {"plate": "ABC"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "plate"
    assert Vehicle.objects.count() == 1
