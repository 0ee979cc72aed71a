"""Staff and public pages of the places registry: compounds, buildings, units, parking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.people import services as people_services
from mulin.people.models import Company, Ownership, Person, Residency

from . import selectors, services
from .forms import (
    EndForm,
    OwnerForm,
    ParkingSpaceForm,
    ResidentForm,
    UnitForm,
    VehicleForm,
    apply_errors,
)
from .models import Building, Compound, ParkingKind, ParkingSpace, Unit

PAGE_SIZE = 25


# ---------------------------------------------------------------- compounds


@login_required
def compound_list(request: HttpRequest) -> HttpResponse:
    if access.scope_for(request.user, access.REGISTRY_VIEW).empty:
        raise Http404
    compounds = access.compounds(request.user, access.REGISTRY_VIEW).select_related(
        "community__subdistrict"
    )
    query = request.GET.get("q", "").strip()
    if query:
        compounds = compounds.filter(Q(name__contains=query) | Q(code__startswith=query.lower()))
    compounds = compounds.order_by("community__subdistrict__code", "community__code", "code")
    page = Paginator(compounds, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.compounds_with_counts(list(page.object_list))
    return render(
        request,
        "places/compound_list.html",
        {"page": page, "rows": rows, "query": query},
    )


def _compound(request: HttpRequest, code: str) -> Compound:
    return access.get_or_404(
        request.user,
        access.REGISTRY_VIEW,
        Compound.objects.select_related("community__subdistrict__district"),
        code=code,
    )


@login_required
def compound(request: HttpRequest, code: str) -> HttpResponse:
    compound = _compound(request, code)
    overview = selectors.compound_overview(compound)
    return render(
        request,
        "places/compound.html",
        {
            "compound": compound,
            "overview": overview,
            "allowed": selectors.perms_in_compound(
                request.user, compound, access.REGISTRY_VIEW, access.ORGS_VIEW, access.DUTY_VIEW
            ),
        },
    )


def public(request: HttpRequest, code: str) -> HttpResponse:
    """The compound's public page: no login, aggregates and organisations, no personal data."""
    compound = get_object_or_404(Compound.objects.select_related("community"), code=code)
    return render(
        request,
        "places/public.html",
        {"public_compound": compound, "figures": selectors.public_compound(compound)},
    )


# ---------------------------------------------------------------- buildings


@login_required
def building(request: HttpRequest, code: str, number: str) -> HttpResponse:
    compound = _compound(request, code)
    building = access.get_or_404(
        request.user,
        access.REGISTRY_VIEW,
        Building.objects.filter(compound=compound),
        number=number.upper(),
    )
    entrances = selectors.building_entrances(building)
    wanted = request.GET.get("entrance", "")
    entrance = next(
        (e for e in entrances if e.number == wanted), entrances[0] if entrances else None
    )
    context = {
        "compound": compound,
        "building": building,
        "entrances": entrances,
        "entrance": entrance,
        "floors": selectors.building_grid(building, entrance),
    }
    if request.htmx and request.htmx.target == "unit-grid":
        return render(request, "places/building.html#grid", context)
    context["responsible"] = selectors.building_responsible(building, entrances)
    return render(request, "places/building.html", context)


# ---------------------------------------------------------------- units


def _unit_context(request: HttpRequest, unit: Unit, **forms) -> dict:
    perms = selectors.perms_in_compound(
        request.user,
        unit.compound,
        access.REGISTRY_VIEW,
        access.REGISTRY_EDIT,
        access.PERSON_REVEAL,
        access.AUDIT_VIEW,
    )
    page = selectors.unit_page(unit)
    can_edit = access.REGISTRY_EDIT in perms
    return {
        "compound": unit.compound if access.REGISTRY_VIEW in perms else None,
        "unit": unit,
        "page": page,
        "staff_view": access.REGISTRY_VIEW in perms
        or unit.building_id in access.scope_for(request.user, access.REGISTRY_VIEW).building_ids,
        "can_edit": can_edit,
        "can_reveal": access.PERSON_REVEAL in perms,
        "can_audit": access.AUDIT_VIEW in perms,
        **forms,
    }


