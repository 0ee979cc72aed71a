"""Request pages: reporting, my requests, and the request page every party shares.

Every write goes through `mulin.tickets.services` (and `followups` for "still fixed?"); a
refused action shows the service's message and changes nothing. Forms post plainly and
redirect; with HTMX the same templates answer with a partial (`detail.html#body`,
`mine.html#row`, `staff_new.html#people`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.people import selectors as people_selectors
from mulin.people.models import Ownership, Person, Residency
from mulin.places.models import Building, Compound, Unit

from .. import followups, pages, photos, selectors, services
from ..forms import (
    AssignForm,
    CommentForm,
    ExcludeForm,
    IntakeForm,
    MergeForm,
    NoteForm,
    PauseForm,
    PublicForm,
    RateForm,
    ReasonForm,
    RecheckForm,
    ReportForm,
    ResolveForm,
    TransferForm,
    homes_here,
    service_errors,
)
from ..models import Category, Channel, LocationKind, Ticket
from ..states import Target


def _ticket_or_404(user, pk: int) -> Ticket:
    """The request if `user` may see it — a resident their own, staff by scope — else 404.
    (`access.get_or_404(..., TICKETS_VIEW, ...)` alone would hide a resident's own request.)"""
    try:
        return pages.request_ticket(user, pk)
    except Ticket.DoesNotExist:
        raise Http404 from None


# --- a resident reports a problem --------------------------------------------------------------


def _own_homes(user) -> list[Unit]:
    return list(
        Unit.objects.filter(id__in=access.own_unit_ids(user))
        .select_related("compound", "building", "entrance")
        .order_by("compound__name", "code")
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = request.user
    homes = _own_homes(user)
    if not homes:
        messages.info(
            request,
            _("Bind your home first; then you can report a problem and follow it here."),
        )
        return redirect("core:bind")
    compounds = list({h.compound_id: h.compound for h in homes}.values())
    wanted = request.POST.get("compound") or request.GET.get("compound", "")
    compound = next((c for c in compounds if c.code == wanted), None)
    if compound is None and len(compounds) == 1:
        compound = compounds[0]
    if compound is None:
        return render(request, "tickets/report.html", {"compounds": compounds})

    mine = [h for h in homes if h.compound_id == compound.id]
    categories = pages.compound_categories(compound)
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        homes=Unit.objects.filter(id__in=[h.id for h in mine]),
        categories=Category.objects.filter(id__in=[c.id for c in categories]),
        buildings=Building.objects.filter(compound=compound),
        initial={"unit": mine[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"]
        seen = Ticket.objects.filter(submitted_by=user, idempotency_key=key).exists()
        try:
            ticket = services.ticket_submit(
                actor=user,
                compound=compound,
                category=data["category"],
                description=data["description"],
                idempotency_key=key,
                priority=data["priority"],
                location_kind=data["location_kind"],
                unit=data["unit"] if data["location_kind"] == LocationKind.UNIT else None,
                building=data["building"],
                place=data["place"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            if seen:
                messages.info(request, _("This request had already reached us; here it is."))
            else:
                messages.success(
                    request,
                    _("Your request #%(number)s has been sent. You can follow it here.")
                    % {"number": ticket.pk},
                )
                if selectors.duplicate_candidates(ticket).exists():
                    messages.info(
                        request,
                        _(
                            "Neighbours reported something similar in the last day. That is "
                            "fine: the team will see both and deal with them together."
                        ),
                    )
            return redirect("tickets:detail", pk=ticket.pk)
    context = {
        "form": form,
        "compound": compound,
        "compounds": compounds,
        "groups": pages.grouped_categories(categories),
        "homes": mine,
    }
    return render(request, "tickets/report.html", context, status=400 if form.errors else 200)


# --- staff record a request for a resident -----------------------------------------------------

PERSON_OPTIONS = people_selectors.PICK_LIMIT


def _intake_compound(user, code: str) -> Compound:
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None or not access.can_in_compound(user, access.TICKETS_HANDLE, compound):
        raise Http404
    return compound


def _with_homes_here(people, compound):
    """People with their current homes in `compound` (`compound_homes`), in two more queries."""
    return people.prefetch_related(
        Prefetch(
            "residencies",
            queryset=Residency.objects.current()
            .filter(unit__compound=compound)
            .select_related("unit")
            .order_by("id"),
            to_attr="homes_lived",
        ),
        Prefetch(
            "ownerships",
            queryset=Ownership.objects.current()
            .filter(unit__compound=compound)
            .select_related("unit")
            .order_by("id"),
            to_attr="homes_owned",
        ),
    )


def _mark_homes(persons) -> list:
    for person in persons:
        person.compound_homes = homes_here(person)
    return persons


@login_required
def staff_new(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    compound = _intake_compound(user, code)
    people = _with_homes_here(
        access.visible(
            user,
            access.REGISTRY_VIEW,
            Person.objects.filter(compound=compound, deceased_on__isnull=True),
        ),
        compound,
    )
    query = request.GET.get("q", "").strip()
    options: list = []
    if query:
        found = people_selectors.search(user, query, compound=compound, limit=PERSON_OPTIONS)
        options = _mark_homes(list(people.filter(pk__in=[p.pk for p in found.persons])))
    if request.htmx and "picker" in request.GET:
        return render(
            request,
            "tickets/staff_new.html#people",
            {"options": options, "query": query, "selected": None},
        )

    categories = pages.compound_categories(compound)
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        compound=compound,
        people=people,
        categories=Category.objects.filter(id__in=[c.id for c in categories]),
        buildings=Building.objects.filter(compound=compound),
    )
    selected = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            person = data["person"]
            try:
                ticket = services.ticket_submit(
                    actor=user,
                    compound=compound,
                    category=data["category"],
                    description=data["description"],
                    idempotency_key=data["idempotency_key"],
                    priority=data["priority"],
                    location_kind=data["location_kind"],
                    unit=data["unit"],
                    building=data["building"],
                    place=data["place"],
                    channel=data["channel"],
                    on_behalf_of=person,
                    photos=data["photos"],
                )
            except ValidationError as exc:
                service_errors(form, exc, aliases={"on_behalf_of": "person", "unit": "unit_code"})
            else:
                names = {
                    "number": ticket.pk,
                    "channel": Channel(ticket.channel).label,
                    "name": person.name if person else "",
                }
                messages.success(
                    request,
                    _("Request #%(number)s recorded for %(name)s (%(channel)s).") % names
                    if person
                    else _("Anonymous request #%(number)s recorded (%(channel)s).") % names,
                )
                return redirect("tickets:detail", pk=ticket.pk)
        picked = form.cleaned_data.get("person") if hasattr(form, "cleaned_data") else None
        if picked is not None:
            selected = _mark_homes([picked])[0]
            options = [selected, *[o for o in options if o.pk != picked.pk]]
    context = {
        "compound": compound,
        "form": form,
        "groups": pages.grouped_categories(categories),
        "options": options,
        "query": query,
        "selected": selected,
    }
    return render(request, "tickets/staff_new.html", context, status=400 if form.errors else 200)


# --- my requests -------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(pages.my_requests(request.user), pages.MINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/mine.html",
        {
            "page": page,
            "rows": pages.mine_rows(page.object_list),
            "can_report": bool(access.own_unit_ids(request.user)),
        },
    )


def _mine_row(request: HttpRequest, pk: int, *, notice: str = "", error: str = ""):
    ticket = pages.my_requests(request.user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    row = pages.mine_rows([ticket])[0]
    return render(request, "tickets/mine.html#row", {"row": row, "notice": notice, "error": error})


# --- the request page --------------------------------------------------------------------------


def _blank(action: str, ticket: Ticket, candidates=None):
    return _form(action, ticket, None, None, candidates=candidates)


def _form(action: str, ticket: Ticket, data, files, candidates=None):
    prefix = {"prefix": action}
    if action in (Target.REJECTED, Target.REOPENED):
        return ReasonForm(data, **prefix)
    if action == Target.ASSIGNED:
        return AssignForm(data, handlers=selectors.team_handlers(ticket.organisation), **prefix)
    if action == Target.PAUSED:
        return PauseForm(data, **prefix)
    if action == Target.RESOLVED:
        return ResolveForm(data, files, chargeable=ticket.category.chargeable, **prefix)
    if action == Target.TRANSFERRED:
        return TransferForm(data, organisations=pages.transfer_organisations(ticket), **prefix)
    if action == "rate":
        return RateForm(data, **prefix)
    if action == "recheck":
        return RecheckForm(data, **prefix)
    if action == "comment":
        return CommentForm(data, files, **prefix)
    if action == "merge":
        queryset = pages.merge_candidates(ticket)
        form = MergeForm(data, candidates=queryset, **prefix)
        form.options = candidates if candidates is not None else []
        return form
    if action == "exclude":
        return ExcludeForm(data, initial={"reason": ticket.excluded_reason}, **prefix)
    if action == "public":
        return PublicForm(data, **prefix)
    return NoteForm(data, **prefix)


ACTIONS = frozenset(
    {
        Target.ACCEPTED,
        Target.REJECTED,
        Target.ASSIGNED,
        Target.IN_PROGRESS,
        Target.PAUSED,
        Target.RESOLVED,
        Target.TRANSFERRED,
        Target.CLOSED,
        Target.REOPENED,
        "claim",
        "urge",
        "rate",
        "recheck",
        "comment",
        "merge",
        "exclude",
        "public",
    }
)


def _run(action: str, user, ticket: Ticket, data: dict) -> str:
    """Call the service for `action`; returns what to tell the user."""
    note = data.get("note", "")
    if action == Target.ASSIGNED:
        assignee = data["assignee"]
        services.ticket_assign(actor=user, ticket=ticket, assignee=assignee, note=note)
        return _("%(name)s handles the request now.") % {"name": assignee.display_name}
    if action == "claim":
        services.ticket_claim(actor=user, ticket=ticket)
        return _("The request is yours now.")
    if action == "urge":
        services.ticket_urge(actor=user, ticket=ticket, note=note)
        return _("Your reminder is on the request; the team sees it.")
    if action == "rate":
        services.ticket_rate(
            actor=user,
            ticket=ticket,
            overall=data["overall"],
            speed=data["speed"],
            attitude=data["attitude"],
            comment=data["comment"],
        )
        return _("Thank you for rating the work.")
    if action == "recheck":
        followups.ticket_recheck_answer(
            actor=user, ticket=ticket, still_fixed=data["still_fixed"], note=data["note"]
        )
        if data["still_fixed"]:
            return _("Thank you. Good to hear it is still fixed.")
        return _("The request is open again; the team has been told.")
    if action == "comment":
        services.ticket_comment(actor=user, ticket=ticket, note=note, photos=data["photos"])
        return _("Your note was added.")
    if action == "merge":
        into = data["into"]
        services.ticket_merge(actor=user, ticket=ticket, into=into, note=note)
        return _("Merged into request #%(number)s.") % {"number": into.pk}
    if action == "exclude":
        services.ticket_exclude(actor=user, ticket=ticket, reason=data["reason"])
        if data["reason"].strip():
            return _("The request is left out of the figures.")
        return _("The request counts in the figures again.")
    if action == "public":
        services.ticket_set_public(actor=user, ticket=ticket, shown=data["shown"])
        if data["shown"]:
            return _(
                "The request is shown on the public progress board, without your name or home."
            )
        return _("The request is hidden from the public progress board.")
    moved = services.ticket_transition(
        actor=user,
        ticket=ticket,
        to=action,
        note=note,
        organisation=data.get("organisation"),
        paused_until=data.get("paused_until"),
        cost_lines=data.get("cost_lines") or None,
        photos=data.get("photos") or (),
    )
    return {
        Target.ACCEPTED: _("You accepted the request."),
        Target.REJECTED: _("The request was not taken on; the resident will see your reason."),
        Target.IN_PROGRESS: _("Work is under way."),
        Target.PAUSED: _("Work is paused until %(date)s.")
        % {"date": date_format(moved.paused_until, "Y-m-d") if moved.paused_until else ""},
        Target.RESOLVED: _("Marked as fixed. The resident is asked to rate the work."),
        Target.TRANSFERRED: _("The request was passed to %(team)s.")
        % {"team": moved.organisation.name if moved.organisation else ""},
        Target.CLOSED: _("The request is closed."),
        Target.REOPENED: _("The request is open again; the team has been told."),
    }.get(action, _("Saved."))


def _detail_context(request: HttpRequest, ticket: Ticket, *, bound=None, notice="", error=""):
    page = pages.request_page(request.user, ticket)
    candidates = None
    if "merge" in page.actions:
        candidates = list(pages.merge_candidates(ticket))
        if not candidates:
            page.actions.discard("merge")
    forms = {action: _blank(action, ticket, candidates) for action in page.actions}
    if bound is not None:
        action, form = bound
        if action in page.actions:
            if action == "merge":
                form.options = candidates or []
            forms[action] = form
        elif form.errors and not error:
            # The action is not offered to this user (any more): say why, change nothing.
            error = " ".join(str(m) for messages_ in form.errors.values() for m in messages_)
    return {
        "ticket": ticket,
        "page": page,
        "forms": forms,
        "open_form": bound[0] if bound is not None and bound[1].errors else "",
        "notice": notice,
        "error": error,
        "scores": range(1, 6),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request.user, pk)
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


@require_POST
@login_required
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on the request page, through its service."""
    user = request.user
    ticket = _ticket_or_404(user, pk)
    if action not in ACTIONS:
        raise Http404
    form = _form(action, ticket, request.POST, request.FILES)
    notice = ""
    if form.is_valid():
        try:
            notice = _run(action, user, ticket, form.cleaned_data)
        except ValidationError as exc:
            service_errors(form, exc)
    to_mine = request.POST.get("next") == "mine"
    if form.errors:
        problem = " ".join(str(m) for found in form.errors.values() for m in found)
        if to_mine:
            if request.htmx:
                return _mine_row(request, pk, error=problem)
            messages.error(request, problem)
            return redirect("tickets:mine")
        ticket = _ticket_or_404(user, pk)
        context = _detail_context(request, ticket, bound=(action, form))
        if request.htmx:
            return render(request, "tickets/detail.html#body", context)
        return render(request, "tickets/detail.html", context, status=400)
    if to_mine:
        if request.htmx:
            return _mine_row(request, pk, notice=notice)
        messages.success(request, notice)
        return redirect("tickets:mine")
    if request.htmx:
        ticket = _ticket_or_404(user, pk)
        return render(
            request, "tickets/detail.html#body", _detail_context(request, ticket, notice=notice)
        )
    messages.success(request, notice)
    return redirect(reverse("tickets:detail", args=[pk]))


@login_required
def photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A request's photo, after the same access check as the request itself. `?size=thumb` is
    the same file, sized by the page."""
    return photos.photo_response(request.user, ticket_id=pk, photo_id=photo_id)


urlpatterns: list = [
    path("me/requests/", mine, name="mine"),
    path("me/requests/new/", report, name="report"),
    path("compounds/<slug:code>/requests/new/", staff_new, name="new"),
    path("requests/<int:pk>/", detail, name="detail"),
    path("requests/<int:pk>/do/<str:action>/", act, name="act"),
    path("requests/<int:pk>/photos/<int:photo_id>/", photo, name="photo"),
]
