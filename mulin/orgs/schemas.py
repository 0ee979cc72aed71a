"""API shapes for organisations, memberships, responsibility areas and the duty roster."""

from datetime import date, datetime

from ninja import Field, Schema

from mulin.core.privacy import mask_phone
from mulin.core.schemas import Code, CommunityRef, Id, Moment, PersonRef, Ref, page_of, text

from .models import MemberRole, OrgKind


class OrganisationRef(Schema):
    id: int
    name: str
    kind: str


class OrganisationFilters(Schema):
    compound: Code | None = Field(
        None, description="Compound code: its organisations and the community-wide ones."
    )
    community: Code | None = Field(None, description="Community code.")
    kind: OrgKind | None = None
    include_dissolved: bool = False


class OrganisationOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    parent_id: int | None
    community: CommunityRef
    compound: str | None = Field(..., description="Compound code; null for community-wide.")
    description: str
    phone: str = Field(..., description="The organisation's public phone.")
    founded_on: date | None
    dissolved_on: date | None
    member_count: int = Field(..., description="Current members.")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_compound(obj) -> str | None:
        return obj.compound.code if obj.compound_id else None


class OrganisationDetailOut(OrganisationOut):
    children: list[Ref]
    party_registered: int
    party_reporting: int

    @staticmethod
    def resolve_children(obj) -> list:
        # Attached by the view; `children` itself is the reverse relation.
        return obj.api_children


class OrganisationIn(Schema):
    kind: OrgKind
    name: text(120)
    compound: Code | None = Field(None, description="Compound code…")
    community: Code | None = Field(None, description="…or, for a community-wide one, its code.")
    parent: Id | None = None
    description: text(2000) = ""
    phone: text(30) = Field("", description="A public phone, shown to residents.")
    founded_on: date | None = None


class OrganisationPatch(Schema):
    name: text(120) | None = None
    parent: Id | None = None
    description: text(2000) | None = None
    phone: text(30) | None = None
    founded_on: date | None = None
    dissolved_on: date | None = None


class MembershipOut(Schema):
    id: int
    organisation: OrganisationRef
    person: PersonRef
    role: str
    role_label: str
    portfolio: str
    term_start: date | None
    term_end: date | None
    phone: str = Field(..., description="Masked.")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)


class MembershipFilters(Schema):
    include_ended: bool = Field(False, description="Also ended terms (history).")


class MembershipIn(Schema):
    person: Id = Field(..., description="A person of the organisation's compound or community.")
    role: MemberRole = MemberRole.MEMBER
    portfolio: text(100) = ""
    term_start: date | None = None
    term_end: date | None = None
    phone: text(20) = ""


class MembershipEndIn(Schema):
    term_end: date | None = Field(None, description="Today if empty.")


class PlaceOut(Schema):
    kind: str = Field(..., description="`building`, `entrance` or `unit`.")
    id: int
    code: str = Field(..., description="63, 63-2 or 63-2-301.")


class AreaMembershipOut(Schema):
    id: int
    role: str
    person: PersonRef
    organisation: OrganisationRef


class ResponsibleOut(Schema):
    id: int = Field(..., description="The responsibility area's id.")
    membership: AreaMembershipOut
    place: PlaceOut

    @staticmethod
    def resolve_place(obj) -> dict:
        if obj.unit_id:
            return {"kind": "unit", "id": obj.unit_id, "code": obj.unit.code}
        if obj.entrance_id:
            entrance = obj.entrance
            code = f"{entrance.building.number}-{entrance.number}"
            return {"kind": "entrance", "id": obj.entrance_id, "code": code}
        return {"kind": "building", "id": obj.building_id, "code": obj.building.number}


class AreaFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    organisation: Id | None = None
    membership: Id | None = None
    unit: Id | None = Field(None, description="Areas covering this unit, its entrance or building.")
    include_ended: bool = Field(False, description="Also areas of ended memberships.")


class AreaIn(Schema):
    building: Id | None = None
    entrance: Id | None = None
    unit: Id | None = Field(None, description="Give exactly one of building, entrance, unit.")


class ShiftOut(Schema):
    id: int
    organisation: OrganisationRef
    person: PersonRef
    starts_at: datetime
    ends_at: datetime
    phone: str = Field(..., description="Masked.")
    note: str

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)


class DutyNowFilters(Schema):
    compound: Code | None = Field(None, description="Compound code; every visible one if empty.")


class ShiftFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    organisation: Id | None = None
    ends_after: Moment | None = None
    starts_before: Moment | None = None


class ShiftIn(Schema):
    organisation: Id
    person: Id
    starts_at: Moment = Field(..., description="Without an offset: Asia/Shanghai time.")
    ends_at: Moment
    phone: text(20)
    note: text(200) = ""


OrganisationPage = page_of(OrganisationOut, "OrganisationPage")
MembershipPage = page_of(MembershipOut, "MembershipPage")
AreaPage = page_of(ResponsibleOut, "ResponsibilityAreaPage")
ShiftPage = page_of(ShiftOut, "ShiftPage")
