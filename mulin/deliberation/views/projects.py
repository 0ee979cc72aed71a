"""Pages of deliberation: public projects (实事项目 · 晒进度).

Staff (a deliberation permission in the compound) under /compounds/<code>/projects/…: the list
with status, progress, budget against spending and late milestones, a new project, and the
project's page with every section and its forms (writes need `DELIBERATION_MANAGE`). Public, no
login, under /c/<code>/projects/…: the public projects with their progress, milestones, money,
photos, updates, supervisors by masked name, inspection notes and satisfaction; a signed-in
supervisor posts inspection notes there and a resident rates an accepted project. Photos and
invoices go out only through views that check access. Anyone else: 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.places.forms import apply_errors
from mulin.places.models import Compound
from mulin.tickets.photos import clean_photos

from .. import forms_projects as forms
from .. import selectors_projects as selectors
from .. import services_projects as services
from ..models import Inspection, Milestone, Project

# ---------------------------------------------------------------- helpers


def _staff_compound(request: HttpRequest, code: str) -> Compound:
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None or not selectors.is_staff_in(request.user, compound):
        raise Http404
    return compound


def _staff_project(request, compound, pk: int) -> Project:
    project = (
        selectors.staff_projects(request.user, compound)
        .select_related("acceptance", "resolution", "topic")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def _require_manage(request, compound) -> None:
    if not selectors.can_manage(request.user, compound):
        raise Http404


def _photos(form, data) -> list:
    try:
        return clean_photos(data.get("photos") or [])
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


# ---------------------------------------------------------------- staff pages


@login_required
def staff_list(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code)
    rows = list(selectors.list_rows(selectors.staff_projects(request.user, compound)))
    return render(
        request,
        "deliberation/projects/staff_list.html",
        {
            "compound": compound,
            "rows": rows,
            "can_manage": selectors.can_manage(request.user, compound),
        },
    )


@login_required
def staff_new(request: HttpRequest, code: str) -> HttpResponse:
    compound = _staff_compound(request, code)
    _require_manage(request, compound)
    form = forms.ProjectForm(request.POST or None, initial={"public": True})
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=request.user, compound=compound, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Project created."))
            return redirect("deliberation:project_staff", code=code, pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "deliberation/projects/staff_new.html",
        {"compound": compound, "form": form},
        status=status,
    )


def _people_choices(compound) -> list[tuple[int, str]]:
    seen, out = set(), []
    for row in selectors.skilled_people(compound):
        if row.person_id in seen:
            continue
        seen.add(row.person_id)
        out.append((row.person_id, f"{row.person.name} · {row.get_skill_display()}"))
    return out


def _staff_context(request, compound, project, **bound) -> dict:
    page = selectors.project_page(project, staff=True)
    people = _people_choices(compound)
    ctx = {
        "compound": compound,
        "project": project,
        "page": page,
        "can_manage": selectors.can_manage(request.user, compound),
        "moves": [
            (s, label)
            for s, label in forms.ProjectStatus.choices
            if s in services.MOVES.get(project.status, set())
        ],
        "edit_form": forms.ProjectForm(
            initial={
                f: getattr(project, f)
                for f in (
                    "title",
                    "summary",
                    "kind",
                    "contractor",
                    "planned_start",
                    "planned_end",
                    "public",
                )
            },
            prefix="edit",
        ),
        "funding_form": forms.FundingForm(prefix="funding"),
        "spending_form": forms.SpendingForm(prefix="spending"),
        "milestone_form": forms.MilestoneForm(prefix="milestone"),
        "update_form": forms.UpdateForm(prefix="update"),
        "supervisor_form": forms.SupervisorForm(prefix="supervisor", people=people),
        "acceptance_form": forms.AcceptanceForm(prefix="acceptance"),
        "answer_form": forms.AnswerForm(prefix="answer"),
        "has_acceptance": hasattr(project, "acceptance"),
    }
    ctx.update(bound)
    return ctx


@login_required
def staff_project(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _staff_compound(request, code)
    project = _staff_project(request, compound, pk)
    return render(
        request,
        "deliberation/projects/staff_project.html",
        _staff_context(request, compound, project),
    )


# One POST view per section: parse, call the service, redirect; on a refusal the page again,
# the form bound with its messages, status 400, nothing changed.
SECTIONS = {
    "edit": (forms.ProjectForm, "edit_form"),
    "move": (forms.MoveForm, "move_form"),
    "funding": (forms.FundingForm, "funding_form"),
    "spending": (forms.SpendingForm, "spending_form"),
    "milestone": (forms.MilestoneForm, "milestone_form"),
    "update": (forms.UpdateForm, "update_form"),
    "supervisor": (forms.SupervisorForm, "supervisor_form"),
    "acceptance": (forms.AcceptanceForm, "acceptance_form"),
}


def _apply(section: str, request, compound, project, data):
    user = request.user
    if section == "edit":
        services.project_edit(actor=user, project=project, **data)
        return _("Project saved.")
    if section == "move":
        services.project_move(actor=user, project=project, status=data["status"])
        return _("Status changed.")
    if section == "funding":
        services.funding_add(actor=user, project=project, **data)
        return _("Funding line added.")
    if section == "spending":
        services.spending_add(actor=user, project=project, **data)
        return _("Spending line added.")
    if section == "milestone":
        services.milestone_add(actor=user, project=project, **data)
        return _("Milestone added.")
    if section == "update":
        services.update_post(
            actor=user,
            project=project,
            body=data["body"],
            progress=data["progress"],
            photos=data["photos_clean"],
        )
        return _("Update posted.")
    if section == "supervisor":
        from mulin.people.models import Person

        person = Person.objects.filter(pk=data["person"], compound=compound).first()
        services.supervisor_appoint(actor=user, project=project, person=person, skill=data["skill"])
        return _("Supervisor appointed.")
    if section == "acceptance":
        services.acceptance_record(actor=user, project=project, **data)
        return _("Acceptance recorded.")
    raise Http404


@login_required
@require_POST
def staff_section(request: HttpRequest, code: str, pk: int, section: str) -> HttpResponse:
    compound = _staff_compound(request, code)
    _require_manage(request, compound)
    project = _staff_project(request, compound, pk)
    if section not in SECTIONS:
        raise Http404
    form_class, name = SECTIONS[section]
    kwargs = {"prefix": section}
    if section == "supervisor":
        kwargs["people"] = _people_choices(compound)
    form = form_class(request.POST, request.FILES, **kwargs)
    if form.is_valid():
        data = dict(form.cleaned_data)
        ok = True
        if section == "update":
            data["photos_clean"] = _photos(form, data)
            data.pop("photos", None)
            ok = data["photos_clean"] is not None
        if ok:
            try:
                message = _apply(section, request, compound, project, data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, message)
                url = reverse("deliberation:project_staff", args=[code, pk])
                return redirect(f"{url}#{section}")
    project = _staff_project(request, compound, pk)
    ctx = _staff_context(request, compound, project, **{name: form})
    ctx["failed"] = section
    return render(request, "deliberation/projects/staff_project.html", ctx, status=400)


@login_required
@require_POST
def milestone_done(request: HttpRequest, code: str, pk: int, milestone_id: int) -> HttpResponse:
    compound = _staff_compound(request, code)
    _require_manage(request, compound)
    project = _staff_project(request, compound, pk)
    milestone = get_object_or_404(Milestone, pk=milestone_id, project=project)
    form = forms.MilestoneDoneForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Done: enter a date."))
        services.milestone_done(
            actor=request.user, milestone=milestone, done_on=form.cleaned_data["done_on"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Milestone marked done."))
    return redirect(reverse("deliberation:project_staff", args=[code, pk]) + "#milestones")


@login_required
@require_POST
def inspection_answer(request: HttpRequest, code: str, pk: int, inspection_id: int) -> HttpResponse:
    compound = _staff_compound(request, code)
    _require_manage(request, compound)
    project = _staff_project(request, compound, pk)
    inspection = get_object_or_404(Inspection, pk=inspection_id, project=project)
    form = forms.AnswerForm(request.POST, prefix="answer")
    try:
        if not form.is_valid():
            raise ValidationError(_("Answer: say what the works did about it."))
        services.inspection_answer(
            actor=request.user,
            inspection=inspection,
            answer=form.cleaned_data["answer"],
            settle=form.cleaned_data["settle"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Answer saved."))
    return redirect(reverse("deliberation:project_staff", args=[code, pk]) + "#inspections")


@login_required
def invoice(request: HttpRequest, code: str, pk: int, spending_id: int) -> HttpResponse:
    _staff_compound(request, code)
    row = selectors.invoice_for(request.user, spending_id, pk)
    try:
        handle = row.invoice.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=row.invoice.name.rsplit("/", 1)[-1]
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- public pages


def _public_compound(code: str) -> Compound:
    return get_object_or_404(Compound, code=code)


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    compound = _public_compound(code)
    rows = list(selectors.list_rows(selectors.public_projects(compound)))
    return render(
        request,
        "deliberation/projects/public_list.html",
        {"public_compound": compound, "rows": rows},
    )


def _public_context(request, compound, project, **bound) -> dict:
    user = request.user
    page = selectors.project_page(project, staff=False)
    ctx = {"public_compound": compound, "project": project, "page": page}
    if user.is_authenticated:
        supervisor = services.supervisor_of(user, project)
        if supervisor is not None and project.status != forms.ProjectStatus.DONE:
            ctx["inspection_form"] = forms.InspectionForm(prefix="inspection")
        acceptance = (
            getattr(project, "acceptance", None) if hasattr(project, "acceptance") else None
        )
        if acceptance is not None:
            unit = services.rating_unit(user, project)
            if unit is not None:
                mine = project.ratings.filter(unit=unit).first()
                ctx["my_rating"] = mine
                if mine is None and acceptance.survey_closes_on >= page.today:
                    ctx["rating_form"] = forms.RatingForm(prefix="rating")
    ctx.update(bound)
    return ctx


def _public_project(code: str, pk: int) -> tuple[Compound, Project]:
    compound = _public_compound(code)
    project = (
        selectors.public_projects(compound)
        .select_related("acceptance", "resolution", "topic")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return compound, project


def public_project(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound, project = _public_project(code, pk)
    return render(
        request,
        "deliberation/projects/public_project.html",
        _public_context(request, compound, project),
    )


@login_required
@require_POST
def inspect(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound, project = _public_project(code, pk)
    if services.supervisor_of(request.user, project) is None:
        raise Http404
    form = forms.InspectionForm(request.POST, request.FILES, prefix="inspection")
    if form.is_valid():
        photos = _photos(form, form.cleaned_data)
        if photos is not None:
            try:
                services.inspection_post(
                    actor=request.user,
                    project=project,
                    verdict=form.cleaned_data["verdict"],
                    body=form.cleaned_data["body"],
                    photos=photos,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Inspection note posted."))
                return redirect(
                    reverse("deliberation:project_public", args=[code, pk]) + "#inspections"
                )
    ctx = _public_context(request, compound, project, inspection_form=form)
    return render(request, "deliberation/projects/public_project.html", ctx, status=400)


@login_required
@require_POST
def rate(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound, project = _public_project(code, pk)
    if services.rating_unit(request.user, project) is None:
        raise Http404
    form = forms.RatingForm(request.POST, prefix="rating")
    if form.is_valid():
        try:
            services.rating_add(
                actor=request.user,
                project=project,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your household's rating is counted."))
            return redirect(
                reverse("deliberation:project_public", args=[code, pk]) + "#satisfaction"
            )
    ctx = _public_context(request, compound, project, rating_form=form)
    return render(request, "deliberation/projects/public_project.html", ctx, status=400)


def photo(request: HttpRequest, code: str, pk: int, photo_id: int) -> HttpResponse:
    """One photo: of a public project for anyone, else for the compound's staff only."""
    row = selectors.photo_for(request.user, pk, photo_id)
    if row.project.compound.code != code:
        raise Http404
    try:
        handle = row.image.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = ("public" if row.project.public else "private") + ", max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("compounds/<slug:code>/projects/", staff_list, name="project_staff_list"),
    path("compounds/<slug:code>/projects/new/", staff_new, name="project_new"),
    path("compounds/<slug:code>/projects/<int:pk>/", staff_project, name="project_staff"),
    path(
        "compounds/<slug:code>/projects/<int:pk>/milestones/<int:milestone_id>/done/",
        milestone_done,
        name="project_milestone_done",
    ),
    path(
        "compounds/<slug:code>/projects/<int:pk>/inspections/<int:inspection_id>/answer/",
        inspection_answer,
        name="project_inspection_answer",
    ),
    path(
        "compounds/<slug:code>/projects/<int:pk>/spending/<int:spending_id>/invoice/",
        invoice,
        name="project_invoice",
    ),
    path(
        "compounds/<slug:code>/projects/<int:pk>/<slug:section>/",
        staff_section,
        name="project_section",
    ),
    path("c/<slug:code>/projects/", public_list, name="project_public_list"),
    path("c/<slug:code>/projects/<int:pk>/", public_project, name="project_public"),
    path("c/<slug:code>/projects/<int:pk>/inspect/", inspect, name="project_inspect"),
    path("c/<slug:code>/projects/<int:pk>/rate/", rate, name="project_rate"),
    path(
        "c/<slug:code>/projects/<int:pk>/photos/<int:photo_id>/",
        photo,
        name="project_photo",
    ),
]
