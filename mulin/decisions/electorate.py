"""Who votes, with how much area: the owner parties of a compound (DESIGN §7).

SPC interpretation on building division ownership, Art. 8 and 9:

- Area per unit: the register's, failing that the survey's, failing that the contract's; the
  source is kept with the unit (`Unit.area_source`).
- One unit, one owner: co-owners of a unit share one vote.
- All units held by the same buyer count as one owner (their areas add up) — the same buyer is
  the same person, company, or the same group of co-owners.
- All the developer's unsold or undelivered units count as one owner, whichever of its
  companies holds them.
- Parking spaces count as units only where the compound's rules say so.

`owner_parties()` is the pure rule; `compound_units()` reads the registry for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

DEVELOPER = "developer"


@dataclass(frozen=True)
class UnitHolding:
    """One unit of the electorate and who owns it now."""

    unit_code: str
    area: Decimal
    area_source: str
    owners: frozenset[str]  # "p:<person id>" / "c:<company id>"
    developer: bool = False  # held by the developer, unsold or undelivered
    unit_id: int | None = None
    building_id: int | None = None


@dataclass(frozen=True)
class OwnerParty:
    key: str
    area: Decimal
    units: tuple[str, ...]


class ElectorateError(ValueError):
    """A unit that cannot be counted: no area, or nobody owns it."""


def party_key(holding: UnitHolding) -> str:
    if holding.developer:
        return DEVELOPER
    return "+".join(sorted(holding.owners))


def owner_parties(holdings: Iterable[UnitHolding]) -> list[OwnerParty]:
    """Group units into owner parties per Art. 9, in order of first appearance. Raises
    `ElectorateError` naming every unit without an area or without an owner."""
    problems: list[str] = []
    areas: dict[str, Decimal] = {}
    units: dict[str, list[str]] = {}
    for holding in holdings:
        if holding.area is None or holding.area <= 0:
            problems.append(f"{holding.unit_code}: no area")
            continue
        if not holding.owners and not holding.developer:
            problems.append(f"{holding.unit_code}: no owner")
            continue
        key = party_key(holding)
        areas[key] = areas.get(key, Decimal("0")) + holding.area
        units.setdefault(key, []).append(holding.unit_code)
    if problems:
        raise ElectorateError("; ".join(problems))
    return [OwnerParty(key, areas[key], tuple(units[key])) for key in areas]


def compound_units(compound, today=None) -> list[UnitHolding]:
    """The compound's units as the electorate sees them today: every unit with its area and its
    current owners; parking units only if the compound's rules count them. Two queries."""
    from mulin.people.models import Ownership
    from mulin.places.models import Unit, UnitUse

    units = Unit.objects.filter(compound=compound).order_by("id")
    if not compound.parking_counts_as_units:
        units = units.exclude(use=UnitUse.PARKING)
    rows = list(units.values_list("id", "code", "area", "area_source", "building_id"))
    owners: dict[int, set[str]] = {}
    developer: dict[int, bool] = {}
    for unit_id, person_id, company_id, is_developer in (
        Ownership.objects.current(today)
        .filter(unit__compound=compound)
        .values_list("unit_id", "person_id", "company_id", "company__is_developer")
    ):
        owners.setdefault(unit_id, set()).add(f"p:{person_id}" if person_id else f"c:{company_id}")
        if is_developer:
            developer[unit_id] = True
    return [
        UnitHolding(
            unit_code=code,
            area=area,
            area_source=source,
            owners=frozenset(owners.get(unit_id, ())),
            # A unit the developer still holds alone is unsold; one it co-owns is sold.
            developer=developer.get(unit_id, False) and len(owners.get(unit_id, ())) == 1,
            unit_id=unit_id,
            building_id=building_id,
        )
        for unit_id, code, area, source, building_id in rows
    ]
