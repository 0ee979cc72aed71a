"""API: compounds, buildings, units and parking spaces."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import Id, PageParams, paginate, responses
from mulin.orgs.models import Organisation, PartyMembership
from mulin.orgs.selectors import responsible_for_unit
from mulin.people.models import Ownership, Residency, Vehicle

from . import services
from .codes import UnitCodeError, parse_unit_code
from .models import Building, Compound, ParkingSpace, Unit
from .schemas import (
    BuildingFilters,
    BuildingIn,
    BuildingOut,
    BuildingPage,
    CompoundDetailOut,
    CompoundFilters,
    CompoundPage,
    ParkingSpaceFilters,
    ParkingSpaceIn,
    ParkingSpaceOut,
    ParkingSpacePage,
    ParkingSpacePatch,
    UnitDetailOut,
    UnitFilters,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitPatch,
)
from .selectors import compounds_with_counts

router = Router(tags=["places"])


def _plain(fields: dict) -> dict:
    """Enum members from the schema as their stored values."""
    return {k: getattr(v, "value", v) for k, v in fields.items()}


# ---------------------------------------------------------------- compounds


def _attach_counts(compounds: list[Compound]) -> None:
    compounds_with_counts(compounds)
    buildings = dict(
        Building.objects.filter(compound_id__in=[c.id for c in compounds])
        .order_by()
        .values("compound_id")
        .annotate(n=Count("id"))
        .values_list("compound_id", "n")
    )
    for compound in compounds:
        compound.building_count = buildings.get(compound.id, 0)


@router.get("/compounds", response=responses(200, CompoundPage), summary="List compounds")
def compound_list(request, filters: Query[CompoundFilters], page: Query[PageParams]):
    """Compounds whose registry the caller may see, with their building, unit, household and
    resident counts."""
    rows = access.visible(
        request.auth, access.REGISTRY_VIEW, Compound.objects.select_related("community")
    )
    if filters.community:
        rows = rows.filter(community__code=filters.community)
    if filters.q:
        rows = rows.filter(Q(name__contains=filters.q) | Q(code__icontains=filters.q))
    return paginate(rows.order_by("code"), page, attach=_attach_counts)


@router.get("/compounds/{code}", response=responses(200, CompoundDetailOut), summary="One compound")
def compound_detail(request, code: str):
    compound = access.get_or_404(
        request.auth,
        access.REGISTRY_VIEW,
        Compound.objects.select_related("community"),
        code=code,
    )
    _attach_counts([compound])
    today = timezone.localdate()
    compound.organisation_count = (
        Organisation.objects.active()
        .filter(Q(compound=compound) | Q(compound__isnull=True, community_id=compound.community_id))
        .count()
    )
    party = dict(
        PartyMembership.objects.filter(organisation__compound=compound)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    compound.party_registered = party.get(PartyMembership.Status.REGISTERED, 0)
    compound.party_reporting = party.get(PartyMembership.Status.REPORTING, 0)
    return compound


# ---------------------------------------------------------------- buildings


def _buildings():
    return (
        Building.objects.select_related("compound")
        .prefetch_related("entrances")
        .annotate(unit_count=Count("units"))
    )


@router.get("/buildings", response=responses(200, BuildingPage), summary="List buildings")
def building_list(request, filters: Query[BuildingFilters], page: Query[PageParams]):
    rows = access.visible(request.auth, access.REGISTRY_VIEW, _buildings())
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    return paginate(rows.order_by("compound__code", "sort_key", "number", "id"), page)


@router.get("/buildings/{id}", response=responses(200, BuildingOut), summary="One building")
def building_detail(request, id: int):
    return access.get_or_404(request.auth, access.REGISTRY_VIEW, _buildings(), pk=id)


@router.post(
    "/buildings", response=responses(201, BuildingOut, write=True), summary="Add a building"
)
@idempotent
def building_create(request, payload: BuildingIn):
    compound = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, Compound.objects, code=payload.compound
    )
    building = services.building_create(
        actor=request.auth,
        compound=compound,
        number=payload.number,
        floors=payload.floors,
        name=payload.name,
        has_lift=payload.has_lift,
    )
    return Status(201, BuildingOut.from_orm(_buildings().get(pk=building.pk)))


# ---------------------------------------------------------------- units


def _unit_rows(user, perm: str = access.REGISTRY_VIEW):
    return access.visible(
        user, perm, Unit.objects.select_related("compound", "building", "entrance")
    )


@router.get("/units", response=responses(200, UnitPage), summary="List units")
def unit_list(request, filters: Query[UnitFilters], page: Query[PageParams]):
    """Homes the caller may see: a compound's registry for staff, their own homes for residents."""
    rows = _unit_rows(request.auth)
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    if filters.building:
        rows = rows.filter(building__number=filters.building.upper())
    if filters.entrance:
        rows = rows.filter(entrance__number=filters.entrance.upper())
    if filters.use:
        rows = rows.filter(use=filters.use.value)
    if filters.status:
        rows = rows.filter(status=filters.status.value)
    if filters.code:
        try:
            code = parse_unit_code(filters.code)
        except UnitCodeError as exc:
            raise ValidationError({"code": str(exc)}) from exc
        rows = rows.filter(code=code.short)
    rows = rows.order_by("compound__code", "building__sort_key", "building__number", "code", "id")
    return paginate(rows, page)


