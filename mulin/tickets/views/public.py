"""Request pages: the public progress board (晒进度, no login) and the figures of a compound, a
community and a subdistrict for the staff who answer for them (DESIGN §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.core import access
from mulin.places.models import Community, Compound, Subdistrict

from .. import figures, selectors
from ..models import LocationKind, Ticket
from ..states import OPEN, Status

BOARD_PAGE_SIZE = 20
PICKER_MONTHS = 24  # how far back the month picker reaches


# --- the public progress board ------------------------------------------------------------


@dataclass
class BoardRow:
    """One request as the public may see it: never its unit, place text, description, photos or
    any person (DESIGN §6)."""

    number: int
    category: str
    building: str
    status: str
    status_label: str
    submitted: datetime
    response: str
    response_late: bool | None  # None: not yet due
    resolution: str
    resolution_late: bool | None

    def get_status_display(self) -> str:  # for tickets/includes/status_badge.html
        return self.status_label


def _board_row(ticket: Ticket, now: datetime) -> BoardRow:
    if ticket.building_id:
        building = _("Building %(number)s") % {"number": ticket.building.number}
    elif ticket.location_kind == LocationKind.COMMON_AREA:
        building = _("Common area")
    else:
        building = "—"
    if ticket.responded_at:
        response = figures.duration_words(ticket.responded_at - ticket.created_at)
        response_late = ticket.responded_at > ticket.respond_by
    else:
        response = _("Not yet answered")
        response_late = True if ticket.respond_by < now else None
    if ticket.resolved_at:
        resolution = figures.duration_words(ticket.resolved_at - ticket.created_at)
        resolution_late = ticket.resolved_at > ticket.resolve_by
    elif ticket.status == Status.REJECTED:
        resolution, resolution_late = _("Not taken up"), None
    else:
        resolution = _("Being handled") if ticket.status in OPEN else "—"
        late = ticket.status in OPEN and ticket.status != Status.PAUSED
        resolution_late = True if late and ticket.resolve_by < now else None
    return BoardRow(
        number=ticket.pk,
        category=ticket.category.name,
        building=building,
        status=ticket.status,
        status_label=ticket.get_status_display(),
        submitted=ticket.created_at,
        response=response,
        response_late=response_late,
        resolution=resolution,
        resolution_late=resolution_late,
    )


@dataclass(frozen=True)
class BoardPage:
    """A page of the board. "Show more" needs no total, so the board never counts a compound's
    requests: one row beyond the page says whether there is a next one."""

    number: int
    has_next: bool

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _board_page(tickets, wanted: str) -> tuple[BoardPage, list[Ticket]]:
    number = int(wanted) if wanted.isdigit() and 0 < len(wanted) < 6 and int(wanted) else 1
    start = (number - 1) * BOARD_PAGE_SIZE
    rows = list(tickets[start : start + BOARD_PAGE_SIZE + 1])
    return BoardPage(number, len(rows) > BOARD_PAGE_SIZE), rows[:BOARD_PAGE_SIZE]


def progress(request: HttpRequest, code: str) -> HttpResponse:
    """A compound's public progress board: recent requests and how well they are handled."""
    compound = get_object_or_404(Compound.objects.select_related("community"), code=code)
    tickets = selectors.public_tickets(compound)
    now = timezone.now()
    page, shown = _board_page(tickets, request.GET.get("page", ""))
    context = {
        "public_compound": compound,
        "page": page,
        "rows": [_board_row(t, now) for t in shown],
    }
    if request.htmx and request.htmx.target == "board-more":
        return render(request, "tickets/public/progress.html#rows", context)
    this_month, last_month = figures.board_figures(tickets, now)
    context.update(
        this_month=this_month,
        last_month=last_month,
        this_month_label=figures.month_label(this_month.key),
        last_month_label=figures.month_label(last_month.key),
    )
    return render(request, "tickets/public/progress.html", context)


# --- staff figures ------------------------------------------------------------------------


def _months(now: datetime) -> list[tuple[str, str]]:
    """The picker's months, newest first: (value "2030-07", label)."""
    current = figures.month_of(now)
    months = [figures.add_months(current, -i) for i in range(PICKER_MONTHS)]
    return [(f"{m:%Y-%m}", figures.month_label(m)) for m in months]


