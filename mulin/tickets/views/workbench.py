"""Request pages: the staff workbench (queues, filters, bulk assign, claim) and the printable
work-order slip. The follow-up calls are in views/followup_calls.py, the category settings in
views/categories.py, and the request page itself, with every action on one request, is
`tickets:detail` (views/resident.py)."""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.core.models import User
from mulin.places.models import Compound

from .. import queues, selectors, services
from ..forms_workbench import (
    BulkAssignForm,
    WorkbenchFilterForm,
)
from ..models import Category, Ticket
from ..states import Status, Target

PAGE_SIZE = 25
MAX_BULK = 100  # rows one bulk assignment may touch
CALLS_SHOWN = 30  # follow-up calls listed at once; recording them brings up the next


def _compound(request: HttpRequest, code: str, perm: str = access.TICKETS_VIEW) -> Compound:
    """The compound of the URL, when the user holds `perm` somewhere in it; else 404."""
    compound = Compound.objects.select_related("community__subdistrict").filter(code=code).first()
    if compound is None or not access.can_in_compound(request.user, perm, compound):
        raise Http404
    return compound


def _registry_link(request: HttpRequest, compound: Compound) -> bool:
    """Whether the breadcrumb may link to the compound's registry overview."""
    return access.scope_for(request.user, access.REGISTRY_VIEW).covers_compound(compound.id)


# ---------------------------------------------------------------- workbench

_LISTING_KEYS = ("tab", *WorkbenchFilterForm.base_fields, "page")


def _listing(params: QueryDict) -> QueryDict:
    """The workbench's tab, filters and page from `params`, and nothing else."""
    listing = QueryDict(mutable=True)
    for key in _LISTING_KEYS:
        value = params.get(key, "").strip()
        if value and not (key == "page" and value == "1"):
            listing[key] = value[:100]
    return listing


def _without(listing: QueryDict, *keys: str) -> QueryDict:
    rest = listing.copy()
    for key in keys:
        rest.pop(key, None)
    return rest


def _tab_query(listing: QueryDict, name: str) -> str:
    query = _without(listing, "tab", "page")
    query["tab"] = name
    return query.urlencode()


@dataclass
class BulkResult:
    number: int
    ok: bool
    message: str


def _workbench_context(
    request: HttpRequest,
    compound: Compound,
    listing: QueryDict,
    *,
    assign_form: BulkAssignForm | None = None,
    results: list[BulkResult] | None = None,
    notice: str = "",
    notice_ok: bool = True,
) -> dict:
    viewer = queues.viewer_for(request.user, compound)
    now = timezone.now()
    categories = list(Category.objects.filter(compound=compound).order_by("position", "code"))
    buildings = list(compound.buildings.order_by("sort_key", "number"))
    filter_form = WorkbenchFilterForm(listing, categories=categories, buildings=buildings)
    filter_form.is_valid()
    filters = filter_form.filters()
    tab = listing.get("tab")
    if tab not in queues.QUEUE_NAMES:
        tab = queues.default_queue(viewer)
    counts = queues.queue_counts(viewer, filters, now)
    page = Paginator(queues.queue_tickets(viewer, tab, filters, now), PAGE_SIZE).get_page(
        listing.get("page")
    )
    teams = queues.assignable_teams(viewer)
    if viewer.can_manage and assign_form is None:
        assign_form = BulkAssignForm(teams=teams)
    filtered = any(key in listing for key in WorkbenchFilterForm.base_fields)
    return {
        "compound": compound,
        "viewer": viewer,
        "registry_link": _registry_link(request, compound),
        "can_configure": access.scope_for(request.user, access.TICKETS_MANAGE).covers_compound(
            compound.id
        ),
        "filter_form": filter_form,
        "filtered": filtered,
        "tab": tab,
        "tabs": [
            (name, label, counts[name], _tab_query(listing, name)) for name, label in queues.QUEUES
        ],
        "tab_label": dict(queues.QUEUES)[tab],
        "page": page,
        "rows": queues.rows_for(viewer, page.object_list, now),
        "listing": listing.urlencode(),
        "assign_form": assign_form if viewer.can_manage else None,
        "has_handlers": any(team.handlers for team in teams),
        "results": results or [],
        "results_ok": sum(1 for r in results or [] if r.ok),
        "results_failed": sum(1 for r in results or [] if not r.ok),
        "notice": notice,
        "notice_ok": notice_ok,
        "now": now,
    }


