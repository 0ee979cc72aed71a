"""API: owners' decisions (业主大会表决·业委会选举·征求意见) — the votes a caller may see, one vote
with its motions, an owner's online ballot, turnout, the tally and the ballot file.

Who sees what:
- staff with `decisions.view` in the compound: every vote, drafts included, and the tally of a
  closed vote before it is frozen;
- staff with only `decisions.record` (party members recording paper and door-to-door ballots):
  published votes and their turnout;
- owners (a current ownership in the compound, through their registry record): published votes,
  their own electorate entry and ballot, and the frozen tally and ballot files.
Anything else answers 404, like a missing vote. Nothing here tells how a given owner voted.

Writes go through the decisions services (only the online ballot is offered here: staff record
paper, door-to-door, proxy and on-site ballots on their pages).
"""

from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import Id, MessageOut, PageParams, ValidationErrorOut, paginate, responses

from . import ballots, results, selectors
from .models import YES_NO_KINDS, Ballot, Channel, Elector, Motion, MotionKind, Vote
from .schemas import (
    BallotIn,
    BallotOut,
    TallyOut,
    TurnoutOut,
    VoteDetailOut,
    VoteFilters,
    VotePage,
)
from .states import FROZEN, VoteStatus

router = Router(tags=["votes"])

# Owners see a vote's tally and ballot files from the moment the tally is frozen (the result is
# published within days; nothing in it can change after freezing).
OWNER_RESULT_STATES = FROZEN
HIDDEN_FROM_OWNERS = (VoteStatus.DRAFT, VoteStatus.CANCELLED)


class _Reach:
    """Where the caller may see votes, and as whom; resolved once per request."""

    def __init__(self, user):
        view = access.scope_for(user, access.DECISIONS_VIEW)
        record = access.scope_for(user, access.DECISIONS_RECORD)
        self.everything = view.everything
        self.view = view.compound_ids | view.building_compound_ids
        self.record = record.compound_ids | record.building_compound_ids
        self.owner = selectors.owner_compound_ids(user)

    def rows(self) -> Q | None:
        """Which votes: None means all of them (platform staff)."""
        if self.everything:
            return None
        public = ~Q(status__in=HIDDEN_FROM_OWNERS)
        return Q(compound_id__in=self.view) | (Q(compound_id__in=self.record | self.owner) & public)

    def staff(self, vote: Vote) -> bool:
        return self.everything or vote.compound_id in self.view | self.record

    def viewer(self, vote: Vote) -> bool:
        """May see drafts, the electorate and a closed vote's running tally."""
        return self.everything or vote.compound_id in self.view

    def owner_of(self, vote: Vote) -> bool:
        return vote.compound_id in self.owner

    def sees(self, vote: Vote) -> bool:
        if self.viewer(vote):
            return True
        return vote.status not in HIDDEN_FROM_OWNERS and (
            vote.compound_id in self.record or self.owner_of(vote)
        )


def _vote(user, pk: int) -> tuple[Vote, _Reach]:
    """One vote with its motions, candidates, options and documents, if the caller may see it."""
    vote = selectors.with_contents(Vote.objects.filter(pk=pk)).first()
    reach = _Reach(user)
    if vote is None or not reach.sees(vote):
        raise Http404
    return vote, reach


def _counted(rows):
    ballots_of = (
        Ballot.objects.filter(vote=OuterRef("pk"))
        .order_by()
        .values("vote")
        .annotate(n=Count("id"))
        .values("n")
    )
    motions_of = (
        Motion.objects.filter(vote=OuterRef("pk"))
        .order_by()
        .values("vote")
        .annotate(n=Count("id"))
        .values("n")
    )
    return rows.annotate(
        ballot_count=Coalesce(Subquery(ballots_of, output_field=IntegerField()), 0),
        motion_count=Coalesce(Subquery(motions_of, output_field=IntegerField()), 0),
    )


def _statuses(values: list[str]) -> list[str]:
    wanted = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for value in wanted:
        if value not in VoteStatus.values:
            raise ValidationError(
                {
                    "status": forms.ChoiceField.default_error_messages["invalid_choice"]
                    % {"value": value}
                }
            )
    return wanted


def _my_ballot(elector: Elector | None) -> Ballot | None:
    return selectors.ballot_or_none(elector)


# ---------------------------------------------------------------- the list


@router.get("/votes", response=responses(200, VotePage), summary="List votes")
def vote_list(request, filters: Query[VoteFilters], page: Query[PageParams]):
    """Votes the caller may see, newest first: the compound's staff see all of its votes (those
    who only record ballots, the published ones); owners see the published votes of the
    compounds where they own a home, each with their own ballot if they cast one."""
    user = request.auth
    reach = _Reach(user)
    rows = Vote.objects.select_related("compound")
    where = reach.rows()
    if where is not None:
        rows = rows.filter(where)
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    statuses = _statuses(filters.status)
    if statuses:
        rows = rows.filter(status__in=statuses)
    rows = _counted(rows).order_by("-opens_at", "-id")

    def attach(votes: list[Vote]) -> None:
        mine = selectors.electors_of(user, votes)
        for vote in votes:
            vote.api_staff = reach.staff(vote)
            vote.api_my_ballot = _my_ballot(mine.get(vote.pk))

    return paginate(rows, page, attach=attach)


