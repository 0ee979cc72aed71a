"""The public compound page: open without login, aggregates only, no personal data."""

import pytest
from django.urls import reverse

from mulin.orgs.models import OrgKind
from mulin.people.models import Person
from mulin.places.tests.conftest import grow
from mulin.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")


def public_url(world) -> str:
    return reverse("places:public", args=[world.compound.code])


def test_public_page_needs_no_login(client, world):
    world.compound.description = "老旧小区，2003年交付。"
    world.compound.save()
    f.OrganisationFactory(
        compound=world.compound,
        kind=OrgKind.PROPERTY_COMPANY,
        name="锦绣物业",
        phone="0592-5550000",
    )
    response = client.get(public_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [world.compound.name, "老旧小区，2003年交付。", "锦绣物业", "0592-5550000", "2003"]:
        assert text in html
    assert "Property company" in html


def test_public_page_counts_households_without_naming_anyone(client, world):
    grow(world, 3)
    response = client.get(public_url(world))
    figures = response.context["figures"]
    assert (figures["units"], figures["households"]) == (5, 4)
    html = response.content.decode()
    for person in Person.objects.filter(compound=world.compound):
        assert person.name not in html
        if person.phone:
            assert person.phone not in html
            assert person.masked_phone not in html
    for unit in world.compound.units.all():
        assert unit.code not in html


def test_public_page_shows_no_personal_data_to_signed_in_staff_either(world, login):
    html = login(world.staff).get(public_url(world)).content.decode()
    assert "张三" not in html and "13812345678" not in html and "63-2-301" not in html


def test_public_page_of_an_unknown_compound_is_404(client, world):
    assert client.get(reverse("places:public", args=["no-such-place"])).status_code == 404


def test_public_page_query_count_does_not_grow(
    client, world, count_queries, django_assert_max_num_queries
):
    grow(world, 2)
    with count_queries() as small:
        client.get(public_url(world))
    grow(world, 4)
    with django_assert_max_num_queries(6), count_queries() as large:
        client.get(public_url(world))
    assert small.count == large.count, large.dump()
