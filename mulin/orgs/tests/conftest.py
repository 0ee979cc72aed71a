"""Fixtures for the organisation pages: a volunteer who may look but not edit, and builders."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mulin.core.models import Role
from mulin.orgs.models import (
    DutyShift,
    MemberRole,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.testing import factories as f


@pytest.fixture
def volunteer(world):
    """Holds ORGS_VIEW on the compound (volunteer role) but neither ORGS_EDIT nor DUTY_*."""
    user = f.UserFactory(username="volunteer")
    f.grant(user, Role.VOLUNTEER, world.compound)
    return user


@pytest.fixture
def property_manager(world):
    """Holds DUTY_VIEW and DUTY_EDIT on the compound, ORGS_VIEW but not ORGS_EDIT."""
    user = f.UserFactory(username="manager")
    f.grant(user, Role.PROPERTY_MANAGER, world.compound)
    return user


@pytest.fixture
def branch(world) -> Organisation:
    return f.OrganisationFactory(
        compound=world.compound, kind=OrgKind.PARTY_BRANCH, name="锦绣党支部"
    )


@pytest.fixture
def committee(world) -> Organisation:
    """A community-wide party committee: no compound, serves every compound of the community."""
    return Organisation.objects.create(
        kind=OrgKind.PARTY_COMMITTEE,
        name="社区党委",
        community=world.compound.community,
        compound=None,
    )


KINDS = [
    OrgKind.PARTY_BRANCH,
    OrgKind.STAIRWELL_GROUP,
    OrgKind.OWNERS_COMMITTEE,
    OrgKind.PROPERTY_COMPANY,
    OrgKind.VOLUNTEER_TEAM,
    OrgKind.PARTNER,
]


def populate(compound, n: int, parent: Organisation | None = None) -> list[Organisation]:
    """`n` organisations in `compound`, each with a leader, a member with a building area,
    an ended term, a registered and a reporting party member, and a shift now."""
    orgs = []
    building = f.BuildingFactory(compound=compound)
    now = timezone.now()
    for i in range(n):
        org = f.OrganisationFactory(
            compound=compound, kind=KINDS[i % len(KINDS)], name=f"组织{i}", parent=parent
        )
        f.MembershipFactory(organisation=org, role=MemberRole.LEADER)
        member = f.MembershipFactory(organisation=org, role=MemberRole.MEMBER)
        ResponsibilityArea.objects.create(membership=member, building=building)
        f.MembershipFactory(
            organisation=org,
            role=MemberRole.DIRECTOR,
            term_start=date(2017, 11, 23),
            term_end=date(2020, 11, 22),
        )
        for status, home in (("registered", ""), ("reporting", "区税务局机关党支部")):
            PartyMembership.objects.create(
                organisation=org,
                person=f.PersonFactory(compound=compound),
                status=status,
                home_organisation=home,
            )
        DutyShift.objects.create(
            organisation=org,
            person=member.person,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            phone="0571-85001234",
        )
        orgs.append(org)
    return orgs
