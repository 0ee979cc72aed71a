from datetime import UTC, timedelta

from icalendar import Calendar

from mulin.deliberation import calendar
from mulin.deliberation import services_meetings as services

from .test_meetings_common import add_meeting


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_feed_lists_public_meetings_in_utc_without_login(client, world):
    meeting = add_meeting(world)
    internal = add_meeting(world, public=False, title="内部会议")
    events = _events(client.get(f"/c/{world.compound.code}/calendar.ics"))
    assert str(meeting.uid) in events
    assert str(internal.uid) not in events
    event = events[str(meeting.uid)]
    assert str(event["summary"]) == meeting.title
    assert str(event["location"]) == "社区活动室"
    start = event["dtstart"].dt
    assert start.utcoffset() == timedelta(0)
    assert start == meeting.starts_at.astimezone(UTC)
    assert event["dtend"].dt == meeting.ends_at.astimezone(UTC)
    assert str(event["status"]) == "CONFIRMED"


def test_change_raises_sequence_and_cancel_marks_cancelled(client, world):
    meeting = add_meeting(world)
    services.meeting_update(
        actor=world.staff,
        meeting=meeting,
        kind=meeting.kind,
        title="改期：睦邻圆桌会",
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        place=meeting.place,
    )
    invite = _events(client.get(f"/c/{world.compound.code}/meetings/{meeting.pk}/invite.ics"))
    event = invite[str(meeting.uid)]
    assert int(event["sequence"]) == 1
    assert str(event["summary"]) == "改期：睦邻圆桌会"
    services.meeting_cancel(actor=world.staff, meeting=meeting, reason="台风")
    event = _events(client.get(f"/c/{world.compound.code}/calendar.ics"))[str(meeting.uid)]
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2


def test_other_compounds_meetings_stay_out_of_the_feed(client, world):
    add_meeting(world)
    events = _events(client.get(f"/c/{world.other.code}/calendar.ics"))
    assert events == {}


def test_internal_invitation_is_404_for_the_public(client, login, world):
    internal = add_meeting(world, public=False)
    url = f"/c/{world.compound.code}/meetings/{internal.pk}/invite.ics"
    assert client.get(url).status_code == 404
    assert login(world.staff).get(url).status_code == 200


def test_sources_can_be_registered(world):
    from mulin.deliberation.calendar import Event

    meeting = add_meeting(world)

    def sessions(compound):
        yield Event(
            uid="session-1",
            summary="理发服务",
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
        )

    calendar.register(sessions)
    try:
        uids = {e.uid for e in calendar.events(world.compound)}
        assert {"session-1", str(meeting.uid)} <= uids
    finally:
        calendar.SOURCES.remove(sessions)
