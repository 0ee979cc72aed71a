"""Reads of meetings, resolutions and tasks; each list in a fixed number of queries."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from mulin.core import access
from mulin.places.models import Compound

from .models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingAttachment,
    MeetingStatus,
    MinutesRequest,
    Resolution,
    Task,
)


def compound_or_404(code: str) -> Compound:
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None:
        raise Http404
    return compound


def _with_counts(rows: QuerySet) -> QuerySet:
    return (
        rows.select_related("organiser")
        .annotate(
            attendance_count=Count("attendance", distinct=True),
            resolution_count=Count("resolutions", distinct=True),
        )
        .order_by("-starts_at", "-id")
    )


def staff_meetings(user, compound: Compound) -> QuerySet:
    """Every meeting of the compound for its staff (internal ones too), newest first."""
    rows = access.visible(user, access.DELIBERATION_VIEW, Meeting.objects.filter(compound=compound))
    return _with_counts(rows)


def public_meetings(compound: Compound) -> QuerySet:
    return _with_counts(Meeting.objects.filter(compound=compound, public=True))


def meeting_for_staff(user, compound: Compound, meeting_id: int) -> Meeting:
    return access.get_or_404(
        user,
        access.DELIBERATION_VIEW,
        Meeting.objects.filter(compound=compound).select_related("organiser", "compound"),
        pk=meeting_id,
    )


def public_meeting(compound: Compound, meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.filter(compound=compound, public=True, pk=meeting_id)
        .select_related("organiser", "compound")
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def agenda(meeting: Meeting) -> list[AgendaItem]:
    return list(meeting.agenda.select_related("topic"))


def attendance(meeting: Meeting) -> list[Attendance]:
    return list(meeting.attendance.select_related("person", "organisation", "recorded_by"))


def attachments(meeting: Meeting, *, public_only: bool) -> list[MeetingAttachment]:
    rows = meeting.attachments.all()
    return list(rows.filter(public=True) if public_only else rows)


def minutes_requests(meeting: Meeting) -> list[MinutesRequest]:
    return list(meeting.minutes_requests.select_related("requester", "decided_by"))


def resolutions_qs() -> QuerySet:
    return Resolution.objects.select_related(
        "meeting", "topic", "responsible_organisation", "responsible_person", "motion"
    ).prefetch_related(
        Prefetch("tasks", queryset=Task.objects.select_related("owner", "owner_organisation"))
    )


def meeting_resolutions(meeting: Meeting) -> list[Resolution]:
    return list(resolutions_qs().filter(meeting=meeting).order_by("created_at", "id"))


def staff_resolutions(user, compound: Compound) -> QuerySet:
    return access.visible(
        user, access.DELIBERATION_VIEW, resolutions_qs().filter(compound=compound)
    )


def resolution_for_staff(user, compound: Compound, resolution_id: int) -> Resolution:
    return access.get_or_404(
        user, access.DELIBERATION_VIEW, resolutions_qs().filter(compound=compound), pk=resolution_id
    )


TASK_FILTERS = ("mine", "overdue", "open", "all")


def tasks(user, compound: Compound, which: str = "open", today: date | None = None) -> QuerySet:
    """Tasks of the compound's resolutions: mine (open, mine), overdue, open, or all."""
    today = today or timezone.localdate()
    rows = access.visible(
        user,
        access.DELIBERATION_VIEW,
        Task.objects.filter(resolution__compound=compound).select_related(
            "resolution", "resolution__meeting", "owner", "owner_organisation", "done_by"
        ),
    )
    if which == "mine":
        rows = rows.filter(owner=user, done_at__isnull=True)
    elif which == "overdue":
        rows = rows.filter(done_at__isnull=True, due_on__lt=today)
    elif which == "open":
        rows = rows.filter(done_at__isnull=True)
    return rows.order_by("done_at", "due_on", "id")


def task_counts(user, compound: Compound, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    rows = access.visible(
        user, access.DELIBERATION_VIEW, Task.objects.filter(resolution__compound=compound)
    )
    return rows.aggregate(
        mine=Count("id", filter=Q(owner=user, done_at__isnull=True)),
        overdue=Count("id", filter=Q(done_at__isnull=True, due_on__lt=today)),
        open=Count("id", filter=Q(done_at__isnull=True)),
        all=Count("id"),
    )


def upcoming_public(compound: Compound, limit: int = 5) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            compound=compound,
            public=True,
            status=MeetingStatus.PLANNED,
            ends_at__gte=timezone.now(),
        ).order_by("starts_at")[:limit]
    )
