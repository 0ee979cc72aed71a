"""API of deliberation: meetings, the compound's calendar, resolutions and tasks, QR sign-in.

- Meetings: residents of the compound see the meetings open to residents (public fields, the
  minutes masked once published); staff with `deliberation.view` see every meeting.
- Resolutions and tasks: staff only.
- Anyone else (another compound's staff or residents) gets 404, like a missing compound.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import (
    Id,
    MessageOut,
    Moment,
    PageParams,
    page_of,
    paginate,
    responses,
    text,
)

from .. import calendar
from .. import minutes as minutes_format
from .. import selectors_meetings as selectors
from .. import services_meetings as services
from ..models import Meeting, MeetingKind, MinutesRequest, ResolutionStatus, Task

router = Router(tags=["deliberation"])


class AgendaOut(Schema):
    position: int
    title: str
    topic_id: int | None


class MeetingOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    status: str
    public: bool
    organiser: str | None = Field(None, description="The organising organisation's name.")
    minutes_published: bool


class MeetingDetailOut(MeetingOut):
    description: str
    agenda: list[AgendaOut]
    minutes: str = Field(
        ..., description="Masked for residents; full for staff. Empty until published (residents)."
    )
    attendance_count: int


class CalendarEventOut(Schema):
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool
    sequence: int


class TaskOut(Schema):
    id: int
    title: str
    due_on: date
    done: bool
    owner_id: int | None
    owner_organisation: str | None
    resolution_id: int
    overdue: bool


class ResolutionOut(Schema):
    id: int
    text: str
    meeting_id: int | None
    topic_id: int | None
    responsible_organisation: str | None
    due_on: date | None
    status: str
    outcome: str
    motion_id: int | None
    tasks: list[TaskOut]


class SignInOut(Schema):
    meeting_id: int
    created: bool
    at: datetime


MeetingPage = page_of(MeetingOut, "MeetingPage")
ResolutionPage = page_of(ResolutionOut, "ResolutionPage")
TaskPage = page_of(TaskOut, "TaskPage")


class EventsOut(Schema):
    count: int
    items: list[CalendarEventOut]


class TaskFilters(Schema):
    show: str = Field("open", description="mine, overdue, open or all")


def _reach(user, code: str):
    """The compound and whether the caller is staff there; 404 unless staff or resident."""
    compound = selectors.compound_or_404(code)
    staff = access.can_in_compound(user, access.DELIBERATION_VIEW, compound)
    if not staff and not services.resident_unit_ids(user, compound):
        raise Http404
    return compound, staff


def _meeting_row(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "title": m.title,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "place": m.place,
        "status": m.status,
        "public": m.public,
        "organiser": m.organiser.name if m.organiser else None,
        "minutes_published": bool(m.minutes_published_at),
    }


@router.get("/compounds/{code}/meetings", response=responses(200, MeetingPage), summary="Meetings")
def meeting_list(request, code: str, page: Query[PageParams]):
    """The compound's meetings, newest first (residents: those open to residents)."""
    compound, staff = _reach(request.auth, code)
    rows = (
        selectors.staff_meetings(request.auth, compound)
        if staff
        else selectors.public_meetings(compound)
    )
    result = paginate(rows, page)
    result["items"] = [_meeting_row(m) for m in result["items"]]
    return result


@router.get(
    "/compounds/{code}/meetings/{meeting_id}",
    response=responses(200, MeetingDetailOut),
    summary="One meeting",
)
def meeting_detail(request, code: str, meeting_id: int):
    compound, staff = _reach(request.auth, code)
    if staff:
        meeting = selectors.meeting_for_staff(request.auth, compound, meeting_id)
    else:
        meeting = selectors.public_meeting(compound, meeting_id)
    return _meeting_detail(request.auth, meeting)


def _meeting_detail(user, meeting: Meeting) -> dict:
    full = services.may_read_full_minutes(user, meeting)
    minutes = ""
    if full:
        minutes = meeting.minutes
    elif meeting.minutes_published_at:
        minutes = minutes_format.public_text(meeting)
    return _meeting_row(meeting) | {
        "description": meeting.description,
        "agenda": [
            {"position": i.position, "title": i.title, "topic_id": i.topic_id}
            for i in selectors.agenda(meeting)
        ],
        "minutes": minutes,
        "attendance_count": meeting.attendance.count(),
    }


