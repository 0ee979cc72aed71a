"""Requests for an extraordinary meeting, for owners: the list with each request's progress
toward 20 % of the area and 20 % of the owners, starting one, and supporting one.

Owners of a compound only (anyone else gets 404); writes go through
`services.meeting_request_start` and `services.meeting_request_support`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import selectors, services
from ..forms_owners import MeetingRequestForm
from ..models import MeetingRequest, MeetingSupport


def _person_id(user) -> int | None:
    return getattr(user, "person_id", None)


SHARE = services.MEETING_REQUEST_SHARE  # 20 % of the area and 20 % of the owners
CENT = Decimal("0.01")


@dataclass
class Bar:
    have: Decimal | int
    total: Decimal | int
    needed: Decimal | int
    percent: Decimal
    met: bool

    @property
    def width(self) -> str:
        return f"{min(self.percent, Decimal(100)):.2f}"


def _percent(part, whole) -> Decimal:
    # Rounded down: the page never shows 20.00 % before 20 % is reached.
    if not whole:
        return Decimal("0.00")
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(CENT, rounding=ROUND_DOWN)


def _bars(request_: MeetingRequest, area, owners: int) -> tuple[Bar, Bar]:
    area = area or Decimal("0")
    total_area, total_owners = request_.total_area, request_.total_owners
    area_needed = (total_area * SHARE).quantize(CENT, rounding=ROUND_UP)
    owners_needed = -(-total_owners * int(SHARE * 100) // 100)  # ceil(20 % of the owners)
    return (
        Bar(area, total_area, area_needed, _percent(area, total_area), area >= total_area * SHARE),
        Bar(
            owners,
            total_owners,
            owners_needed,
            _percent(owners, total_owners),
            owners * 100 >= total_owners * int(SHARE * 100),
        ),
    )


def _my_party_keys(person_id: int | None, compound_ids) -> set[str]:
    """The owner-party keys (as `electorate.party_key` makes them) of the user's homes, one
    query: a home's key is its current owners, sorted."""
    if not person_id:
        return set()
    from mulin.people.models import Ownership

    mine = Ownership.objects.current().filter(
        person_id=person_id, unit__compound_id__in=compound_ids
    )
    owners: dict[int, set[str]] = {}
    for unit_id, pid, cid in (
        Ownership.objects.current()
        .filter(unit_id__in=mine.values("unit_id"))
        .values_list("unit_id", "person_id", "company_id")
    ):
        owners.setdefault(unit_id, set()).add(f"p:{pid}" if pid else f"c:{cid}")
    return {"+".join(sorted(keys)) for keys in owners.values()}


@dataclass
class RequestRow:
    request: MeetingRequest
    area: Bar
    owners: Bar
    supporters: int
    supported: bool
    started_by_me: bool
    can_support: bool


def _request_rows(requests_, person_id, compound_ids) -> list[RequestRow]:
    requests_ = list(requests_)
    keys = _my_party_keys(person_id, compound_ids)
    supported = set(
        MeetingSupport.objects.filter(request__in=requests_)
        .filter(Q(owner_key__in=keys) | Q(person_id=person_id))
        .values_list("request_id", flat=True)
    )
    rows = []
    for r in requests_:
        area, owners = _bars(r, r.support_area, r.support_owners)
        rows.append(
            RequestRow(
                request=r,
                area=area,
                owners=owners,
                supporters=r.support_owners,
                supported=r.pk in supported,
                started_by_me=r.started_by_id == person_id,
                can_support=r.pk not in supported
                and r.state in (MeetingRequest.State.COLLECTING, MeetingRequest.State.REACHED),
            )
        )
    return rows


def _requests_for(compound_ids):
    return (
        MeetingRequest.objects.filter(compound_id__in=compound_ids)
        .select_related("compound")
        .annotate(support_area=Sum("supports__area"), support_owners=Count("supports"))
        .order_by("-created_at", "-id")
    )


def _owner_compounds_or_404(user) -> set[int]:
    ids = selectors.owner_compound_ids(user)
    if not ids:
        raise Http404
    return ids


@login_required
def my_meeting_requests(request: HttpRequest) -> HttpResponse:
    ids = _owner_compounds_or_404(request.user)
    rows = _request_rows(_requests_for(ids), _person_id(request.user), ids)
    return render(
        request,
        "decisions/owners/meeting_requests.html",
        {"rows": rows, "several_compounds": len(ids) > 1, "share": int(SHARE * 100)},
    )


@login_required
def meeting_request_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    ids = _owner_compounds_or_404(user)
    compounds = Compound.objects.filter(id__in=ids).order_by("name")
    form = MeetingRequestForm(request.POST or None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.meeting_request_start(
                actor=user, compound=data["compound"], title=data["title"], reason=data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request is started and your home supports it. Tell your neighbours: "
                    "they can add their support on this page."
                ),
            )
            response = redirect("decisions:meeting_request", request_id=created.pk)
            response.status_code = 303
            return response
    return render(
        request,
        "decisions/owners/meeting_request_new.html",
        {"form": form, "share": int(SHARE * 100)},
        status=400 if form.errors else 200,
    )


@login_required
def meeting_request(request: HttpRequest, request_id: int) -> HttpResponse:
    user = request.user
    ids = _owner_compounds_or_404(user)
    found = _requests_for(ids).filter(pk=request_id).first()
    if found is None:
        raise Http404
    if request.method == "POST":
        already = _("Your home already supports this request; each home counts once.")
        if _request_rows([found], _person_id(user), ids)[0].supported:
            messages.info(request, already)
        else:
            try:
                services.meeting_request_support(actor=user, request=found)
            except ValidationError as exc:
                if _request_rows([found], _person_id(user), ids)[0].supported:
                    messages.info(request, already)  # a co-owner or another tab was first
                else:
                    for message in exc.messages:
                        messages.error(request, message)
            else:
                messages.success(request, _("Thank you: your home now supports this request."))
        back = (
            reverse("decisions:my_meeting_requests")
            if request.POST.get("next") == "list"
            else reverse("decisions:meeting_request", args=[found.pk])
        )
        response = redirect(f"{back}#request-{found.pk}")
        response.status_code = 303
        return response
    row = _request_rows([found], _person_id(user), ids)[0]
    return render(
        request,
        "decisions/owners/meeting_request.html",
        {"row": row, "votes": list(found.votes.public()), "share": int(SHARE * 100)},
    )


urlpatterns: list = [
    path("me/meeting-requests/", my_meeting_requests, name="my_meeting_requests"),
    path("me/meeting-requests/new/", meeting_request_new, name="meeting_request_new"),
    path("me/meeting-requests/<int:request_id>/", meeting_request, name="meeting_request"),
]