# ---------------------------------------------------------------- one vote


def _file_codes(vote: Vote, elector: Elector, units: list[str]) -> dict:
    plain = results.discloses_units(vote)
    return {
        "owner_key": elector.key if plain else results.pseudonym(vote, "owner", elector.key),
        "units": [u if plain else results.pseudonym(vote, "unit", u) for u in units],
    }


@router.get("/votes/{id}", response=responses(200, VoteDetailOut), summary="One vote")
def vote_detail(request, id: Id):
    """A vote as the owners were given notice of it: its motions (with the article each falls
    under), the candidates or answers to choose from, its documents (title and SHA-256), its dates
    and status, and the electorate's totals once published. An owner also gets their own entry in
    the electorate (`my_elector`), their ballot's receipt (`my_ballot`) and whether they may vote
    online now (`can_vote`)."""
    user = request.auth
    vote, reach = _vote(user, id)
    vote.api_staff = reach.staff(vote)
    vote.ballot_count = vote.ballots.count() if vote.api_staff else None
    vote.motion_count = len(vote.motions.all())
    elector = selectors.elector_of(user, vote) if reach.owner_of(vote) else None
    ballot = _my_ballot(elector)
    vote.api_my_ballot = ballot
    vote.api_my_elector = None
    if elector is not None:
        units = list(elector.units.order_by("id").values_list("unit_code", flat=True))
        vote.api_my_elector = {
            "label": elector.label,
            "units": units,
            "area": elector.area,
            "file_codes": _file_codes(vote, elector, units) if vote.status in FROZEN else None,
        }
    now = timezone.now()
    vote.api_can_vote = bool(
        elector is not None
        and ballot is None
        and vote.online
        and vote.status == VoteStatus.OPEN
        and vote.opens_at <= now < vote.closes_at
    )
    return vote


# ---------------------------------------------------------------- the online ballot


def _choice_errors(exc: ValidationError) -> ValidationError:
    """The services name a motion's field `motion_<id>`; the body names it `choices.<id>`."""
    if not hasattr(exc, "error_dict"):
        return exc
    renamed = {
        (f"choices.{field.removeprefix('motion_')}" if field.startswith("motion_") else field): (
            errors
        )
        for field, errors in exc.error_dict.items()
    }
    return ValidationError(renamed)


def _shaped_choices(vote: Vote, raw: dict) -> dict:
    """Answers of a shape the motion cannot take: a list or an object for a yes/no motion is
    passed on as no answer (the services then ask for yes, no or abstain); a list for a
    free-text question is refused here."""
    yes_no = {str(m.pk) for m in vote.motions.all() if m.kind in YES_NO_KINDS}
    free_text = {str(m.pk): m.title for m in vote.motions.all() if m.kind == MotionKind.TEXT}
    cleaned, errors = {}, {}
    for key, value in raw.items():
        if key in free_text and isinstance(value, list):
            errors[f"choices.{key}"] = gettext("“%(title)s”: write the answer as text.") % {
                "title": free_text[key]
            }
        cleaned[key] = None if key in yes_no and not isinstance(value, str) else value
    if errors:
        raise ValidationError(errors)
    return cleaned


@router.post(
    "/votes/{id}/ballot",
    response={**responses(201, BallotOut, write=True), 409: MessageOut},
    summary="Cast one's own ballot online",
)
@idempotent
def ballot_submit(request, id: Id, payload: BallotIn):
    """An owner of the compound (or a co-owner) votes online for their home while voting is
    open: every motion needs an answer (see `choices`). Answers 201 with the ballot's receipt.

    One owner, one ballot: once a ballot was taken for the owner — online, on paper, at the door
    or at the meeting — any further submission answers **409** with how and when it was cast, and
    changes nothing (a mistake is corrected only by the owners' committee). A retry with the same
    `Idempotency-Key` gets the first answer (201) back instead. Refusals of the answers themselves
    (a missing answer, more candidates than seats, voting not open) answer 422."""
    user = request.auth
    vote, reach = _vote(user, id)
    if vote.status in HIDDEN_FROM_OWNERS or not reach.owner_of(vote):
        raise Http404
    elector = selectors.elector_of(user, vote)
    if elector is None:
        raise Http404
    earlier = _my_ballot(elector)
    if earlier is not None:
        raise HttpError(409, ballots.already_voted_message(earlier))
    choices = _shaped_choices(vote, payload.choices)
    try:
        ballot = ballots.ballot_cast(
            actor=user,
            vote=vote,
            elector=elector,
            choices=choices,
            channel=Channel.ONLINE,
        )
    except ValidationError as exc:
        # Two submissions at once: the other one's ballot won the unique constraint.
        first = Ballot.objects.filter(elector=elector).first()
        if first is not None:
            raise HttpError(409, ballots.already_voted_message(first)) from exc
        raise _choice_errors(exc) from exc
    return Status(201, BallotOut.from_orm(ballot))


