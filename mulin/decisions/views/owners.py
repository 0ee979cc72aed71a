"""The pages owners use: their votes, one vote with its ballot, and the vote's documents
(requests for an extraordinary meeting are in `owners_meetings`).

Only owners of a compound see its votes (`selectors.owner_votes`); anyone else gets 404, as if
the vote did not exist. Every write goes through the services (`ballots.ballot_cast`,
`services.objection_raise`); a refusal shows the service's message
and changes nothing. Forms post plainly and redirect, so a retried or doubled submission lands on
the page that says what already happened.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from mulin.core import access
from mulin.places.forms import apply_errors
from mulin.places.models import AreaSource

from .. import ballots, results, rules, selectors, services, tally
from ..forms_owners import BallotForm, ObjectionForm, yes_no_choices
from ..models import (
    YES_NO_KINDS,
    Ballot,
    Channel,
    Elector,
    MeetingKind,
    MotionKind,
    Objection,
    Vote,
    VoteDocument,
)
from ..states import VoteStatus
from . import owners_meetings

# --- shared ------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def _accepting(vote: Vote, now) -> bool:
    """Ballots are taken now: the vote is open and its window runs."""
    return vote.status == VoteStatus.OPEN and vote.opens_at <= now < vote.closes_at


def _closed_message(vote: Vote, now) -> str:
    if vote.status == VoteStatus.PUBLISHED or now < vote.opens_at:
        return _("Voting has not opened yet: it opens on %(when)s.") % {
            "when": _when(vote.opens_at)
        }
    return _("Voting closed on %(when)s; no more ballots can be taken.") % {
        "when": _when(vote.closes_at)
    }


def _voted_message(ballot: Ballot, person_id: int | None) -> str:
    """What an owner is told when their home's ballot is already in (a second tab, a retry, a
    co-owner who voted first, a paper ballot)."""
    names = {"when": _when(ballot.cast_at), "channel": Channel(ballot.channel).label}
    if ballot.voter_id and ballot.voter_id == person_id and ballot.channel == Channel.ONLINE:
        return (
            _(
                "You have already voted: on %(when)s, %(channel)s. One home has one ballot, and "
                "it cannot be changed."
            )
            % names
        )
    return (
        _(
            "Your home has already voted: on %(when)s, %(channel)s. One home has one ballot, and "
            "it cannot be changed."
        )
        % names
    )


def _person_id(user) -> int | None:
    return getattr(user, "person_id", None)


# Owner-facing status words: plain, never jargon.
STAGES = {
    VoteStatus.PUBLISHED: ("upcoming", gettext_lazy("Coming up"), "hourglass-split"),
    VoteStatus.OPEN: ("open", gettext_lazy("Voting now"), "pencil-square"),
    VoteStatus.CLOSED: ("counting", gettext_lazy("Being counted"), "calculator"),
    VoteStatus.TALLIED: ("counting", gettext_lazy("Being counted"), "calculator"),
    VoteStatus.RESULT_PUBLISHED: ("results", gettext_lazy("Result published"), "megaphone"),
    VoteStatus.ARCHIVED: ("archived", gettext_lazy("Archived"), "archive"),
}
GROUPS = [
    ("open", gettext_lazy("Voting now")),
    ("upcoming", gettext_lazy("Coming up")),
    ("counting", gettext_lazy("Voting closed, being counted")),
    ("results", gettext_lazy("Results published")),
    ("archived", gettext_lazy("Archived")),
]


@dataclass
class VoteRow:
    vote: Vote
    elector: Elector | None
    ballot: Ballot | None
    stage: str
    stage_label: str
    stage_icon: str
    accepting: bool
    own_ballot: bool  # cast online by this user (not by a co-owner or on paper)


def _row(vote: Vote, elector: Elector | None, person_id, now) -> VoteRow:
    ballot = selectors.ballot_or_none(elector)
    stage, label, icon = STAGES.get(vote.status, ("archived", "", "archive"))
    return VoteRow(
        vote=vote,
        elector=elector,
        ballot=ballot,
        stage=stage,
        stage_label=str(label),
        stage_icon=icon,
        accepting=_accepting(vote, now),
        own_ballot=bool(
            ballot and ballot.voter_id == person_id and ballot.channel == Channel.ONLINE
        ),
    )


BINDING_KINDS = frozenset({MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.ELECTION})


# --- my votes ----------------------------------------------------------------------------------


@login_required
def my_votes(request: HttpRequest) -> HttpResponse:
    """The votes of every compound where the user owns a home, grouped by where they stand."""
    user = request.user
    votes = list(selectors.owner_votes(user))
    context: dict[str, object] = {"groups": [], "owner": True}
    if not votes:
        context["owner"] = bool(selectors.owner_compound_ids(user))
        if not context["owner"]:
            context["lives_here"] = bool(access.own_unit_ids(user))
        return render(request, "decisions/owners/my_votes.html", context)
    electors = selectors.electors_of(user, votes)
    now, person_id = timezone.now(), _person_id(user)
    rows = [_row(v, electors.get(v.pk), person_id, now) for v in votes]
    by_stage: dict[str, list[VoteRow]] = {}
    for row in rows:
        by_stage.setdefault(row.stage, []).append(row)
    # Open votes closing soonest and upcoming ones opening soonest come first.
    by_stage.get("open", []).sort(key=lambda r: r.vote.closes_at)
    by_stage.get("upcoming", []).sort(key=lambda r: r.vote.opens_at)
    context["groups"] = [
        {"key": key, "label": label, "rows": by_stage[key]}
        for key, label in GROUPS
        if key in by_stage
    ]
    context["several_compounds"] = len({v.compound_id for v in votes}) > 1
    context["waiting"] = sum(1 for r in rows if r.accepting and r.elector and not r.ballot)
    return render(request, "decisions/owners/my_votes.html", context)


# --- one vote ----------------------------------------------------------------------------------


def _quorum_rule() -> str:
    return _(
        "A decision counts only if owners holding at least %(quorum)s of all the area, and at "
        "least %(quorum)s of all the owners, take part. Abstaining counts as taking part."
    ) % {"quorum": str(tally.QUORUM)}


def _kind_rules(motion) -> list[str]:
    """The rule a motion is decided by, in plain words with exact fractions (the quorum, the
    same for every binding motion, is said once for the whole vote)."""
    half, three_quarters = str(tally.MAJORITY), str(tally.SPECIAL)
    if motion.kind == MotionKind.ORDINARY:
        return [
            _(
                "Passes when owners with more than %(share)s of the area taking part, and more "
                "than %(share)s of the owners taking part, vote yes."
            )
            % {"share": half}
        ]
    if motion.kind == MotionKind.SPECIAL:
        return [
            _(
                "A special matter: it passes only when owners with at least %(share)s of the "
                "area taking part, and at least %(share)s of the owners taking part, vote yes."
            )
            % {"share": three_quarters}
        ]
    if motion.kind == MotionKind.ELECTION:
        return [
            _(
                "A candidate is elected with more than %(share)s of the area taking part and "
                "more than %(share)s of the owners taking part; the seats go to those with most "
                "votes."
            )
            % {"share": half}
        ]
    if motion.kind == MotionKind.CONSULTATION:
        return [
            _(
                "Advisory: nothing is decided by law. The committee publishes how many owners, "
                "and how much area, support it."
            )
        ]
    return [_("A question: your answer helps the committee decide; it is not a legal vote.")]


KIND_WORDS = {
    MotionKind.ORDINARY: gettext_lazy("Decided by majority"),
    MotionKind.SPECIAL: gettext_lazy("Special matter: needs three quarters"),
    MotionKind.ELECTION: gettext_lazy("Election of the owners' committee"),
    MotionKind.CONSULTATION: gettext_lazy("Asking for your opinion"),
    MotionKind.SINGLE: gettext_lazy("Question: pick one answer"),
    MotionKind.MULTIPLE: gettext_lazy("Question: pick one or more answers"),
    MotionKind.TEXT: gettext_lazy("Question: write your answer"),
}


@dataclass
class MotionInfo:
    motion: object
    number: int
    kind_words: str
    rules: list[str]
    article: str
    matter: str
    matter_article: str
    bound: object = None  # the ballot form's field, while the owner can vote
    answers: list[str] = field(default_factory=list)

    @property
    def answer_text(self) -> str:
        # Translators: between the names of several approved candidates or answers.
        return pgettext("list separator", ", ").join(self.answers)


def _answers(motion, answer) -> list[str]:
    """An answer stored on a ballot, in words."""
    if answer is None:
        return [_("No answer")]
    if motion.kind in YES_NO_KINDS:
        return [str(dict(yes_no_choices(motion.kind)).get(answer, answer))]
    if motion.kind == MotionKind.ELECTION:
        if answer in ("abstain", []):
            return [_("Abstain: no candidate approved")]
        names = {c.key: c.display_name for c in motion.candidates.all()}
        words = [names.get(key, key) for key in answer]
        if motion.seats and len(answer) > motion.seats:
            words.append(_("(more candidates than seats: this ballot does not count for anyone)"))
        return words
    if motion.kind == MotionKind.TEXT:
        text = (answer or {}).get("text", "") if isinstance(answer, dict) else str(answer)
        return [text or _("No answer")]
    labels = {o.key: o.label for o in motion.options.all()}
    return [labels.get(key, key) for key in answer]


def _motion_infos(vote: Vote, form: BallotForm | None, choices: dict | None) -> list[MotionInfo]:
    infos = []
    for number, motion in enumerate(vote.motions.all(), start=1):
        matter = rules.MATTERS.get(motion.matter) if motion.matter else None
        infos.append(
            MotionInfo(
                motion=motion,
                number=number,
                kind_words=str(KIND_WORDS.get(motion.kind, "")),
                rules=_kind_rules(motion),
                article=str(rules.ARTICLE.get(motion.kind, "")),
                matter=str(matter.label) if matter else "",
                matter_article=str(matter.article) if matter else "",
                bound=form[BallotForm.name_of(motion)] if form is not None else None,
                answers=_answers(motion, choices.get(str(motion.pk))) if choices else [],
            )
        )
    return infos


@dataclass
class Schedule:
    published_at: datetime | None
    opens_at: datetime
    closes_at: datetime
    notice_days: int
    window_days: int
    min_window_days: int
    max_window_days: int
    result_publish_days: int
    result_shown_days: int
    publish_due_by: datetime | None
    notice_rule: str


def _schedule(vote: Vote) -> Schedule:
    days = rules.notice_days(vote)
    has_election = any(m.kind == MotionKind.ELECTION for m in vote.motions.all())
    if vote.meeting_kind == MeetingKind.CONSULTATION:
        notice_rule = _("A consultation needs no notice period.")
    elif has_election:
        notice_rule = _(
            "An election is announced at least %(days)d days before voting opens, so every "
            "owner can read about the candidates."
        ) % {"days": days}
    elif vote.meeting_kind == MeetingKind.EXTRAORDINARY:
        notice_rule = _(
            "An extraordinary meeting is announced at least %(days)d days before voting opens."
        ) % {"days": days}
    else:
        notice_rule = _(
            "The rules of this compound give owners at least %(days)d days' notice before voting "
            "opens."
        ) % {"days": days}
    assembly = vote.assembly
    return Schedule(
        published_at=vote.published_at,
        opens_at=vote.opens_at,
        closes_at=vote.closes_at,
        notice_days=days,
        window_days=(vote.closes_at - vote.opens_at).days,
        min_window_days=assembly.min_window_days,
        max_window_days=assembly.max_window_days,
        result_publish_days=assembly.result_publish_days,
        result_shown_days=assembly.result_shown_days,
        publish_due_by=results.publish_due_by(vote),
        notice_rule=notice_rule,
    )


def _entry(elector: Elector | None) -> dict | None:
    """The user's own entry in the electorate: units with area and source, and who may vote."""
    if elector is None:
        return None
    units = [
        {
            "code": u.unit_code,
            "area": u.area,
            "source": AreaSource(u.area_source).label if u.area_source else "—",
        }
        for u in elector.units.order_by("id")
    ]
    return {
        "elector": elector,
        "units": units,
        "people": [p.name for p in elector.people.order_by("id")],
    }


