"""Editing from the unit page: every form goes through a service, and bad input changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import AuditEvent, Role
from mulin.people.models import Company, Ownership, Person, Residency, Vehicle
from mulin.places.models import Unit
from mulin.testing import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}

pytestmark = pytest.mark.usefixtures("english")


def edit_url(name: str, unit, *args) -> str:
    return reverse(f"places:{name}", args=[unit.pk, *args])


def snapshot(unit) -> tuple:
    """Everything an edit could change, to show that a refused edit changed nothing."""
    unit.refresh_from_db()
    return (
        (unit.use, unit.status, unit.area, unit.area_source, unit.floor),
        Person.objects.count(),
        list(Residency.objects.order_by("id").values_list("id", "moved_out_on")),
        list(Ownership.objects.order_by("id").values_list("id", "ended_on", "share")),
        Vehicle.objects.count(),
        AuditEvent.objects.count(),
    )


UNIT_DATA = {"use": "residential", "status": "rented", "area": "92.30", "area_source": "survey"}


# ---------------------------------------------------------------- who may edit


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("unit_edit", ()),
        ("unit_resident_add", ()),
        ("unit_owner_add", ()),
        ("unit_vehicle_add", ()),
    ],
)
def test_edits_are_404_for_outsiders_and_residents(world, login, name, extra):
    before = snapshot(world.unit)
    for user in (world.outsider, world.resident):
        response = login(user).post(edit_url(name, world.unit, *extra), UNIT_DATA)
        assert response.status_code == 404
    assert snapshot(world.unit) == before


def test_edits_send_anonymous_to_login(client, world):
    response = client.post(edit_url("unit_edit", world.unit), UNIT_DATA)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_staff_who_may_only_view_cannot_edit(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    before = snapshot(world.unit)
    assert login(member).post(edit_url("unit_edit", world.unit), UNIT_DATA).status_code == 404
    assert snapshot(world.unit) == before


def test_edit_needs_post(world, login):
    assert login(world.staff).get(edit_url("unit_edit", world.unit)).status_code == 405


# ---------------------------------------------------------------- the unit itself


def test_staff_change_use_area_and_status_with_htmx(world, login):
    response = login(world.staff).post(edit_url("unit_edit", world.unit), UNIT_DATA, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="unit-details"' in html
    assert "The unit was saved." in html
    world.unit.refresh_from_db()
    assert (world.unit.status, world.unit.area, world.unit.area_source) == (
        "rented",
        Decimal("92.30"),
        "survey",
    )
    event = AuditEvent.objects.get(action="unit.update")
    assert event.actor == world.staff
    assert event.changes["status"] == ["occupied", "rented"]


def test_without_htmx_an_edit_redirects_back_to_the_page(world, login):
    response = login(world.staff).post(edit_url("unit_edit", world.unit), UNIT_DATA)
    assert response.status_code == 302
    assert response.url == reverse("places:unit", args=[world.unit.pk])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"area": "0"}, "The area must be greater than 0 m²."),
        ({"area": "-5"}, "The area must be greater than 0 m²."),
        ({"area_source": ""}, "Say where the area comes from"),
        ({"status": "haunted"}, "Select a valid choice"),
        ({"area": "lots"}, "Enter a number."),
    ],
)
def test_bad_unit_edit_shows_the_message_and_changes_nothing(world, login, change, message):
    before = snapshot(world.unit)
    response = login(world.staff).post(
        edit_url("unit_edit", world.unit), UNIT_DATA | change, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "is-invalid" in html
    assert snapshot(world.unit) == before


def test_bad_unit_edit_without_htmx_renders_the_page_with_errors(world, login):
    before = snapshot(world.unit)
    response = login(world.staff).post(edit_url("unit_edit", world.unit), UNIT_DATA | {"area": "0"})
    assert response.status_code == 400
    assert "The area must be greater than 0 m²." in response.content.decode()
    assert snapshot(world.unit) == before


# ---------------------------------------------------------------- residents


def test_add_a_new_person_as_resident(world, login):
    data = {
        "resident-name": "李四",
        "resident-phone": "139 1234 5678",
        "resident-relation": "family",
        "resident-moved_in_on": "2020-05-01",
    }
    response = login(world.staff).post(edit_url("unit_resident_add", world.unit), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="unit-residents"' in html and "李四" in html
    person = Person.objects.get(name="李四")
    assert person.compound == world.compound and person.phone == "13912345678"
    residency = Residency.objects.get(person=person)
    assert residency.unit == world.unit and residency.relation == "family"
    assert "13912345678" not in html and "139****5678" in html
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "person.create",
        "residency.add",
    }


def test_add_an_existing_person_as_resident(world, login):
    tenant = f.PersonFactory(compound=world.compound, name="王五")
    data = {"resident-person": tenant.pk, "resident-relation": "tenant", "resident-is_head": "on"}
    login(world.staff).post(edit_url("unit_resident_add", world.unit), data, **HTMX)
    residency = Residency.objects.get(person=tenant)
    assert residency.is_head
    # The former head is head no more: one head per household.
    assert not Residency.objects.get(person=world.resident_person).is_head


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resident-relation": "family"}, "Pick a person from the registry or enter the name"),
        (
            {"resident-name": "李四", "resident-phone": "12345", "resident-relation": "family"},
            "is not a valid phone number",
        ),
        (
            {
                "resident-name": "李四",
                "resident-relation": "family",
                "resident-moved_in_on": "2999-01-01",
            },
            "The move-in date cannot be in the future.",
        ),
        ({"resident-name": "李四", "resident-relation": "cousin"}, "Select a valid choice"),
    ],
)
def test_bad_resident_shows_the_message_and_writes_nothing(world, login, data, message):
    before = snapshot(world.unit)
    response = login(world.staff).post(edit_url("unit_resident_add", world.unit), data, **HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(world.unit) == before


def test_a_person_outside_the_editors_scope_cannot_be_picked(world, login):
    stranger = f.PersonFactory(compound=world.other)
    before = snapshot(world.unit)
    data = {"resident-person": stranger.pk, "resident-relation": "tenant"}
    response = login(world.staff).post(edit_url("unit_resident_add", world.unit), data, **HTMX)
    assert "Pick a person from the search results." in response.content.decode()
    assert snapshot(world.unit) == before


def test_the_same_person_cannot_move_in_twice(world, login):
    before = snapshot(world.unit)
    data = {"resident-person": world.resident_person.pk, "resident-relation": "owner"}
    response = login(world.staff).post(edit_url("unit_resident_add", world.unit), data, **HTMX)
    assert "already lives in 63-2-301" in response.content.decode()
    assert snapshot(world.unit) == before


def test_record_a_move_out(world, login):
    residency = Residency.objects.get(person=world.resident_person)
    url = edit_url("unit_residency_end", world.unit, residency.pk)
    today = timezone.localdate()
    response = login(world.staff).post(url, {"on": today.isoformat()}, **HTMX)
    assert response.status_code == 200
    residency.refresh_from_db()
    assert residency.moved_out_on == today
    assert AuditEvent.objects.filter(action="residency.end").count() == 1


def test_a_move_out_before_the_move_in_is_refused(world, login):
    residency = Residency.objects.get(person=world.resident_person)
    residency.moved_in_on = timezone.localdate() - timedelta(days=10)
    residency.save()
    before = snapshot(world.unit)
    url = edit_url("unit_residency_end", world.unit, residency.pk)
    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = login(world.staff).post(url, {"on": day}, **HTMX)
    assert "The move-out date is before the move-in date." in response.content.decode()
    assert snapshot(world.unit) == before


def test_a_residency_of_another_unit_is_404(world, login):
    other = f.ResidencyFactory(unit=world.neighbour_unit)
    url = edit_url("unit_residency_end", world.unit, other.pk)
    assert login(world.staff).post(url, {}).status_code == 404
    other.refresh_from_db()
    assert other.moved_out_on is None


# ---------------------------------------------------------------- owners


def test_add_a_co_owner_within_the_whole(world, login):
    Ownership.objects.filter(unit=world.unit).update(share=Decimal("0.5"))
    data = {
        "owner-name": "共有人",
        "owner-share": "0.5",
        "owner-started_on": "2015-03-01",
        "owner-date_kind": "registered",
    }
    response = login(world.staff).post(edit_url("unit_owner_add", world.unit), data, **HTMX)
    assert response.status_code == 200
    assert "The owner was added." in response.content.decode()
    assert Ownership.objects.current().filter(unit=world.unit).count() == 2


def test_shares_over_the_whole_are_refused_and_nothing_is_written(world, login):
    before = snapshot(world.unit)
    data = {"owner-name": "多出来的人", "owner-share": "0.5", "owner-date_kind": "registered"}
    response = login(world.staff).post(edit_url("unit_owner_add", world.unit), data, **HTMX)
    html = response.content.decode()
    assert "would add up to more than 100%" in html
    # The new person was created and rolled back with the refused ownership.
    assert snapshot(world.unit) == before
    assert not Person.objects.filter(name="多出来的人").exists()


def test_a_company_can_own_a_unit(world, login):
    developer = Company.objects.create(name="锦绣置业", compound=world.compound, is_developer=True)
    data = {"owner-company": developer.pk, "owner-share": "1", "owner-date_kind": "registered"}
    login(world.staff).post(edit_url("unit_owner_add", world.neighbour_unit), data, **HTMX)
    assert Ownership.objects.get(unit=world.neighbour_unit).company == developer


def test_end_an_ownership(world, login):
    ownership = Ownership.objects.get(unit=world.unit)
    url = edit_url("unit_ownership_end", world.unit, ownership.pk)
    response = login(world.staff).post(url, {}, **HTMX)
    assert response.status_code == 200
    ownership.refresh_from_db()
    assert ownership.ended_on == timezone.localdate()
    assert AuditEvent.objects.filter(action="ownership.end").count() == 1


def test_ending_an_ended_ownership_is_refused(world, login):
    ownership = Ownership.objects.get(unit=world.unit)
    ownership.ended_on = timezone.localdate() + timedelta(days=5)
    ownership.save()
    before = snapshot(world.unit)
    url = edit_url("unit_ownership_end", world.unit, ownership.pk)
    response = login(world.staff).post(url, {}, **HTMX)
    assert "This ownership has already ended." in response.content.decode()
    assert snapshot(world.unit) == before


# ---------------------------------------------------------------- vehicles


def test_add_a_vehicle(world, login):
    data = {"vehicle-plate": "浙a d12345", "vehicle-person": world.resident_person.pk}
    response = login(world.staff).post(edit_url("unit_vehicle_add", world.unit), data, **HTMX)
    assert "浙AD12345" in response.content.decode()
    vehicle = Vehicle.objects.get()
    assert (vehicle.unit, vehicle.person, vehicle.energy) == (
        world.unit,
        world.resident_person,
        "new_energy",
    )


def test_a_bad_plate_shows_the_message_and_adds_nothing(world, login):
    before = snapshot(world.unit)
    data = {"vehicle-plate": "ABC123"}
    response = login(world.staff).post(edit_url("unit_vehicle_add", world.unit), data, **HTMX)
    assert "is not a Chinese licence plate" in response.content.decode()
    assert snapshot(world.unit) == before


def test_units_are_untouched_by_refused_edits_in_the_database(world, login):
    """unit_update sets fields on the instance before validating; the page must not save them."""
    login(world.staff).post(edit_url("unit_edit", world.unit), UNIT_DATA | {"area": "0"}, **HTMX)
    assert Unit.objects.get(pk=world.unit.pk).area == Decimal("88.50")
