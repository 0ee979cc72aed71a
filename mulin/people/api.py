"""API: persons (with search, reveal and consent), residencies, ownerships and vehicles."""

from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from mulin.core import access, privacy
from mulin.core.api import idempotent, reference
from mulin.core.schemas import PageParams, paginate, responses
from mulin.orgs.models import Membership
from mulin.places.models import Compound, Unit

from . import services
from .models import (
    CareTag,
    Company,
    Consent,
    ConsentPurpose,
    Ownership,
    Person,
    PersonSkill,
    Residency,
    Vehicle,
)
from .schemas import (
    ConsentWithdrawOut,
    HistoryFilters,
    OwnershipEndIn,
    OwnershipIn,
    OwnershipOut,
    OwnershipPage,
    PersonDetailOut,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPage,
    PersonPatch,
    ResidencyEndIn,
    ResidencyIn,
    ResidencyOut,
    ResidencyPage,
    RevealIn,
    RevealOut,
    VehicleFilters,
    VehicleIn,
    VehicleOut,
    VehiclePage,
)
from .selectors import person_filter, unit_filter

router = Router(tags=["people"])


def _plain(fields: dict) -> dict:
    return {k: getattr(v, "value", v) for k, v in fields.items()}


# ---------------------------------------------------------------- persons


def search_q(text: str) -> Q | None:
    """The search box's meaning on Person (name, pinyin, phone tail — the people pages' own
    rules), widened to the current residents and owners of units whose code matches."""
    _kind, q = person_filter(text)
    units = unit_filter(text)
    if units is not None:
        matching = Unit.objects.filter(units).values("id")
        in_units = Q(
            Exists(Residency.objects.current().filter(person=OuterRef("pk"), unit__in=matching))
        ) | Q(Exists(Ownership.objects.current().filter(person=OuterRef("pk"), unit__in=matching)))
        q = in_units if q is None else q | in_units
    return q


@router.get("/persons", response=responses(200, PersonPage), summary="List or search persons")
def person_list(request, filters: Query[PersonFilters], page: Query[PageParams]):
    """Persons the caller may see; `q` searches like the search box. Phones and ID numbers are
    masked."""
    rows = access.visible(
        request.auth, access.REGISTRY_VIEW, Person.objects.select_related("compound")
    )
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    if filters.q:
        q = search_q(filters.q)
        rows = rows.filter(q) if q is not None else rows.none()
    return paginate(rows.order_by("name_pinyin", "id"), page)


@router.get("/persons/{id}", response=responses(200, PersonDetailOut), summary="One person")
def person_detail(request, id: int):
    """A person with the homes the caller may see, memberships, skills and consents. Care tags
    are for registry staff only."""
    user = request.auth
    person = access.get_or_404(
        user, access.REGISTRY_VIEW, Person.objects.select_related("compound"), pk=id
    )
    staff = access.scope_for(user, access.REGISTRY_VIEW).covers_compound(person.compound_id)
    # A household member looking at a relative sees their shared homes, nothing more.
    full = staff or user.person_id == person.pk
    units = access.visible(user, access.REGISTRY_VIEW, Unit.objects.all()).values("id")
    residencies = (
        Residency.objects.current()
        .filter(person=person, unit_id__in=units)
        .select_related("unit__compound")
        .order_by("-is_head", "id")
    )
    ownerships = (
        Ownership.objects.current()
        .filter(person=person, unit_id__in=units)
        .select_related("unit__compound")
        .order_by("id")
    )
    person.api_homes = [
        {"unit": r.unit, "relation": r.relation, "is_head": r.is_head, "share": None}
        for r in residencies
    ] + [
        {"unit": o.unit, "relation": "owner", "is_head": False, "share": o.share}
        for o in ownerships
    ]
    person.api_memberships, person.api_skills, person.api_consents = [], [], []
    person.api_care_tags = []
    if full:
        person.api_memberships = [
            {
                "id": m.id,
                "organisation": {"id": m.organisation_id, "label": m.organisation.name},
                "role": m.role,
                "portfolio": m.portfolio,
            }
            for m in Membership.objects.current()
            .filter(person=person)
            .select_related("organisation")
            .order_by("id")
        ]
        person.api_skills = list(
            PersonSkill.objects.filter(person=person)
            .order_by("skill")
            .values_list("skill", flat=True)
        )
        person.api_consents = list(
            Consent.objects.filter(person=person).order_by("withdrawn_at", "purpose", "-granted_at")
        )
    if staff:
        person.api_care_tags = [
            {"kind": t.kind, "label": str(t.get_kind_display()), "since": t.started_on}
            for t in CareTag.objects.current().filter(person=person).order_by("kind")
        ]
    return person


