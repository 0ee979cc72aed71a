"""Result pages: the staff tally, the import of an official city result, the public result
pages and printed notice, the ballot file download, and the recount page anyone may use.

Running results are never shown: the tally page counts only once voting closed
(`states.RESULTS_VISIBLE`), and shows the frozen tally with its SHA-256 once there is one. The
public pages show published results only (`states.PUBLIC_RESULT`), with the same figures and
never a name, phone or unit (unit detail only where the assembly's rules require it). The recount
page counts an uploaded ballot file exactly as `mulin recount` does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from mulin.core import access
from mulin.places.models import Compound

from .. import results, selectors, states, tally
from ..ballot_file import BallotFileError, read_ballot_file
from ..forms_results import MAX_UPLOAD_BYTES, OfficialImportForm, RecountForm
from ..models import Motion, MotionKind, Vote
from ..states import VoteStatus
from . import result_figures

# --- helpers --------------------------------------------------------------------------------


class _SizeLimit(FileUploadHandler):
    """Stops reading an uploaded file past `limit` bytes (the rest of the body is discarded,
    never stored) and notes it on the request, so the form can say the file is too large."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        request.upload_too_big = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_big = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _limit_uploads(request: HttpRequest) -> None:
    request.upload_handlers.insert(0, _SizeLimit(request, MAX_UPLOAD_BYTES))


def _compound(code: str) -> Compound:
    return get_object_or_404(Compound.objects.select_related("community"), code=code)


def _digest(data: dict) -> str:
    return hashlib.sha256(results.canonical(data).encode()).hexdigest()


def _official_sha256(vote: Vote, motion) -> str:
    """The SHA-256 of the official file a motion's result came from: kept on the motion until
    the tally is frozen, and on the vote's document of that file for good."""
    if motion.result and motion.result.get("source") == "official":
        return motion.result.get("sha256", "")
    suffix = f"official-{motion.pk}.csv"
    found = [d for d in vote.documents.all() if d.file.name.endswith(suffix)]
    return found[-1].sha256 if found else ""


def _ballot_file_sha256(vote: Vote, motion) -> tuple[str, str]:
    """(the text of a motion's ballot file, its SHA-256) — what an owner downloads and checks."""
    text = results.ballot_file_text(vote, motion)
    return text, hashlib.sha256(text.encode()).hexdigest()


def _recount_query(vote: Vote, motion) -> str:
    """The recount page's address with this motion's settings filled in."""
    if motion.kind == MotionKind.ELECTION:
        params = {
            "kind": "election",
            "seats": motion.seats,
            "alternates": motion.alternate_seats or 0,
            "candidates": ",".join(c.key for c in motion.candidates.all()),
        }
    else:
        params = {"kind": motion.kind}
        if vote.compound.silent_owners_follow_majority and motion.kind != MotionKind.CONSULTATION:
            params["silent_with_majority"] = "on"
    return reverse("decisions:recount") + "?" + urlencode(params)


def _choice_words(kind: str, choice: str, names: dict[str, str]) -> str:
    if not choice:
        return _("Did not vote")
    if kind == MotionKind.ELECTION:
        if choice == "abstain":
            return _("Abstain")
        return result_figures.join_words([names.get(k, k) for k in choice.split(";") if k])
    return {"yes": _("In favour"), "no": _("Against"), "abstain": _("Abstain")}.get(choice, choice)


def _motion_extras(vote: Vote, figures, *, disclose: bool) -> None:
    """Add to each motion's figures what the frozen result pages offer: the ballot file's
    SHA-256 and link, the recount command, and (only where the rules require it) each unit."""
    by_id = {m.pk: m for m in vote.motions.all()}
    for shown in figures.motions:
        motion = by_id.get(shown.id)
        if motion is None:
            continue
        if shown.source == "official" and not shown.official_sha256:
            shown.official_sha256 = _official_sha256(vote, motion)
        if motion.kind not in results.RECOUNTABLE:
            continue
        text, shown.ballot_file_sha256 = _ballot_file_sha256(vote, motion)
        shown.ballot_file_url = reverse("decisions:ballot_file", args=[vote.pk, motion.pk])
        shown.ballot_file_name = f"vote-{vote.pk}-motion-{motion.position}.csv"
        shown.recount_command = results.recount_command(vote, motion)
        shown.recount_url = _recount_query(vote, motion)
        if disclose:
            names = {c.key: c.display_name for c in motion.candidates.all()}
            rows = list(csv.reader(io.StringIO(text)))[1:]
            shown.unit_rows = [
                (unit, area, _choice_words(motion.kind, choice, names))
                for unit, area, _source, _owner, choice in rows
            ]


