"""API shapes for persons, their homes, vehicles and consent. Phones and ID numbers leave here
masked, always; the encrypted ID number and its digest are never part of any shape."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from mulin.core.privacy import mask_phone
from mulin.core.schemas import Code, Id, Ref, page_of, text

from .models import Gender, Ownership, Residency

Share = Annotated[Decimal, Field(gt=0, le=1, max_digits=5, decimal_places=4)]


class UnitRef(Schema):
    id: int
    code: str
    compound: str = Field(..., description="Compound code.")

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code


class PersonBrief(Schema):
    id: int
    name: str
    phone: str = Field(..., description="Masked: 138****5678.")

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)


class PersonFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    q: text(60) | None = Field(
        None,
        description=(
            "Name (part of it), pinyin initials or full pinyin (zs, zhangsan), the phone's last "
            "3 or 4 digits or the whole number, or a unit code (63-2-301) for its residents and "
            "owners."
        ),
    )


class PersonOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    name: str
    gender: str
    birth_year: int | None
    phone: str = Field(..., description="Masked: 138****5678.")
    id_number: str = Field(..., description="Masked: 3502**********1234.")
    note: str
    deceased_on: date | None

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number(obj) -> str:
        return obj.id_number_masked


class HomeOut(Schema):
    unit: UnitRef
    relation: str = Field(..., description="`owner` for an ownership, else the residency's.")
    is_head: bool
    share: Decimal | None


class MembershipBrief(Schema):
    id: int
    organisation: Ref
    role: str
    portfolio: str


class CareTagOut(Schema):
    kind: str
    label: str
    since: date


class ConsentOut(Schema):
    purpose: str
    method: str
    granted_at: datetime
    withdrawn_at: datetime | None


class PersonDetailOut(PersonOut):
    birth_date: date | None
    homes: list[HomeOut] = Field(..., description="Current homes the caller may see.")
    memberships: list[MembershipBrief] = Field(..., description="Current memberships.")
    skills: list[str]
    care_tags: list[CareTagOut] = Field(..., description="Shown to registry staff only.")
    consents: list[ConsentOut]

    # The view attaches these under api_* names (the plain names are reverse relations).
    @staticmethod
    def resolve_homes(obj) -> list:
        return obj.api_homes

    @staticmethod
    def resolve_memberships(obj) -> list:
        return obj.api_memberships

    @staticmethod
    def resolve_skills(obj) -> list:
        return obj.api_skills

    @staticmethod
    def resolve_care_tags(obj) -> list:
        return obj.api_care_tags

    @staticmethod
    def resolve_consents(obj) -> list:
        return obj.api_consents


class PersonIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    name: text(50)
    phone: text(20) = ""
    gender: Gender = Gender.UNKNOWN
    birth_date: date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    id_number: text(20) = Field("", description="Validated (GB 11643) and stored encrypted.")
    note: text(200) = ""


class PersonPatch(Schema):
    name: text(50) | None = None
    phone: text(20) | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    id_number: text(20) | None = None
    note: text(200) | None = None
    deceased_on: date | None = None


class RevealIn(Schema):
    field: Literal["phone", "id_number"]
    reason: text(200) = ""


class RevealOut(Schema):
    field: str
    value: str


class ConsentWithdrawOut(Schema):
    purpose: str
    withdrawn: int = Field(..., description="Active consents closed (0 when none was active).")


# ---------------------------------------------------------------- homes


class ResidentOut(Schema):
    id: int = Field(..., description="The residency's id.")
    person: PersonBrief
    relation: str
    is_head: bool
    moved_in_on: date | None


class OwnerOut(Schema):
    id: int = Field(..., description="The ownership's id.")
    person: PersonBrief | None
    company: Ref | None
    share: Decimal
    started_on: date | None

    @staticmethod
    def resolve_company(obj) -> dict | None:
        return {"id": obj.company_id, "label": obj.company.name} if obj.company_id else None


class HistoryFilters(Schema):
    include_ended: bool = Field(False, description="Also rows that have ended (history).")


class ResidencyOut(Schema):
    id: int
    unit: UnitRef
    person: PersonBrief
    relation: str
    is_head: bool
    moved_in_on: date | None
    moved_out_on: date | None


class ResidencyIn(Schema):
    person: Id = Field(..., description="A person in the unit's compound registry.")
    relation: Residency.Relation
    is_head: bool = False
    moved_in_on: date | None = None


class ResidencyEndIn(Schema):
    moved_out_on: date | None = Field(None, description="Today if empty.")


class OwnershipOut(Schema):
    id: int
    unit: UnitRef
    person: PersonBrief | None
    company: Ref | None
    share: Decimal
    started_on: date | None
    date_kind: str
    ended_on: date | None

    @staticmethod
    def resolve_company(obj) -> dict | None:
        return {"id": obj.company_id, "label": obj.company.name} if obj.company_id else None


class OwnershipIn(Schema):
    person: Id | None = Field(None, description="The owner: a person…")
    company: Id | None = Field(None, description="…or a company (e.g. the developer).")
    share: Share = Decimal("1")
    started_on: date | None = None
    date_kind: Ownership.DateKind = Ownership.DateKind.REGISTERED


class OwnershipEndIn(Schema):
    ended_on: date | None = Field(None, description="Today if empty.")


# ---------------------------------------------------------------- vehicles


class VehicleBrief(Schema):
    id: int
    plate: str
    energy: str


class VehicleFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    unit: Id | None = None
    person: Id | None = None
    plate: text(12) | None = Field(None, description="Part of the plate.")
    include_removed: bool = False


class VehicleOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    plate: str
    energy: str
    brand: str
    person: PersonBrief | None
    unit: UnitRef | None
    removed_on: date | None

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code


class VehicleIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    plate: text(12)
    person: Id | None = None
    unit: Id | None = None
    brand: text(50) = ""


PersonPage = page_of(PersonOut, "PersonPage")
ResidencyPage = page_of(ResidencyOut, "ResidencyPage")
OwnershipPage = page_of(OwnershipOut, "OwnershipPage")
VehiclePage = page_of(VehicleOut, "VehiclePage")