def _public_result_url(vote: Vote) -> str:
    try:
        return reverse("decisions:public_result", args=[vote.compound.code, vote.pk])
    except Exception:  # the results pages are another module's; the link waits for them
        return ""


def _vote_page(
    request: HttpRequest,
    vote: Vote,
    elector: Elector | None,
    *,
    form: BallotForm | None = None,
    review: BallotForm | None = None,
    objection_form: ObjectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user, now = request.user, timezone.now()
    ballot = selectors.ballot_or_none(elector)
    accepting = _accepting(vote, now)
    can_vote = accepting and vote.online and elector is not None and ballot is None
    if can_vote and form is None and review is None:
        form = BallotForm(vote=vote)
    show_answers = ballot is not None and not vote.secret
    if review is not None:
        infos = _motion_infos(vote, None, review.choices)
    else:
        infos = _motion_infos(vote, form, ballot.choices if show_answers else None)
    objections = []
    if elector is not None:
        objections = list(
            Objection.objects.filter(vote=vote)
            .filter(Q(elector=elector) | Q(person_id=_person_id(user)))
            .order_by("created_at")
        )
    can_object = vote.status == VoteStatus.PUBLISHED and elector is not None
    context = {
        "vote": vote,
        "row": _row(vote, elector, _person_id(user), now),
        "elector": elector,
        "ballot": ballot,
        "entry": _entry(elector),
        "motions": infos,
        "schedule": _schedule(vote),
        "documents": list(vote.documents.all()),
        "accepting": accepting,
        "can_vote": can_vote,
        "form": form,
        "review": review,
        "show_answers": show_answers,
        "codes": results.my_codes(vote, elector) if ballot is not None else None,
        "objections": objections,
        "can_object": can_object,
        "objection_form": objection_form or (ObjectionForm() if can_object else None),
        "result_url": _public_result_url(vote)
        if vote.status in (VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED)
        else "",
        "paper_only": not vote.online and vote.status in (VoteStatus.PUBLISHED, VoteStatus.OPEN),
        "city_evoting": vote.compound.requires_city_evoting,
        "quorum_rule": _quorum_rule()
        if any(m.kind in BINDING_KINDS for m in vote.motions.all())
        else "",
    }
    return render(request, "decisions/owners/vote.html", context, status=status)


def _see_vote(vote: Vote, anchor: str = "") -> HttpResponse:
    url = reverse("decisions:owner_vote", args=[vote.pk])
    response = redirect(f"{url}#{anchor}" if anchor else url)
    response.status_code = 303
    return response


@login_required
def owner_vote(request: HttpRequest, vote_id: int) -> HttpResponse:
    user = request.user
    vote = selectors.owner_vote(user, vote_id)
    elector = selectors.elector_of(user, vote)
    if request.method != "POST":
        return _vote_page(request, vote, elector)
    action = request.POST.get("action", "")
    if action == "objection":
        return _objection(request, vote, elector)
    if action not in ("review", "confirm", "edit"):
        return _see_vote(vote)
    if elector is None:
        messages.error(
            request, _("You are not on the list of owners of this vote, so you cannot vote here.")
        )
        return _see_vote(vote)
    ballot = selectors.ballot_or_none(elector)
    if ballot is not None:
        messages.info(request, _voted_message(ballot, _person_id(user)))
        return _see_vote(vote, "receipt")
    now = timezone.now()
    if action != "confirm" and not _accepting(vote, now):
        messages.error(request, _closed_message(vote, now))
        return _see_vote(vote)
    form = BallotForm(request.POST, vote=vote)
    if action == "edit":
        form.is_valid()  # keep what was ticked; nothing is wrong with it
        return _vote_page(request, vote, elector, form=form)
    if not form.is_valid():
        return _vote_page(request, vote, elector, form=form, status=400)
    if action == "review":
        return _vote_page(request, vote, elector, review=form)
    return _cast(request, vote, elector, form)


def _cast(request: HttpRequest, vote: Vote, elector: Elector, form: BallotForm) -> HttpResponse:
    user = request.user
    try:
        ballot = ballots.ballot_cast(
            actor=user, vote=vote, elector=elector, choices=form.choices, channel=Channel.ONLINE
        )
    except ValidationError as exc:
        first = Ballot.objects.filter(elector=elector).first()
        if first is not None:  # lost a race against another tab or a co-owner
            messages.info(request, _voted_message(first, _person_id(user)))
            return _see_vote(vote, "receipt")
        if hasattr(exc, "error_dict"):
            apply_errors(form, exc)
            return _vote_page(request, vote, elector, form=form, status=400)
        for message in exc.messages:
            messages.error(request, message)
        return _see_vote(vote)
    messages.success(
        request,
        _("Your ballot is in. Thank you for voting. Your receipt code is %(code)s.")
        % {"code": ballot.receipt},
    )
    return _see_vote(vote, "receipt")


def _objection(request: HttpRequest, vote: Vote, elector: Elector | None) -> HttpResponse:
    form = ObjectionForm(request.POST)
    if elector is None:
        raise Http404
    if vote.status != VoteStatus.PUBLISHED:
        messages.error(request, _("Objections can be raised only while the notice runs."))
        return _see_vote(vote, "entry")
    if form.is_valid():
        try:
            services.objection_raise(
                actor=request.user, vote=vote, elector=elector, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your objection was sent to the owners' committee. Their answer will appear "
                    "here, before voting opens."
                ),
            )
            return _see_vote(vote, "entry")
    return _vote_page(request, vote, elector, objection_form=form, status=400)