@router.post("/persons", response=responses(201, PersonOut, write=True), summary="Add a person")
@idempotent
def person_create(request, payload: PersonIn):
    compound = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, Compound.objects, code=payload.compound
    )
    fields = _plain(payload.model_dump(exclude={"compound"}))
    person = services.person_create(actor=request.auth, compound=compound, **fields)
    return Status(201, PersonOut.from_orm(person))


@router.patch(
    "/persons/{id}", response=responses(200, PersonOut, write=True), summary="Change a person"
)
@idempotent
def person_update(request, id: int, payload: PersonPatch):
    """Change a person's details; fields left out stay as they are. A new `id_number` replaces
    the stored (encrypted) one."""
    person = access.get_or_404(
        request.auth, access.REGISTRY_EDIT, Person.objects.select_related("compound"), pk=id
    )
    fields = _plain(payload.model_dump(exclude_unset=True))
    for name in ("name", "phone", "gender", "id_number", "note"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    services.person_update(actor=request.auth, person=person, **fields)
    return Status(200, PersonOut.from_orm(person))


@router.post(
    "/persons/{id}/reveal",
    response=responses(200, RevealOut, write=True),
    summary="Reveal a full phone or ID number",
)
def person_reveal(request, id: int, payload: RevealIn, response: HttpResponse):
    """The unmasked value, for callers with the reveal permission in the person's compound.
    Every reveal is written to the audit log. Not idempotent-cached: the value is never stored."""
    person = access.get_or_404(request.auth, access.PERSON_REVEAL, Person.objects, pk=id)
    value = services.person_reveal(
        actor=request.auth, person=person, field=payload.field, reason=payload.reason
    )
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}


@router.post(
    "/persons/{id}/consents/{purpose}/withdraw",
    response=responses(200, ConsentWithdrawOut, write=True),
    summary="Withdraw consent for a purpose",
)
@idempotent
def consent_withdraw(request, id: int, purpose: ConsentPurpose):
    """PIPL Art. 15: the person (or registry staff for them) withdraws consent; the purpose
    stops at once. Withdrawing when nothing is active answers `withdrawn: 0`."""
    user = request.auth
    if user.person_id == id:
        person = get_object_or_404(Person, pk=id)
    else:
        person = access.get_or_404(user, access.REGISTRY_EDIT, Person.objects, pk=id)
    count = services.consent_withdraw(actor=user, person=person, purpose=purpose.value)
    return Status(200, ConsentWithdrawOut(purpose=purpose.value, withdrawn=count))


# ---------------------------------------------------------------- residencies and ownerships


def _unit(user, perm: str, id: int) -> Unit:
    return access.get_or_404(user, perm, Unit.objects.select_related("compound"), pk=id)


def _residencies():
    return Residency.objects.select_related("unit__compound", "person")


def _ownerships():
    return Ownership.objects.select_related("unit__compound", "person", "company")


@router.get(
    "/units/{id}/residencies",
    response=responses(200, ResidencyPage),
    summary="Residents of a unit",
)
def residency_list(request, id: int, filters: Query[HistoryFilters], page: Query[PageParams]):
    unit = _unit(request.auth, access.REGISTRY_VIEW, id)
    rows = access.visible(request.auth, access.REGISTRY_VIEW, _residencies().filter(unit=unit))
    if not filters.include_ended:
        rows = rows.current()
    return paginate(rows.order_by("-is_head", "moved_in_on", "id"), page)


@router.post(
    "/units/{id}/residencies",
    response=responses(201, ResidencyOut, write=True),
    summary="Add a resident to a unit",
)
@idempotent
def residency_add(request, id: int, payload: ResidencyIn):
    user = request.auth
    unit = _unit(user, access.REGISTRY_EDIT, id)
    person = reference(
        user,
        access.REGISTRY_EDIT,
        Person.objects.filter(compound_id=unit.compound_id),
        payload.person,
        field="person",
        message=_("Choose a person from this compound's registry."),
    )
    residency = services.residency_add(
        actor=user,
        unit=unit,
        person=person,
        relation=payload.relation.value,
        is_head=payload.is_head,
        moved_in_on=payload.moved_in_on,
    )
    return Status(201, ResidencyOut.from_orm(_residencies().get(pk=residency.pk)))


