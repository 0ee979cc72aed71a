"""The list of a compound's votes and the new-vote form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mulin.decisions.models import MeetingKind, Vote
from mulin.decisions.states import VoteStatus

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def list_url(world) -> str:
    return reverse("decisions:staff_votes", args=[world.compound.code])


def new_url(world) -> str:
    return reverse("decisions:vote_new", args=[world.compound.code])


def open_with_one_ballot(world) -> Vote:
    vote = draft_vote(world.staff, world.compound)
    choices = {str(first_motion(vote).pk): "yes"}
    return vote_at(
        VoteStatus.OPEN, world.staff, world.compound, vote, cast=[(world.resident, choices)]
    )


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- the list


def test_list_shows_status_window_and_ballots_against_the_electorate(world, hall, login):
    vote = open_with_one_ballot(world)
    draft_vote(world.staff, world.compound, title="下一次大会")
    page = login(world.staff).get(list_url(world)).content.decode()
    assert vote.title in page and "下一次大会" in page
    assert "Voting open" in page and "Draft" in page
    assert "1 / 7" in page  # one ballot of seven owner parties
    assert "not built yet" in page  # the draft has no electorate
    # Beijing time: stored UTC, shown +08:00.
    assert timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M") in page
    assert reverse("decisions:staff_vote", args=[world.compound.code, vote.pk]) in page


def test_list_links_the_rules_and_the_meeting_requests(world, hall, login):
    page = login(hall.committee).get(list_url(world)).content.decode()
    assert reverse("decisions:assembly", args=[world.compound.code]) in page
    assert reverse("decisions:staff_meeting_requests", args=[world.compound.code]) in page
    assert "New vote" in page


def test_list_without_votes_says_how_to_start(world, hall, login):
    page = login(world.staff).get(list_url(world)).content.decode()
    assert "No votes yet." in page


def test_list_is_paginated(world, hall, login):
    for i in range(27):
        draft_vote(world.staff, world.compound, title=f"表决{i:02d}")
    client = login(world.staff)
    first = client.get(list_url(world))
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(list_url(world), {"page": 2})
    assert len(second.context["page"].object_list) == 2


def test_list_query_count_does_not_grow_with_votes(
    world, hall, login, count_queries, django_assert_max_num_queries
):
    client = login(world.staff)
    open_with_one_ballot(world)
    with count_queries() as small:
        client.get(list_url(world))
    for i in range(3):
        vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
        draft_vote(world.staff, world.compound, title=f"草稿{i}")
    with django_assert_max_num_queries(14), count_queries() as large:
        response = client.get(list_url(world))
    assert len(response.context["page"].object_list) == 7
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- a new vote


def test_new_vote_page_explains_the_notice_rules(world, hall, login):
    world.compound.assembly_notice_days = 20
    world.compound.save()
    page = login(world.staff).get(new_url(world)).content.decode()
    assert "How much notice the owners get" in page
    assert "20 days" in page  # the compound's rule for a regular meeting
    assert "7 days" in page  # the assembly's rule for an extraordinary meeting
    assert "at least 15 days" in page  # elections
    assert "5–60 days" in page  # the window
    assert 'type="datetime-local"' in page


def test_new_vote_is_created_as_a_draft_in_beijing_time(world, hall, login):
    opens = timezone.localtime(START + timedelta(days=20)).replace(second=0)
    closes = opens + timedelta(days=7)
    response = login(world.staff).post(
        new_url(world),
        {
            "title": " 2026年第二次业主大会 ",
            "description": "表决外墙维修",
            "meeting_kind": MeetingKind.EXTRAORDINARY,
            "opens_at": local(opens),
            "closes_at": local(closes),
            "meeting_place": "活动室",
            "secret": "on",
            "online": "on",
        },
    )
    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("decisions:staff_vote", args=[world.compound.code, vote.pk])
    assert vote.title == "2026年第二次业主大会"
    assert vote.status == VoteStatus.DRAFT
    assert vote.meeting_kind == MeetingKind.EXTRAORDINARY
    assert vote.secret and vote.online
    assert vote.opens_at == opens  # typed as Beijing time, stored as the same instant
    assert timezone.localtime(vote.opens_at).utcoffset() == timedelta(hours=8)


def test_new_vote_closing_before_it_opens_is_refused(world, hall, login):
    opens = START + timedelta(days=20)
    response = login(world.staff).post(
        new_url(world),
        {
            "title": "表决",
            "meeting_kind": "regular",
            "opens_at": local(opens),
            "closes_at": local(opens - timedelta(days=1)),
        },
    )
    assert response.status_code == 400
    assert "Voting must close after it opens." in response.content.decode()
    assert not Vote.objects.exists()


def test_new_vote_without_title_or_dates_names_the_fields(world, hall, login):
    response = login(world.staff).post(
        new_url(world), {"title": "", "meeting_kind": "regular", "opens_at": "明天"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the vote a title." in page
    assert "Enter a date and time like 2026-05-01 09:00." in page
    assert "Give the date and time (Beijing time)." in page
    assert not Vote.objects.exists()


def test_compound_with_city_evoting_cannot_vote_online(world, hall, login):
    world.compound.requires_city_evoting = True
    world.compound.save()
    client = login(world.staff)
    page = client.get(new_url(world)).content.decode()
    assert "e-voting system: record paper and door-to-door ballots here" in page
    opens = START + timedelta(days=20)
    client.post(
        new_url(world),
        {
            "title": "表决",
            "meeting_kind": "regular",
            "opens_at": local(opens),
            "closes_at": local(opens + timedelta(days=7)),
            "online": "on",  # a disabled field: the posted value is ignored
        },
    )
    assert Vote.objects.get().online is False
