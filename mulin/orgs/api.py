"""API: organisations, memberships, responsibility areas (包楼包户) and the duty roster."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent, reference
from mulin.core.schemas import PageParams, paginate, responses
from mulin.people.models import Person
from mulin.places.models import Building, Community, Compound, Entrance, Unit

from . import services
from .models import DutyShift, Membership, Organisation, PartyMembership, ResponsibilityArea
from .schemas import (
    AreaFilters,
    AreaIn,
    AreaPage,
    DutyNowFilters,
    MembershipEndIn,
    MembershipFilters,
    MembershipIn,
    MembershipOut,
    MembershipPage,
    OrganisationDetailOut,
    OrganisationFilters,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    OrganisationPatch,
    ResponsibleOut,
    ShiftFilters,
    ShiftIn,
    ShiftOut,
    ShiftPage,
)
from .selectors import on_duty_now

router = Router(tags=["organisations"])


def _serving(code: str, prefix: str = "") -> Q:
    """Organisations serving the compound `code`: its own and its community's community-wide ones."""
    return Q(**{f"{prefix}compound__code": code}) | Q(
        **{f"{prefix}compound__isnull": True, f"{prefix}community__compounds__code": code}
    )


def _person_in(organisation: Organisation):
    """Persons who may serve in `organisation`: of its compound, or of its community."""
    if organisation.compound_id:
        return Person.objects.filter(compound_id=organisation.compound_id)
    return Person.objects.filter(compound__community_id=organisation.community_id)


# ---------------------------------------------------------------- organisations


def _organisations():
    today = timezone.localdate()
    current = Q(memberships__term_start__isnull=True) | Q(memberships__term_start__lte=today)
    current &= Q(memberships__term_end__isnull=True) | Q(memberships__term_end__gte=today)
    return Organisation.objects.select_related("community", "compound").annotate(
        member_count=Count("memberships", filter=current)
    )


@router.get(
    "/organisations", response=responses(200, OrganisationPage), summary="List organisations"
)
def organisation_list(request, filters: Query[OrganisationFilters], page: Query[PageParams]):
    rows = access.visible(request.auth, access.ORGS_VIEW, _organisations())
    if filters.compound:
        rows = rows.filter(_serving(filters.compound))
    if filters.community:
        rows = rows.filter(community__code=filters.community)
    if filters.kind:
        rows = rows.filter(kind=filters.kind.value)
    if not filters.include_dissolved:
        rows = rows.filter(dissolved_on__isnull=True)
    return paginate(rows.order_by("community__code", "compound__code", "order", "id"), page)