def _may_download(user, vote: Vote) -> bool:
    """Owners of the compound now, and its staff who may see votes."""
    if not getattr(user, "is_authenticated", False):
        return False
    return vote.compound_id in selectors.owner_compound_ids(user) or access.can_in_compound(
        user, access.DECISIONS_VIEW, vote.compound
    )


def _my_codes(user, vote: Vote) -> dict | None:
    """The signed-in owner's own codes in the ballot files, to find their rows."""
    elector = selectors.elector_of(user, vote)
    return results.my_codes(vote, elector) if elector else None


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=1)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="notice-qr" aria-hidden="true" focusable="false" ', 1)


def _shown_until(vote: Vote):
    if vote.result_published_at is None:
        return None
    return vote.result_published_at + timedelta(days=vote.assembly.result_shown_days)


# --- the staff tally ------------------------------------------------------------------------


@login_required
def tally_page(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """The count of a closed vote (computed, not yet frozen) or its frozen tally. Before voting
    closes nothing of the choices is shown."""
    compound = _compound(code)
    vote = selectors.staff_vote(request.user, compound, vote_id)
    context = {"compound": compound, "vote": vote}
    if vote.status not in states.RESULTS_VISIBLE:
        return render(request, "decisions/results/tally_hidden.html", context)
    frozen = vote.status in states.FROZEN
    data = vote.tally if frozen else results.compute_tally(vote)
    figures = result_figures.vote_figures(data)
    if frozen:
        _motion_extras(vote, figures, disclose=False)
    else:
        by_id = {m.pk: m for m in vote.motions.all()}
        for shown in figures.motions:
            if shown.source == "official" and shown.id in by_id:
                shown.official_sha256 = _official_sha256(vote, by_id[shown.id])
    can_manage = access.can_in_compound(request.user, access.DECISIONS_MANAGE, compound)
    context.update(
        figures=figures,
        frozen=frozen,
        intact=frozen and _digest(vote.tally) == vote.tally_sha256,
        publish_due_by=results.publish_due_by(vote),
        shown_until=_shown_until(vote),
        public=vote.status in states.PUBLIC_RESULT,
        official_import=(
            can_manage and compound.requires_city_evoting and vote.status == VoteStatus.CLOSED
        ),
    )
    return render(request, "decisions/results/tally.html", context)


# --- the official result from the city's system ---------------------------------------------


@csrf_exempt  # only to add the size limit before the body is read; csrf_protect below checks
@login_required
def official_import(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """Where online votes must go through the city's e-voting system, the committee uploads the
    official result file of each motion once voting closed; it replaces Mulin's count of that
    motion. Every problem of a bad file is listed by line, and nothing changes."""
    if request.method == "POST":
        _limit_uploads(request)
    return _official_import(request, code, vote_id)


@csrf_protect
def _official_import(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    compound = _compound(code)
    vote = selectors.staff_vote(request.user, compound, vote_id, perm=access.DECISIONS_MANAGE)
    if not compound.requires_city_evoting:
        raise Http404
    motions = [m for m in vote.motions.all() if m.kind in results.RECOUNTABLE]
    open_for_import = vote.status == VoteStatus.CLOSED
    posted = None
    if request.method == "POST":
        if not open_for_import:
            raise Http404
        posted = OfficialImportForm(
            request.POST,
            request.FILES,
            motions=motions,
            too_big=getattr(request, "upload_too_big", False),
        )
        motion = _import_official(request, posted, motions)
        if motion is not None:
            messages.success(
                request,
                _(
                    "The official result of “%(title)s” is imported: it replaces the count of "
                    "the ballots recorded in Mulin for this motion."
                )
                % {"title": motion.title},
            )
            return redirect("decisions:official_import", compound.code, vote.pk)
        if "motion" in posted.errors:
            messages.error(request, posted.errors["motion"][0])
    return render(
        request,
        "decisions/results/official.html",
        {
            "compound": compound,
            "vote": vote,
            "rows": _official_rows(vote, motions, posted),
            "open_for_import": open_for_import,
        },
        status=200 if posted is None else 400,
    )


def _import_official(request: HttpRequest, form: OfficialImportForm, motions) -> Motion | None:
    """Import the posted file for its motion; the motion when done, None with the form's errors
    (and `form.problems`, every problem of a bad file by line) otherwise."""
    form.problems, form.more = [], 0
    if not form.is_valid():
        return None
    motion = next(m for m in motions if m.pk == form.cleaned_data["motion"])
    upload = form.cleaned_data["file"]
    # Read the file first for the full list of problems by line (the service keeps a summary).
    try:
        read_ballot_file(
            upload.file,
            election=motion.kind == MotionKind.ELECTION,
            seats=motion.seats or 0,
            candidates=[c.key for c in motion.candidates.all()],
        )
    except BallotFileError as exc:
        form.problems, form.more = exc.problems, exc.more
        form.add_error("file", _("The file is not a valid ballot file; nothing was imported."))
        return None
    upload.seek(0)
    try:
        results.motion_import_official(actor=request.user, motion=motion, upload=upload)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("file", message)
        return None
    return motion


def _official_rows(vote: Vote, motions, posted: OfficialImportForm | None) -> list[dict]:
    """Each motion the city counts: where its result comes from, and its upload form (the posted
    one, with its errors, for the motion it was posted for)."""
    posted_id = posted.data.get("motion") if posted is not None else None
    frozen = {e["id"]: e for e in (vote.tally or {}).get("motions", [])}
    rows = []
    for motion in motions:
        if motion.pk in frozen:  # the frozen tally says where each result came from
            official = frozen[motion.pk].get("source") == "official"
            result = frozen[motion.pk]["result"]
        else:
            official = bool(motion.result and motion.result.get("source") == "official")
            result = motion.result["result"] if official else None
        summary = None
        if official:
            summary = result_figures.motion_figures(
                {"kind": motion.kind, "title": motion.title, "result": result, "source": "official"}
            )
        mine = posted is not None and posted_id == str(motion.pk)
        rows.append(
            {
                "motion": motion,
                "official": official,
                "sha256": _official_sha256(vote, motion) if official else "",
                "summary": summary,
                "form": posted
                if mine
                else OfficialImportForm(motions=motions, initial={"motion": motion.pk}),
                "problems": posted.problems if mine else [],
                "more": posted.more if mine else 0,
            }
        )
    return rows


# --- the public result ----------------------------------------------------------------------


def _public_vote(code: str, vote_id: int) -> Vote:
    compound = _compound(code)
    vote = (
        selectors.with_contents(selectors.public_results(compound))
        .select_related("assembly__owners_committee")
        .filter(pk=vote_id)
        .first()
    )
    if vote is None:
        raise Http404
    return vote


def public_results(request: HttpRequest, code: str) -> HttpResponse:
    """The published results of a compound, newest first. No login."""
    compound = _compound(code)
    votes = list(selectors.public_results(compound).select_related("assembly"))
    now = timezone.now()
    rows = []
    for vote in votes:
        figures = result_figures.vote_figures(vote.tally or {})
        until = _shown_until(vote)
        rows.append(
            {
                "vote": vote,
                "figures": figures,
                "shown_until": until,
                "on_show": until is not None and now <= until,
            }
        )
    return render(
        request,
        "decisions/results/public_list.html",
        {"public_compound": compound, "rows": rows},
    )


def public_result(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """A published result as the owners and the public see it: the same figures as the tally,
    the hash of the frozen tally, each motion's ballot file and how to recount it."""
    vote = _public_vote(code, vote_id)
    figures = result_figures.vote_figures(vote.tally or {})
    disclose = results.discloses_units(vote)
    _motion_extras(vote, figures, disclose=disclose)
    until = _shown_until(vote)
    return render(
        request,
        "decisions/results/public_result.html",
        {
            "public_compound": vote.compound,
            "vote": vote,
            "figures": figures,
            "intact": _digest(vote.tally or {}) == vote.tally_sha256,
            "shown_until": until,
            "on_show": until is not None and timezone.now() <= until,
            "disclose": disclose,
            "may_download": _may_download(request.user, vote),
            "my_codes": _my_codes(request.user, vote),
            "signed_in": request.user.is_authenticated,
            "login_url": reverse("core:login") + "?" + urlencode({"next": request.path}),
        },
    )


def result_notice(request: HttpRequest, code: str, vote_id: int) -> HttpResponse:
    """The printable notice (公告) of a published result, on A4."""
    vote = _public_vote(code, vote_id)
    figures = result_figures.vote_figures(vote.tally or {})
    url = request.build_absolute_uri(
        reverse("decisions:public_result", args=[vote.compound.code, vote.pk])
    )
    committee = vote.assembly.owners_committee
    return render(
        request,
        "decisions/results/notice.html",
        {
            "public_compound": vote.compound,
            "vote": vote,
            "figures": figures,
            "shown_until": _shown_until(vote),
            "committee_name": committee.name
            if committee
            else _("The owners' committee of %(compound)s") % {"compound": vote.compound.name},
            "result_url": url,
            "qr_svg": mark_safe(_qr_svg(url)),  # our own SVG: no user text in it
        },
    )


# --- the ballot file ------------------------------------------------------------------------


class _Echo:
    """A file-like object csv.writer writes one row to at a time, for streaming."""

    def write(self, value: str) -> str:
        return value


def ballot_file(request: HttpRequest, vote_id: int, motion_id: int) -> HttpResponse:
    """A frozen motion's ballot file (UTF-8 CSV), for the compound's owners and staff only:
    it recounts to the published result with `mulin recount` or the recount page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    vote = (
        Vote.objects.select_related("compound", "assembly")
        .filter(pk=vote_id, status__in=states.FROZEN)
        .first()
    )
    if vote is None or not _may_download(request.user, vote):
        raise Http404
    motion = vote.motions.filter(pk=motion_id, kind__in=results.RECOUNTABLE).first()
    if motion is None:
        raise Http404
    writer = csv.writer(_Echo(), lineterminator="\n")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in results.ballot_file_rows(vote, motion)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=vote-{vote.pk}-motion-{motion.position}.csv"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the recount page -----------------------------------------------------------------------


@csrf_exempt  # only to add the size limit before the body is read; csrf_protect below checks
def recount(request: HttpRequest) -> HttpResponse:
    """Anyone may recount a ballot file here — Mulin's own export or an official city file —
    and see the JSON `mulin recount` prints, with the figures in words."""
    if request.method == "POST":
        _limit_uploads(request)
    return _recount(request)


@csrf_protect
def _recount(request: HttpRequest) -> HttpResponse:
    context: dict = {}
    status = 200
    if request.method == "POST":
        form = RecountForm(
            request.POST, request.FILES, too_big=getattr(request, "upload_too_big", False)
        )
        if form.is_valid():
            data = form.cleaned_data
            election = data["kind"] == "election"
            try:
                electorate = read_ballot_file(
                    data["file"].file,
                    election=election,
                    seats=data.get("seats") or 0,
                    candidates=data["candidate_keys"],
                )
            except BallotFileError as exc:
                count = len(exc.problems) + exc.more
                context.update(
                    problems=exc.problems,
                    more=exc.more,
                    problems_title=ngettext(
                        "The file is not a valid ballot file: %(count)d problem found. Nothing "
                        "was counted.",
                        "The file is not a valid ballot file: %(count)d problems found. Nothing "
                        "was counted.",
                        count,
                    )
                    % {"count": count},
                )
                status = 400
            else:
                if election:
                    outcome = tally.election_tally(
                        electorate.owners,
                        candidates=electorate.candidates,
                        seats=data["seats"],
                        alternates=data["alternates"],
                    )
                else:
                    outcome = tally.motion_tally(
                        electorate.owners,
                        kind=data["kind"],
                        silent_with_majority=data["silent_with_majority"],
                    )
                result = outcome.as_json()
                context.update(
                    result_json=json.dumps(result, ensure_ascii=False, indent=2),
                    summary=result_figures.motion_figures(
                        {"kind": data["kind"], "result": result, "source": "file"}
                    ),
                    file_name=data["file"].name,
                    units=electorate.units,
                )
        else:
            status = 400
    else:
        form = RecountForm(initial=_recount_initial(request))
    context["form"] = form
    return render(request, "decisions/results/recount.html", context, status=status)


def _recount_initial(request: HttpRequest) -> dict:
    """Settings passed in the address (the public result page links here with its motion's)."""
    initial = {}
    kind = request.GET.get("kind", "")
    if kind in {k for k, _label in RecountForm.base_fields["kind"].choices}:
        initial["kind"] = kind
    for name in ("seats", "alternates"):
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) <= 2:
            initial[name] = int(value)
    candidates = request.GET.get("candidates", "")
    if candidates and len(candidates) <= 2000:
        initial["candidates"] = candidates
    if request.GET.get("silent_with_majority"):
        initial["silent_with_majority"] = True
    return initial


urlpatterns: list = [
    path("compounds/<slug:code>/votes/<int:vote_id>/tally/", tally_page, name="tally"),
    path(
        "compounds/<slug:code>/votes/<int:vote_id>/official/",
        official_import,
        name="official_import",
    ),
    path("c/<slug:code>/votes/", public_results, name="public_results"),
    path("c/<slug:code>/votes/<int:vote_id>/", public_result, name="public_result"),
    path("c/<slug:code>/votes/<int:vote_id>/notice/", result_notice, name="result_notice"),
    path(
        "votes/<int:vote_id>/motions/<int:motion_id>/ballot-file.csv",
        ballot_file,
        name="ballot_file",
    ),
    path("recount/", recount, name="recount"),
]
