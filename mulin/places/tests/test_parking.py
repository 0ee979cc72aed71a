"""The parking-space page of a compound, its writes (services) and the link on the overview."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.places import services
from mulin.places.models import ParkingKind, ParkingSpace
from mulin.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")


def page_url(world) -> str:
    return reverse("places:parking", args=[world.compound.code])


def add_url(world) -> str:
    return reverse("places:parking_add", args=[world.compound.code])


def edit_url(world, space) -> str:
    return reverse("places:parking_edit", args=[world.compound.code, space.pk])


def add_spaces(compound, n: int, start: int = 1, **fields) -> list[ParkingSpace]:
    return ParkingSpace.objects.bulk_create(
        ParkingSpace(compound=compound, number=f"P{i:03d}", **fields)
        for i in range(start, start + n)
    )


def stored(compound) -> list[tuple]:
    return list(
        ParkingSpace.objects.filter(compound=compound)
        .order_by("id")
        .values_list("number", "kind", "area", "counts_as_unit", "note")
    )


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(page_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, login):
    assert login(world.outsider).get(page_url(world)).status_code == 404


def test_resident_gets_404(world, login):
    assert login(world.resident).get(page_url(world)).status_code == 404


def test_staff_of_one_building_gets_404(world, login):
    # The spaces belong to the compound, not to a building.
    keeper = f.UserFactory()
    f.grant(keeper, Role.PARTY_MEMBER, world.unit.building)
    assert login(keeper).get(page_url(world)).status_code == 404


def test_unknown_compound_is_404(world, login):
    url = reverse("places:parking", args=["no-such-compound"])
    assert login(world.staff).get(url).status_code == 404


def test_staff_see_counts_by_kind_and_units(world, login):
    add_spaces(world.compound, 3, kind=ParkingKind.SURFACE, area=Decimal("12.50"))
    add_spaces(world.compound, 2, start=10, kind=ParkingKind.UNDERGROUND, counts_as_unit=True)
    add_spaces(world.other, 4)
    response = login(world.staff).get(page_url(world))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total == 5
    assert summary.counting_as_units == 2
    assert [(kind, n) for kind, _label, n in summary.by_kind] == [
        ("surface", 3),
        ("underground", 2),
    ]
    html = response.content.decode()
    assert "P001" in html and "12.50" in html
    assert "do not count in owners' votes" in html
    assert response.context["can_edit"] is True


def test_the_compound_rule_decides_whether_spaces_count_in_votes(world, login):
    world.compound.parking_counts_as_units = True
    world.compound.save()
    html = login(world.staff).get(page_url(world)).content.decode()
    assert "recorded as exclusive units count in owners' votes" in html


def test_filter_by_kind(world, login):
    add_spaces(world.compound, 3, kind=ParkingKind.SURFACE)
    add_spaces(world.compound, 2, start=10, kind=ParkingKind.GARAGE)
    response = login(world.staff).get(page_url(world), {"kind": "garage"})
    assert [s.number for s in response.context["page"].object_list] == ["P010", "P011"]
    # An unknown kind shows everything rather than failing.
    response = login(world.staff).get(page_url(world), {"kind": "hovercraft"})
    assert len(response.context["page"].object_list) == 5


def test_htmx_filter_answers_the_list_only(world, login):
    add_spaces(world.compound, 2, kind=ParkingKind.GARAGE)
    response = login(world.staff).get(
        page_url(world),
        {"kind": "garage"},
        headers={"HX-Request": "true", "HX-Target": "parking-list"},
    )
    html = response.content.decode()
    assert 'id="parking-list"' in html
    assert "<html" not in html and 'id="parking-body"' not in html


def test_reader_without_edit_rights_sees_no_forms(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    add_spaces(world.compound, 1)
    response = login(member).get(page_url(world), {"edit": ParkingSpace.objects.get().pk})
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert 'name="add-number"' not in response.content.decode()
    assert 'name="edit-number"' not in response.content.decode()
    assert (
        login(member).post(add_url(world), {"add-number": "P9", "add-kind": "surface"}).status_code
        == 404
    )
    assert list(ParkingSpace.objects.values_list("number", flat=True)) == ["P001"]


def test_page_is_paginated(world, login):
    add_spaces(world.compound, 30)
    response = login(world.staff).get(page_url(world), {"page": 2})
    assert [s.number for s in response.context["page"].object_list] == [
        f"P{i:03d}" for i in range(26, 31)
    ]


def test_query_count_does_not_grow(world, login, count_queries, django_assert_max_num_queries):
    client = login(world.staff)
    add_spaces(world.compound, 8, kind=ParkingKind.SURFACE)
    add_spaces(world.compound, 4, start=100, kind=ParkingKind.GARAGE, counts_as_unit=True)
    with count_queries() as small:
        client.get(page_url(world))
    add_spaces(world.compound, 16, start=200, kind=ParkingKind.UNDERGROUND)
    add_spaces(world.compound, 8, start=300, kind=ParkingKind.MECHANICAL, counts_as_unit=True)
    with django_assert_max_num_queries(10), count_queries() as large:
        response = client.get(page_url(world))
    assert response.context["summary"].total == 36
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- adding


def test_staff_add_a_space_and_it_is_audited(world, login):
    response = login(world.staff).post(
        add_url(world),
        {
            "add-number": " p49 ",
            "add-kind": "underground",
            "add-area": "13.5",
            "add-counts_as_unit": "on",
            "add-note": "原菜地",
        },
    )
    assert response.status_code == 302
    space = ParkingSpace.objects.get(compound=world.compound)
    assert (space.number, space.kind, space.area, space.counts_as_unit, space.note) == (
        "P49",
        "underground",
        Decimal("13.50"),
        True,
        "原菜地",
    )
    event = AuditEvent.objects.get(action="parking_space.create")
    assert event.actor == world.staff
    assert event.compound_id == world.compound.id
    assert event.changes["number"] == "P49"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"add-number": "", "add-kind": "surface"}, "number", "Enter the parking space number."),
        (
            {"add-number": "p001", "add-kind": "surface"},
            "number",
            "Parking space P001 already exists in this compound.",
        ),
        ({"add-number": "P2", "add-kind": "hovercraft"}, "kind", "Select a valid choice."),
        (
            {"add-number": "P2", "add-kind": "surface", "add-area": "0"},
            "area",
            "The area must be greater than 0 m².",
        ),
        (
            {"add-number": "P2", "add-kind": "surface", "add-area": "-3"},
            "area",
            "The area must be greater than 0 m².",
        ),
    ],
)
def test_bad_input_is_shown_on_the_field_and_changes_nothing(world, login, data, field, message):
    add_spaces(world.compound, 1, kind=ParkingKind.GARAGE)
    before = stored(world.compound)
    events = AuditEvent.objects.count()
    response = login(world.staff).post(add_url(world), data)
    assert response.status_code == 400
    form = response.context["add_form"]
    assert any(message in m for m in form.errors[field]), form.errors
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert stored(world.compound) == before
    assert AuditEvent.objects.count() == events


def test_htmx_add_answers_the_body_with_the_error(world, login):
    response = login(world.staff).post(
        add_url(world), {"add-number": "", "add-kind": "surface"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="parking-body"' in html and "<html" not in html
    assert "Enter the parking space number." in html
    assert not ParkingSpace.objects.exists()


def test_outsider_and_resident_cannot_add(world, login):
    data = {"add-number": "P1", "add-kind": "surface"}
    assert login(world.outsider).post(add_url(world), data).status_code == 404
    assert login(world.resident).post(add_url(world), data).status_code == 404
    assert not ParkingSpace.objects.exists()


# ---------------------------------------------------------------- editing


def test_edit_link_opens_the_row_form(world, login):
    [space] = add_spaces(world.compound, 1, area=Decimal("12.50"))
    response = login(world.staff).get(page_url(world), {"edit": space.pk})
    assert response.context["editing"] == space.pk
    assert response.context["edit_form"].initial["number"] == "P001"
    assert 'name="edit-number"' in response.content.decode()


def test_staff_edit_a_space_inline(world, login):
    [space] = add_spaces(world.compound, 1, area=Decimal("12.50"))
    response = login(world.staff).post(
        edit_url(world, space),
        {
            "edit-number": "P001",
            "edit-kind": "garage",
            "edit-area": "12.50",
            "edit-counts_as_unit": "on",
            "edit-note": "",
            "listing": "kind=surface",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Parking space P001 was saved." in response.content.decode()
    space.refresh_from_db()
    assert (space.kind, space.counts_as_unit) == ("garage", True)
    event = AuditEvent.objects.get(action="parking_space.update")
    assert event.changes == {"counts_as_unit": [False, True], "kind": ["surface", "garage"]}


def test_edit_to_a_taken_number_is_refused_and_changes_nothing(world, login):
    _first, second = add_spaces(world.compound, 2)
    before = stored(world.compound)
    response = login(world.staff).post(
        edit_url(world, second),
        {"edit-number": "p001", "edit-kind": "surface", "edit-area": "-1"},
    )
    assert response.status_code == 400
    form = response.context["edit_form"]
    assert form.errors["number"] == ["Parking space P001 already exists in this compound."]
    assert form.errors["area"] == ["The area must be greater than 0 m²."]
    assert response.context["editing"] == second.pk
    assert stored(world.compound) == before
    assert not AuditEvent.objects.filter(action="parking_space.update").exists()


def test_a_space_of_another_compound_cannot_be_edited_through_this_one(world, login):
    [foreign] = add_spaces(world.other, 1)
    url = reverse("places:parking_edit", args=[world.compound.code, foreign.pk])
    response = login(world.staff).post(url, {"edit-number": "X1", "edit-kind": "surface"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.number == "P001"


def test_outsider_cannot_edit(world, login):
    [space] = add_spaces(world.compound, 1)
    response = login(world.outsider).post(
        edit_url(world, space), {"edit-number": "X1", "edit-kind": "surface"}
    )
    assert response.status_code == 404
    space.refresh_from_db()
    assert space.number == "P001"


# ---------------------------------------------------------------- services


def test_update_service_refuses_outsiders_like_a_missing_space(world):
    [space] = add_spaces(world.compound, 1)
    with pytest.raises(Http404):
        services.parking_space_update(actor=world.outsider, space=space, note="x")


def test_update_service_leaves_the_object_untouched_when_refused(world):
    [space] = add_spaces(world.compound, 1, kind=ParkingKind.SURFACE)
    with pytest.raises(ValidationError) as caught:
        services.parking_space_update(actor=world.staff, space=space, kind="boat", note="new")
    assert caught.value.message_dict == {"kind": ["Choose a valid kind of parking space."]}
    assert (space.kind, space.note) == ("surface", "")


def test_update_without_a_change_writes_no_audit_row(world):
    [space] = add_spaces(world.compound, 1, area=Decimal("12.50"))
    services.parking_space_update(actor=world.staff, space=space, area=Decimal("12.5"))
    assert not AuditEvent.objects.filter(action="parking_space.update").exists()


def test_create_refuses_an_area_beyond_the_column(world):
    with pytest.raises(ValidationError) as caught:
        services.parking_space_create(
            actor=world.staff,
            compound=world.compound,
            number="P1",
            kind="surface",
            area=Decimal("1000000"),
        )
    assert "area" in caught.value.message_dict
    assert not ParkingSpace.objects.exists()


# ---------------------------------------------------------------- compound overview


def test_overview_links_to_the_parking_page_with_the_count(world, login):
    add_spaces(world.compound, 3)
    response = login(world.staff).get(reverse("places:compound", args=[world.compound.code]))
    assert response.context["overview"].parking_spaces == 3
    assert page_url(world) in response.content.decode()


def test_overview_for_staff_of_one_building_has_no_parking_link(world, login):
    keeper = f.UserFactory()
    f.grant(keeper, Role.PARTY_MEMBER, world.unit.building)
    response = login(keeper).get(reverse("places:compound", args=[world.compound.code]))
    assert response.status_code == 200
    assert page_url(world) not in response.content.decode()


# ---------------------------------------------------------------- Django admin


def test_admin_lists_parking_spaces_for_platform_admins_only(world, login):
    add_spaces(world.compound, 2)
    url = reverse("admin:places_parkingspace_changelist")
    assert login(world.staff).get(url).status_code == 302
    response = login(world.admin).get(url)
    assert response.status_code == 200
    assert "P002" in response.content.decode()
