"""API shapes for owners' decisions (业主大会表决·业委会选举·征求意见): votes and their motions, the
caller's own place in the electorate and ballot, turnout, and the tally. Nothing here says how a
given owner voted: the ballot file carries only pseudonyms unless the assembly's rules say
otherwise."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from mulin.core.schemas import CompoundRef, _no_nul, page_of, text

from . import rules
from .models import Candidate, Channel, MeetingKind, MotionKind
from .states import VoteStatus

STATUSES = ", ".join(VoteStatus.values)


class VoteFilters(Schema):
    compound: text(60) | None = Field(None, description="Compound code.")
    status: list[text(200)] = Field(
        [], description=f"Statuses, repeated or comma-separated: {STATUSES}."
    )


# ---------------------------------------------------------------- the caller's own part


class MyBallotOut(Schema):
    receipt: str = Field(..., description="The code the owner keeps to show the ballot was taken.")
    channel: str = Field(..., description="`online`, `paper`, `canvass`, `proxy`, `onsite` …")
    channel_label: str
    cast_at: datetime

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return str(Channel(obj.channel).label)


class FileCodesOut(Schema):
    owner_key: str = Field(..., description="The `owner_key` of the caller's rows.")
    units: list[str] = Field(..., description="The `unit_code` of each of the caller's rows.")


class MyElectorOut(Schema):
    label: str = Field(..., description="The home (and how many more) the caller votes for.")
    units: list[str] = Field(..., description="Unit codes of this owner party.")
    area: Decimal = Field(..., description="Their summed exclusive area, m².")
    file_codes: FileCodesOut | None = Field(
        ..., description="Once the tally is frozen: how to find one's own rows in the ballot file."
    )


# ---------------------------------------------------------------- votes


class VoteOut(Schema):
    id: int
    compound: CompoundRef
    title: str
    meeting_kind: str = Field(..., description="`regular`, `extraordinary` or `consultation`.")
    meeting_kind_label: str
    status: str = Field(..., description=STATUSES)
    status_label: str
    secret: bool = Field(..., description="Secret ballot: nobody sees how a given owner voted.")
    online: bool = Field(..., description="Owners may vote online.")
    opens_at: datetime
    closes_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    result_published_at: datetime | None
    motion_count: int
    ballot_count: int | None = Field(
        ..., description="Ballots taken so far; for the compound's staff only (null otherwise)."
    )
    my_ballot: MyBallotOut | None = Field(
        ..., description="The caller's own ballot in this vote, if they are an owner who voted."
    )

    @staticmethod
    def resolve_meeting_kind_label(obj) -> str:
        return str(MeetingKind(obj.meeting_kind).label)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(VoteStatus(obj.status).label)

    @staticmethod
    def resolve_ballot_count(obj):
        return obj.ballot_count if obj.api_staff else None

    @staticmethod
    def resolve_my_ballot(obj):
        return obj.api_my_ballot


VotePage = page_of(VoteOut, "VotePage")


class CandidateOut(Schema):
    key: str = Field(..., description="What a ballot approves: c1, c2 …")
    name: str = Field(..., description="The name on the ballot.")
    nomination: str
    nomination_label: str
    statement: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_nomination_label(obj) -> str:
        return str(Candidate.Nomination(obj.nomination).label)


class OptionOut(Schema):
    key: str = Field(..., description="What a ballot picks: o1, o2 …")
    label: str


class MotionOut(Schema):
    id: int = Field(..., description="The key of this motion's answer in a ballot's `choices`.")
    position: int
    kind: str = Field(
        ...,
        description="`ordinary`, `special`, `election`, `consultation`, `single`, "
        "`multiple` or `text`.",
    )
    kind_label: str
    matter: str = Field(..., description="The Civil Code Art. 278 matter; empty for others.")
    matter_label: str
    article: str = Field(..., description="The article the matter falls under.")
    rule: str = Field(..., description="How the motion is decided, in plain words.")
    title: str
    text: str
    seats: int | None = Field(..., description="Elections: members to elect.")
    alternate_seats: int | None = Field(..., description="Elections: alternates (候补委员).")
    candidates: list[CandidateOut]
    options: list[OptionOut]

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(MotionKind(obj.kind).label)

    @staticmethod
    def resolve_matter_label(obj) -> str:
        matter = rules.MATTERS.get(obj.matter)
        return str(matter.label) if matter else ""

    @staticmethod
    def resolve_article(obj) -> str:
        matter = rules.MATTERS.get(obj.matter)
        return str(matter.article) if matter else ""

    @staticmethod
    def resolve_rule(obj) -> str:
        return str(rules.ARTICLE.get(obj.kind, ""))

    @staticmethod
    def resolve_candidates(obj) -> list:
        return list(obj.candidates.all())

    @staticmethod
    def resolve_options(obj) -> list:
        return list(obj.options.all())


class DocumentOut(Schema):
    id: int
    title: str
    sha256: str = Field(..., description="SHA-256 of the file as published.")
    created_at: datetime


class ElectorateOut(Schema):
    total_area: Decimal = Field(..., description="m², exact.")
    total_owners: int = Field(..., description="Owner parties (SPC Art. 9).")
    frozen_at: datetime | None = Field(
        ...,
        description="When voting opened; null while the "
        "notice runs and the electorate may still be corrected.",
    )


class VoteDetailOut(VoteOut):
    description: str
    meeting_place: str
    opened_at: datetime | None
    tallied_at: datetime | None
    archived_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    electorate: ElectorateOut | None = Field(..., description="Null for a draft.")
    motions: list[MotionOut]
    documents: list[DocumentOut]
    my_elector: MyElectorOut | None = Field(
        ..., description="The owner party the caller votes for, if they are on the electorate."
    )
    can_vote: bool = Field(
        ..., description="The caller may cast their online ballot now (`POST …/ballot`)."
    )

    @staticmethod
    def resolve_electorate(obj):
        if obj.total_owners is None:
            return None
        return {
            "total_area": obj.total_area,
            "total_owners": obj.total_owners,
            "frozen_at": obj.electorate_frozen_at,
        }

    @staticmethod
    def resolve_motions(obj) -> list:
        return list(obj.motions.all())

    @staticmethod
    def resolve_documents(obj) -> list:
        return list(obj.documents.all())

    @staticmethod
    def resolve_my_elector(obj):
        return obj.api_my_elector

    @staticmethod
    def resolve_can_vote(obj) -> bool:
        return obj.api_can_vote


# ---------------------------------------------------------------- the ballot


MAX_ANSWER = 20_000  # the services allow 2,000 characters of free text and say so
MAX_KEYS = 100


def _answer(value):
    """The shapes an answer can take; what it must say is the services' to check."""
    if isinstance(value, dict) and set(value) <= {"text"}:
        text_value = value.get("text", "")
        if isinstance(text_value, str) and len(text_value) <= MAX_ANSWER:
            return {"text": _no_nul(text_value)}
    elif isinstance(value, str) and len(value) <= MAX_ANSWER:
        return _no_nul(value)
    elif (
        isinstance(value, list)
        and len(value) <= MAX_KEYS
        and all(isinstance(key, str) and len(key) <= 20 for key in value)
    ):
        return [_no_nul(key) for key in value]
    raise PydanticCustomError("answer_shape", "not an answer")