_PARTIALS = {"workbench-body": "body", "workbench-tabs": "tabs", "workbench-list": "list"}


@login_required
def workbench(request: HttpRequest, code: str) -> HttpResponse:
    """The staff workbench of a compound: the queues as tabs with their counts, filters and
    search, the list (a table on desks, cards on phones) and, for whoever assigns, bulk
    assignment."""
    compound = _compound(request, code)
    listing = _listing(request.GET)
    context = _workbench_context(request, compound, listing)
    # The pagination links read request.GET: give them only the listing.
    request.GET = listing
    partial = _PARTIALS.get(request.htmx.target) if request.htmx else None
    if partial:
        return render(request, f"tickets/workbench/workbench.html#{partial}", context)
    return render(request, "tickets/workbench/workbench.html", context)


def _posted_ids(request: HttpRequest) -> list[int]:
    ids = []
    for raw in request.POST.getlist("ticket"):
        if raw.isdigit() and len(raw) < 12 and int(raw) not in ids:
            ids.append(int(raw))
    return ids


def _assign_one(*, actor, ticket: Ticket, assignee: User, note: str) -> str:
    """Give one request to `assignee`, accepting it first when it is still submitted; raises
    ValidationError with the reason when it cannot be done (and then nothing changed)."""
    names = {"number": ticket.pk, "name": assignee.display_name}
    if ticket.organisation_id is None:
        raise ValidationError(
            _("It has no handling team yet; route or transfer it on its page first.")
        )
    if not selectors.team_handlers(ticket.organisation).filter(pk=assignee.pk).exists():
        raise ValidationError(
            _("%(name)s is not a handler of %(team)s, the team handling it.")
            % {**names, "team": ticket.organisation.name}
        )
    if ticket.assignee_id == assignee.pk and ticket.status in (
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PAUSED,
    ):
        return _("#%(number)s is already with %(name)s.") % names
    if ticket.status == Status.SUBMITTED:
        ticket = services.ticket_transition(actor=actor, ticket=ticket, to=Target.ACCEPTED)
    services.ticket_assign(actor=actor, ticket=ticket, assignee=assignee, note=note)
    return _("#%(number)s is assigned to %(name)s.") % names


def _workbench_answer(request: HttpRequest, compound: Compound, listing: QueryDict, **extra):
    """After a write: the list again for HTMX (with what happened), else back to the page."""
    if not request.htmx:
        for result in extra.get("results") or []:
            (messages.success if result.ok else messages.error)(request, result.message)
        if extra.get("notice"):
            (messages.success if extra.get("notice_ok", True) else messages.error)(
                request, extra["notice"]
            )
        form = extra.get("assign_form")
        if form is not None and form.errors:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, message)
        url = reverse("tickets:workbench", args=[compound.code])
        return redirect(f"{url}?{listing.urlencode()}" if listing else url)
    context = _workbench_context(request, compound, listing, **extra)
    request.GET = listing
    return render(request, "tickets/workbench/workbench.html#list", context)


