"""Calendars in iCalendar (RFC 5545): a meeting's invitation and a compound's public feed.

The feed is built from sources: a source is a function `source(compound) -> Iterable[Event]`
added with `register(source)`. Meetings are the first; other modules (service sessions, …) add
theirs the same way. Times go out in UTC (the stored value), so every client shows them in its
own zone — for a resident in the compound, Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as IcsEvent

PRODID = "-//Mulin//Compound calendar//ZH"
# How far back the feed goes: calendar clients keep what they already have.
FEED_PAST = timedelta(days=365)


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    cancelled: bool = False
    updated_at: datetime | None = None


Source = Callable[[object], Iterable[Event]]
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source of events to every compound's feed (usable as a decorator)."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def events(compound) -> list[Event]:
    found: list[Event] = []
    for source in SOURCES:
        found.extend(source(compound))
    return sorted(found, key=lambda e: (e.starts_at, e.uid))


def _ics_event(event: Event) -> IcsEvent:
    item = IcsEvent()
    item.add("uid", event.uid)
    item.add("dtstamp", (event.updated_at or timezone.now()).astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("summary", event.summary)
    item.add("sequence", event.sequence)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.location:
        item.add("location", event.location)
    if event.description:
        item.add("description", event.description)
    if event.url:
        item.add("url", event.url)
    return item


def to_ics(items: Iterable[Event], *, name: str = "", method: str = "PUBLISH") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in items:
        cal.add_component(_ics_event(event))
    return cal.to_ical()


def feed(compound) -> bytes:
    return to_ics(events(compound), name=compound.name)


# ---------------------------------------------------------------- meetings, the first source


def meeting_event(meeting) -> Event:
    from django.urls import reverse

    from .models import MeetingStatus

    url = reverse("deliberation:public_meeting", args=[meeting.compound.code, meeting.pk])
    return Event(
        uid=str(meeting.uid),
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        location=meeting.place,
        description=meeting.description,
        url=(settings.MULIN_SITE_URL or "").rstrip("/") + url,
        sequence=meeting.sequence,
        cancelled=meeting.status == MeetingStatus.CANCELLED,
        updated_at=meeting.updated_at,
    )


def meeting_invitation(meeting) -> bytes:
    return to_ics([meeting_event(meeting)])


@register
def public_meetings(compound) -> Iterable[Event]:
    from .models import Meeting

    since = timezone.now() - FEED_PAST
    rows = Meeting.objects.filter(compound=compound, public=True, ends_at__gte=since)
    for meeting in rows.select_related("compound"):
        yield meeting_event(meeting)
