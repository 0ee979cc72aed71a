"""The managers' side of the recorded ballots (owners' committee, community staff: the
`decisions.manage` permission): every ballot of a vote, corrections with a reason, and the
stored scans, signatures and authorisations — served by a view after the access check, never
from /media."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from mulin.core import access
from mulin.core.models import AuditEvent
from mulin.places.forms import apply_errors

from .. import ballots, recording
from ..forms_ballots import CorrectionForm, sniff
from ..models import Ballot, Channel, Vote
from ..states import RESULTS_VISIBLE, WITH_ELECTORATE, VoteStatus
from .ballots_common import VOTE_PATH, page_context, vote_or_404

CORRECTABLE = frozenset({VoteStatus.OPEN, VoteStatus.CLOSED})
LIST_PAGE = 50
ATTACHMENTS = ("scan", "signature", "authorisation")


def _ballot(vote: Vote, ballot_id: int) -> Ballot:
    ballot = (
        Ballot.objects.filter(vote=vote, pk=ballot_id)
        .select_related("elector__building", "recorded_by", "voter", "proxy")
        .first()
    )
    if ballot is None:
        raise Http404
    ballot.vote = vote  # the one loaded with its motions
    return ballot


def _answers_visible(vote: Vote) -> bool:
    """How each owner voted: never for a secret vote, for an open one only once voting closed."""
    return not vote.secret and vote.status in RESULTS_VISIBLE


@login_required
def ballot_list(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Every ballot of the vote for the owners' committee and community staff: owner, channel,
    verification, who recorded it and when, corrections, the stored files."""
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_MANAGE, statuses=WITH_ELECTORATE
    )
    rows = (
        Ballot.objects.filter(vote=vote)
        .select_related("elector__building", "recorded_by", "proxy")
        .order_by("-cast_at", "-id")
    )
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    else:
        channel = ""
    page = Paginator(rows, LIST_PAGE).get_page(request.GET.get("page"))
    show_answers = _answers_visible(vote)
    motions = list(vote.motions.all())
    items = []
    for ballot in page.object_list:
        answers = []
        if show_answers:
            answers = [
                (m, recording.answer_words(m, ballot.choices.get(str(m.pk)))) for m in motions
            ]
        items.append({"ballot": ballot, "answers": answers, "files": _files_of(ballot)})
    context = page_context(
        request,
        vote,
        "ballots",
        page=page,
        items=items,
        show_answers=show_answers,
        channel=channel,
        channels=Channel.choices,
        correctable=vote.status in CORRECTABLE,
    )
    return render(request, "decisions/record/ballots.html", context)


def _files_of(ballot: Ballot) -> list[tuple[str, str]]:
    labels = {"scan": _("Scan"), "signature": _("Signature"), "authorisation": _("Authorisation")}
    return [(kind, labels[kind]) for kind in ATTACHMENTS if getattr(ballot, kind)]


def _corrections(ballot: Ballot) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type="decisions.ballot", target_id=str(ballot.pk), action="ballot.correct"
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


@login_required
def ballot_correct(request: HttpRequest, code: str, vote_id: int, ballot_id: int):
    """Correct a misrecorded ballot (owners' committee or community staff), with a reason, until
    the tally is frozen. For a secret vote the answers appear in this form only."""
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_MANAGE, statuses=WITH_ELECTORATE
    )
    ballot = _ballot(vote, ballot_id)
    form = None
    status = 200
    if vote.status in CORRECTABLE:
        posted = request.method == "POST"
        form = CorrectionForm(
            request.POST if posted else None, vote=vote, answers=None if posted else ballot.choices
        )
        if posted and form.is_valid():
            try:
                ballots.ballot_correct(
                    actor=request.user,
                    ballot=ballot,
                    choices=form.choices(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Ballot of %(owner)s corrected; the reason is in the audit trail.")
                    % {"owner": ballot.elector.label},
                )
                return redirect("decisions:ballot_list", code=code, vote_id=vote.pk)
        if form.errors:
            status = 400
    elif request.method == "POST":
        status = 400
    context = page_context(
        request,
        vote,
        "ballots",
        ballot=ballot,
        form=form,
        corrections=_corrections(ballot),
        files=_files_of(ballot),
    )
    return render(request, "decisions/record/correct.html", context, status=status)


@login_required
def ballot_attachment(request: HttpRequest, code: str, vote_id: int, ballot_id: int, kind: str):
    """A ballot's scan, drawn signature or written authorisation, for managers only; never from
    /media. Served inline with the type read from the file itself."""
    if kind not in ATTACHMENTS:
        raise Http404
    vote = vote_or_404(
        request, code, vote_id, perm=access.DECISIONS_MANAGE, statuses=WITH_ELECTORATE
    )
    ballot = _ballot(vote, ballot_id)
    stored = getattr(ballot, kind)
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    head = handle.read(16)
    handle.seek(0)
    content_type = sniff(head) or "application/octet-stream"
    extension = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "application/pdf": "pdf",
        "image/heic": "heic",
    }.get(content_type, "bin")
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="ballot-{ballot.pk}-{kind}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path(f"{VOTE_PATH}/ballots/", ballot_list, name="ballot_list"),
    path(f"{VOTE_PATH}/ballots/<int:ballot_id>/correct/", ballot_correct, name="ballot_correct"),
    path(
        f"{VOTE_PATH}/ballots/<int:ballot_id>/<str:kind>/",
        ballot_attachment,
        name="ballot_attachment",
    ),
]