@router.get("/compounds/{code}/calendar", response=responses(200, EventsOut), summary="Calendar")
def calendar_events(request, code: str):
    """The events of the compound's public calendar (the same as /c/{code}/calendar.ics)."""
    compound, _ = _reach(request.auth, code)
    items = [
        {
            "uid": e.uid,
            "summary": e.summary,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
            "location": e.location,
            "cancelled": e.cancelled,
            "sequence": e.sequence,
        }
        for e in calendar.events(compound)
    ]
    return {"count": len(items), "items": items}


def _staff_only(user, code: str):
    compound = selectors.compound_or_404(code)
    if not access.can_in_compound(user, access.DELIBERATION_VIEW, compound):
        raise Http404
    return compound


def _task_row(t, today) -> dict:
    return {
        "id": t.pk,
        "title": t.title,
        "due_on": t.due_on,
        "done": bool(t.done_at),
        "owner_id": t.owner_id,
        "owner_organisation": t.owner_organisation.name if t.owner_organisation else None,
        "resolution_id": t.resolution_id,
        "overdue": not t.done_at and t.due_on < today,
    }


@router.get(
    "/compounds/{code}/resolutions", response=responses(200, ResolutionPage), summary="Resolutions"
)
def resolution_list(request, code: str, page: Query[PageParams]):
    """Staff: the compound's resolutions with their tasks, newest first."""
    from django.utils import timezone

    compound = _staff_only(request.auth, code)
    today = timezone.localdate()
    result = paginate(selectors.staff_resolutions(request.auth, compound), page)
    result["items"] = [_resolution_row(r, today) for r in result["items"]]
    return result


def _resolution_row(r, today) -> dict:
    return {
        "id": r.pk,
        "text": r.text,
        "meeting_id": r.meeting_id,
        "topic_id": r.topic_id,
        "responsible_organisation": r.responsible_organisation.name
        if r.responsible_organisation
        else None,
        "due_on": r.due_on,
        "status": r.status,
        "outcome": r.outcome,
        "motion_id": r.motion_id,
        "tasks": [_task_row(t, today) for t in r.tasks.all()],
    }


@router.get("/compounds/{code}/tasks", response=responses(200, TaskPage), summary="Tasks")
def task_list(request, code: str, filters: Query[TaskFilters], page: Query[PageParams]):
    """Staff: tasks of the resolutions — `show=mine|overdue|open|all`."""
    from django.utils import timezone

    compound = _staff_only(request.auth, code)
    if filters.show not in selectors.TASK_FILTERS:
        raise HttpError(422, "show must be mine, overdue, open or all")
    today = timezone.localdate()
    result = paginate(selectors.tasks(request.auth, compound, filters.show, today), page)
    result["items"] = [_task_row(t, today) for t in result["items"]]
    return result


@router.post(
    "/meetings/signin/{token}",
    response=responses(200, SignInOut, write=True) | {400: MessageOut},
    summary="Sign in to a meeting",
)
@idempotent
def meeting_sign_in(request, token: str):
    """A resident of the meeting's compound signs in (the QR code's token); once per person."""
    meeting = Meeting.objects.filter(signin_token=token).select_related("compound").first()
    if meeting is None:
        raise Http404
    try:
        attendance, created = services.attendance_sign_in(user=request.auth, meeting=meeting)
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc
    return Status(200, SignInOut(meeting_id=meeting.pk, created=created, at=attendance.at))


# ---------------------------------------------------------------- staff writes


class MeetingIn(Schema):
    kind: MeetingKind
    title: text(120)
    description: text(4000) = ""
    organiser_id: Id | None = Field(None, description="An organisation of the compound.")
    starts_at: Moment
    ends_at: Moment
    place: text(120)
    public: bool = Field(True, description="Open to residents (public calendar and minutes).")
    invited_organisation_ids: list[Id] = []
    invited_person_ids: list[Id] = []
    topic_ids: list[Id] = Field([], description="Agenda: topics of the compound, in order.")
    items: list[text(120)] = Field([], description="Agenda: free items after the topics.")


