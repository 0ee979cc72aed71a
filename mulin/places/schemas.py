"""API shapes for compounds, buildings, units and parking spaces."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from mulin.core.schemas import Code, CommunityRef, page_of, text
from mulin.orgs.schemas import ResponsibleOut
from mulin.people.schemas import OwnerOut, ResidentOut, VehicleBrief

from .models import AreaSource, ParkingKind, UnitStatus, UnitUse

Area = Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]


class CompoundFilters(Schema):
    community: Code | None = Field(None, description="Community code.")
    q: text(60) | None = Field(None, description="Part of the compound's name or code.")


class CompoundOut(Schema):
    id: int
    code: str
    name: str
    address: str
    delivered_year: int | None
    community: CommunityRef
    building_count: int
    unit_count: int
    household_count: int = Field(..., description="Residential units with someone living there.")
    resident_count: int


class CompoundDetailOut(CompoundOut):
    description: str
    city_rule_set: str
    organisation_count: int
    party_registered: int
    party_reporting: int


class EntranceOut(Schema):
    id: int
    number: str


class BuildingFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")


class BuildingOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    number: str
    name: str
    floors: int | None
    year_built: int | None
    has_lift: bool
    entrances: list[EntranceOut]
    unit_count: int

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code

    @staticmethod
    def resolve_entrances(obj) -> list:
        return list(obj.entrances.all())


class BuildingIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    number: text(20)
    name: text(50) = ""
    floors: int | None = Field(None, ge=1, le=200)
    has_lift: bool = False


class UnitFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    building: text(20) | None = Field(None, description="Building number, e.g. 63.")
    entrance: text(20) | None = Field(None, description="Entrance number, e.g. 2.")
    use: UnitUse | None = None
    status: UnitStatus | None = None
    code: Code | None = Field(None, description="Unit code, as 63-2-301 or 63幢2单元301.")


class UnitOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    building: str = Field(..., description="Building number.")
    building_id: int
    entrance: str | None = Field(..., description="Entrance number.")
    entrance_id: int | None
    floor: int | None
    number: str
    code: str = Field(..., description="63-2-301")
    chinese_code: str = Field(..., description="63幢2单元301")
    use: str
    area: Decimal | None = Field(..., description="Exclusive area in m².")
    area_source: str
    status: str

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code

    @staticmethod
    def resolve_building(obj) -> str:
        return obj.building.number

    @staticmethod
    def resolve_entrance(obj) -> str | None:
        return obj.entrance.number if obj.entrance_id else None


class UnitDetailOut(UnitOut):
    owners: list[OwnerOut] = Field(..., description="Current owners.")
    residents: list[ResidentOut] = Field(..., description="Current residents.")
    vehicles: list[VehicleBrief]
    responsible: list[ResponsibleOut] = Field(
        ..., description="Who answers for this household (包楼包户), nearest first."
    )

    # The view attaches these lists under api_* names (the plain names are reverse relations).
    @staticmethod
    def resolve_owners(obj) -> list:
        return obj.api_owners

    @staticmethod
    def resolve_residents(obj) -> list:
        return obj.api_residents

    @staticmethod
    def resolve_vehicles(obj) -> list:
        return obj.api_vehicles

    @staticmethod
    def resolve_responsible(obj) -> list:
        return obj.api_responsible


class UnitIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    building: text(20) = Field(..., description="Building number; the building must exist.")
    entrance: text(20) | None = Field(None, description="Entrance number; created if new.")
    number: text(20) = Field(..., description="Room number, e.g. 301.")
    floor: int | None = Field(None, ge=-10, le=200, description="From the room number if empty.")
    use: UnitUse = UnitUse.RESIDENTIAL
    area: Area | None = None
    area_source: AreaSource | None = Field(None, description="Required with an area.")
    status: UnitStatus = UnitStatus.OCCUPIED


class UnitPatch(Schema):
    floor: int | None = Field(None, ge=-10, le=200)
    use: UnitUse | None = None
    area: Area | None = None
    area_source: AreaSource | None = None
    status: UnitStatus | None = None


class ParkingSpaceFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    kind: ParkingKind | None = None


class ParkingSpaceOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    number: str
    kind: str
    area: Decimal | None = Field(..., description="Area in m².")
    counts_as_unit: bool = Field(
        ...,
        description=(
            "An exclusive unit of its own; it counts in owners' votes only where the compound's "
            "rules say so."
        ),
    )
    note: str

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code


# The service checks the area is above 0 (with its own message); here only its digits.
ParkingArea = Annotated[Decimal, Field(max_digits=8, decimal_places=2)]


class ParkingSpaceIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    number: text(20) = Field(..., description="Unique in the compound, e.g. P01.")
    kind: ParkingKind = ParkingKind.SURFACE
    area: ParkingArea | None = None
    counts_as_unit: bool = False
    note: text(200) = ""


class ParkingSpacePatch(Schema):
    number: text(20) | None = None
    kind: ParkingKind | None = None
    area: ParkingArea | None = None
    counts_as_unit: bool | None = None
    note: text(200) | None = None


CompoundPage = page_of(CompoundOut, "CompoundPage")
BuildingPage = page_of(BuildingOut, "BuildingPage")
UnitPage = page_of(UnitOut, "UnitPage")
ParkingSpacePage = page_of(ParkingSpaceOut, "ParkingSpacePage")