def _editor_form(unit: Unit, name: str):
    """An empty editing form of the unit page, by its name in the template."""
    if name == "unit":
        initial = {f: getattr(unit, f) for f in ("use", "status", "area", "area_source", "floor")}
        return UnitForm(initial=initial)
    if name == "owner":
        companies = Company.objects.filter(compound=unit.compound).order_by("name")
        return OwnerForm(prefix="owner", companies=companies)
    if name == "resident":
        return ResidentForm(prefix="resident")
    if name == "vehicle":
        residents = [
            r.person for r in Residency.objects.current().filter(unit=unit).select_related("person")
        ]
        return VehicleForm(prefix="vehicle", residents=residents)
    raise Http404


def _get_unit(request: HttpRequest, pk: int, perm: str) -> Unit:
    return access.get_or_404(
        request.user,
        perm,
        Unit.objects.with_place().select_related("compound__community"),
        pk=pk,
    )


@login_required
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.HOUSEHOLD_VIEW)
    return render(request, "places/unit.html", _unit_context(request, unit))


@login_required
def unit_editor(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One editing form of the unit page, fetched when its panel is opened: the page itself
    stays light for the many who only read it."""
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    form = _editor_form(unit, name)
    return render(request, f"places/unit.html#{name}_editor", {"unit": unit, f"{name}_form": form})


def _unit_answer(
    request: HttpRequest, unit: Unit, section: str, *, saved: str = "", **forms
) -> HttpResponse:
    """After an edit: the changed section for HTMX, else back to the page (or the page with the
    form's errors)."""
    failed = any(form.errors for form in forms.values())
    if not request.htmx:
        if failed:
            return render(
                request, "places/unit.html", _unit_context(request, unit, **forms), status=400
            )
        messages.success(request, saved)
        return redirect("places:unit", pk=unit.pk)
    context = _unit_context(request, unit, **forms)
    context["saved"] = "" if failed else saved
    return render(request, f"places/unit.html#{section}", context)


@require_POST
@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    form = UnitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "use": data["use"],
            "status": data["status"],
            "area": data["area"],
            "area_source": data["area_source"] if data["area"] is not None else "",
            "floor": data["floor"],
        }
        try:
            # unit_update sets the fields before validating them: give it its own copy, so a
            # refused change leaves `unit` as stored.
            unit = services.unit_update(
                actor=request.user, unit=_get_unit(request, pk, access.REGISTRY_EDIT), **fields
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"unit_form": form} if form.errors else {}
    return _unit_answer(request, unit, "details", saved=_("The unit was saved."), **forms)


def _person_from_picker(request: HttpRequest, unit: Unit, data: dict) -> Person:
    """The picked registry person (only one the editor may edit), or a new one."""
    if data.get("person"):
        try:
            return access.get_or_404(
                request.user, access.REGISTRY_EDIT, Person.objects.all(), pk=data["person"]
            )
        except Http404 as exc:
            raise ValidationError({"person": _("Pick a person from the search results.")}) from exc
    return people_services.person_create(
        actor=request.user,
        compound=unit.compound,
        name=data["name"],
        phone=data.get("phone") or "",
        gender=data.get("gender") or "",
        birth_year=data.get("birth_year"),
    )


@require_POST
@login_required
def unit_resident_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    form = ResidentForm(request.POST, prefix="resident")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                # A new person and their residency are written together or not at all.
                person = _person_from_picker(request, unit, data)
                people_services.residency_add(
                    actor=request.user,
                    unit=unit,
                    person=person,
                    relation=data["relation"],
                    is_head=data["is_head"],
                    moved_in_on=data["moved_in_on"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"resident_form": form} if form.errors else {}
    return _unit_answer(request, unit, "residents", saved=_("The resident was added."), **forms)


@require_POST
@login_required
def unit_residency_end(request: HttpRequest, pk: int, residency_pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    residency = get_object_or_404(
        Residency.objects.select_related("unit", "person"), pk=residency_pk, unit=unit
    )
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            people_services.residency_end(
                actor=request.user, residency=residency, moved_out_on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"moved_out_on": "on"})
    if form.errors:
        messages_list = [m for errors in form.errors.values() for m in errors]
        return _unit_end_failed(request, unit, "residents", messages_list)
    return _unit_answer(
        request,
        unit,
        "residents",
        saved=_("%(name)s has moved out.") % {"name": residency.person.name},
    )


def _unit_end_failed(
    request: HttpRequest, unit: Unit, section: str, errors: list[str]
) -> HttpResponse:
    if not request.htmx:
        for message in errors:
            messages.error(request, message)
        return redirect("places:unit", pk=unit.pk)
    context = _unit_context(request, unit)
    context["section_errors"] = errors
    return render(request, f"places/unit.html#{section}", context)


@require_POST
@login_required
def unit_owner_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    companies = Company.objects.filter(compound=unit.compound).order_by("name")
    form = OwnerForm(request.POST, prefix="owner", companies=companies)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                company = companies.get(pk=data["company"]) if data["company"] else None
                person = None if company else _person_from_picker(request, unit, data)
                people_services.ownership_add(
                    actor=request.user,
                    unit=unit,
                    person=person,
                    company=company,
                    share=data["share"],
                    started_on=data["started_on"],
                    date_kind=data["date_kind"],
                )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"owner_form": form} if form.errors else {}
    return _unit_answer(request, unit, "owners", saved=_("The owner was added."), **forms)


@require_POST
@login_required
def unit_ownership_end(request: HttpRequest, pk: int, ownership_pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    ownership = get_object_or_404(
        Ownership.objects.select_related("unit", "person", "company"), pk=ownership_pk, unit=unit
    )
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            people_services.ownership_end(
                actor=request.user, ownership=ownership, ended_on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc, {"ended_on": "on"})
    if form.errors:
        return _unit_end_failed(
            request, unit, "owners", [m for errors in form.errors.values() for m in errors]
        )
    return _unit_answer(
        request,
        unit,
        "owners",
        saved=_("The ownership of %(name)s has ended.") % {"name": ownership.party},
    )


@require_POST
@login_required
def unit_vehicle_add(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _get_unit(request, pk, access.REGISTRY_EDIT)
    residents = [
        r.person for r in Residency.objects.current().filter(unit=unit).select_related("person")
    ]
    form = VehicleForm(request.POST, prefix="vehicle", residents=residents)
    if form.is_valid():
        data = form.cleaned_data
        person = next((p for p in residents if p.pk == data["person"]), None)
        try:
            people_services.vehicle_add(
                actor=request.user,
                compound=unit.compound,
                plate=data["plate"],
                person=person,
                unit=unit,
                brand=data["brand"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"vehicle_form": form} if form.errors else {}
    return _unit_answer(request, unit, "vehicles", saved=_("The vehicle was added."), **forms)


# ---------------------------------------------------------------- parking spaces


def _parking_compound(request: HttpRequest, code: str, perm: str) -> Compound:
    """The compound, when `perm` covers all of it: its parking spaces belong to no building, so
    staff of a single building do not see them."""
    compound = _compound(request, code)
    if not access.scope_for(request.user, perm).covers_compound(compound.id):
        raise Http404
    return compound


def _parking_listing(params: QueryDict) -> QueryDict:
    """The list's filter and page from `params`, and nothing else."""
    listing = QueryDict(mutable=True)
    if params.get("kind") in ParkingKind.values:
        listing["kind"] = params["kind"]
    if params.get("page", "").isdigit() and params["page"] != "1":
        listing["page"] = params["page"]
    return listing


def _parking_context(
    request: HttpRequest,
    compound: Compound,
    listing: QueryDict,
    *,
    add_form: ParkingSpaceForm | None = None,
    editing: int | None = None,
    edit_form: ParkingSpaceForm | None = None,
    saved: str = "",
) -> dict:
    can_edit = access.REGISTRY_EDIT in selectors.perms_in_compound(
        request.user, compound, access.REGISTRY_EDIT
    )
    kind = listing.get("kind", "")
    page = Paginator(selectors.parking_spaces(compound, kind), PAGE_SIZE).get_page(
        listing.get("page")
    )
    if can_edit and editing is not None and edit_form is None:
        space = next((s for s in page.object_list if s.pk == editing), None)
        editing = space.pk if space else None
        if space is not None:
            edit_form = ParkingSpaceForm(
                prefix="edit",
                initial={
                    "number": space.number,
                    "kind": space.kind,
                    "area": space.area,
                    "counts_as_unit": space.counts_as_unit,
                    "note": space.note,
                },
            )
    return {
        "compound": compound,
        "summary": selectors.parking_summary(compound),
        "page": page,
        "kind": kind,
        "kinds": ParkingKind.choices,
        "listing": listing.urlencode(),
        "can_edit": can_edit,
        "add_form": (add_form or ParkingSpaceForm(prefix="add")) if can_edit else None,
        "editing": editing if can_edit else None,
        "edit_form": edit_form if can_edit else None,
        "saved": saved,
    }


@login_required
def parking(request: HttpRequest, code: str) -> HttpResponse:
    """A compound's parking spaces: counts by kind, the list (filtered by kind), and for
    registry editors an add form and editing in the list (`?edit=<id>`)."""
    compound = _parking_compound(request, code, access.REGISTRY_VIEW)
    editing = request.GET.get("edit", "")
    context = _parking_context(
        request,
        compound,
        _parking_listing(request.GET),
        editing=int(editing) if editing.isdigit() and len(editing) < 19 else None,
    )
    if request.htmx and request.htmx.target == "parking-list":
        return render(request, "places/parking.html#list", context)
    return render(request, "places/parking.html", context)


def _parking_answer(
    request: HttpRequest, compound: Compound, listing: QueryDict, *, saved: str, **forms
) -> HttpResponse:
    """After a write: the page's body again for HTMX, else back to the page (or the page with
    the form's errors, status 400)."""
    failed = any(isinstance(v, ParkingSpaceForm) and v.errors for v in forms.values())
    if not request.htmx and not failed:
        messages.success(request, saved)
        url = reverse("places:parking", args=[compound.code])
        return redirect(f"{url}?{listing.urlencode()}" if listing else url)
    # The list's pagination links read request.GET: give them the list's filter and page.
    request.GET = listing
    context = _parking_context(request, compound, listing, saved="" if failed else saved, **forms)
    if request.htmx:
        return render(request, "places/parking.html#body", context)
    return render(request, "places/parking.html", context, status=400)


@require_POST
@login_required
def parking_add(request: HttpRequest, code: str) -> HttpResponse:
    compound = _parking_compound(request, code, access.REGISTRY_EDIT)
    listing = _parking_listing(QueryDict(request.POST.get("listing", "")))
    form = ParkingSpaceForm(request.POST, prefix="add")
    if form.is_valid():
        data = form.cleaned_data
        try:
            space = services.parking_space_create(actor=request.user, compound=compound, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return _parking_answer(request, compound, listing, saved="", add_form=form)
    return _parking_answer(
        request,
        compound,
        listing,
        saved=_("Parking space %(number)s was added.") % {"number": space.number},
    )


@require_POST
@login_required
def parking_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _parking_compound(request, code, access.REGISTRY_EDIT)
    space = get_object_or_404(
        ParkingSpace.objects.select_related("compound"), pk=pk, compound=compound
    )
    listing = _parking_listing(QueryDict(request.POST.get("listing", "")))
    form = ParkingSpaceForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            space = services.parking_space_update(
                actor=request.user, space=space, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return _parking_answer(
            request, compound, listing, saved="", editing=space.pk, edit_form=form
        )
    return _parking_answer(
        request,
        compound,
        listing,
        saved=_("Parking space %(number)s was saved.") % {"number": space.number},
    )