class MeetingPatchIn(Schema):
    kind: MeetingKind | None = None
    title: text(120) | None = None
    description: text(4000) | None = None
    organiser_id: Id | None = Field(None, description="Omit to keep; null clears it.")
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    place: text(120) | None = None
    public: bool | None = None
    invited_organisation_ids: list[Id] | None = None
    invited_person_ids: list[Id] | None = None
    topic_ids: list[Id] | None = Field(
        None, description="With `items`, replaces the agenda; omit both to keep it."
    )
    items: list[text(120)] | None = None


class MeetingCancelIn(Schema):
    reason: text(200) = ""


class MeetingAttendanceIn(Schema):
    person_id: Id | None = Field(None, description="A person registered in the compound.")
    name: text(60) = Field("", description="A guest's name, without `person_id`.")
    organisation_id: Id | None = None


class MeetingAttendanceOut(Schema):
    id: int
    meeting_id: int
    person_id: int | None
    name: str
    organisation_id: int | None
    method: str
    at: datetime


class MinutesIn(Schema):
    minutes: text(100_000)
    publish: bool | None = Field(
        None, description="true publishes (masked for residents), false withdraws, null keeps."
    )


class MinutesRequestIn(Schema):
    reason: text(200)


class MinutesDecisionIn(Schema):
    grant: bool
    answer: text(200) = ""


class MinutesRequestOut(Schema):
    id: int
    meeting_id: int
    status: str
    reason: str
    answer: str
    decided_at: datetime | None


class ResolutionIn(Schema):
    text: text(4000)
    meeting_id: Id | None = None
    topic_id: Id | None = Field(None, description="A topic in discussion becomes resolved.")
    responsible_organisation_id: Id | None = None
    responsible_person_id: Id | None = None
    due_on: date | None = None


class ResolutionPatchIn(Schema):
    status: ResolutionStatus
    outcome: text(4000) = ""


class TaskIn(Schema):
    title: text(160)
    owner_id: Id | None = Field(None, description="A staff user of the compound.")
    owner_organisation_id: Id | None = None
    due_on: date


class TaskDoneIn(Schema):
    note: text(200) = ""


class _renamed:
    """Report a service's errors under the body's field names (`organiser` → `organiser_id`)."""

    def __init__(self, names: dict[str, str]):
        self.names = names

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            raise ValidationError(
                {self.names.get(k, k): v for k, v in exc.error_dict.items()}
            ) from exc
        return False


MEETING_FIELD_NAMES = {
    "organiser": "organiser_id",
    "invited_organisations": "invited_organisation_ids",
    "invited_people": "invited_person_ids",
    "agenda": "topic_ids",
}


def _manage_compound(user, code: str):
    compound = selectors.compound_or_404(code)
    services.require_manage(user, compound)
    return compound


def _managed_meeting(user, meeting_id: int) -> Meeting:
    """A meeting the caller may manage; 404 for anyone else."""
    found = Meeting.objects.select_related("compound").filter(pk=meeting_id).first()
    if found is None:
        raise Http404
    services.require_manage(user, found.compound)
    return selectors.meeting_for_staff(user, found.compound, meeting_id)


def _ids(queryset, ids, field: str, message: str) -> list:
    """The rows of `queryset` with these ids, in order; a 422 on `field` if any is missing."""
    if not ids:
        return []
    found = queryset.in_bulk(list(ids))
    if len(found) != len(set(ids)):
        raise ValidationError({field: message})
    return [found[i] for i in dict.fromkeys(ids)]


def _one(queryset, pk, field: str, message: str):
    return _ids(queryset, [pk], field, message)[0] if pk is not None else None


def _orgs(compound):
    from ..forms_meetings import compound_orgs

    return compound_orgs(compound)


def _people(compound):
    from mulin.people.models import Person

    return Person.objects.filter(compound=compound)