@require_POST
@login_required
def workbench_assign(request: HttpRequest, code: str) -> HttpResponse:
    """Assign the selected requests to one handler. Each row succeeds or fails on its own;
    a failed row is left exactly as it was, and the answer says which and why."""
    compound = _compound(request, code, access.TICKETS_MANAGE)
    viewer = queues.viewer_for(request.user, compound)
    listing = _listing(QueryDict(request.POST.get("listing", "")))
    teams = queues.assignable_teams(viewer)
    form = BulkAssignForm(request.POST, teams=teams)
    ids = _posted_ids(request)
    if not ids:
        form.add_error(None, _("Select at least one request to assign."))
    elif len(ids) > MAX_BULK:
        form.add_error(None, _("Assign at most %(max)s requests at a time.") % {"max": MAX_BULK})
    if not form.is_valid():
        return _workbench_answer(request, compound, listing, assign_form=form)
    handlers = {u.pk: u for team in teams for u in team.handlers}
    assignee = handlers[form.cleaned_data["assignee"]]
    note = form.cleaned_data["note"]
    found = {
        t.pk: t
        for t in queues.visible_tickets(viewer)
        .filter(pk__in=ids)
        .select_related("organisation", "category")
    }
    results = []
    for number in ids:
        ticket = found.get(number)
        if ticket is None:
            results.append(
                BulkResult(
                    number, False, _("#%(number)s: no such request here.") % {"number": number}
                )
            )
            continue
        try:
            with transaction.atomic():
                message = _assign_one(
                    actor=request.user, ticket=ticket, assignee=assignee, note=note
                )
        except ValidationError as exc:
            message = _("#%(number)s is not assigned: %(reason)s") % {
                "number": number,
                "reason": " ".join(exc.messages),
            }
            results.append(BulkResult(number, False, message))
        except Http404:
            message = _("#%(number)s is not assigned: you may not assign it.") % {"number": number}
            results.append(BulkResult(number, False, message))
        else:
            results.append(BulkResult(number, True, message))
    return _workbench_answer(request, compound, listing, results=results)


@require_POST
@login_required
def workbench_claim(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A handler takes an accepted, unassigned request of their team (抢单)."""
    compound = _compound(request, code, access.TICKETS_HANDLE)
    ticket = access.get_or_404(
        request.user, access.TICKETS_HANDLE, Ticket.objects.filter(compound=compound), pk=pk
    )
    listing = _listing(QueryDict(request.POST.get("listing", "")))
    try:
        services.ticket_claim(actor=request.user, ticket=ticket)
    except ValidationError as exc:
        notice, ok = " ".join(exc.messages), False
    else:
        notice, ok = (
            _("You took request #%(number)s; it is in your queue now.") % {"number": ticket.pk},
            True,
        )
    return _workbench_answer(request, compound, listing, notice=notice, notice_ok=ok)


# ---------------------------------------------------------------- work-order slip


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="slip-qr" aria-hidden="true" focusable="false" ', 1)


@login_required
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable work order (派工单) the handler takes to the home: the request, the masked
    phone, a QR code to the request page, and lines to fill in on site."""
    ticket = access.get_or_404(
        request.user,
        access.TICKETS_HANDLE,
        Ticket.objects.select_related(
            "compound",
            "category",
            "building",
            "unit__entrance",
            "organisation",
            "assignee",
            "requester",
        ),
        pk=pk,
    )
    detail_url = request.build_absolute_uri(reverse("tickets:detail", args=[ticket.pk]))
    paper = "a4" if request.GET.get("paper") == "a4" else "a5"
    return render(
        request,
        "tickets/workbench/slip.html",
        {
            "ticket": ticket,
            "compound": ticket.compound,
            "detail_url": detail_url,
            "qr_svg": mark_safe(_qr_svg(detail_url)),  # our own SVG: no user text in it
            "paper": paper,
            "printed_at": timezone.now(),
            "registry_link": _registry_link(request, ticket.compound),
        },
    )


urlpatterns: list = [
    path("compounds/<slug:code>/requests/", workbench, name="workbench"),
    path("compounds/<slug:code>/requests/assign/", workbench_assign, name="workbench_assign"),
    path("compounds/<slug:code>/requests/<int:pk>/claim/", workbench_claim, name="workbench_claim"),
    path("requests/<int:pk>/slip/", slip, name="slip"),
]
