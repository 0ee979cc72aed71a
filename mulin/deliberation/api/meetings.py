"""API of deliberation: meetings, the compound's calendar, resolutions and tasks, QR sign-in.

- Meetings: residents of the compound see the meetings open to residents (public fields, the
  minutes masked once published); staff with `deliberation.view` see every meeting.
- Resolutions and tasks: staff only.
- Anyone else (another compound's staff or residents) gets 404, like a missing compound.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from mulin.core import access
from mulin.core.api import idempotent
from mulin.core.schemas import MessageOut, PageParams, page_of, paginate, responses

from .. import calendar
from .. import minutes as minutes_format
from .. import selectors_meetings as selectors
from .. import services_meetings as services
from ..models import Meeting

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
    full = services.may_read_full_minutes(request.auth, meeting)
    text = ""
    if full:
        text = meeting.minutes
    elif meeting.minutes_published_at:
        text = minutes_format.public_text(meeting)
    return _meeting_row(meeting) | {
        "description": meeting.description,
        "agenda": [
            {"position": i.position, "title": i.title, "topic_id": i.topic_id}
            for i in selectors.agenda(meeting)
        ],
        "minutes": text,
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
    result["items"] = [
        {
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
        for r in result["items"]
    ]
    return result


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