def _meeting_refs(compound, *, organiser_id, org_ids, person_ids, topic_ids, items) -> dict:
    from ..models import Topic

    refs = {}
    if organiser_id is not ...:
        refs["organiser"] = _one(
            _orgs(compound),
            organiser_id,
            "organiser_id",
            _("The organiser must be an organisation of this compound."),
        )
    if org_ids is not None:
        refs["invited_organisations"] = _ids(
            _orgs(compound),
            org_ids,
            "invited_organisation_ids",
            _("Invite organisations of this compound or its community."),
        )
    if person_ids is not None:
        refs["invited_people"] = _ids(
            _people(compound),
            person_ids,
            "invited_person_ids",
            _("Invite people registered in this compound."),
        )
    if topic_ids is not None or items is not None:
        topics = _ids(
            Topic.objects.filter(compound=compound),
            topic_ids or [],
            "topic_ids",
            _("Agenda topics must be of this compound."),
        )
        refs["agenda"] = [(t, t.title) for t in topics] + [(None, i) for i in items or [] if i]
    return refs


def _meeting_answer(user, meeting: Meeting, status: int) -> Status:
    meeting = selectors.meeting_for_staff(user, meeting.compound, meeting.pk)
    return Status(status, MeetingDetailOut(**_meeting_detail(user, meeting)))


@router.post(
    "/compounds/{code}/meetings",
    response=responses(201, MeetingDetailOut, write=True),
    summary="Schedule a meeting (staff)",
)
@idempotent
def meeting_create(request, code: str, payload: MeetingIn):
    """Schedule a meeting with its agenda: `topic_ids` (a selected topic moves to discussion)
    then free `items`. `deliberation.manage`; others get 404."""
    user = request.auth
    compound = _manage_compound(user, code)
    refs = _meeting_refs(
        compound,
        organiser_id=payload.organiser_id,
        org_ids=payload.invited_organisation_ids,
        person_ids=payload.invited_person_ids,
        topic_ids=payload.topic_ids,
        items=payload.items,
    )
    with _renamed(MEETING_FIELD_NAMES):
        meeting = services.meeting_create(
            actor=user,
            compound=compound,
            kind=payload.kind,
            title=payload.title,
            description=payload.description,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            place=payload.place,
            public=payload.public,
            **refs,
        )
    return _meeting_answer(user, meeting, 201)


@router.patch(
    "/meetings/{meeting_id}",
    response=responses(200, MeetingDetailOut, write=True),
    summary="Change a meeting (staff)",
)
@idempotent
def meeting_update(request, meeting_id: Id, payload: MeetingPatchIn):
    """Change the fields given; the others are kept. Calendars get the new version."""
    user = request.auth
    meeting = _managed_meeting(user, meeting_id)
    given = payload.model_fields_set
    refs = _meeting_refs(
        meeting.compound,
        organiser_id=payload.organiser_id if "organiser_id" in given else ...,
        org_ids=payload.invited_organisation_ids,
        person_ids=payload.invited_person_ids,
        topic_ids=payload.topic_ids,
        items=payload.items,
    )
    refs.setdefault("organiser", meeting.organiser)
    refs.setdefault("invited_organisations", list(meeting.invited_organisations.all()))
    refs.setdefault("invited_people", list(meeting.invited_people.all()))
    fields = {}
    for name in ("kind", "title", "description", "starts_at", "ends_at", "place", "public"):
        value = getattr(payload, name)
        fields[name] = getattr(meeting, name) if value is None else value
    with _renamed(MEETING_FIELD_NAMES):
        meeting = services.meeting_update(actor=user, meeting=meeting, **fields, **refs)
    return _meeting_answer(user, meeting, 200)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response=responses(200, MeetingDetailOut, write=True),
    summary="Cancel a meeting (staff)",
)
@idempotent
def meeting_cancel(request, meeting_id: Id, payload: MeetingCancelIn | None = None):
    user = request.auth
    meeting = _managed_meeting(user, meeting_id)
    reason = payload.reason if payload is not None else ""
    meeting = services.meeting_cancel(actor=user, meeting=meeting, reason=reason)
    return _meeting_answer(user, meeting, 200)


