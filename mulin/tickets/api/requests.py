"""API: request categories, the request list and page, submitting, and every action on a
request."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, UploadedFile
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent, reference
from mulin.core.models import RoleGrant, User
from mulin.core.schemas import (
    Id,
    MessageOut,
    PageParams,
    ValidationErrorOut,
    paginate,
    responses,
)
from mulin.orgs.models import Organisation
from mulin.people.models import Person
from mulin.places.models import Building, Unit

from .. import followups, services, states
from ..models import (
    Category,
    Ticket,
)
from ..photos import photo_response
from ..schemas import (
    AssignIn,
    CategoryPage,
    CommentIn,
    ExclusionIn,
    MergeIn,
    NoteIn,
    PhotosIn,
    RatingIn,
    RecheckIn,
    RequestDetailOut,
    RequestFilters,
    RequestIn,
    RequestPage,
    TransitionIn,
    VisibilityIn,
)
from . import router
from .common import (
    MAX_ID,
    SUBMISSION_KEY_MAX,
    TicketStatus,
    _annotate,
    _attach_category_details,
    _compound_for_requests,
    _detail_out,
    _fields,
    _late_q,
    _lives_in,
    _rows,
    _ticket,
)


@router.get(
    "/compounds/{code}/request-categories",
    response=responses(200, CategoryPage),
    summary="Request categories of a compound",
)
def category_list(request, code: str, page: Query[PageParams]):
    """The active categories a resident can report under, each with the organisation that
    handles it here, how it is dispatched, whether it is chargeable, and its deadlines (respond
    and resolve, in minutes) per priority. For the compound's staff and its residents."""
    compound = _compound_for_requests(request.auth, code)
    rows = (
        Category.objects.filter(compound=compound, active=True)
        .select_related("organisation")
        .prefetch_related("deadlines")
        .order_by("position", "code", "id")
    )
    return paginate(rows, page, attach=_attach_category_details)


# ---------------------------------------------------------------- the request list


def _statuses(values: list[str]) -> list[str]:
    wanted = [part.strip() for value in values for part in value.split(",") if part.strip()]
    for value in wanted:
        if value not in TicketStatus.values:
            raise ValidationError(
                {
                    "status": forms.ChoiceField.default_error_messages["invalid_choice"]
                    % {"value": value}
                }
            )
    return wanted


def _assignee_id(user, value: str) -> int:
    if value == "me":
        return user.pk
    if re.fullmatch(r"[0-9]{1,19}", value) and 0 < int(value) <= MAX_ID:
        return int(value)
    raise ValidationError({"assignee": _("Give “me” or a user id.")})


def _day_start(day: date) -> datetime | None:
    """Midnight of `day` in Asia/Shanghai; None where that is beyond what a datetime holds."""
    try:
        return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _team_org_ids(user):
    handle_roles = [
        role for role, perms in access.ROLE_PERMISSIONS.items() if access.TICKETS_HANDLE in perms
    ]
    return (
        RoleGrant.objects.current()
        .filter(user=user, organisation__isnull=False, role__in=handle_roles)
        .values("organisation_id")
    )


