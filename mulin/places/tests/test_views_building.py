"""The building drill-down: entrances → floors → the mailbox wall of homes."""

import re

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.orgs.models import ResponsibilityArea
from mulin.people.models import CareTag
from mulin.places.tests.conftest import grow
from mulin.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")


def building_url(world, number: str = "63") -> str:
    return reverse("places:building", args=[world.compound.code, number])


def test_building_sends_anonymous_to_login(client, world):
    response = client.get(building_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_building_is_404_for_an_outsider(world, login):
    assert login(world.outsider).get(building_url(world)).status_code == 404


def test_building_is_404_for_a_resident_even_of_that_building(world, login):
    assert login(world.resident).get(building_url(world)).status_code == 404


def test_building_of_another_compound_is_404_under_this_compound(world, login):
    other_number = world.other_unit.building.number
    url = reverse("places:building", args=[world.compound.code, other_number])
    assert login(world.staff).get(url).status_code == 404


def test_building_shows_the_homes_with_masked_head_and_care_marker(world, login):
    CareTag.objects.create(person=world.resident_person, kind="living_alone")
    response = login(world.staff).get(building_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("places:unit", args=[world.unit.pk]) in html
    assert reverse("places:unit", args=[world.neighbour_unit.pk]) in html
    [floor] = response.context["floors"]
    cells = {u.number: u for u in floor.units}
    assert cells["301"].resident_count == 1 and cells["301"].has_care
    assert cells["302"].resident_count is None and not cells["302"].has_care
    assert "张*" in html
    assert "张三" not in html  # the head of household's name stays masked on the grid
    assert "13812345678" not in html
    # Status is told in words and an icon, not by colour alone.
    assert "Occupied" in html and "bi-house-check" in html


def test_building_lists_floors_from_the_top_down(world, login):
    f.UnitFactory(entrance=world.unit.entrance, number="601", floor=6, code="63-2-601")
    f.UnitFactory(entrance=world.unit.entrance, number="101", floor=1, code="63-2-101")
    response = login(world.staff).get(building_url(world))
    assert [fl.number for fl in response.context["floors"]] == [6, 3, 1]


def test_choosing_an_entrance_with_htmx_swaps_only_the_grid(world, login):
    grow(world, 4, building_number="64")
    client = login(world.staff)
    response = client.get(
        building_url(world, "64"),
        {"entrance": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="unit-grid",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="unit-grid"' in html
    assert re.search(r'aria-current="true"\s+href="\?entrance=2"', html), "entrance 2 is chosen"
    assert "No home is recorded here yet." in html  # grow() puts every home in entrance 1
    full = client.get(building_url(world, "64"))
    assert full.context["entrance"].number == "1"
    assert len([u for fl in full.context["floors"] for u in fl.units]) == 4


def test_building_shows_who_is_responsible(world, login):
    membership = f.MembershipFactory(
        organisation=f.OrganisationFactory(compound=world.compound),
        person=f.PersonFactory(compound=world.compound, name="包楼党员"),
    )
    ResponsibilityArea.objects.create(membership=membership, building=world.unit.building)
    response = login(world.staff).get(building_url(world))
    assert "包楼党员" in response.content.decode()


def test_building_staff_with_a_building_grant_see_only_their_building(world, login):
    grow(world, 2, building_number="64")
    keeper = f.UserFactory()
    f.grant(keeper, Role.PARTY_MEMBER, world.unit.building)
    client = login(keeper)
    assert client.get(building_url(world)).status_code == 200
    assert client.get(building_url(world, "64")).status_code == 404


def test_building_query_count_does_not_grow(
    world, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    grow(world, 4, building_number="64")
    with count_queries() as small:
        client.get(building_url(world, "64"))
    # Twice as many homes again in the same entrance, with residents and care groups.
    entrance = world.compound.buildings.get(number="64").entrances.get(number="1")
    for i in range(8):
        unit = f.UnitFactory(entrance=entrance, number=f"9{i:02d}", floor=9, code=f"64-1-9{i:02d}")
        head = f.ResidencyFactory(unit=unit).person
        f.ResidencyFactory(unit=unit, is_head=False)
        CareTag.objects.create(person=head, kind="disabled")
    with django_assert_max_num_queries(14), count_queries() as large:
        response = client.get(building_url(world, "64"))
    assert len([u for fl in response.context["floors"] for u in fl.units]) == 12
    assert small.count == large.count, large.dump()