@router.post(
    "/residencies/{id}/end",
    response=responses(200, ResidencyOut, write=True),
    summary="Record a move-out",
)
@idempotent
def residency_end(request, id: int, payload: ResidencyEndIn):
    residency = access.get_or_404(request.auth, access.REGISTRY_EDIT, _residencies(), pk=id)
    services.residency_end(
        actor=request.auth, residency=residency, moved_out_on=payload.moved_out_on
    )
    return Status(200, ResidencyOut.from_orm(residency))


@router.get(
    "/units/{id}/ownerships", response=responses(200, OwnershipPage), summary="Owners of a unit"
)
def ownership_list(request, id: int, filters: Query[HistoryFilters], page: Query[PageParams]):
    unit = _unit(request.auth, access.REGISTRY_VIEW, id)
    rows = access.visible(request.auth, access.REGISTRY_VIEW, _ownerships().filter(unit=unit))
    if not filters.include_ended:
        rows = rows.current()
    return paginate(rows.order_by("ended_on", "-share", "id"), page)


@router.post(
    "/units/{id}/ownerships",
    response=responses(201, OwnershipOut, write=True),
    summary="Add an owner to a unit",
)
@idempotent
def ownership_add(request, id: int, payload: OwnershipIn):
    user = request.auth
    unit = _unit(user, access.REGISTRY_EDIT, id)
    person = reference(
        user,
        access.REGISTRY_EDIT,
        Person.objects.filter(compound_id=unit.compound_id),
        payload.person,
        field="person",
        message=_("Choose a person from this compound's registry."),
    )
    company = reference(
        user,
        access.REGISTRY_EDIT,
        Company.objects.filter(compound_id=unit.compound_id),
        payload.company,
        field="company",
        message=_("Choose a company from this compound's registry."),
    )
    ownership = services.ownership_add(
        actor=user,
        unit=unit,
        person=person,
        company=company,
        share=payload.share,
        started_on=payload.started_on,
        date_kind=payload.date_kind.value,
    )
    return Status(201, OwnershipOut.from_orm(_ownerships().get(pk=ownership.pk)))


@router.post(
    "/ownerships/{id}/end",
    response=responses(200, OwnershipOut, write=True),
    summary="Record the end of an ownership (a sale)",
)
@idempotent
def ownership_end(request, id: int, payload: OwnershipEndIn):
    ownership = access.get_or_404(request.auth, access.REGISTRY_EDIT, _ownerships(), pk=id)
    services.ownership_end(actor=request.auth, ownership=ownership, ended_on=payload.ended_on)
    return Status(200, OwnershipOut.from_orm(ownership))


# ---------------------------------------------------------------- vehicles


def _vehicles():
    return Vehicle.objects.select_related("compound", "person", "unit__compound")


@router.get("/vehicles", response=responses(200, VehiclePage), summary="List vehicles")
def vehicle_list(request, filters: Query[VehicleFilters], page: Query[PageParams]):
    rows = access.visible(request.auth, access.REGISTRY_VIEW, _vehicles())
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    if filters.unit is not None:
        rows = rows.filter(unit_id=filters.unit)
    if filters.person is not None:
        rows = rows.filter(person_id=filters.person)
    if filters.plate:
        rows = rows.filter(plate__contains=privacy.normalise_plate(filters.plate))
    if not filters.include_removed:
        rows = rows.filter(removed_on__isnull=True)
    return paginate(rows.order_by("compound__code", "plate", "id"), page)


@router.get("/vehicles/{id}", response=responses(200, VehicleOut), summary="One vehicle")
def vehicle_detail(request, id: int):
    return access.get_or_404(request.auth, access.REGISTRY_VIEW, _vehicles(), pk=id)


@router.post("/vehicles", response=responses(201, VehicleOut, write=True), summary="Add a vehicle")
@idempotent
def vehicle_add(request, payload: VehicleIn):
    user = request.auth
    compound = access.get_or_404(
        user, access.REGISTRY_EDIT, Compound.objects, code=payload.compound
    )
    person = reference(
        user,
        access.REGISTRY_EDIT,
        Person.objects.filter(compound=compound),
        payload.person,
        field="person",
        message=_("Choose a person from this compound's registry."),
    )
    unit = reference(
        user,
        access.REGISTRY_EDIT,
        Unit.objects.filter(compound=compound),
        payload.unit,
        field="unit",
        message=_("Choose a unit of this compound."),
    )
    vehicle = services.vehicle_add(
        actor=user,
        compound=compound,
        plate=payload.plate,
        person=person,
        unit=unit,
        brand=payload.brand,
    )
    return Status(201, VehicleOut.from_orm(_vehicles().get(pk=vehicle.pk)))