def _chosen_month(request: HttpRequest, now: datetime) -> tuple[date, str]:
    """The month asked for (`?month=2030-07`), or this month and a message saying why not."""
    wanted = request.GET.get("month", "").strip()
    current = figures.month_of(now)
    if not wanted:
        return current, ""
    if wanted in {value for value, _label in _months(now)}:
        year, month = wanted.split("-")
        return date(int(year), int(month), 1), ""
    return current, _("Month: choose one of the months in the list.")


def _render_figures(
    request: HttpRequest,
    template: str,
    *,
    tickets,
    title: str,
    rank: tuple[list, str] | None = None,
    **context,
) -> HttpResponse:
    """The figures page of `tickets` for the month asked for; with `rank` (the places and the
    ticket field naming them) also their ranking that month."""
    now = timezone.now()
    month, error = _chosen_month(request, now)
    data = figures.place_figures(tickets, month=month, now=now)
    if rank is not None:
        places, group = rank
        context["ranked"] = figures.ranking(tickets, places, group=group, month=month, now=now)
    weights = data.weights
    total = sum(weights.values())
    context.update(
        figures=data,
        title=title,
        month=month,
        month_value=f"{month:%Y-%m}",
        month_label=figures.month_label(month),
        month_choices=_months(now),
        month_error=error,
        chart_data=data.chart_data(),
        weights=[
            (_("Response rate"), figures.percent_text(weights["response"] / total)),
            (_("Resolution rate"), figures.percent_text(weights["resolution"] / total)),
            (_("Satisfaction rate"), figures.percent_text(weights["satisfaction"] / total)),
        ],
        basic_percent=figures.percent_text(data.basic_weight),
    )
    return render(request, template, context, status=400 if error else 200)


@login_required
def compound_figures(request: HttpRequest, code: str) -> HttpResponse:
    compound = get_object_or_404(
        Compound.objects.select_related("community__subdistrict"), code=code
    )
    if not access.scope_for(request.user, access.TICKETS_VIEW).covers_compound(compound.id):
        raise Http404
    return _render_figures(
        request,
        "tickets/figures/compound.html",
        tickets=Ticket.objects.filter(compound=compound),
        title=compound.name,
        compound=compound,
        can_registry=access.scope_for(request.user, access.REGISTRY_VIEW).covers_compound(
            compound.id
        ),
    )


@login_required
def community_figures(request: HttpRequest, code: str) -> HttpResponse:
    community = get_object_or_404(Community.objects.select_related("subdistrict"), code=code)
    if not access.covers_area(request.user, access.TICKETS_VIEW, community):
        raise Http404
    tickets = Ticket.objects.filter(compound__community=community)
    compounds = list(Compound.objects.filter(community=community).order_by("name", "code"))
    return _render_figures(
        request,
        "tickets/figures/area.html",
        tickets=tickets,
        title=community.name,
        area=community,
        area_kind="community",
        show_compound=True,
        rank=(compounds, "compound_id"),
        can_subdistrict=access.covers_area(
            request.user, access.TICKETS_VIEW, community.subdistrict
        ),
    )


@login_required
def subdistrict_figures(request: HttpRequest, code: str) -> HttpResponse:
    subdistrict = get_object_or_404(Subdistrict, code=code)
    if not access.covers_area(request.user, access.TICKETS_VIEW, subdistrict):
        raise Http404
    tickets = Ticket.objects.filter(compound__community__subdistrict=subdistrict)
    communities = list(Community.objects.filter(subdistrict=subdistrict).order_by("name", "code"))
    return _render_figures(
        request,
        "tickets/figures/area.html",
        tickets=tickets,
        title=subdistrict.name,
        area=subdistrict,
        area_kind="subdistrict",
        show_compound=True,
        rank=(communities, "compound__community_id"),
    )


urlpatterns: list = [
    path("c/<slug:code>/progress/", progress, name="progress"),
    path("compounds/<slug:code>/requests/figures/", compound_figures, name="figures"),
    path(
        "communities/<slug:code>/requests/figures/",
        community_figures,
        name="community_figures",
    ),
    path(
        "subdistricts/<slug:code>/requests/figures/",
        subdistrict_figures,
        name="subdistrict_figures",
    ),
]
