import pytest
from django.http import Http404

from mulin.core import access
from mulin.core.models import Role
from mulin.people.models import Person
from mulin.places.models import Compound, Unit
from mulin.testing import factories as f


def test_community_staff_sees_their_compounds_units_only(world):
    units = access.visible(world.staff, access.REGISTRY_VIEW, Unit.objects.all())
    assert set(units) == {world.unit, world.neighbour_unit}


def test_outsider_sees_nothing_of_another_compound(world):
    assert not access.can(world.outsider, access.REGISTRY_VIEW, world.unit)
    with pytest.raises(Http404):
        access.get_or_404(
            world.outsider, access.REGISTRY_VIEW, Unit.objects.all(), pk=world.unit.pk
        )


def test_resident_sees_own_household_not_the_neighbours(world):
    assert access.can(world.resident, access.HOUSEHOLD_VIEW, world.unit)
    assert not access.can(world.resident, access.HOUSEHOLD_VIEW, world.neighbour_unit)
    assert not access.can(world.resident, access.REGISTRY_EDIT, world.unit)
    persons = access.visible(world.resident, access.HOUSEHOLD_VIEW, Person.objects.all())
    assert list(persons) == [world.resident_person]


def test_resident_cannot_see_compound_registry(world):
    assert not access.visible(world.resident, access.REGISTRY_VIEW, Compound.objects.all()).exists()


def test_building_grant_reaches_that_building_only(world):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.unit.building)
    other_building_unit = f.UnitFactory(entrance__building__compound=world.compound)
    visible = set(access.visible(member, access.REGISTRY_VIEW, Unit.objects.all()))
    assert world.unit in visible and other_building_unit not in visible
    assert access.can_in_compound(member, access.REGISTRY_VIEW, world.compound)
    assert not access.can(member, access.REGISTRY_EDIT, world.unit)


def test_subdistrict_staff_reach_every_compound_of_the_subdistrict(world):
    staff = f.UserFactory()
    f.grant(staff, Role.SUBDISTRICT_STAFF, world.compound.community.subdistrict)
    sibling = f.CompoundFactory(community__subdistrict=world.compound.community.subdistrict)
    assert set(access.compounds(staff, access.REGISTRY_VIEW)) == {world.compound, sibling}


def test_platform_admin_sees_everything(world):
    assert access.visible(world.admin, access.REGISTRY_VIEW, Unit.objects.all()).count() == 3


def test_anonymous_is_denied(world):
    from django.contrib.auth.models import AnonymousUser

    assert not access.can(AnonymousUser(), access.REGISTRY_VIEW, world.unit)


def test_ended_grant_gives_nothing(world):
    from datetime import timedelta

    from django.utils import timezone

    former = f.UserFactory()
    g = f.grant(former, Role.COMMUNITY_STAFF, world.compound.community)
    g.ends_at = timezone.now() - timedelta(days=1)
    g.save()
    assert not access.can(former, access.REGISTRY_VIEW, world.unit)


def test_scope_is_computed_once_per_request(world, count_queries):
    access.scope_for(world.staff, access.REGISTRY_VIEW)
    with count_queries() as q:
        access.scope_for(world.staff, access.REGISTRY_VIEW)
    assert q.count == 0


def test_every_permission_of_a_request_costs_at_most_three_queries(world, count_queries):
    staff = f.UserFactory()
    f.grant(staff, Role.COMMUNITY_STAFF, world.compound.community)
    f.grant(staff, Role.PARTY_MEMBER, world.other_unit.building)
    with count_queries() as q:
        scopes = {perm: access.scope_for(staff, perm) for perm in access.ALL_PERMISSIONS}
    assert q.count <= 3, q.dump()  # grants, their compounds, the granted buildings
    assert scopes[access.REGISTRY_EDIT].compound_ids == {world.compound.id}
    assert scopes[access.REGISTRY_VIEW].building_ids == {world.other_unit.building_id}
    assert scopes[access.REGISTRY_EDIT].building_ids == set()