@router.get("/requests", response=responses(200, RequestPage), summary="List requests")
def request_list(request, filters: Query[RequestFilters], page: Query[PageParams]):
    """Requests the caller may see, newest first: staff those of their compounds (or buildings),
    residents their own. Queues (`mine`, `team`, `overdue`, `unassigned`) hold open requests."""
    user = request.auth
    now = timezone.now()
    rows = _rows(user)
    if filters.compound:
        rows = rows.filter(compound__code=filters.compound)
    statuses = _statuses(filters.status)
    if statuses:
        rows = rows.filter(status__in=statuses)
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.building:
        rows = rows.filter(building__number=filters.building.upper())
    if filters.priority:
        rows = rows.filter(priority=filters.priority.value)
    if filters.channel:
        rows = rows.filter(channel=filters.channel.value)
    if filters.assignee:
        rows = rows.filter(assignee_id=_assignee_id(user, filters.assignee))
    if filters.queue == "mine":
        rows = rows.filter(assignee=user, status__in=states.OPEN)
    elif filters.queue == "team":
        rows = rows.filter(organisation_id__in=_team_org_ids(user), status__in=states.OPEN)
    elif filters.queue == "overdue":
        rows = rows.filter(_late_q(now))
    elif filters.queue == "unassigned":
        rows = rows.filter(assignee__isnull=True, status__in=states.OPEN)
    if filters.created_after:
        start = _day_start(filters.created_after)
        if start is not None:
            rows = rows.filter(created_at__gte=start)
    if filters.created_before:
        end = (
            _day_start(filters.created_before + timedelta(days=1))
            if filters.created_before < date.max
            else None
        )
        if end is not None:
            rows = rows.filter(created_at__lt=end)
    if filters.q:
        term = filters.q.removeprefix("#")
        found = Q(description__icontains=filters.q)
        if re.fullmatch(r"[0-9]{1,19}", term) and int(term) <= MAX_ID:
            found |= Q(pk=int(term))
        rows = rows.filter(found)
    rows = rows.order_by("-created_at", "-id")
    return paginate(rows, page, attach=lambda items: _annotate(user, items, now))


@router.get("/requests/{id}", response=responses(200, RequestDetailOut), summary="One request")
def request_detail(request, id: Id):
    """A request with its description, timeline, photos, rating and the moves the caller may
    make now. Staff also see who asked (phone masked), the follow-up call and possible
    duplicates; the requester sees their own request without the team's internal notes."""
    return _detail_out(request.auth, id)


# ---------------------------------------------------------------- submitting


@router.post(
    "/requests",
    response={**responses(201, RequestDetailOut, write=True), 200: RequestDetailOut},
    summary="Submit a request",
)
def request_submit(
    request,
    payload: RequestIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        max_length=SUBMISSION_KEY_MAX,
        description=(
            "Required: any unique string (e.g. a UUID) per request. A retry with the same key "
            "answers 200 with the request already made, and creates nothing."
        ),
    ),
):
    """A resident reports a problem in their compound (self-service); staff record one for a
    resident (`on_behalf_of`, or none for anonymous) with the `channel` it came through. Photos
    are added next with `POST /requests/{id}/photos`. Answers 201 with the new request."""
    user = request.auth
    key = idempotency_key.strip()
    existing = _rows(user).filter(submitted_by=user, idempotency_key=key).first() if key else None
    if existing is not None:
        return Status(200, _detail_out(user, existing.pk))
    compound = _compound_for_requests(request.auth, payload.compound)
    staff = access.can_in_compound(user, access.TICKETS_HANDLE, compound)
    if not staff and not _lives_in(user, compound):
        raise Http404
    category = Category.objects.filter(compound=compound, code=payload.category).first()
    if category is None:
        raise ValidationError({"category": _("Choose one of this compound's request categories.")})
    unit = None
    if payload.unit_id is not None:
        unit = Unit.objects.select_related("building").filter(pk=payload.unit_id).first()
        if unit is None:
            raise ValidationError({"unit_id": _("Choose one of your own homes in this compound.")})
    building = None
    if payload.building:
        building = Building.objects.filter(
            compound=compound, number=payload.building.upper()
        ).first()
        if building is None:
            raise ValidationError({"building": _("Choose a building of this compound.")})
    on_behalf_of = None
    if payload.on_behalf_of is not None:
        if not staff:
            raise ValidationError(
                {"on_behalf_of": _("Only staff submit requests for another resident.")}
            )
        on_behalf_of = reference(
            user,
            access.REGISTRY_VIEW,
            Person.objects.filter(compound=compound),
            payload.on_behalf_of,
            field="on_behalf_of",
            message=_("The resident must belong to this compound."),
        )
    with _fields(unit="unit_id", idempotency_key="Idempotency-Key"):
        ticket = services.ticket_submit(
            actor=user,
            compound=compound,
            category=category,
            description=payload.description,
            idempotency_key=key,
            priority=payload.priority.value,
            location_kind=payload.location_kind.value,
            unit=unit,
            building=building,
            place=payload.place,
            channel=payload.channel.value,
            on_behalf_of=on_behalf_of,
        )
    return Status(201, _detail_out(user, ticket.pk))


