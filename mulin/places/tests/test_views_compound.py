"""The compound list and the compound overview (小区名片)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.core.models import Role
from mulin.orgs.models import DutyShift, OrgKind, PartyMembership
from mulin.places.tests.conftest import grow
from mulin.testing import factories as f

pytestmark = pytest.mark.usefixtures("english")


def list_url() -> str:
    return reverse("places:compound_list")


def overview_url(world) -> str:
    return reverse("places:compound", args=[world.compound.code])


# ---------------------------------------------------------------- compound list


def test_compound_list_sends_anonymous_to_login(client, world):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_compound_list_is_404_for_a_resident(world, login):
    assert login(world.resident).get(list_url()).status_code == 404


def test_compound_list_shows_only_compounds_in_scope(world, login):
    response = login(world.outsider).get(list_url())
    assert response.status_code == 200
    assert world.other.name in response.content.decode()
    assert world.compound.name not in response.content.decode()


def test_compound_list_counts_households_residents_and_units(world, login):
    f.ResidencyFactory(unit=world.unit, is_head=False)  # a second resident, same household
    response = login(world.staff).get(list_url())
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row.household_count, row.resident_count, row.unit_count) == (1, 2, 2)
    assert reverse("places:compound", args=[world.compound.code]) in response.content.decode()


def test_compound_list_filters_by_name(world, login):
    f.CompoundFactory(community=world.compound.community, name="仓基新村")
    response = login(world.staff).get(list_url(), {"q": "仓基"})
    names = [c.name for c in response.context["rows"]]
    assert names == ["仓基新村"]


def test_compound_list_query_count_does_not_grow(
    world, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)

    def add(n: int) -> None:
        for _ in range(n):
            compound = f.CompoundFactory(community=world.compound.community)
            for _ in range(3):
                f.ResidencyFactory(unit=f.UnitFactory(entrance__building__compound=compound))

    add(3)
    with count_queries() as small:
        client.get(list_url())
    add(6)
    with django_assert_max_num_queries(12), count_queries() as large:
        response = client.get(list_url())
    assert len(response.context["rows"]) == 10
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- overview


def test_overview_sends_anonymous_to_login(client, world):
    response = client.get(overview_url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_overview_is_404_for_an_outsider(world, login):
    assert login(world.outsider).get(overview_url(world)).status_code == 404


def test_overview_is_404_for_a_resident(world, login):
    assert login(world.resident).get(overview_url(world)).status_code == 404


def test_overview_of_an_unknown_compound_is_404(world, login):
    url = reverse("places:compound", args=["no-such-compound"])
    assert login(world.staff).get(url).status_code == 404


def test_overview_shows_the_compound_card(world, login):
    grow(world, 4, building_number="64")
    committee = f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.OWNERS_COMMITTEE, name="锦绣业委会"
    )
    f.MembershipFactory(organisation=committee)
    PartyMembership.objects.create(
        person=f.PersonFactory(compound=world.compound),
        organisation=committee,
        status=PartyMembership.Status.REPORTING,
        home_organisation="区教育局机关党支部",
    )
    response = login(world.staff).get(overview_url(world))
    assert response.status_code == 200
    overview = response.context["overview"]
    # 4 grown homes with a current head, plus world.unit; world.neighbour_unit is empty.
    assert overview.households == 5
    assert overview.residents == 4 * 2 + 1
    assert overview.units == 6
    assert overview.party_registered == 4
    assert overview.party_reporting == 1
    assert overview.on_duty and overview.on_duty[0].phone == "0571-12345678"
    html = response.content.decode()
    assert world.compound.name in html
    assert "2003" in html  # year delivered
    assert "锦绣业委会" in html
    assert reverse("places:building", args=[world.compound.code, "64"]) in html
    building = next(r for r in overview.buildings if r.building.number == "64")
    assert (building.entrances, building.units, building.households) == (2, 4, 4)
    assert building.responsible, "the party member answering for building 64 is listed"


def test_overview_counts_care_groups_and_units_by_status(world, login):
    grow(world, 3)
    response = login(world.staff).get(overview_url(world))
    overview = response.context["overview"]
    assert dict(overview.care) == {"Living alone": 3}
    assert dict(overview.by_status)["Vacant"] == 1


def test_overview_shows_who_is_on_duty_now_only(world, login):
    org = f.OrganisationFactory(compound=world.compound)
    now = timezone.now()
    person = f.PersonFactory(compound=world.compound, name="值班员")
    DutyShift.objects.create(
        organisation=org,
        person=person,
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=1),
        phone="0571-1",
    )
    response = login(world.staff).get(overview_url(world))
    assert "值班员" not in response.content.decode()


def test_overview_is_open_to_party_members_of_the_compound(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    assert login(member).get(overview_url(world)).status_code == 200


def test_overview_query_count_does_not_grow(
    world, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    grow(world, 3)
    with count_queries() as small:
        client.get(overview_url(world))
    grow(world, 6)
    grow(world, 3)
    with django_assert_max_num_queries(20), count_queries() as large:
        client.get(overview_url(world))
    assert small.count == large.count, large.dump()
