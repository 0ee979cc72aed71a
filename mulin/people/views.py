"""People pages: the one-box search, the person page and the audited reveal of a masked value."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.places.forms import apply_errors
from mulin.places.models import Compound
from mulin.places.selectors import perms_in_compound

from . import selectors, services
from .forms import CareTagForm, ConsentForm, PersonForm, RevealForm, SkillsForm
from .models import CareTag, Consent, ConsentPurpose, Person

# ---------------------------------------------------------------- search


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """One box for names, pinyin, phone tails and unit codes. With `pick=<compound code>` it
    answers the person picker of the unit page's forms: that compound's registry only."""
    query = request.GET.get("q", "")
    pick = request.GET.get("pick", "")
    if pick:
        compound = access.get_or_404(
            request.user, access.REGISTRY_EDIT, Compound.objects.all(), code=pick
        )
        results = selectors.search(
            request.user, query, compound=compound, limit=selectors.PICK_LIMIT
        )
        return render(
            request,
            "people/search.html#pick",
            {"results": results, "field": request.GET.get("field", "person")},
        )
    results = selectors.search(request.user, query)
    context = {"results": results, "query": query}
    if request.htmx:
        return render(request, "people/search.html#results", context)
    return render(request, "people/search.html", context)


# ---------------------------------------------------------------- person page


def _get_person(request: HttpRequest, pk: int) -> Person:
    """The person if the user may see them: staff in scope, or a resident of the same household."""
    return access.get_or_404(
        request.user,
        access.HOUSEHOLD_VIEW,
        Person.objects.select_related("compound__community"),
        pk=pk,
    )


def _person_context(request: HttpRequest, person: Person, **forms) -> dict:
    user = request.user
    perms = perms_in_compound(
        user,
        person.compound,
        access.REGISTRY_VIEW,
        access.REGISTRY_EDIT,
        access.PERSON_REVEAL,
        access.PERSON_EXPORT,
        access.AUDIT_VIEW,
    )
    is_self = user.person_id == person.pk
    staff_view = access.REGISTRY_VIEW in perms
    page = selectors.person_page(user, person, full=staff_view or is_self)
    can_edit = access.REGISTRY_EDIT in perms
    active = {c.purpose for c in page.consents if c.withdrawn_at is None}
    return {
        "compound": person.compound if staff_view else None,
        "person": person,
        "page": page,
        "is_self": is_self,
        "staff_view": staff_view,
        "full_view": staff_view or is_self,
        "can_edit": can_edit,
        "can_reveal": access.PERSON_REVEAL in perms,
        "can_export": access.PERSON_EXPORT in perms or is_self,
        "can_audit": access.AUDIT_VIEW in perms,
        "can_withdraw": is_self or can_edit,
        "missing_consents": [
            (value, label) for value, label in ConsentPurpose.choices if value not in active
        ],
        **forms,
    }


def _editor_form(person: Person, name: str):
    """An empty editing form of the person page, by its name in the template."""
    if name == "person":
        # The stored phone and ID number are never printed into the form (they would bypass
        # the audited reveal): empty fields keep them.
        return PersonForm(
            initial={
                "name": person.name,
                "gender": person.gender,
                "birth_date": person.birth_date,
                "birth_year": None if person.birth_date else person.birth_year,
                "note": person.note,
            }
        )
    if name == "care":
        return CareTagForm()
    if name == "skills":
        return SkillsForm(initial={"skills": list(person.skills.values_list("skill", flat=True))})
    if name == "consent":
        return ConsentForm()
    raise Http404


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person(request, pk)
    return render(request, "people/person.html", _person_context(request, person))


@login_required
def person_editor(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One editing form of the person page, fetched when its panel is opened."""
    person = _get_person_for_edit(request, pk)
    form = _editor_form(person, name)
    return render(
        request, f"people/person.html#{name}_editor", {"person": person, f"{name}_form": form}
    )


