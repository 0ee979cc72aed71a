"""Extraordinary-meeting requests for staff: support against 20 % of the area and 20 % of the
owners, compared exactly; a reached request is convened as a draft extraordinary vote."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.decisions import services
from mulin.decisions.models import MeetingKind, MeetingRequest, Vote
from mulin.decisions.states import VoteStatus

from .conftest import START

pytestmark = pytest.mark.django_db


def url(world) -> str:
    return reverse("decisions:staff_meeting_requests", args=[world.compound.code])


def convene_url(world, request) -> str:
    return reverse(
        "decisions:staff_meeting_request_convene", args=[world.compound.code, request.pk]
    )


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def collecting(world, hall):
    """Started by owner 1 (100 m² of 720, 1 of 7 owners): below both thresholds."""
    return services.meeting_request_start(
        actor=hall.users[1], compound=world.compound, title="罢免物业", reason="服务差"
    )


@pytest.fixture
def reached(world, hall, collecting):
    """Owner 1 and the buyer of two homes: 260 m² of 720 (36.11 %), 2 of 7 (28.57 %)."""
    services.meeting_request_support(actor=hall.users[6], request=collecting)
    collecting.refresh_from_db()
    assert collecting.state == MeetingRequest.State.REACHED
    return collecting


def test_support_is_shown_against_both_thresholds(world, hall, collecting, login):
    response = login(world.staff).get(url(world))
    html = response.content.decode()
    row = response.context["rows"][0]
    assert (row.area_percent, row.owners_percent) == ("13.89", "14.29")
    assert not row.area_met and not row.owners_met
    assert "100.00 of 720.00 m²" in html and "1 of 7" in html
    assert "Collecting support" in html
    assert "Convene the meeting" not in html
    assert "业**" in html  # who started it, masked


def test_one_threshold_is_not_enough(world, hall, login):
    # The buyer of two homes alone: 160 of 720 m² (22.22 %, enough) but 1 of 7 owners (not).
    services.meeting_request_start(
        actor=hall.users[6], compound=world.compound, title="增设电梯", reason="老人上楼难"
    )
    response = login(world.staff).get(url(world))
    row = response.context["rows"][0]
    assert (row.area_met, row.owners_met) == (True, False)
    assert (row.area_percent, row.owners_percent) == ("22.22", "14.29")
    assert row.request.state == MeetingRequest.State.COLLECTING
    assert "Convene the meeting" not in response.content.decode()


def test_reached_request_is_convened_as_a_draft_extraordinary_vote(world, hall, reached, login):
    client = login(hall.committee)
    html = client.get(url(world)).content.decode()
    assert "36.11 %" in html and "28.57 %" in html
    assert "Threshold reached: a meeting is due" in html
    assert "Convene the meeting" in html
    opens = timezone.localtime(START + timedelta(days=10)).replace(second=0)
    response = client.post(
        convene_url(world, reached),
        {
            f"r{reached.pk}-title": "临时业主大会：罢免物业",
            f"r{reached.pk}-opens_at": local(opens),
            f"r{reached.pk}-closes_at": local(opens + timedelta(days=7)),
        },
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("decisions:staff_vote", args=[world.compound.code, vote.pk])
    assert vote.status == VoteStatus.DRAFT
    assert vote.meeting_kind == MeetingKind.EXTRAORDINARY
    assert vote.meeting_request == reached
    assert vote.description == "服务差"
    reached.refresh_from_db()
    assert reached.state == MeetingRequest.State.CONVENED
    page = client.get(url(world)).content.decode()
    assert "临时业主大会：罢免物业" in page and "Meeting convened" in page


def test_convene_with_bad_dates_changes_nothing(world, hall, reached, login):
    opens = START + timedelta(days=10)
    response = login(world.staff).post(
        convene_url(world, reached),
        {
            f"r{reached.pk}-title": "临时业主大会",
            f"r{reached.pk}-opens_at": local(opens),
            f"r{reached.pk}-closes_at": local(opens - timedelta(days=1)),
        },
    )
    assert response.status_code == 400
    assert "Voting must close after it opens." in response.content.decode()
    assert not Vote.objects.exists()
    reached.refresh_from_db()
    assert reached.state == MeetingRequest.State.REACHED


def test_a_request_still_collecting_cannot_be_convened(world, hall, collecting, login):
    opens = START + timedelta(days=10)
    response = login(world.staff).post(
        convene_url(world, collecting),
        {
            f"r{collecting.pk}-title": "临时业主大会",
            f"r{collecting.pk}-opens_at": local(opens),
            f"r{collecting.pk}-closes_at": local(opens + timedelta(days=7)),
        },
    )
    assert response.status_code == 400
    assert "Only a request that reached its threshold is convened." in response.content.decode()
    assert not Vote.objects.exists()


def test_a_viewer_sees_requests_but_cannot_convene(world, hall, reached, login):
    from mulin.core.models import Role
    from mulin.testing import factories as f

    secretary = f.UserFactory(username="secretary")
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)
    client = login(secretary)
    html = client.get(url(world)).content.decode()
    assert "罢免物业" in html and "Convene the meeting" not in html
    assert client.post(convene_url(world, reached), {}).status_code == 404


def test_no_requests_yet(world, hall, login):
    assert "No requests for a meeting." in login(world.staff).get(url(world)).content.decode()