# --- documents ---------------------------------------------------------------------------------

INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


@login_required
def document(request: HttpRequest, vote_id: int, doc_id: int) -> FileResponse:
    """A vote's document: to owners of the compound once the vote is published, and to its
    staff who may view or record votes in any state. 404 for everyone else."""
    user = request.user
    vote = Vote.objects.select_related("compound").filter(pk=vote_id).first()
    if vote is None:
        raise Http404
    staff = access.can_in_compound(
        user, access.DECISIONS_VIEW, vote.compound
    ) or access.can_in_compound(user, access.DECISIONS_RECORD, vote.compound)
    if not staff and not selectors.owner_votes(user).filter(pk=vote.pk).exists():
        raise Http404
    row = VoteDocument.objects.filter(pk=doc_id, vote=vote).first()
    if row is None:
        raise Http404
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    extension = os.path.splitext(row.file.name)[1].lower()
    content_type = mimetypes.guess_type(f"x{extension}")[0] or "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=content_type not in INLINE_TYPES,
        filename=f"{row.title}{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "sandbox"
    return response


urlpatterns: list = [
    path("me/votes/", my_votes, name="my_votes"),
    path("votes/<int:vote_id>/", owner_vote, name="owner_vote"),
    path("votes/<int:vote_id>/documents/<int:doc_id>/", document, name="document"),
    *owners_meetings.urlpatterns,
]