def _person_answer(
    request: HttpRequest, person: Person, section: str, *, saved: str = "", **forms
) -> HttpResponse:
    failed = any(form.errors for form in forms.values())
    if not request.htmx:
        if failed:
            context = _person_context(request, person, **forms)
            return render(request, "people/person.html", context, status=400)
        messages.success(request, saved)
        return redirect("people:person", pk=person.pk)
    context = _person_context(request, person, **forms)
    context["saved"] = "" if failed else saved
    return render(request, f"people/person.html#{section}", context)


def _get_person_for_edit(request: HttpRequest, pk: int) -> Person:
    return access.get_or_404(
        request.user,
        access.REGISTRY_EDIT,
        Person.objects.select_related("compound__community"),
        pk=pk,
    )


@require_POST
@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_edit(request, pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "gender": data["gender"],
            "birth_date": data["birth_date"],
            "birth_year": data["birth_date"].year if data["birth_date"] else data["birth_year"],
            "note": data["note"],
        }
        if data["phone"]:
            fields["phone"] = data["phone"]
        elif data["remove_phone"]:
            fields["phone"] = ""
        if data["id_number"]:
            fields["id_number"] = data["id_number"]
        try:
            person = services.person_update(
                actor=request.user, person=_get_person_for_edit(request, pk), **fields
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"person_form": form} if form.errors else {}
    return _person_answer(
        request, person, "details", saved=_("The person's details were saved."), **forms
    )


@require_POST
@login_required
def care_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_edit(request, pk)
    form = CareTagForm(request.POST)
    if form.is_valid():
        try:
            services.care_tag_add(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"care_form": form} if form.errors else {}
    return _person_answer(request, person, "care", saved=_("The care group was added."), **forms)


@require_POST
@login_required
def care_tag_end(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    person = _get_person_for_edit(request, pk)
    tag = get_object_or_404(CareTag.objects.select_related("person"), pk=tag_pk, person=person)
    if tag.ended_on is None:
        services.care_tag_end(actor=request.user, tag=tag)
    return _person_answer(request, person, "care", saved=_("The care group was ended."))


@require_POST
@login_required
def skills_set(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_person_for_edit(request, pk)
    form = SkillsForm(request.POST)
    if form.is_valid():
        try:
            services.skill_set(
                actor=request.user, person=person, skills=form.cleaned_data["skills"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"skills_form": form} if form.errors else {}
    return _person_answer(request, person, "care", saved=_("The skills were saved."), **forms)


@require_POST
@login_required
def consent_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff record a consent given on paper or verbally; the person themself gives it online."""
    person = _get_person(request, pk)
    is_self = request.user.person_id == person.pk
    form = ConsentForm(request.POST)
    if is_self:
        form.data = form.data.copy()
        form.data["method"] = Consent.Method.ONLINE
    if form.is_valid():
        try:
            services.consent_grant(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
    forms = {"consent_form": form} if form.errors else {}
    return _person_answer(
        request, person, "consents", saved=_("The consent was recorded."), **forms
    )


@require_POST
@login_required
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The person themself, or staff on their behalf, withdraws a consent; its purpose stops."""
    person = _get_person(request, pk)
    purpose = request.POST.get("purpose", "")
    if purpose not in ConsentPurpose.values:
        raise Http404
    services.consent_withdraw(actor=request.user, person=person, purpose=purpose)
    return _person_answer(request, person, "consents", saved=_("The consent was withdrawn."))


# ---------------------------------------------------------------- reveal


@require_POST
@login_required
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full phone or ID number in place of the masked one. Needs PERSON_REVEAL on the
    person; anyone else gets 404. Every reveal is audited by the service."""
    person = access.get_or_404(request.user, access.PERSON_REVEAL, Person.objects.all(), pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        raise Http404
    field = form.cleaned_data["field"]
    value = services.person_reveal(actor=request.user, person=person, field=field)
    return render(
        request,
        "people/person.html#revealed",
        {"value": value, "field": field, "person": person},
    )