# ---------------------------------------------------------------- moves and actions


def _answer(user, ticket: Ticket) -> Status:
    return Status(200, _detail_out(user, ticket.pk))


def _handler(pk: int | None, field: str = "assignee_id") -> User | None:
    """The user a body names as handler; the service checks they can handle the request."""
    if pk is None:
        return None
    handler = User.objects.filter(pk=pk, is_active=True).first()
    if handler is None:
        raise ValidationError({field: _("The handler must be able to handle this request.")})
    return handler


def _organisation(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None:
        raise ValidationError(
            {"organisation_id": _("Choose an organisation serving this compound.")}
        )
    return organisation


_TRANSITION_FIELDS = {"assignee": "assignee_id", "organisation": "organisation_id"}


@router.post(
    "/requests/{id}/transitions",
    response=responses(200, RequestDetailOut, write=True),
    summary="Move a request to its next status",
)
@idempotent
def request_transition(request, id: Id, payload: TransitionIn):
    """Accept, assign, start or resume, pause (with `paused_until`), resolve (with `cost_lines`
    in chargeable categories), close, reject, transfer (with `organisation_id`) or reopen. A move
    the state machine does not allow, or that the caller may not make, is refused with 422."""
    user = request.auth
    ticket = _ticket(user, id)
    with _fields(**_TRANSITION_FIELDS):
        services.ticket_transition(
            actor=user,
            ticket=ticket,
            to=payload.to.value,
            note=payload.note,
            assignee=_handler(payload.assignee_id),
            organisation=_organisation(payload.organisation_id),
            paused_until=payload.paused_until,
            cost_lines=[
                {"item": line.item, "amount": str(line.amount)} for line in payload.cost_lines
            ],
        )
    return _answer(user, ticket)


def _cost_lines(raw: str) -> list[dict]:
    if not raw.strip():
        return []
    try:
        lines = json.loads(raw)
    except ValueError:
        lines = None
    if not isinstance(lines, list):
        raise ValidationError({"cost_lines": forms.JSONField.default_error_messages["invalid"]})
    return [line if isinstance(line, dict) else {} for line in lines]


@router.post(
    "/requests/{id}/photos",
    response=responses(200, RequestDetailOut, write=True),
    summary="Add photos to a request",
)
@idempotent
def request_photos(request, id: Id, payload: Form[PhotosIn], photos: File[list[UploadedFile]]):
    """Multipart: 1–6 `photos` (JPEG, PNG or HEIC, 10 MB each; kept as JPEG without EXIF) and a
    `note`. Without `to` they go on the timeline as a note (the requester's as report photos,
    the team's as "before" photos). With `to` they go with that move: `to=resolved` keeps them
    as "after" photos (`cost_lines` as a JSON list, `paused_until` for `to=paused`)."""
    user = request.auth
    ticket = _ticket(user, id)
    with _fields(**_TRANSITION_FIELDS):
        if payload.to is None:
            services.ticket_comment(actor=user, ticket=ticket, note=payload.note, photos=photos)
        else:
            services.ticket_transition(
                actor=user,
                ticket=ticket,
                to=payload.to.value,
                note=payload.note,
                paused_until=payload.paused_until,
                cost_lines=_cost_lines(payload.cost_lines),
                photos=photos,
            )
    return _answer(user, ticket)


@router.get(
    "/requests/{id}/photos/{photo_id}",
    response={401: MessageOut, 404: MessageOut, 422: ValidationErrorOut},
    summary="One photo of a request",
    url_name="request_photo",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The photo as JPEG (EXIF removed).",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def request_photo(request, id: Id, photo_id: Id):
    """The stored JPEG of a photo (`photos[].url` in the request page answers the same for a
    signed-in browser). Same access as the request; 404 otherwise."""
    return photo_response(request.auth, ticket_id=id, photo_id=photo_id)


@router.post(
    "/requests/{id}/assign",
    response=responses(200, RequestDetailOut, write=True),
    summary="Assign a request to a handler",
)
@idempotent
def request_assign(request, id: Id, payload: AssignIn):
    """Give an accepted request to a handler, or hand an assigned one to another (team leaders
    and community staff)."""
    user = request.auth
    ticket = _ticket(user, id)
    with _fields(assignee="assignee_id"):
        services.ticket_assign(
            actor=user,
            ticket=ticket,
            assignee=_handler(payload.assignee_id),
            note=payload.note,
        )
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/claim",
    response=responses(200, RequestDetailOut, write=True),
    summary="Claim a request from the team pool",
)
@idempotent
def request_claim(request, id: Id):
    """A handler of the team takes an accepted, unassigned request (抢单)."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_claim(actor=user, ticket=ticket)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/urge",
    response=responses(200, RequestDetailOut, write=True),
    summary="Urge an open request",
)
@idempotent
def request_urge(request, id: Id, payload: NoteIn):
    """The requester presses for progress (催单), at most once an hour."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_urge(actor=user, ticket=ticket, note=payload.note)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/rating",
    response=responses(200, RequestDetailOut, write=True),
    summary="Rate a resolved request",
)
@idempotent
def request_rate(request, id: Id, payload: RatingIn):
    """The requester rates overall, speed and attitude from 1 to 5, once."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_rate(
        actor=user,
        ticket=ticket,
        overall=payload.overall,
        speed=payload.speed,
        attitude=payload.attitude,
        comment=payload.comment,
    )
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/merge",
    response=responses(200, RequestDetailOut, write=True),
    summary="Merge a duplicate into another request",
)
@idempotent
def request_merge(request, id: Id, payload: MergeIn):
    """Close this request as a duplicate of `into`; its followers follow `into` from now on."""
    user = request.auth
    ticket = _ticket(user, id)
    into = _rows(user).filter(pk=payload.into).first()
    if into is None:
        raise ValidationError({"into": _("There is no such request.")})
    services.ticket_merge(actor=user, ticket=ticket, into=into, note=payload.note)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/comments",
    response=responses(200, RequestDetailOut, write=True),
    summary="Add a note to a request's timeline",
)
@idempotent
def request_comment(request, id: Id, payload: CommentIn):
    """A note from the requester or the team; photos go through `POST /requests/{id}/photos`."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_comment(actor=user, ticket=ticket, note=payload.note)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/visibility",
    response=responses(200, RequestDetailOut, write=True),
    summary="Show or hide a request on the public progress board",
)
@idempotent
def request_visibility(request, id: Id, payload: VisibilityIn):
    """The requester decides; the board never shows a unit, a name or the description."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_set_public(actor=user, ticket=ticket, shown=payload.shown)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/exclusion",
    response=responses(200, RequestDetailOut, write=True),
    summary="Exclude a request from the figures",
)
@idempotent
def request_exclusion(request, id: Id, payload: ExclusionIn):
    """Team leaders and community staff take an unreasonable request or a malicious repeat out of
    the figures, with a reason (audited); an empty reason puts it back."""
    user = request.auth
    ticket = _ticket(user, id)
    services.ticket_exclude(actor=user, ticket=ticket, reason=payload.reason)
    return _answer(user, ticket)


@router.post(
    "/requests/{id}/recheck",
    response=responses(200, RequestDetailOut, write=True),
    summary="Answer “is it still fixed?”",
)
@idempotent
def request_recheck(request, id: Id, payload: RecheckIn):
    """Two weeks after closing the requester is asked; `still_fixed: false` (with a note) reopens
    the request for its team."""
    user = request.auth
    ticket = _ticket(user, id)
    followups.ticket_recheck_answer(
        actor=user, ticket=ticket, still_fixed=payload.still_fixed, note=payload.note
    )
    return _answer(user, ticket)


# ---------------------------------------------------------------- follow-up calls