# ---------------------------------------------------------------- turnout


def _percent(part, whole) -> str:
    if not whole:
        return "0.00"
    value = Decimal(part) * 100 / Decimal(whole)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _turnout_row(row: selectors.Turnout) -> dict:
    return {
        "building": row.building,
        "owners": row.total_owners,
        "area": row.total_area,
        "voted_owners": row.voted_owners,
        "voted_area": row.voted_area,
        "owners_percent": _percent(row.voted_owners, row.total_owners),
        "area_percent": _percent(row.voted_area, row.total_area),
        "pending": row.pending,
        "contacted": row.contacted,
        "unreachable": row.unreachable,
    }


@router.get(
    "/votes/{id}/turnout", response=responses(200, TurnoutOut), summary="Turnout by building"
)
def vote_turnout(request, id: Id):
    """Participation so far, for the compound's staff: owners and area that voted, for the whole
    compound and per building, with the door-to-door canvass counts (not visited, contacted,
    unreachable). Never a word about how anyone voted, so it is safe while voting is open."""
    vote, reach = _vote(request.auth, id)
    if not reach.staff(vote):
        raise Http404
    whole, buildings = selectors.turnout(vote)
    return {
        "vote": vote.pk,
        "status": vote.status,
        "total": _turnout_row(whole),
        "buildings": [_turnout_row(row) for row in buildings],
    }


# ---------------------------------------------------------------- tally and ballot files


def _frozen_for(vote: Vote, reach: _Reach) -> bool:
    """The frozen tally is there and the caller may read it: staff, or an owner of the
    compound once results are theirs to see."""
    if vote.status not in FROZEN or vote.tally is None:
        return False
    return reach.staff(vote) or (reach.owner_of(vote) and vote.status in OWNER_RESULT_STATES)


def _ballot_files(vote: Vote) -> list[dict]:
    return [
        {
            "motion_id": motion.pk,
            "position": motion.position,
            "title": motion.title,
            "kind": motion.kind,
            "url": reverse("api:vote_ballot_file", kwargs={"id": vote.pk, "motion_id": motion.pk}),
            "recount_command": results.recount_command(vote, motion),
        }
        for motion in vote.motions.all()
        if motion.kind in results.RECOUNTABLE
    ]


@router.get("/votes/{id}/tally", response=responses(200, TallyOut), summary="The tally of a vote")
def vote_tally(request, id: Id):
    """The frozen tally and its SHA-256, once the vote is tallied, for the compound's staff and
    owners; with it the ballot file of every recountable motion, so anyone can recompute the
    result (`mulin recount` or the recount page). Staff who run votes also see a closed vote's
    count before it is frozen (`frozen: false`, no hash). Before voting closes: 404."""
    vote, reach = _vote(request.auth, id)
    if _frozen_for(vote, reach):
        return {
            "vote": vote.pk,
            "status": vote.status,
            "frozen": True,
            "frozen_at": vote.tallied_at,
            "sha256": vote.tally_sha256,
            "tally": vote.tally,
            "ballot_files": _ballot_files(vote),
        }
    if vote.status == VoteStatus.CLOSED and reach.viewer(vote):
        return {
            "vote": vote.pk,
            "status": vote.status,
            "frozen": False,
            "frozen_at": None,
            "sha256": None,
            "tally": results.compute_tally(vote),
            "ballot_files": [],
        }
    raise Http404


@router.get(
    "/votes/{id}/motions/{motion_id}/ballot-file",
    response={401: MessageOut, 404: MessageOut, 422: ValidationErrorOut},
    summary="The ballot file of a motion",
    url_name="vote_ballot_file",
    openapi_extra={
        "responses": {
            "200": {
                "description": (
                    "UTF-8 CSV, one row per unit of the frozen electorate: "
                    "`unit_code,area,area_source,owner_key,choice` (unit and owner as "
                    "pseudonyms unless the assembly's rules require disclosure)."
                ),
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def vote_ballot_file(request, id: Id, motion_id: Id):
    """The file `mulin recount` and the recount page read, for the compound's owners and staff,
    once the tally is frozen. Questions (single, multiple, free text) have none: 404."""
    vote, reach = _vote(request.auth, id)
    if not _frozen_for(vote, reach):
        raise Http404
    motion = next((m for m in vote.motions.all() if m.pk == motion_id), None)
    if motion is None or motion.kind not in results.RECOUNTABLE:
        raise Http404
    response = HttpResponse(
        results.ballot_file_text(vote, motion), content_type="text/csv; charset=utf-8"
    )
    name = f"vote-{vote.pk}-motion-{motion.position}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