@router.get("/units/{id}", response=responses(200, UnitDetailOut), summary="One unit")
def unit_detail(request, id: int):
    """A home with its current owners and residents (phones masked), vehicles, and the people
    who answer for it."""
    unit = access.get_or_404(request.auth, access.REGISTRY_VIEW, _unit_rows(request.auth), pk=id)
    responsible = responsible_for_unit(unit)
    for area in responsible:
        # The area matched this unit, its entrance or its building: reuse them, no query per row.
        if area.unit_id:
            area.unit = unit
        elif area.entrance_id:
            area.entrance = unit.entrance
        else:
            area.building = unit.building
    unit.api_owners = list(
        Ownership.objects.current()
        .filter(unit=unit)
        .select_related("person", "company")
        .order_by("-share", "id")
    )
    unit.api_residents = list(
        Residency.objects.current()
        .filter(unit=unit)
        .select_related("person")
        .order_by("-is_head", "moved_in_on", "id")
    )
    unit.api_vehicles = list(
        Vehicle.objects.filter(unit=unit, removed_on__isnull=True).order_by("plate")
    )
    unit.api_responsible = responsible
    return unit


@router.post("/units", response=responses(201, UnitOut, write=True), summary="Add a unit")
@idempotent
def unit_create(request, payload: UnitIn):
    compound = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, Compound.objects, code=payload.compound
    )
    number = payload.building.upper()
    building = Building.objects.filter(compound=compound, number=number).first()
    if building is None:
        raise ValidationError(
            {
                "building": _("There is no building %(number)s in this compound.")
                % {"number": number}
            }
        )
    unit = services.unit_create(
        actor=request.auth,
        building=building,
        number=payload.number,
        entrance_number=payload.entrance or None,
        floor=payload.floor,
        use=payload.use.value,
        area=payload.area,
        area_source=payload.area_source.value if payload.area_source else "",
        status=payload.status.value,
    )
    return Status(201, UnitOut.from_orm(_unit_rows(request.auth).get(pk=unit.pk)))


@router.patch("/units/{id}", response=responses(200, UnitOut, write=True), summary="Change a unit")
@idempotent
def unit_update(request, id: int, payload: UnitPatch):
    """Change use, area (with its source), status or floor; fields left out stay as they are."""
    unit = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, _unit_rows(request.auth, access.REGISTRY_EDIT), pk=id
    )
    fields = _plain(payload.model_dump(exclude_unset=True))
    if "area_source" in fields and fields["area_source"] is None:
        fields["area_source"] = ""
    if "area" in fields and fields["area"] is None:
        fields["area_source"] = ""
    services.unit_update(actor=request.auth, unit=unit, **fields)
    return Status(200, UnitOut.from_orm(_unit_rows(request.auth).get(pk=unit.pk)))


# ---------------------------------------------------------------- parking spaces


def _parking_rows(user, perm: str = access.REGISTRY_VIEW):
    return access.visible(user, perm, ParkingSpace.objects.select_related("compound"))


@router.get(
    "/parking-spaces", response=responses(200, ParkingSpacePage), summary="List parking spaces"
)
def parking_space_list(request, filters: Query[ParkingSpaceFilters], page: Query[PageParams]):
    """Parking spaces of the compounds whose registry the caller may see."""
    rows = _parking_rows(request.auth)
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    if filters.kind:
        rows = rows.filter(kind=filters.kind.value)
    return paginate(rows.order_by("compound__code", "number", "id"), page)


@router.get(
    "/parking-spaces/{id}", response=responses(200, ParkingSpaceOut), summary="One parking space"
)
def parking_space_detail(request, id: Id):
    return access.get_or_404(request.auth, access.REGISTRY_VIEW, _parking_rows(request.auth), pk=id)


@router.post(
    "/parking-spaces",
    response=responses(201, ParkingSpaceOut, write=True),
    summary="Add a parking space",
)
@idempotent
def parking_space_create(request, payload: ParkingSpaceIn):
    compound = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, Compound.objects, code=payload.compound
    )
    space = services.parking_space_create(
        actor=request.auth,
        compound=compound,
        number=payload.number,
        kind=payload.kind.value,
        area=payload.area,
        counts_as_unit=payload.counts_as_unit,
        note=payload.note,
    )
    return Status(201, ParkingSpaceOut.from_orm(space))


@router.patch(
    "/parking-spaces/{id}",
    response=responses(200, ParkingSpaceOut, write=True),
    summary="Change a parking space",
)
@idempotent
def parking_space_update(request, id: Id, payload: ParkingSpacePatch):
    """Change number, kind, area, whether it counts as a unit, or note; fields left out stay
    as they are. A null area or note clears it; a null number or kind is refused."""
    space = access.get_or_404(
        request.auth,
        access.REGISTRY_EDIT,
        _parking_rows(request.auth, access.REGISTRY_EDIT),
        pk=id,
    )
    fields = _plain(payload.model_dump(exclude_unset=True))
    if fields.get("counts_as_unit", False) is None:
        del fields["counts_as_unit"]  # null is no answer to a yes/no question: leave it
    space = services.parking_space_update(actor=request.auth, space=space, **fields)
    return Status(200, ParkingSpaceOut.from_orm(space))