@router.get(
    "/organisations/{id}",
    response=responses(200, OrganisationDetailOut),
    summary="One organisation",
)
def organisation_detail(request, id: int):
    organisation = access.get_or_404(request.auth, access.ORGS_VIEW, _organisations(), pk=id)
    children = [
        {"id": child.id, "label": child.name}
        for child in organisation.children.active().order_by("order", "id")
    ]
    today = timezone.localdate()
    party = dict(
        PartyMembership.objects.filter(organisation=organisation)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    organisation.api_children = children
    organisation.party_registered = party.get(PartyMembership.Status.REGISTERED, 0)
    organisation.party_reporting = party.get(PartyMembership.Status.REPORTING, 0)
    return organisation


@router.post(
    "/organisations",
    response=responses(201, OrganisationOut, write=True),
    summary="Add an organisation",
)
@idempotent
def organisation_create(request, payload: OrganisationIn):
    """An organisation of a compound (`compound`), or a community-wide one (`community`)."""
    user = request.auth
    # Where the caller may not add organisations answers 404 before anything else is looked at.
    if payload.compound:
        compound = access.get_or_404(
            user,
            access.ORGS_EDIT,
            Compound.objects.select_related("community"),
            code=payload.compound,
        )
        community = compound.community
    elif payload.community:
        compound = None
        community = get_object_or_404(Community, code=payload.community)
        scope = access.scope_for(user, access.ORGS_EDIT)
        if not (scope.everything or community.id in scope.community_ids):
            raise Http404
    else:
        raise ValidationError(
            {"compound": _("Choose a compound or, for a community-wide organisation, a community.")}
        )
    parent = reference(
        user,
        access.ORGS_VIEW,
        Organisation.objects.filter(community=community),
        payload.parent,
        field="parent",
        message=_("Choose a parent organisation in the same community."),
    )
    organisation = services.organisation_create(
        actor=user,
        kind=payload.kind.value,
        name=payload.name,
        community=community,
        compound=compound,
        parent=parent,
        description=payload.description,
        phone=payload.phone,
        founded_on=payload.founded_on,
    )
    return Status(201, OrganisationOut.from_orm(_organisations().get(pk=organisation.pk)))


@router.patch(
    "/organisations/{id}",
    response=responses(200, OrganisationOut, write=True),
    summary="Change an organisation",
)
@idempotent
def organisation_update(request, id: int, payload: OrganisationPatch):
    user = request.auth
    organisation = access.get_or_404(user, access.ORGS_EDIT, Organisation.objects, pk=id)
    fields = payload.model_dump(exclude_unset=True)
    for name in ("name", "description", "phone"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if "parent" in fields:
        fields["parent"] = reference(
            user,
            access.ORGS_VIEW,
            Organisation.objects.filter(community_id=organisation.community_id).exclude(
                pk=organisation.pk
            ),
            fields["parent"],
            field="parent",
            message=_("Choose a parent organisation in the same community."),
        )
    services.organisation_update(actor=user, organisation=organisation, **fields)
    return Status(200, OrganisationOut.from_orm(_organisations().get(pk=organisation.pk)))


# ---------------------------------------------------------------- memberships


def _memberships():
    return Membership.objects.select_related("organisation", "person")


@router.get(
    "/organisations/{id}/memberships",
    response=responses(200, MembershipPage),
    summary="Members of an organisation",
)
def membership_list(request, id: int, filters: Query[MembershipFilters], page: Query[PageParams]):
    """Current members; with `include_ended=true` also ended terms."""
    organisation = access.get_or_404(request.auth, access.ORGS_VIEW, Organisation.objects, pk=id)
    rows = _memberships().filter(organisation=organisation)
    if not filters.include_ended:
        rows = rows.current()
    return paginate(rows.order_by("term_end", "role", "id"), page)


@router.post(
    "/organisations/{id}/memberships",
    response=responses(201, MembershipOut, write=True),
    summary="Add a member",
)
@idempotent
def membership_add(request, id: int, payload: MembershipIn):
    user = request.auth
    organisation = access.get_or_404(user, access.ORGS_EDIT, Organisation.objects, pk=id)
    person = reference(
        user,
        access.REGISTRY_VIEW,
        _person_in(organisation),
        payload.person,
        field="person",
        message=_("Choose a person from the organisation's compound or community."),
    )
    membership = services.membership_add(
        actor=user,
        organisation=organisation,
        person=person,
        role=payload.role.value,
        portfolio=payload.portfolio,
        term_start=payload.term_start,
        term_end=payload.term_end,
        phone=payload.phone,
    )
    return Status(201, MembershipOut.from_orm(membership))


@router.post(
    "/memberships/{id}/end",
    response=responses(200, MembershipOut, write=True),
    summary="End a term",
)
@idempotent
def membership_end(request, id: int, payload: MembershipEndIn):
    """The term ends (today by default); the membership stays as history."""
    membership = access.get_or_404(request.auth, access.ORGS_EDIT, _memberships(), pk=id)
    services.membership_end(actor=request.auth, membership=membership, term_end=payload.term_end)
    return Status(200, MembershipOut.from_orm(membership))


# ---------------------------------------------------------------- responsibility areas


def _areas():
    return ResponsibilityArea.objects.select_related(
        "membership__person", "membership__organisation", "building", "entrance__building", "unit"
    )


@router.get(
    "/responsibility-areas",
    response=responses(200, AreaPage),
    summary="List responsibility areas (包楼包户)",
)
def area_list(request, filters: Query[AreaFilters], page: Query[PageParams]):
    rows = access.visible(request.auth, access.ORGS_VIEW, _areas())
    if filters.compound:
        rows = rows.filter(
            Q(building__compound__code=filters.compound)
            | Q(entrance__building__compound__code=filters.compound)
            | Q(unit__compound__code=filters.compound)
        )
    if filters.organisation is not None:
        rows = rows.filter(membership__organisation_id=filters.organisation)
    if filters.membership is not None:
        rows = rows.filter(membership_id=filters.membership)
    if filters.unit is not None:
        unit = Unit.objects.filter(pk=filters.unit).values("building_id", "entrance_id").first()
        if unit is None:
            rows = rows.none()
        else:
            place = Q(unit_id=filters.unit) | Q(building_id=unit["building_id"])
            if unit["entrance_id"]:
                place |= Q(entrance_id=unit["entrance_id"])
            rows = rows.filter(place)
    if not filters.include_ended:
        rows = rows.filter(membership__in=Membership.objects.current())
    return paginate(rows.order_by("membership__organisation__order", "id"), page)


@router.post(
    "/memberships/{id}/areas",
    response=responses(201, ResponsibleOut, write=True),
    summary="Make a member answer for a building, entrance or unit",
)
@idempotent
def area_assign(request, id: int, payload: AreaIn):
    user = request.auth
    membership = access.get_or_404(user, access.ORGS_EDIT, _memberships(), pk=id)
    given = [(name, pk) for name, pk in payload.model_dump().items() if pk is not None]
    if len(given) != 1:
        raise ValidationError(
            {"unit": _("Give exactly one place: a building, an entrance or a unit.")}
        )
    field, pk = given[0]
    model = {"building": Building, "entrance": Entrance, "unit": Unit}[field]
    place = reference(
        user,
        access.REGISTRY_VIEW,
        model.objects.all(),
        pk,
        field=field,
        message=_("Choose a building, an entrance or a unit of the organisation's compound."),
    )
    area = services.responsibility_assign(actor=user, membership=membership, place=place)
    return Status(201, ResponsibleOut.from_orm(_areas().get(pk=area.pk)))


# ---------------------------------------------------------------- duty roster


def _shifts():
    return DutyShift.objects.select_related("person", "organisation")


@router.get("/duty/now", response=responses(200, ShiftPage), summary="Who is on duty now")
def duty_now(request, filters: Query[DutyNowFilters], page: Query[PageParams]):
    """Shifts in progress now, for one compound (its own organisations and its community's) or
    for every compound the caller may see. Phones are masked."""
    user = request.auth
    if filters.compound:
        compound = access.get_or_404(
            user, access.DUTY_VIEW, Compound.objects, code=filters.compound
        )
        rows = on_duty_now(compound=compound)
    else:
        rows = _shifts().on_duty()
    rows = access.visible(user, access.DUTY_VIEW, rows)
    return paginate(rows.order_by("starts_at", "id"), page)


@router.get("/duty/shifts", response=responses(200, ShiftPage), summary="List duty shifts")
def shift_list(request, filters: Query[ShiftFilters], page: Query[PageParams]):
    rows = access.visible(request.auth, access.DUTY_VIEW, _shifts())
    if filters.compound:
        rows = rows.filter(_serving(filters.compound, "organisation__"))
    if filters.organisation is not None:
        rows = rows.filter(organisation_id=filters.organisation)
    if filters.ends_after:
        rows = rows.filter(ends_at__gt=filters.ends_after)
    if filters.starts_before:
        rows = rows.filter(starts_at__lt=filters.starts_before)
    return paginate(rows.order_by("starts_at", "id"), page)


@router.post(
    "/duty/shifts", response=responses(201, ShiftOut, write=True), summary="Add a duty shift"
)
@idempotent
def shift_add(request, payload: ShiftIn):
    user = request.auth
    organisation = access.get_or_404(
        user, access.DUTY_EDIT, Organisation.objects, pk=payload.organisation
    )
    person = reference(
        user,
        access.REGISTRY_VIEW,
        _person_in(organisation),
        payload.person,
        field="person",
        message=_("Choose a person from the organisation's compound or community."),
    )
    shift = services.duty_shift_add(
        actor=user,
        organisation=organisation,
        person=person,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        phone=payload.phone,
        note=payload.note,
    )
    return Status(201, ShiftOut.from_orm(_shifts().get(pk=shift.pk)))
