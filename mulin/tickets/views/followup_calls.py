"""Request pages: the follow-up call queue (回访) of a compound."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import followups, queues
from ..forms_workbench import (
    FollowUpForm,
)
from ..models import FollowUp
from .workbench import CALLS_SHOWN, PAGE_SIZE, _compound, _registry_link

# ---------------------------------------------------------------- follow-up calls


def _month(value: str):
    """The first day of `YYYY-MM`, or None for anything else."""
    try:
        return parse_date(f"{value}-01") if len(value) == 7 else None
    except ValueError:
        return None


def _followups_context(request: HttpRequest, compound: Compound) -> dict:
    month = _month(request.GET.get("month", ""))
    calls = list(queues.followups_to_call(request.user, compound)[: CALLS_SHOWN + 1])
    done = Paginator(queues.followups_done(request.user, compound, month), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "compound": compound,
        "registry_link": _registry_link(request, compound),
        "calls": [(call, FollowUpForm(prefix=f"fu{call.pk}")) for call in calls[:CALLS_SHOWN]],
        "more_calls": len(calls) > CALLS_SHOWN,
        "calls_shown": CALLS_SHOWN,
        "done": done,
        "month": month,
        "months": queues.recent_months(timezone.localdate()),
        "can_reveal": access.scope_for(request.user, access.PERSON_REVEAL).covers_compound(
            compound.id
        ),
    }


@login_required
def followup_list(request: HttpRequest, code: str) -> HttpResponse:
    """Follow-up calls (回访) to make, most needed first, and the calls recorded, by month."""
    compound = _compound(request, code, access.TICKETS_MANAGE)
    context = _followups_context(request, compound)
    if request.htmx and request.htmx.target == "followups-done":
        return render(request, "tickets/workbench/followups.html#done", context)
    return render(request, "tickets/workbench/followups.html", context)


@require_POST
@login_required
def followup_record(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Record one call: reached with the three answers, or not reached. Answers its row."""
    compound = _compound(request, code, access.TICKETS_MANAGE)
    call = access.get_or_404(
        request.user,
        access.TICKETS_MANAGE,
        FollowUp.objects.filter(ticket__compound=compound),
        pk=pk,
    )
    status = request.POST.get("status", "")
    form = FollowUpForm(request.POST, prefix=f"fu{call.pk}", reached=status != "unreachable")
    recorded = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            followups.followup_record(
                actor=request.user,
                follow_up=call,
                status=status,
                contacted_in_time=data.get("contacted_in_time"),
                solved=data.get("solved"),
                satisfaction=data.get("satisfaction") or "",
                note=data["note"],
            )
            recorded = True
        except ValidationError as exc:
            apply_errors(form, exc)
    if not request.htmx:
        if recorded:
            messages.success(request, _("The follow-up call was recorded."))
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        return redirect("tickets:followups", code=compound.code)
    return render(
        request,
        "tickets/workbench/followups.html#call",
        {
            "compound": compound,
            "call": queues.followups_of(request.user, compound).get(pk=call.pk),
            "form": form if not recorded else None,
            "recorded": recorded,
            "can_reveal": access.scope_for(request.user, access.PERSON_REVEAL).covers_compound(
                compound.id
            ),
        },
    )


urlpatterns: list = [
    path("compounds/<slug:code>/requests/follow-ups/", followup_list, name="followups"),
    path(
        "compounds/<slug:code>/requests/follow-ups/<int:pk>/",
        followup_record,
        name="followup_record",
    ),
]
