"""The owners' assembly pages: its rules (explained with the law) and the owners' requests for
an extraordinary meeting, convened as a draft vote."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mulin.places.models import Compound

from .. import services, staff_pages
from ..forms_staff import AssemblyForm, ConveneForm
from ..models import MeetingKind, MeetingRequest
from .staff_common import (
    PAGE_SIZE,
    compound_for,
    default_window,
    form_messages,
    registry_link,
    require,
    service_errors,
)

# The rules as the page groups them (the form's fieldsets and the read-only view alike).
RULE_GROUPS = [
    (
        gettext_lazy("Notice and voting"),
        (
            "assembly_notice_days",
            "extraordinary_notice_days",
            "min_window_days",
            "max_window_days",
            "result_publish_days",
            "result_shown_days",
        ),
    ),
    (
        gettext_lazy("Owners' committee"),
        (
            "owners_committee",
            "established_on",
            "committee_min_seats",
            "committee_max_seats",
            "small_compound_seats",
            "term_years",
        ),
    ),
    (
        gettext_lazy("What counts, and the city's rules"),
        (
            "city_rule_set",
            "max_proxies_per_person",
            "parking_counts_as_units",
            "silent_owners_follow_majority",
            "requires_city_evoting",
            "disclose_unit_detail",
        ),
    ),
]


def _assembly_context(request, compound, powers, form=None) -> dict:
    compound = Compound.objects.get(pk=compound.pk)  # as stored, whatever a refused save did
    assembly = staff_pages.assembly_or_default(compound)
    if assembly.pk:
        assembly = type(assembly).objects.select_related("owners_committee").get(pk=assembly.pk)
    if form is None and powers.manage:
        form = AssemblyForm(compound=compound, initial=AssemblyForm.initial_for(assembly, compound))
    shown = AssemblyForm(compound=compound)  # labels and help for the read-only view
    groups = []
    for title, names in RULE_GROUPS:
        rows = []
        for name in names:
            value = getattr(compound if name in services.COMPOUND_RULES else assembly, name)
            if name == "city_rule_set":
                value = compound.get_city_rule_set_display()
            rows.append((shown[name].label, value, shown[name].help_text, name))
        groups.append((title, rows))
    return {
        "compound": compound,
        "powers": powers,
        "assembly": assembly,
        "form": form,
        "groups": groups,
        "registry_link": registry_link(request, compound),
    }


@login_required
def assembly(request: HttpRequest, code: str) -> HttpResponse:
    """The owners' assembly's rules and the compound's vote rules, explained with the law;
    editable by those who run votes."""
    compound, powers = compound_for(request, code)
    require(powers.view)
    if request.method == "POST":
        require(powers.manage)
        form = AssemblyForm(request.POST, compound=compound)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.assembly_update(
                        actor=request.user,
                        assembly=services.assembly_of(compound),
                        **form.assembly_fields(),
                    )
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                messages.success(request, _("The assembly's rules were saved."))
                return redirect("decisions:assembly", code=compound.code)
        context = _assembly_context(request, compound, powers, form)
        return render(request, "decisions/staff/assembly.html", context, status=400)
    return render(
        request, "decisions/staff/assembly.html", _assembly_context(request, compound, powers)
    )


# ---------------------------------------------------------------- extraordinary-meeting requests


def _requests_context(request, compound, powers, bound: dict | None = None) -> dict:
    bound = bound or {}
    page = Paginator(staff_pages.meeting_requests(compound), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = staff_pages.meeting_request_rows(page.object_list)
    assembly = staff_pages.assembly_or_default(compound)
    opens, closes = default_window(compound, assembly.extraordinary_notice_days)
    for row in rows:
        if powers.manage and row.request.state == MeetingRequest.State.REACHED:
            row.form = bound.get(row.request.pk) or ConveneForm(
                prefix=f"r{row.request.pk}",
                initial={"title": row.request.title, "opens_at": opens, "closes_at": closes},
            )
    return {
        "compound": compound,
        "powers": powers,
        "page": page,
        "rows": rows,
        "assembly": assembly,
        "registry_link": registry_link(request, compound),
    }


@login_required
def staff_meeting_requests(request: HttpRequest, code: str) -> HttpResponse:
    """Owners' requests for an extraordinary meeting with their support against the 20 % of the
    area and 20 % of the owners that make a meeting due."""
    compound, powers = compound_for(request, code)
    require(powers.view)
    context = _requests_context(request, compound, powers)
    return render(request, "decisions/staff/meeting_requests.html", context)


@require_POST
@login_required
def convene(request: HttpRequest, code: str, request_id: int) -> HttpResponse:
    """Answer a reached request with a draft extraordinary vote, then edit it on its page."""
    compound, powers = compound_for(request, code)
    require(powers.manage)
    meeting_request = get_object_or_404(MeetingRequest, pk=request_id, compound=compound)
    form = ConveneForm(request.POST, prefix=f"r{meeting_request.pk}")
    if meeting_request.state != MeetingRequest.State.REACHED:
        form.add_error(None, _("Only a request that reached its threshold is convened."))
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                vote = services.vote_create(
                    actor=request.user,
                    compound=compound,
                    title=data["title"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    meeting_kind=MeetingKind.EXTRAORDINARY,
                    description=meeting_request.reason,
                )
                services.meeting_request_convene(
                    actor=request.user, request=meeting_request, vote=vote
                )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The extraordinary meeting is drafted. Add its motions and publish the "
                    "notice: at least %(days)d days before voting opens."
                )
                % {"days": staff_pages.assembly_or_default(compound).extraordinary_notice_days},
            )
            return redirect("decisions:staff_vote", code=compound.code, vote_id=vote.pk)
    context = _requests_context(request, compound, powers, bound={meeting_request.pk: form})
    context["error"] = form_messages(form)
    return render(request, "decisions/staff/meeting_requests.html", context, status=400)


urlpatterns: list = [
    path("compounds/<slug:code>/assembly/", assembly, name="assembly"),
    path(
        "compounds/<slug:code>/meeting-requests/",
        staff_meeting_requests,
        name="staff_meeting_requests",
    ),
    path(
        "compounds/<slug:code>/meeting-requests/<int:request_id>/convene/",
        convene,
        name="staff_meeting_request_convene",
    ),
]