Answer = Annotated[
    Any,
    AfterValidator(_answer),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "description": "yes, no, abstain (同意, 反对, 弃权)"},
                {"type": "array", "items": {"type": "string", "maxLength": 20}},
                {
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


class BallotIn(Schema):
    choices: dict[text(20), Answer] = Field(
        ...,
        description=(
            "One answer per motion, keyed by the motion's id: `yes`, `no` or `abstain` "
            "(also 同意, 反对, 弃权) for ordinary, special and consultation motions; for an "
            'election a list of at most `seats` candidate keys (`["c1", "c4"]`) or '
            "`abstain`; for a question a list of option keys (one for a single-choice "
            'question) and for a free-text question `{"text": "…"}` (at most 2,000 characters).'
        ),
        examples=[{"12": "yes", "13": ["c1", "c3"], "14": ["o2"], "15": {"text": "多装路灯"}}],
    )


class BallotOut(MyBallotOut):
    vote: int

    @staticmethod
    def resolve_vote(obj) -> int:
        return obj.vote_id


# ---------------------------------------------------------------- turnout and tally


class TurnoutRow(Schema):
    building: str = Field(..., description="Building number; empty for the whole compound.")
    owners: int
    area: Decimal
    voted_owners: int
    voted_area: Decimal
    owners_percent: str = Field(..., description="Voted owners in %, two decimals: 66.67.")
    area_percent: str = Field(..., description="Voted area in %, two decimals.")
    pending: int = Field(..., description="Not visited yet (扫楼).")
    contacted: int = Field(..., description="Visited, no ballot yet.")
    unreachable: int


class TurnoutOut(Schema):
    vote: int
    status: str
    total: TurnoutRow
    buildings: list[TurnoutRow]


class BallotFileRef(Schema):
    motion_id: int
    position: int
    title: str
    kind: str
    url: str = Field(..., description="The ballot file (CSV) of this motion.")
    recount_command: str = Field(..., description="The `mulin recount` line that recomputes it.")


class TallyOut(Schema):
    vote: int
    status: str
    frozen: bool = Field(
        ...,
        description="True once tallied: the JSON below never changes again. False: a closed "
        "vote's count computed now for its staff, not yet frozen.",
    )
    frozen_at: datetime | None
    sha256: str | None = Field(
        ...,
        description=(
            "SHA-256 of the frozen tally as canonical JSON (keys sorted, no spaces, UTF-8, "
            "`json.dumps(tally, sort_keys=True, ensure_ascii=False, separators=(',', ':'))`)."
        ),
    )
    tally: dict[str, Any] = Field(
        ...,
        description=(
            "Every motion's result: total, participating, yes/no/abstain (or candidates, "
            "elected, alternates and ties; or answer counts) by area and by owners, quorum and "
            "pass, per building, ballots by channel."
        ),
    )
    ballot_files: list[BallotFileRef] = Field(
        ..., description="Recountable motions (not questions), once frozen."
    )
