"""Counting owners (SPC interpretation Art. 8, 9): one unit one owner, one buyer's units one owner,
the developer's unsold units one owner, co-owners share one vote, parking only by the rules."""

from decimal import Decimal

import pytest

from mulin.decisions.electorate import (
    DEVELOPER,
    ElectorateError,
    UnitHolding,
    compound_units,
    owner_parties,
)
from mulin.people.models import Company
from mulin.places.models import UnitUse
from mulin.testing import factories as f


def h(code, area, *owners, developer=False):
    return UnitHolding(code, Decimal(area), "register", frozenset(owners), developer)


def test_one_unit_one_owner():
    parties = owner_parties([h("1-1-101", "80.5", "p:1"), h("1-1-102", "60", "p:2")])
    assert [(p.key, p.area) for p in parties] == [("p:1", Decimal("80.5")), ("p:2", Decimal("60"))]


def test_one_buyers_several_units_are_one_owner_with_their_areas_added():
    parties = owner_parties([h("1-1-101", "80", "p:1"), h("2-1-301", "45.25", "p:1")])
    assert len(parties) == 1
    assert parties[0].area == Decimal("125.25")
    assert parties[0].units == ("1-1-101", "2-1-301")


def test_co_owners_of_a_unit_share_one_vote_and_the_same_group_is_one_buyer():
    parties = owner_parties(
        [
            h("1-1-101", "80", "p:1", "p:2"),
            h("1-1-102", "70", "p:2", "p:1"),
            h("1-1-103", "50", "p:1"),
        ]
    )
    assert [(p.key, p.area) for p in parties] == [
        ("p:1+p:2", Decimal("150")),
        ("p:1", Decimal("50")),
    ]


def test_all_the_developers_unsold_units_are_one_owner_whichever_company_holds_them():
    parties = owner_parties(
        [
            h("1-1-101", "80", "c:7", developer=True),
            h("1-1-102", "80", "c:8", developer=True),
            h("1-1-103", "80", "c:9"),  # an ordinary company
        ]
    )
    assert [(p.key, p.area) for p in parties] == [
        (DEVELOPER, Decimal("160")),
        ("c:9", Decimal("80")),
    ]


def test_units_without_area_or_owner_are_named():
    with pytest.raises(ElectorateError) as caught:
        owner_parties([h("1-1-101", "0", "p:1"), h("1-1-102", "70")])
    assert "1-1-101: no area" in str(caught.value)
    assert "1-1-102: no owner" in str(caught.value)


@pytest.mark.django_db
def test_the_registry_gives_current_owners_and_counts_parking_only_by_the_rules():
    compound = f.CompoundFactory(parking_counts_as_units=False)
    home = f.UnitFactory(entrance__building__compound=compound, area=Decimal("88.00"))
    garage = f.UnitFactory(
        entrance=home.entrance, use=UnitUse.PARKING, area=Decimal("12.50"), number="B1"
    )
    unsold = f.UnitFactory(entrance=home.entrance, area=Decimal("90.00"), number="902")
    owner = f.PersonFactory(compound=compound)
    f.OwnershipFactory(unit=home, person=owner)
    f.OwnershipFactory(unit=garage, person=owner)
    developer = Company.objects.create(name="开发商", is_developer=True, compound=compound)
    f.OwnershipFactory(unit=unsold, person=None, company=developer)

    parties = owner_parties(compound_units(compound))
    assert sorted((p.key, p.area) for p in parties) == [
        (DEVELOPER, Decimal("90.00")),
        (f"p:{owner.pk}", Decimal("88.00")),
    ]
    compound.parking_counts_as_units = True
    parties = owner_parties(compound_units(compound))
    assert (f"p:{owner.pk}", Decimal("100.50")) in [(p.key, p.area) for p in parties]
