"""Fixtures for the places pages: a compound with everything its pages show, and a way to grow
it so a test can show that a page's query count does not grow with the data."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from mulin.orgs.models import (
    DutyShift,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.people.models import CareTag, Vehicle
from mulin.places.models import UnitStatus
from mulin.testing import factories as f

_numbers = count(1)


def grow(world, n: int, building_number: str | None = None) -> None:
    """Add `n` homes to `world.compound`, each with a head of household, a second resident,
    an owner, a care tag, a vehicle, a past resident and a party member answering for it — and
    new buildings, organisations and duty shifts along the way."""
    compound = world.compound
    # Explicit numbers: the factory's sequence would sooner or later hit world's building 63.
    number = building_number or f"G{next(_numbers)}"
    building = f.BuildingFactory(compound=compound, number=number)
    entrance = f.EntranceFactory(building=building, number="1")
    f.EntranceFactory(building=building, number="2")
    branch = f.OrganisationFactory(compound=compound, kind=OrgKind.PARTY_BRANCH)
    group = f.OrganisationFactory(compound=compound, kind=OrgKind.STAIRWELL_GROUP, parent=branch)
    now = timezone.now()
    for i in range(n):
        unit = f.UnitFactory(
            entrance=entrance,
            number=f"{i // 2 + 1}0{i % 2 + 1}",
            floor=i // 2 + 1,
            status=[UnitStatus.OCCUPIED, UnitStatus.RENTED, UnitStatus.VACANT][i % 3],
        )
        head = f.ResidencyFactory(unit=unit, is_head=True).person
        f.ResidencyFactory(unit=unit, is_head=False, relation="family")
        f.ResidencyFactory(
            unit=unit, is_head=False, moved_out_on=timezone.localdate() - timedelta(days=30)
        )
        f.OwnershipFactory(unit=unit, person=head, share=Decimal("1"))
        CareTag.objects.create(person=head, kind="living_alone")
        Vehicle.objects.create(compound=compound, plate=f"浙A{unit.pk:05d}"[-7:], unit=unit)
        member = f.MembershipFactory(organisation=group)
        PartyMembership.objects.create(
            person=member.person, organisation=branch, status=PartyMembership.Status.REGISTERED
        )
        ResponsibilityArea.objects.create(membership=member, unit=unit)
        ResponsibilityArea.objects.create(membership=member, building=building)
        DutyShift.objects.create(
            organisation=branch,
            person=member.person,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
            phone="0571-12345678",
        )


@pytest.fixture
def english(settings):
    """Pages in English, so tests can read the messages they assert (zh-hans is the default)."""
    settings.LANGUAGE_CODE = "en"


def new_home(world, building: str = "70"):
    """A home of `world.compound` with a unit code no factory sequence can collide with."""
    n = next(_numbers)
    return f.UnitFactory(
        entrance=f.EntranceFactory(
            building=f.BuildingFactory(compound=world.compound, number=f"{building}{n}"),
            number="1",
        ),
        number="101",
        code=f"{building}{n}-1-101",
    )