@router.post(
    "/meetings/{meeting_id}/attendance",
    response=responses(201, MeetingAttendanceOut, write=True),
    summary="Record who came (staff)",
)
@idempotent
def meeting_attendance(request, meeting_id: Id, payload: MeetingAttendanceIn):
    """A registered person (`person_id`) or a guest (`name`), optionally for an organisation."""
    user = request.auth
    meeting = _managed_meeting(user, meeting_id)
    compound = meeting.compound
    person = _one(
        _people(compound),
        payload.person_id,
        "person_id",
        _("Choose a person registered in this compound."),
    )
    organisation = _one(
        _orgs(compound),
        payload.organisation_id,
        "organisation_id",
        _("Choose an organisation of this compound."),
    )
    with _renamed({"person": "person_id", "organisation": "organisation_id"}):
        row = services.attendance_record(
            actor=user, meeting=meeting, person=person, name=payload.name, organisation=organisation
        )
    return Status(
        201,
        MeetingAttendanceOut(
            id=row.pk,
            meeting_id=meeting.pk,
            person_id=row.person_id,
            name=row.name,
            organisation_id=row.organisation_id,
            method=row.method,
            at=row.at,
        ),
    )


@router.post(
    "/meetings/{meeting_id}/minutes",
    response=responses(200, MeetingDetailOut, write=True),
    summary="Write the minutes (staff)",
)
@idempotent
def meeting_minutes(request, meeting_id: Id, payload: MinutesIn):
    """Replace the minutes; `publish` true publishes them (masked for residents), false
    withdraws them, null leaves that as it is. Published once the meeting has started."""
    user = request.auth
    meeting = _managed_meeting(user, meeting_id)
    meeting = services.minutes_save(
        actor=user, meeting=meeting, minutes=payload.minutes, publish=payload.publish
    )
    return _meeting_answer(user, meeting, 200)


def _minutes_request_row(r: MinutesRequest) -> MinutesRequestOut:
    return MinutesRequestOut(
        id=r.pk,
        meeting_id=r.meeting_id,
        status=r.status,
        reason=r.reason,
        answer=r.answer,
        decided_at=r.decided_at,
    )


@router.post(
    "/meetings/{meeting_id}/minutes-requests",
    response=responses(201, MinutesRequestOut, write=True),
    summary="Ask to read the full minutes (owners)",
)
@idempotent
def minutes_request_create(request, meeting_id: Id, payload: MinutesRequestIn):
    """An owner of the compound asks to consult the full (unmasked) minutes; staff answer."""
    user = request.auth
    found = Meeting.objects.select_related("compound").filter(pk=meeting_id).first()
    if found is None:
        raise Http404
    compound, staff = _reach(user, found.compound.code)
    if staff:
        meeting = selectors.meeting_for_staff(user, compound, meeting_id)
    else:
        meeting = selectors.public_meeting(compound, meeting_id)
    asked = services.minutes_request_create(actor=user, meeting=meeting, reason=payload.reason)
    return Status(201, _minutes_request_row(asked))


@router.post(
    "/minutes-requests/{request_id}/decision",
    response=responses(200, MinutesRequestOut, write=True),
    summary="Grant or refuse a minutes request (staff)",
)
@idempotent
def minutes_request_decide(request, request_id: Id, payload: MinutesDecisionIn):
    """Refusing needs an `answer` (sent to the owner). `deliberation.manage`; others get 404."""
    user = request.auth
    asked = MinutesRequest.objects.select_related("meeting__compound").filter(pk=request_id).first()
    if asked is None:
        raise Http404
    services.require_manage(user, asked.meeting.compound)
    asked = services.minutes_request_decide(
        actor=user, request=asked, grant=payload.grant, answer=payload.answer
    )
    return Status(200, _minutes_request_row(asked))


def _resolution_answer(user, resolution, status: int) -> Status:
    from django.utils import timezone

    found = selectors.resolution_for_staff(user, resolution.compound, resolution.pk)
    return Status(status, ResolutionOut(**_resolution_row(found, timezone.localdate())))


def _managed_resolution(user, resolution_id: int):
    from ..models import Resolution

    found = Resolution.objects.select_related("compound").filter(pk=resolution_id).first()
    if found is None:
        raise Http404
    services.require_manage(user, found.compound)
    return found


