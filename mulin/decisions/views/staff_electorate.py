"""The electorate page of a vote: totals, how owners were counted, the buildings, every owner
party with masked names, objections and their answers, and rebuilding from the registry while
the notice runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.places.models import AreaSource, Compound

from .. import selectors, services, staff_pages
from ..forms_staff import ElectorSearchForm, ObjectionAnswerForm
from ..models import Objection, Vote
from ..staff_pages import Powers
from ..states import VoteStatus
from .staff_common import (
    compound_for,
    form_messages,
    registry_link,
    require,
    service_errors,
)


def _electorate_context(
    request: HttpRequest,
    compound: Compound,
    powers: Powers,
    vote: Vote,
    *,
    bound: dict | None = None,
    error: list[str] | None = None,
) -> dict:
    bound = bound or {}
    search = ElectorSearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(staff_pages.electors(vote, text), staff_pages.ELECTORS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    sources = dict(AreaSource.choices)
    for elector in rows:
        elector.owners_masked = staff_pages.masked_owners(elector)
        for unit in elector.units.all():
            unit.source_label = sources.get(unit.area_source, unit.area_source or "—")
    found = staff_pages.objections(vote)
    may_answer = powers.manage and vote.status == VoteStatus.PUBLISHED
    for objection in found:
        if may_answer and objection.state == Objection.State.OPEN:
            objection.form = bound.get(objection.pk) or ObjectionAnswerForm(
                prefix=f"o{objection.pk}"
            )
    return {
        "compound": compound,
        "powers": powers,
        "vote": vote,
        "facts": staff_pages.counting_facts(vote),
        "buildings": staff_pages.building_rows(vote),
        "search": search,
        "query": text,
        "page": page,
        "electors": rows,
        "objections": found,
        "open_objections": sum(1 for o in found if o.state == Objection.State.OPEN),
        "may_refresh": powers.manage and vote.status == VoteStatus.PUBLISHED,
        "frozen": vote.electorate_frozen_at is not None,
        "error": error or [],
        "registry_link": registry_link(request, compound),
    }


def _electorate_vote(request, code, vote_id) -> tuple[Compound, Powers, Vote]:
    compound, powers = compound_for(request, code)
    require(powers.view)
    vote = selectors.staff_vote(request.user, compound, vote_id)
    if not staff_pages.has_electorate(vote):
        raise Http404
    return compound, powers, vote


@login_required
def electorate(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """The vote's electorate: totals, how owners were counted, per building, every owner party
    (masked) with its units, and the objections."""
    compound, powers, vote = _electorate_vote(request, code, vote_id)
    context = _electorate_context(request, compound, powers, vote)
    if request.htmx and request.htmx.target == "elector-list":
        return render(request, "decisions/staff/electorate.html#list", context)
    return render(request, "decisions/staff/electorate.html", context)


@require_POST
@login_required
def electorate_refresh(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Rebuild the electorate from the registry while the notice runs."""
    compound, powers, vote = _electorate_vote(request, code, vote_id)
    require(powers.manage)
    try:
        vote = services.electorate_refresh(actor=request.user, vote=vote)
    except ValidationError as exc:
        vote = selectors.staff_vote(request.user, compound, vote_id)
        context = _electorate_context(request, compound, powers, vote, error=exc.messages)
        return render(request, "decisions/staff/electorate.html", context, status=400)
    messages.success(
        request,
        _("The electorate was rebuilt from the registry: %(owners)d owners, %(area)s m².")
        % {"owners": vote.total_owners, "area": f"{vote.total_area:.2f}"},
    )
    return redirect("decisions:electorate", code=compound.code, vote_id=vote.pk)


@require_POST
@login_required
def objection_answer(
    request: HttpRequest, code: str, vote_id: int, objection_id: int
) -> HttpResponse:
    compound, powers, vote = _electorate_vote(request, code, vote_id)
    require(powers.manage)
    objection = get_object_or_404(
        Objection.objects.select_related("vote__compound", "person"), pk=objection_id, vote=vote
    )
    form = ObjectionAnswerForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            services.objection_answer(
                actor=request.user,
                objection=objection,
                accepted=form.cleaned_data["decision"] == "accepted",
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            service_errors(form, exc)
    if form.errors:
        context = _electorate_context(
            request, compound, powers, vote, bound={objection.pk: form}, error=form_messages(form)
        )
        return render(request, "decisions/staff/electorate.html", context, status=400)
    messages.success(request, _("The objection was answered; the owner can read the answer."))
    url = reverse("decisions:electorate", args=[compound.code, vote.pk])
    return redirect(f"{url}#objections")


urlpatterns: list = [
    path("compounds/<slug:code>/votes/<int:vote_id>/electorate/", electorate, name="electorate"),
    path(
        "compounds/<slug:code>/votes/<int:vote_id>/electorate/refresh/",
        electorate_refresh,
        name="staff_electorate_refresh",
    ),
    path(
        "compounds/<slug:code>/votes/<int:vote_id>/objections/<int:objection_id>/answer/",
        objection_answer,
        name="staff_objection_answer",
    ),
]
