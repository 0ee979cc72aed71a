"""API shapes for residents' requests (诉求·工单), their timeline and follow-up calls. Phones leave
here masked; the unit and the people behind a request are shown only to those the view says."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Schema

from mulin.core.privacy import mask_phone
from mulin.core.schemas import Code, Id, PersonRef, page_of, text

from .models import (
    Channel,
    FollowUpStatus,
    LocationKind,
    Priority,
    Satisfaction,
)
from .services import MAX_DESCRIPTION
from .states import Target

# ---------------------------------------------------------------- categories


class DeadlineOut(Schema):
    priority: str
    respond_minutes: int
    resolve_minutes: int


class TeamRef(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    organisation: TeamRef | None = Field(
        ..., description="Who handles it in this compound (its routing rule, else the default)."
    )
    dispatch_mode: str = Field(..., description="`manual`, `pool` (claim) or `round_robin`.")
    dispatch_label: str
    chargeable: bool = Field(..., description="Handlers may record cost lines.")
    deadlines: list[DeadlineOut] = Field(..., description="One per priority.")

    @staticmethod
    def resolve_dispatch_label(obj) -> str:
        return str(obj.get_dispatch_mode_display())

    @staticmethod
    def resolve_organisation(obj):
        return obj.api_organisation

    @staticmethod
    def resolve_deadlines(obj) -> list:
        return obj.api_deadlines


# ---------------------------------------------------------------- requests


class CategoryRef(Schema):
    code: str
    name: str


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class PersonBrief(Schema):
    id: int
    name: str
    phone: str = Field(..., description="Masked: 138****5678.")

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)


class LocationOut(Schema):
    kind: str = Field(..., description="`unit`, `building` or `common_area`.")
    building: str | None = Field(..., description="Building number.")
    unit: str | None = Field(
        ..., description="Unit code (63-2-301); only for staff and the requester."
    )
    place: str


class RequestOut(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    category: CategoryRef
    priority: str
    status: str
    status_label: str
    channel: str
    location: LocationOut
    organisation: TeamRef | None = Field(..., description="The handling team.")
    assignee: UserRef | None = Field(..., description="The handler.")
    respond_by: datetime
    resolve_by: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    overdue: bool = Field(..., description="Open, not paused, and past a deadline.")
    created_at: datetime

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_location(obj) -> dict:
        return {
            "kind": obj.location_kind,
            "building": obj.building.number if obj.building_id else None,
            "unit": obj.unit.code if obj.unit_id and obj.api_show_unit else None,
            "place": obj.place,
        }

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.api_overdue


class RequestFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    status: list[text(200)] = Field(
        [],
        description=(
            "Statuses, repeated or comma-separated: submitted, accepted, assigned, in_progress, "
            "paused, resolved, closed, rejected."
        ),
    )
    category: text(40) | None = Field(None, description="Category code, e.g. leak.")
    building: text(20) | None = Field(None, description="Building number, e.g. 63.")
    priority: Priority | None = None
    channel: Channel | None = None
    assignee: text(20) | None = Field(None, description="`me` or a user id.")
    queue: Literal["mine", "team", "overdue", "unassigned"] | None = Field(
        None,
        description=(
            "Open requests only: `mine` (assigned to me), `team` (of the teams I handle for), "
            "`overdue`, `unassigned`."
        ),
    )
    created_after: date | None = Field(None, description="Submitted on or after this day.")
    created_before: date | None = Field(None, description="Submitted on or before this day.")
    q: text(60) | None = Field(None, description="Part of the description, or the request's id.")


class CostLineOut(Schema):
    item: str
    amount: Decimal = Field(..., description="Yuan.")


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    action: str
    from_status: str
    to_status: str
    actor: str | None = Field(..., description="Who did it; null for the system.")
    note: str
    cost_lines: list[CostLineOut]
    created_at: datetime
    photos: list[int] = Field(..., description="Ids of the photos taken with this step.")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None

    @staticmethod
    def resolve_photos(obj) -> list[int]:
        return obj.api_photo_ids


class PhotoOut(Schema):
    id: int
    stage: str = Field(..., description="`report`, `before` or `after`.")
    width: int
    height: int
    url: str = Field(
        ..., description="The photo (JPEG) behind the request's own access check; signed-in pages."
    )

    api_url: str = Field(
        ..., description="The same photo for API clients (`Authorization: Bearer …`)."
    )

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("tickets:photo", args=[obj.ticket_id, obj.pk])

    @staticmethod
    def resolve_api_url(obj) -> str:
        return reverse("api:request_photo", kwargs={"id": obj.ticket_id, "photo_id": obj.pk})


class RatingOut(Schema):
    overall: int
    speed: int
    attitude: int
    comment: str
    created_at: datetime


class FollowUpBrief(Schema):
    id: int
    reason: str
    status: str
    contacted_in_time: bool | None
    solved: bool | None
    satisfaction: str
    note: str
    done_at: datetime | None


class MoveOut(Schema):
    to: str
    label: str
    needs_note: bool = Field(..., description="A reason the resident is shown is required.")


class RequestDetailOut(RequestOut):
    description: str
    requester: PersonBrief | None = Field(
        ..., description="Staff only; null for an anonymous request and for everyone else."
    )
    on_behalf_of: PersonRef | None = Field(
        ..., description="Staff only: the resident a member of staff submitted this for."
    )
    submitted_by: UserRef | None = Field(..., description="Staff only.")
    closed_at: datetime | None
    paused_until: date | None
    duplicate_of: int | None = Field(..., description="The request this one was merged into.")
    shown_publicly: bool = Field(..., description="On the compound's public progress board.")
    excluded_reason: str = Field(..., description="Staff only: why it is left out of figures.")
    reopen_count: int
    recheck_asked_at: datetime | None
    recheck_answer: str = Field(..., description="`yes`, `no`, or empty while not answered.")
    events: list[EventOut] = Field(..., description="The timeline, oldest first.")
    photos: list[PhotoOut]
    rating: RatingOut | None
    follow_up: FollowUpBrief | None = Field(..., description="Staff only.")
    possible_duplicates: list[int] = Field(
        ..., description="Staff only: same building and category within the 24 h before."
    )
    moves: list[MoveOut] = Field(..., description="Status changes the caller may make now.")
    actions: list[str] = Field(
        ...,
        description=(
            "Other things the caller may do now: assign, claim, urge, rate, merge, comment, "
            "visibility, exclusion, recheck."
        ),
    )

    @staticmethod
    def resolve_duplicate_of(obj) -> int | None:
        return obj.duplicate_of_id

    @staticmethod
    def resolve_shown_publicly(obj) -> bool:
        return not obj.public_hidden

    # The view attaches these under api_* names (the plain names are relations).
    @staticmethod
    def resolve_requester(obj):
        return obj.api_requester

    @staticmethod
    def resolve_on_behalf_of(obj):
        return obj.api_on_behalf_of

    @staticmethod
    def resolve_submitted_by(obj):
        return obj.api_submitted_by

    @staticmethod
    def resolve_excluded_reason(obj) -> str:
        return obj.api_excluded_reason

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.api_events

    @staticmethod
    def resolve_photos(obj) -> list:
        return obj.api_photos

    @staticmethod
    def resolve_rating(obj):
        return obj.api_rating

    @staticmethod
    def resolve_follow_up(obj):
        return obj.api_follow_up

    @staticmethod
    def resolve_possible_duplicates(obj) -> list[int]:
        return obj.api_duplicates

    @staticmethod
    def resolve_moves(obj) -> list:
        return obj.api_moves

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return obj.api_actions


class RequestIn(Schema):
    compound: Code = Field(..., description="Compound code.")
    category: text(40) = Field(..., description="Category code, e.g. leak.")
    description: text(MAX_DESCRIPTION) = Field(..., description="What is wrong.")
    priority: Priority = Priority.NORMAL
    location_kind: LocationKind = LocationKind.UNIT
    unit_id: Id | None = Field(None, description="The home, for `location_kind` unit.")
    building: text(20) | None = Field(
        None, description="Building number, for `building` (and optionally `common_area`)."
    )
    place: text(200) = Field("", description="Where in the compound, for `common_area`.")
    channel: Channel = Field(
        Channel.SELF_SERVICE, description="Staff only: how the request came in."
    )
    on_behalf_of: Id | None = Field(
        None, description="Staff only: the resident's person id; none for anonymous."
    )


class CostLineIn(Schema):
    item: text(100) = Field(..., description="What was paid for.")
    amount: Decimal = Field(..., description="Yuan, two decimals at most, e.g. 35.50.")


class TransitionIn(Schema):
    to: Target = Field(..., description="The move; see `moves` on the request.")
    note: text(MAX_DESCRIPTION) = Field(
        "", description="Required for reject, transfer, pause, reopen."
    )
    assignee_id: Id | None = Field(None, description="User id of the handler, for `assigned`.")
    organisation_id: Id | None = Field(None, description="For `transferred`.")
    paused_until: date | None = Field(None, description="For `paused`: the day work resumes.")
    cost_lines: list[CostLineIn] = Field([], description="Chargeable categories only.")


class PhotosIn(Schema):
    note: text(MAX_DESCRIPTION) = Field("", description="Required without `to`.")
    to: Target | None = Field(None, description="A move to make with the photos.")
    paused_until: date | None = Field(None, description="For `to=paused`.")
    cost_lines: text(10000) = Field(
        "", description='For `to=resolved`: a JSON list, [{"item": "水管接头", "amount": "35.00"}].'
    )


class AssignIn(Schema):
    assignee_id: Id = Field(..., description="User id of the handler.")
    note: text(MAX_DESCRIPTION) = ""


class NoteIn(Schema):
    note: text(MAX_DESCRIPTION) = ""


class CommentIn(Schema):
    note: text(MAX_DESCRIPTION) = Field(..., description="The note.")


class RatingIn(Schema):
    overall: int = Field(..., ge=1, le=5)
    speed: int = Field(..., ge=1, le=5)
    attitude: int = Field(..., ge=1, le=5)
    comment: text(2000) = ""


class MergeIn(Schema):
    into: Id = Field(..., description="The id of the request this one duplicates.")
    note: text(MAX_DESCRIPTION) = ""


class VisibilityIn(Schema):
    shown: bool = Field(..., description="Show the request on the public progress board.")


class ExclusionIn(Schema):
    reason: text(200) = Field(..., description="Why it leaves the figures; empty puts it back.")


class RecheckIn(Schema):
    still_fixed: bool
    note: text(MAX_DESCRIPTION) = Field("", description="Required when it is not fixed.")


# ---------------------------------------------------------------- follow-up calls


class FollowUpFilters(Schema):
    compound: Code | None = Field(None, description="Compound code.")
    status: FollowUpStatus | None = None


class FollowUpRequestRef(Schema):
    id: int
    compound: str = Field(..., description="Compound code.")
    category: CategoryRef
    status: str
    resolved_at: datetime | None

    @staticmethod
    def resolve_compound(obj) -> str:
        return obj.compound.code


class FollowUpOut(FollowUpBrief):
    request: FollowUpRequestRef
    requester: PersonBrief | None = Field(..., description="Who to call; phone masked.")
    overall: int | None = Field(..., description="The resident's overall rating, if any.")
    done_by: UserRef | None
    created_at: datetime

    @staticmethod
    def resolve_request(obj):
        return obj.ticket

    @staticmethod
    def resolve_requester(obj):
        return obj.ticket.requester

    @staticmethod
    def resolve_overall(obj) -> int | None:
        return obj.api_overall


class FollowUpIn(Schema):
    status: Literal["done", "unreachable"] = Field(
        ..., description="`done` (reached, with the three answers) or `unreachable`."
    )
    contacted_in_time: bool | None = None
    solved: bool | None = None
    satisfaction: Satisfaction | None = None
    note: text(2000) = ""


CategoryPage = page_of(CategoryOut, "RequestCategoryPage")
RequestPage = page_of(RequestOut, "RequestPage")
FollowUpPage = page_of(FollowUpOut, "FollowUpPage")
