"""API: organisations, memberships, responsibility areas and the duty roster."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mulin.core.models import AuditEvent, IdempotencyKey, Role
from mulin.orgs.models import DutyShift, Membership, Organisation, ResponsibilityArea
from mulin.testing import factories as f
from mulin.testing.api import add_unit, ids

# ---------------------------------------------------------------- organisations


def test_organisation_list_is_scoped(world, api, neighbourhood):
    assert ids(api(world.staff).get("/organisations")) == {neighbourhood.org.id}
    assert ids(api(world.outsider).get("/organisations")) == {neighbourhood.other_org.id}
    assert ids(api(world.resident).get("/organisations")) == set()


def test_organisation_list_filters(world, api, neighbourhood):
    community_wide = Organisation.objects.create(
        kind="party_committee", name="社区党委", community=world.compound.community
    )
    committee = f.OrganisationFactory(compound=world.compound, kind="owners_committee")
    client = api(world.staff)
    serving = ids(client.get("/organisations", compound=world.compound.code))
    assert serving == {neighbourhood.org.id, community_wide.id, committee.id}
    assert ids(client.get("/organisations", kind="owners_committee")) == {committee.id}
    assert ids(client.get("/organisations", compound=world.other.code)) == set()
    Organisation.objects.filter(pk=committee.pk).update(dissolved_on=timezone.localdate())
    assert committee.id not in ids(client.get("/organisations"))
    assert committee.id in ids(client.get("/organisations", include_dissolved="true"))
    assert client.get("/organisations", kind="club").status_code == 422


def test_organisation_list_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        for _ in range(n):
            f.MembershipFactory(organisation=f.OrganisationFactory(compound=world.compound))

    add(3)
    constant_queries(api(world.staff), "/organisations", lambda: add(6), 6)


def test_organisation_detail(world, api, neighbourhood):
    child = f.OrganisationFactory(
        compound=world.compound, kind="stairwell_group", parent=neighbourhood.org
    )
    path = f"/organisations/{neighbourhood.org.id}"
    data = api(world.staff).get(path).json()
    assert data["member_count"] == 1
    assert data["children"] == [{"id": child.id, "label": child.name}]
    assert data["kind_label"] == "Party branch"
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 404


def test_organisation_create(world, api):
    body = {"kind": "volunteer_team", "name": "绿化小队", "compound": world.compound.code}
    assert api(world.outsider).post("/organisations", body).status_code == 404
    assert api(world.resident).post("/organisations", body).status_code == 404
    response = api(world.staff).post("/organisations", body, **{"Idempotency-Key": "team"})
    assert response.status_code == 201
    assert response.json()["compound"] == world.compound.code
    api(world.staff).post("/organisations", body, **{"Idempotency-Key": "team"})
    assert Organisation.objects.filter(name="绿化小队").count() == 1
    assert AuditEvent.objects.filter(action="organisation.create").count() == 1
    community = api(world.staff).post(
        "/organisations",
        {"kind": "partner", "name": "农商银行", "community": world.compound.community.code},
    )
    assert community.status_code == 201 and community.json()["compound"] is None


def test_outsider_gets_404_whatever_the_body_says(world, api, neighbourhood):
    client = api(world.outsider)
    bad_parent = {"kind": "partner", "name": "x", "compound": world.compound.code, "parent": 9}
    assert client.post("/organisations", bad_parent).status_code == 404
    community_wide = {"kind": "partner", "name": "x", "community": world.compound.community.code}
    assert client.post("/organisations", community_wide).status_code == 404
    assert not Organisation.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "club", "name": "x"}, "kind"),
        ({"kind": "partner", "name": ""}, "name"),
        ({"kind": "partner", "name": "x", "parent": 999999}, "parent"),
    ],
)
def test_organisation_create_refuses_bad_input(world, api, body, field):
    response = api(world.staff).post("/organisations", body | {"compound": world.compound.code})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == [field]
    assert not Organisation.objects.exists()


def test_organisation_create_needs_a_place(world, api):
    response = api(world.staff).post("/organisations", {"kind": "partner", "name": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "compound"


def test_organisation_update(world, api, neighbourhood):
    path = f"/organisations/{neighbourhood.org.id}"
    assert api(world.outsider).patch(path, {"phone": "0592-1234567"}).status_code == 404
    assert api(world.resident).patch(path, {"phone": "0592-1234567"}).status_code == 404
    response = api(world.staff).patch(path, {"phone": "0592-1234567"})
    assert response.status_code == 200
    assert response.json()["phone"] == "0592-1234567"
    assert AuditEvent.objects.filter(action="organisation.update").count() == 1


# ---------------------------------------------------------------- memberships


def test_membership_list_masks_phones_and_keeps_history(world, api, neighbourhood):
    past = f.MembershipFactory(
        organisation=neighbourhood.org,
        person=world.resident_person,
        term_start=timezone.localdate() - timedelta(days=400),
        term_end=timezone.localdate() - timedelta(days=30),
    )
    path = f"/organisations/{neighbourhood.org.id}/memberships"
    response = api(world.staff).get(path)
    data = response.json()
    assert [m["id"] for m in data["items"]] == [neighbourhood.membership.id]
    assert data["items"][0]["phone"] == "139****1111"
    assert "13900001111" not in response.content.decode()
    history = ids(api(world.staff).get(path, include_ended="true"))
    assert history == {neighbourhood.membership.id, past.id}
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 404


def test_membership_list_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        for _ in range(n):
            f.MembershipFactory(organisation=neighbourhood.org)

    add(3)
    path = f"/organisations/{neighbourhood.org.id}/memberships"
    constant_queries(api(world.staff), path, lambda: add(6), 7)


def test_membership_add_and_end(world, api, neighbourhood):
    path = f"/organisations/{neighbourhood.org.id}/memberships"
    body = {"person": world.resident_person.id, "role": "member", "phone": "13812345678"}
    assert api(world.outsider).post(path, body).status_code == 404
    assert api(world.resident).post(path, body).status_code == 404
    response = api(world.staff).post(path, body)
    assert response.status_code == 201
    assert response.json()["phone"] == "138****5678"
    membership = Membership.objects.get(pk=response.json()["id"])
    end = f"/memberships/{membership.id}/end"
    assert api(world.outsider).post(end, {}).status_code == 404
    ended = api(world.staff).post(end, {})
    assert ended.status_code == 200
    assert ended.json()["term_end"] == str(timezone.localdate())
    assert AuditEvent.objects.filter(action="membership.end").count() == 1


def test_membership_add_refuses_a_person_from_another_community(world, api, neighbourhood):
    response = api(world.staff).post(
        f"/organisations/{neighbourhood.org.id}/memberships",
        {"person": neighbourhood.other_person.id},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "person"


def test_membership_term_cannot_end_before_it_starts(world, api, neighbourhood):
    response = api(world.staff, language="zh-hans").post(
        f"/organisations/{neighbourhood.org.id}/memberships",
        {"person": world.resident_person.id, "term_start": "2024-01-01", "term_end": "2023-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "term_end"
    assert not Membership.objects.filter(person=world.resident_person).exists()


def test_party_secretary_may_edit_their_organisation_only(world, api, neighbourhood):
    secretary = f.UserFactory()
    f.grant(secretary, Role.PARTY_SECRETARY, neighbourhood.org)
    client = api(secretary)
    path = f"/organisations/{neighbourhood.org.id}/memberships"
    assert client.post(path, {"person": world.resident_person.id}).status_code == 201
    other = f"/organisations/{neighbourhood.other_org.id}/memberships"
    assert client.post(other, {"person": neighbourhood.other_person.id}).status_code == 404


# ---------------------------------------------------------------- responsibility areas


def test_area_list(world, api, neighbourhood):
    data = api(world.staff).get("/responsibility-areas").json()
    [row] = data["items"]
    assert row["place"] == {"kind": "building", "id": world.unit.building_id, "code": "63"}
    assert row["membership"]["person"]["name"] == "李四"
    assert ids(api(world.staff).get("/responsibility-areas", unit=world.unit.id)) == {
        neighbourhood.area.id
    }
    assert ids(api(world.staff).get("/responsibility-areas", unit=world.other_unit.id)) == set()
    assert ids(api(world.outsider).get("/responsibility-areas")) == set()
    assert ids(api(world.resident).get("/responsibility-areas")) == set()


def test_area_list_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        for _ in range(n):
            unit = add_unit(world.unit.entrance)
            ResponsibilityArea.objects.create(membership=neighbourhood.membership, unit=unit)

    add(3)
    constant_queries(api(world.staff), "/responsibility-areas", lambda: add(6), 6)


def test_area_assign(world, api, neighbourhood):
    path = f"/memberships/{neighbourhood.membership.id}/areas"
    body = {"unit": world.neighbour_unit.id}
    assert api(world.outsider).post(path, body).status_code == 404
    assert api(world.resident).post(path, body).status_code == 404
    response = api(world.staff).post(path, body)
    assert response.status_code == 201
    assert response.json()["place"] == {
        "kind": "unit",
        "id": world.neighbour_unit.id,
        "code": "63-2-302",
    }
    entrance = api(world.staff).post(path, {"entrance": world.unit.entrance_id})
    assert entrance.json()["place"]["code"] == "63-2"
    assert AuditEvent.objects.filter(action="responsibility.assign").count() == 2


@pytest.mark.parametrize(
    "body", [{}, {"unit": 1, "building": 1}, {"unit": 999999}, {"unit": "other"}]
)
def test_area_assign_refuses_anything_but_one_place_of_the_compound(
    world, api, neighbourhood, body
):
    if body == {"unit": "other"}:
        body = {"unit": world.other_unit.id}
    before = ResponsibilityArea.objects.count()
    response = api(world.staff).post(f"/memberships/{neighbourhood.membership.id}/areas", body)
    assert response.status_code == 422
    assert ResponsibilityArea.objects.count() == before


# ---------------------------------------------------------------- duty roster


def test_duty_now(world, api, neighbourhood):
    DutyShift.objects.create(
        organisation=neighbourhood.org,
        person=neighbourhood.neighbour,
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=4),
        phone="13900001111",
    )
    response = api(world.staff).get("/duty/now", compound=world.compound.code)
    data = response.json()
    assert [s["id"] for s in data["items"]] == [neighbourhood.shift.id]
    assert data["items"][0]["phone"] == "139****1111"
    assert "13900001111" not in response.content.decode()
    assert ids(api(world.staff).get("/duty/now")) == {neighbourhood.shift.id}
    assert ids(api(world.outsider).get("/duty/now")) == {neighbourhood.other_shift.id}
    assert api(world.outsider).get("/duty/now", compound=world.compound.code).status_code == 404
    assert api(world.resident).get("/duty/now", compound=world.compound.code).status_code == 404


def test_duty_now_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        now = timezone.now()
        for _ in range(n):
            DutyShift.objects.create(
                organisation=neighbourhood.org,
                person=f.PersonFactory(compound=world.compound),
                starts_at=now - timedelta(minutes=5),
                ends_at=now + timedelta(hours=1),
                phone="0592-1234567",
            )

    add(3)
    client = api(world.staff)
    constant_queries(client, "/duty/now", lambda: add(6), 7, compound=world.compound.code)


def test_shift_list_and_add(world, api, neighbourhood):
    assert ids(api(world.staff).get("/duty/shifts")) == {neighbourhood.shift.id}
    assert ids(api(world.outsider).get("/duty/shifts")) == {neighbourhood.other_shift.id}
    assert ids(api(world.resident).get("/duty/shifts")) == set()
    later = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    body = {
        "organisation": neighbourhood.org.id,
        "person": neighbourhood.neighbour.id,
        "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=8)).isoformat(),
        "phone": "13900001111",
    }
    assert api(world.outsider).post("/duty/shifts", body).status_code == 404
    assert api(world.resident).post("/duty/shifts", body).status_code == 404
    response = api(world.staff).post("/duty/shifts", body)
    assert response.status_code == 201
    assert response.json()["phone"] == "139****1111"
    after = (later - timedelta(hours=1)).isoformat()
    assert ids(api(world.staff).get("/duty/shifts", ends_after=after)) == {response.json()["id"]}


def test_shift_local_time_without_offset_is_shanghai_time(world, api, neighbourhood):
    body = {
        "organisation": neighbourhood.org.id,
        "person": neighbourhood.neighbour.id,
        "starts_at": "2030-07-01T20:00:00",
        "ends_at": "2030-07-02T04:00:00",
        "phone": "0592-1234567",
    }
    shift = DutyShift.objects.get(pk=api(world.staff).post("/duty/shifts", body).json()["id"])
    assert shift.starts_at.isoformat() == "2030-07-01T12:00:00+00:00"


def test_shift_must_end_after_it_starts(world, api, neighbourhood):
    body = {
        "organisation": neighbourhood.org.id,
        "person": neighbourhood.neighbour.id,
        "starts_at": "2030-07-01T20:00:00+08:00",
        "ends_at": "2030-07-01T19:00:00+08:00",
        "phone": "0592-1234567",
    }
    response = api(world.staff).post("/duty/shifts", body, **{"Idempotency-Key": "bad-shift"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "ends_at"
    assert DutyShift.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_shift_list_queries_do_not_grow(world, api, neighbourhood, constant_queries):
    def add(n):
        for i in range(n):
            DutyShift.objects.create(
                organisation=neighbourhood.org,
                person=neighbourhood.neighbour,
                starts_at=timezone.now() + timedelta(days=i + 1),
                ends_at=timezone.now() + timedelta(days=i + 1, hours=8),
                phone="0592-1234567",
            )

    add(3)
    constant_queries(api(world.staff), "/duty/shifts", lambda: add(6), 6)
