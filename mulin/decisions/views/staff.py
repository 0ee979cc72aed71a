"""Staff pages for running owners' votes: the list of a compound's votes, a new vote and the
vote's own page (drafting, the lifecycle, turnout). The electorate is in staff_electorate.py, the
assembly's rules and the meeting requests in staff_assembly.py; `urlpatterns` here holds them all.

Every page answers 404 to anyone without a decisions permission in the compound. Views only
parse, call a service or selector and render; every write is a plain POST that redirects (the
owner search for nominations is the one HTMX partial). A refused write shows the page again
with the service's message and status 400, and nothing changed.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.places.models import Compound

from .. import results, rules, selectors, services, staff_pages
from ..forms_staff import (
    CancelForm,
    CandidateForm,
    DocumentForm,
    IdForm,
    MotionForm,
    VoteForm,
)
from ..models import Candidate, MeetingKind, MotionKind, Vote
from ..staff_pages import Powers
from ..states import EDITABLE, Move, VoteStatus
from . import staff_assembly, staff_electorate
from .staff_common import (
    PAGE_SIZE,
    compound_for,
    default_window,
    form_messages,
    registry_link,
    require,
    service_errors,
    staff_vote_for,
)

# ---------------------------------------------------------------- the list of votes


@login_required
def staff_votes(request: HttpRequest, code: str) -> HttpResponse:
    """Every vote of the compound, newest first: drafts for those who see them, published ones
    for recorders; status, dates, ballots so far against the electorate."""
    compound, powers = compound_for(request, code)
    page = Paginator(selectors.staff_votes(request.user, compound), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "decisions/staff/votes.html",
        {
            "compound": compound,
            "powers": powers,
            "page": page,
            "registry_link": registry_link(request, compound),
        },
    )


# ---------------------------------------------------------------- a new vote


def _vote_new_context(request, compound, form) -> dict:
    assembly = staff_pages.assembly_or_default(compound)
    kind = form["meeting_kind"].value() or MeetingKind.REGULAR
    return {
        "compound": compound,
        "form": form,
        "assembly": assembly,
        "notice_rules": staff_pages.notice_rules(compound, assembly, kind),
        "registry_link": registry_link(request, compound),
    }


@login_required
def vote_new(request: HttpRequest, code: str) -> HttpResponse:
    """Draft a vote: title, what is asked, the kind of meeting, the window and how owners vote;
    the notice rule that applies is explained next to the dates."""
    compound, powers = compound_for(request, code)
    require(powers.manage)
    if request.method == "POST":
        form = VoteForm(request.POST, compound=compound)
        if form.is_valid():
            try:
                vote = services.vote_create(
                    actor=request.user, compound=compound, **form.vote_fields()
                )
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The draft “%(title)s” was created. Add its motions, then publish it.")
                    % {"title": vote.title},
                )
                return redirect("decisions:staff_vote", code=compound.code, vote_id=vote.pk)
        context = _vote_new_context(request, compound, form)
        return render(request, "decisions/staff/vote_new.html", context, status=400)
    opens, closes = default_window(compound, compound.assembly_notice_days)
    form = VoteForm(
        compound=compound,
        initial={
            "meeting_kind": MeetingKind.REGULAR,
            "opens_at": opens,
            "closes_at": closes,
            "online": not compound.requires_city_evoting,
        },
    )
    return render(
        request, "decisions/staff/vote_new.html", _vote_new_context(request, compound, form)
    )


# ---------------------------------------------------------------- the vote's page


def _vote_initial(vote: Vote) -> dict:
    return {name: getattr(vote, name) for name in services.VOTE_FIELDS}


def _vote_context(
    request: HttpRequest,
    compound: Compound,
    powers: Powers,
    vote: Vote,
    *,
    bound: dict | None = None,
    error: list[str] | None = None,
) -> dict:
    bound = bound or {}
    now = timezone.now()
    schedule = staff_pages.schedule(vote, now)
    editing = powers.manage and vote.status in EDITABLE
    motions = staff_pages.motion_rows(vote)
    context = {
        "compound": compound,
        "powers": powers,
        "vote": vote,
        "now": now,
        "steps": staff_pages.steps(vote),
        "schedule": schedule,
        "window_words": staff_pages.window_words(schedule.window),
        "motions": motions,
        "documents": list(vote.documents.all()),
        "editing": editing,
        "has_electorate": staff_pages.has_electorate(vote),
        "results_visible": vote.status
        in (
            VoteStatus.CLOSED,
            VoteStatus.TALLIED,
            VoteStatus.RESULT_PUBLISHED,
            VoteStatus.ARCHIVED,
        ),
        "public_result": vote.status in (VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED),
        "recording": vote.status == VoteStatus.OPEN,
        "articles": [(MotionKind(kind).label, text) for kind, text in rules.ARTICLE.items()],
        "error": error or [],
        "bound_action": next(iter(bound), ""),
        "registry_link": registry_link(request, compound),
    }
    if editing:
        nominate = request.GET.get("nominate", "")
        query = request.GET.get("q", "")[:60]
        candidate_forms = {}
        for row in motions:
            motion = row.motion
            if motion.kind != MotionKind.ELECTION:
                continue
            form = bound.get(("candidate_add", motion.pk)) or CandidateForm(prefix=f"c{motion.pk}")
            row.candidate_form = form
            row.search_query = query if nominate == str(motion.pk) else ""
            if row.search_query:
                row.matches, row.more = staff_pages.owner_matches(
                    compound, row.search_query, motion=motion
                )
            candidate_forms[motion.pk] = form
        context.update(
            edit_form=bound.get("edit")
            or VoteForm(compound=compound, prefix="edit", initial=_vote_initial(vote)),
            motion_form=bound.get("motion_add") or MotionForm(prefix="motion"),
            document_form=bound.get("document_add") or DocumentForm(prefix="document"),
        )
    if powers.manage:
        context["moves"] = staff_pages.move_buttons(vote, schedule, now)
        context["cancel_form"] = bound.get("cancel") or CancelForm(prefix="cancel")
    if vote.status in (VoteStatus.OPEN, VoteStatus.CLOSED):
        context["turnout"], context["turnout_buildings"] = staff_pages.turnout_rows(vote)
    return context


@login_required
def staff_vote(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """One vote for its staff: the stepper, dates and the rules they follow, the motions with
    their law, drafting while a draft, the lifecycle buttons, turnout while open."""
    compound, powers = compound_for(request, code)
    vote = staff_vote_for(request, compound, powers, vote_id)
    context = _vote_context(request, compound, powers, vote)
    return render(request, "decisions/staff/vote.html", context)


def _act_edit(request, vote, compound):
    form = VoteForm(request.POST, compound=compound, prefix="edit")
    if form.is_valid():
        try:
            services.vote_update(actor=request.user, vote=vote, **form.vote_fields())
        except ValidationError as exc:
            service_errors(form, exc)
    return "edit", form, _("The vote's details were saved."), "details"


def _act_motion_add(request, vote, compound):
    form = MotionForm(request.POST, prefix="motion")
    notice = ""
    if form.is_valid():
        try:
            motion = services.motion_add(actor=request.user, vote=vote, **form.motion_fields())
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            notice = _("The motion “%(title)s” was added.") % {"title": motion.title}
    return "motion_add", form, notice, "motions"


def _act_motion_remove(request, vote, compound):
    form = IdForm(request.POST)
    notice = ""
    if form.is_valid():
        motion = vote.motions.filter(pk=form.cleaned_data["id"]).first()
        if motion is None:
            form.add_error(None, _("That motion is not part of this vote."))
        else:
            try:
                services.motion_remove(actor=request.user, motion=motion)
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                notice = _("The motion “%(title)s” was removed.") % {"title": motion.title}
    return "motion_remove", form, notice, "motions"


def _act_candidate_add(request, vote, compound):
    raw = request.POST.get("motion", "")
    motion = (
        vote.motions.filter(pk=int(raw), kind=MotionKind.ELECTION).first()
        if raw.isdigit() and len(raw) < 12
        else None
    )
    if motion is None:
        form = django_forms.Form(request.POST)
        form.add_error(None, _("Choose the election the candidate stands in."))
        return "candidate_add", form, "", "motions"
    form = CandidateForm(request.POST, prefix=f"c{motion.pk}")
    notice = ""
    if form.is_valid():
        data = form.cleaned_data
        from mulin.people.models import Person

        person = None
        if staff_pages.is_current_owner(compound, data["person"]):
            person = Person.objects.filter(pk=data["person"]).first()
        if person is None:
            form.add_error("person", _("A candidate must be an owner in this compound."))
        else:
            try:
                candidate = services.candidate_add(
                    actor=request.user,
                    motion=motion,
                    person=person,
                    nomination=data["nomination"],
                    statement=data["statement"],
                    display_name=data["display_name"],
                )
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                notice = _("%(name)s is a candidate in “%(motion)s”.") % {
                    "name": candidate.display_name,
                    "motion": motion.title,
                }
    return ("candidate_add", motion.pk), form, notice, f"motion-{motion.pk}"


def _act_candidate_remove(request, vote, compound):
    form = IdForm(request.POST)
    notice, anchor = "", "motions"
    if form.is_valid():
        candidate = (
            Candidate.objects.filter(motion__vote=vote, pk=form.cleaned_data["id"])
            .select_related("motion__vote__compound", "person")
            .first()
        )
        if candidate is None:
            form.add_error(None, _("That candidate is not in this vote."))
        else:
            anchor = f"motion-{candidate.motion_id}"
            try:
                services.candidate_remove(actor=request.user, candidate=candidate)
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                notice = _("%(name)s is no longer a candidate.") % {"name": candidate.display_name}
    return "candidate_remove", form, notice, anchor


def _act_document_add(request, vote, compound):
    form = DocumentForm(request.POST, request.FILES, prefix="document")
    notice = ""
    if form.is_valid():
        try:
            document = services.document_add(
                actor=request.user,
                vote=vote,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            notice = _("The document “%(title)s” was added.") % {"title": document.title}
    return "document_add", form, notice, "documents"


def _move_notice(move: str, vote: Vote) -> str:
    if move == Move.PUBLISH:
        return _(
            "The notice is published. %(owners)d owners with %(area)s m² are entitled to vote; "
            "they can check their entry until voting opens."
        ) % {"owners": vote.total_owners, "area": f"{vote.total_area:.2f}"}
    if move == Move.OPEN:
        return _(
            "Voting is open. The list of owners is frozen: %(owners)d owners, %(area)s m²."
        ) % {
            "owners": vote.total_owners,
            "area": f"{vote.total_area:.2f}",
        }
    if move == Move.CLOSE:
        return _("Voting is closed. Count the ballots and freeze the result next.")
    if move == Move.TALLY:
        return _("The result is counted and frozen (SHA-256 %(sha)s…). Publish it next.") % {
            "sha": vote.tally_sha256[:12]
        }
    if move == Move.PUBLISH_RESULT:
        return _("The result is published for the owners.")
    if move == Move.ARCHIVE:
        return _("The vote is archived.")
    return _("The vote is cancelled.")


def _act_move(request, vote, move: str):
    if move == Move.CANCEL:
        form = CancelForm(request.POST, prefix="cancel")
        key = "cancel"
    else:
        form = django_forms.Form(request.POST)
        key = "move"
    notice = ""
    if form.is_valid():
        actor = request.user
        try:
            if move == Move.PUBLISH:
                moved = services.vote_publish(actor=actor, vote=vote)
            elif move == Move.OPEN:
                moved = services.vote_open(actor=actor, vote=vote)
            elif move == Move.CLOSE:
                moved = services.vote_close(actor=actor, vote=vote)
            elif move == Move.TALLY:
                moved = results.vote_tally(actor=actor, vote=vote)
            elif move == Move.PUBLISH_RESULT:
                moved = results.vote_publish_result(actor=actor, vote=vote)
            elif move == Move.ARCHIVE:
                moved = services.vote_archive(actor=actor, vote=vote)
            else:
                moved = services.vote_cancel(
                    actor=actor, vote=vote, reason=form.cleaned_data["reason"]
                )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            notice = _move_notice(move, moved)
    return key, form, notice, "lifecycle"


DRAFTING = {
    "edit": _act_edit,
    "motion_add": _act_motion_add,
    "motion_remove": _act_motion_remove,
    "candidate_add": _act_candidate_add,
    "candidate_remove": _act_candidate_remove,
    "document_add": _act_document_add,
}


@require_POST
@login_required
def vote_act(request: HttpRequest, code: str, vote_id: int, action: str) -> HttpResponse:
    """One write on the vote page: drafting (`DRAFTING`) or a move of the lifecycle."""
    compound, powers = compound_for(request, code)
    require(powers.manage)
    if action not in DRAFTING and action not in Move.values:
        raise Http404
    vote = staff_vote_for(request, compound, powers, vote_id)
    if action in DRAFTING:
        key, form, notice, anchor = DRAFTING[action](request, vote, compound)
    else:
        key, form, notice, anchor = _act_move(request, vote, action)
    url = reverse("decisions:staff_vote", args=[compound.code, vote_id])
    if form.errors:
        vote = staff_vote_for(request, compound, powers, vote_id)
        bound = {key: form} if key != "move" else {}
        context = _vote_context(
            request, compound, powers, vote, bound=bound, error=form_messages(form)
        )
        context["error_anchor"] = anchor
        return render(request, "decisions/staff/vote.html", context, status=400)
    messages.success(request, notice)
    return redirect(f"{url}#{anchor}")


@login_required
def candidate_search(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Current owners of the compound matching `q`, as radio buttons for one election's
    nomination form (HTMX). Without HTMX the vote page itself shows the same list."""
    compound, powers = compound_for(request, code)
    require(powers.manage)
    vote = staff_vote_for(request, compound, powers, vote_id)
    raw = request.GET.get("motion", "")
    motion = next(
        (
            m
            for m in vote.motions.all()
            if str(m.pk) == raw and m.kind == MotionKind.ELECTION and vote.status in EDITABLE
        ),
        None,
    )
    if motion is None:
        raise Http404
    query = request.GET.get("q", "")[:60]
    if not request.htmx:
        url = reverse("decisions:staff_vote", args=[compound.code, vote.pk])
        return redirect(f"{url}?nominate={motion.pk}&q={query}#motion-{motion.pk}")
    matches, more = staff_pages.owner_matches(compound, query, motion=motion)
    return render(
        request,
        "decisions/staff/vote.html#owner_results",
        {
            "matches": matches,
            "more": more,
            "query": query.strip(),
            "field_name": f"c{motion.pk}-person",
        },
    )


urlpatterns: list = [
    path("compounds/<slug:code>/votes/", staff_votes, name="staff_votes"),
    path("compounds/<slug:code>/votes/new/", vote_new, name="vote_new"),
    path("compounds/<slug:code>/votes/<int:vote_id>/", staff_vote, name="staff_vote"),
    path(
        "compounds/<slug:code>/votes/<int:vote_id>/do/<slug:action>/",
        vote_act,
        name="staff_vote_act",
    ),
    path(
        "compounds/<slug:code>/votes/<int:vote_id>/candidates/search/",
        candidate_search,
        name="staff_candidate_search",
    ),
    *staff_electorate.urlpatterns,
    *staff_assembly.urlpatterns,
]
