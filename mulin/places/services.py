"""Writes to the places registry. Each service checks access, validates, writes and audits."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from mulin.core import access, audit

from .codes import floor_from_number
from .models import (
    AreaSource,
    Building,
    Compound,
    Entrance,
    ParkingKind,
    ParkingSpace,
    Unit,
    UnitStatus,
    UnitUse,
)

UNIT_FIELDS = [
    "building_id",
    "entrance_id",
    "floor",
    "number",
    "code",
    "use",
    "area",
    "area_source",
    "status",
]


def _require_edit(actor, compound: Compound) -> None:
    if not access.scope_for(actor, access.REGISTRY_EDIT).covers_compound(compound.id):
        raise Http404


@transaction.atomic
def building_create(
    *,
    actor,
    compound: Compound,
    number: str,
    floors: int | None = None,
    name: str = "",
    has_lift: bool = False,
) -> Building:
    _require_edit(actor, compound)
    number = (number or "").strip().upper()
    if not number:
        raise ValidationError({"number": _("Enter the building number.")})
    if Building.objects.filter(compound=compound, number=number).exists():
        raise ValidationError(
            {
                "number": _("Building %(number)s already exists in this compound.")
                % {"number": number}
            }
        )
    building = Building.objects.create(
        compound=compound, number=number, floors=floors, name=name, has_lift=has_lift
    )
    audit.record(
        actor=actor,
        action="building.create",
        target=building,
        changes=audit.snapshot(building, ["number", "floors", "name"]),
    )
    return building


def _entrance(building: Building, number: str | None) -> Entrance | None:
    if not number:
        return None
    entrance, _created = Entrance.objects.get_or_create(
        building=building, number=number.strip().upper()
    )
    return entrance


def validate_area(area: Decimal | None, area_source: str) -> None:
    if area is not None and area <= 0:
        raise ValidationError({"area": _("The area must be greater than 0 m².")})
    if area is not None and area_source not in AreaSource.values:
        raise ValidationError(
            {"area_source": _("Say where the area comes from: register, survey or contract.")}
        )


@transaction.atomic
def unit_create(
    *,
    actor,
    building: Building,
    number: str,
    entrance_number: str | None = None,
    floor: int | None = None,
    use: str = UnitUse.RESIDENTIAL,
    area: Decimal | None = None,
    area_source: str = "",
    status: str = UnitStatus.OCCUPIED,
) -> Unit:
    _require_edit(actor, building.compound)
    number = (number or "").strip().upper()
    if not number:
        raise ValidationError({"number": _("Enter the room number.")})
    validate_area(area, area_source)
    entrance = _entrance(building, entrance_number)
    code = "-".join(
        p for p in [building.number, entrance.number if entrance else None, number] if p
    )
    if Unit.objects.filter(compound_id=building.compound_id, code=code).exists():
        raise ValidationError(
            {"number": _("Unit %(code)s already exists in this compound.") % {"code": code}}
        )
    unit = Unit.objects.create(
        compound_id=building.compound_id,
        building=building,
        entrance=entrance,
        number=number,
        floor=floor if floor is not None else floor_from_number(number),
        code=code,
        use=use,
        area=area,
        area_source=area_source if area is not None else "",
        status=status,
    )
    audit.record(
        actor=actor, action="unit.create", target=unit, changes=audit.snapshot(unit, UNIT_FIELDS)
    )
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields) -> Unit:
    """Change a unit's use, area (with its source), status or floor."""
    _require_edit(actor, unit.compound)
    allowed = {"use", "area", "area_source", "status", "floor"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unit_update cannot change {sorted(unknown)}")
    before = audit.snapshot(unit, UNIT_FIELDS)
    for name, value in fields.items():
        setattr(unit, name, value)
    if unit.use not in UnitUse.values:
        raise ValidationError({"use": _("Choose a valid use.")})
    if unit.status not in UnitStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    validate_area(unit.area, unit.area_source)
    unit.save()
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if changes:
        audit.record(actor=actor, action="unit.update", target=unit, changes=changes)
    return unit


# ---------------------------------------------------------------- parking spaces

PARKING_FIELDS = ["number", "kind", "area", "counts_as_unit", "note"]
MAX_AREA = Decimal("1000000")  # ParkingSpace.area has 8 digits, 2 of them decimals


def _parking_values(values: dict) -> dict:
    """Inputs as stored: the number trimmed and upper-case (P01), the area to 2 places."""
    area = values["area"]
    return values | {
        "number": (values["number"] or "").strip().upper(),
        "area": area.quantize(Decimal("0.01"))
        if area is not None and 0 < area < MAX_AREA
        else area,
        "counts_as_unit": bool(values["counts_as_unit"]),
        "note": (values["note"] or "").strip(),
    }


def _validate_parking(compound: Compound, values: dict, *, exclude_pk: int | None = None) -> None:
    """Every field's problem at once, each on its own field."""
    errors: dict[str, str] = {}
    if not values["number"]:
        errors["number"] = _("Enter the parking space number.")
    else:
        taken = ParkingSpace.objects.filter(compound=compound, number=values["number"])
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["number"] = _("Parking space %(number)s already exists in this compound.") % {
                "number": values["number"]
            }
    if values["kind"] not in ParkingKind.values:
        errors["kind"] = _("Choose a valid kind of parking space.")
    if values["area"] is not None and values["area"] <= 0:
        errors["area"] = _("The area must be greater than 0 m².")
    elif values["area"] is not None and values["area"] >= MAX_AREA:
        errors["area"] = _("The area must be less than 1,000,000 m².")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def parking_space_create(
    *,
    actor,
    compound: Compound,
    number: str,
    kind: str,
    area: Decimal | None = None,
    counts_as_unit: bool = False,
    note: str = "",
) -> ParkingSpace:
    """Add a parking space to a compound. `counts_as_unit` records that the space is an
    exclusive part of its own (with an owner); whether such spaces count in owners' votes is the
    compound's rule (`Compound.parking_counts_as_units`, Civil Code Art. 278 as read by the
    Supreme People's Court's interpretation, Art. 2)."""
    _require_edit(actor, compound)
    values = _parking_values(
        {
            "number": number,
            "kind": kind,
            "area": area,
            "counts_as_unit": counts_as_unit,
            "note": note,
        }
    )
    _validate_parking(compound, values)
    space = ParkingSpace.objects.create(compound=compound, **values)
    audit.record(
        actor=actor,
        action="parking_space.create",
        target=space,
        changes=audit.snapshot(space, PARKING_FIELDS),
    )
    return space


@transaction.atomic
def parking_space_update(*, actor, space: ParkingSpace, **fields) -> ParkingSpace:
    """Change a parking space's number, kind, area, whether it counts as a unit, or note.
    Fields left out stay as they are; a refused change leaves `space` untouched."""
    _require_edit(actor, space.compound)
    unknown = set(fields) - set(PARKING_FIELDS)
    if unknown:
        raise ValueError(f"parking_space_update cannot change {sorted(unknown)}")
    values = _parking_values({name: getattr(space, name) for name in PARKING_FIELDS} | fields)
    _validate_parking(space.compound, values, exclude_pk=space.pk)
    before = audit.snapshot(space, PARKING_FIELDS)
    for name, value in values.items():
        setattr(space, name, value)
    changes = audit.diff(before, audit.snapshot(space, PARKING_FIELDS))
    if changes:
        space.save(update_fields=[*changes, "updated_at"])
        audit.record(actor=actor, action="parking_space.update", target=space, changes=changes)
    return space