@router.post(
    "/compounds/{code}/resolutions",
    response=responses(201, ResolutionOut, write=True),
    summary="Record a resolution (staff)",
)
@idempotent
def resolution_create(request, code: str, payload: ResolutionIn):
    """What a meeting (`meeting_id`) or the committee decided; a topic in discussion becomes
    resolved. `deliberation.manage`; others get 404."""
    from ..models import Topic

    user = request.auth
    compound = _manage_compound(user, code)
    meeting = _one(
        Meeting.objects.filter(compound=compound),
        payload.meeting_id,
        "meeting_id",
        _("Choose a meeting of this compound."),
    )
    topic = _one(
        Topic.objects.filter(compound=compound),
        payload.topic_id,
        "topic_id",
        _("Choose a topic of this compound."),
    )
    organisation = _one(
        _orgs(compound),
        payload.responsible_organisation_id,
        "responsible_organisation_id",
        _("Choose an organisation of this compound."),
    )
    person = _one(
        _people(compound),
        payload.responsible_person_id,
        "responsible_person_id",
        _("Choose a person registered in this compound."),
    )
    with _renamed(
        {
            "meeting": "meeting_id",
            "topic": "topic_id",
            "responsible_organisation": "responsible_organisation_id",
            "responsible_person": "responsible_person_id",
        }
    ):
        resolution = services.resolution_create(
            actor=user,
            compound=compound,
            text=payload.text,
            meeting=meeting,
            topic=topic,
            responsible_organisation=organisation,
            responsible_person=person,
            due_on=payload.due_on,
        )
    return _resolution_answer(user, resolution, 201)


@router.patch(
    "/resolutions/{resolution_id}",
    response=responses(200, ResolutionOut, write=True),
    summary="Update a resolution's status (staff)",
)
@idempotent
def resolution_update(request, resolution_id: Id, payload: ResolutionPatchIn):
    """`status` open, in_progress, done…, with the `outcome` so far."""
    user = request.auth
    resolution = _managed_resolution(user, resolution_id)
    resolution = services.resolution_update(
        actor=user, resolution=resolution, status=payload.status, outcome=payload.outcome
    )
    return _resolution_answer(user, resolution, 200)


@router.post(
    "/resolutions/{resolution_id}/tasks",
    response=responses(201, TaskOut, write=True),
    summary="Add a task to a resolution (staff)",
)
@idempotent
def task_create(request, resolution_id: Id, payload: TaskIn):
    """Who does it: `owner_id` (a staff user of the compound, notified) and/or
    `owner_organisation_id`."""
    from django.utils import timezone

    from mulin.core.models import User

    user = request.auth
    resolution = _managed_resolution(user, resolution_id)
    owner = _one(
        User.objects.all(),
        payload.owner_id,
        "owner_id",
        _("The person doing it must be staff of this compound."),
    )
    organisation = _one(
        _orgs(resolution.compound),
        payload.owner_organisation_id,
        "owner_organisation_id",
        _("Choose an organisation of this compound."),
    )
    with _renamed({"owner": "owner_id", "owner_organisation": "owner_organisation_id"}):
        task = services.task_create(
            actor=user,
            resolution=resolution,
            title=payload.title,
            due_on=payload.due_on,
            owner=owner,
            owner_organisation=organisation,
        )
    task = Task.objects.select_related("owner_organisation").get(pk=task.pk)
    return Status(201, TaskOut(**_task_row(task, timezone.localdate())))


@router.post(
    "/tasks/{task_id}/done",
    response=responses(200, TaskOut, write=True),
    summary="Mark a task done",
)
@idempotent
def task_done(request, task_id: Id, payload: TaskDoneIn | None = None):
    """The task's owner, or staff with `deliberation.manage`; others get 404."""
    from django.utils import timezone

    user = request.auth
    task = (
        Task.objects.select_related("resolution__compound", "owner_organisation")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not access.can_in_compound(
        user, access.DELIBERATION_VIEW, task.resolution.compound
    ):
        raise Http404
    note = payload.note if payload is not None else ""
    task = services.task_done(actor=user, task=task, note=note)
    task = Task.objects.select_related("owner_organisation").get(pk=task.pk)
    return Status(200, TaskOut(**_task_row(task, timezone.localdate())))
