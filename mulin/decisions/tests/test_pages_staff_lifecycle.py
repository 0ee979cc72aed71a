"""The lifecycle buttons of the vote page walk a vote through every state, with time frozen
where the law fixes a moment; each page offers exactly the moves the state allows, and a move
refused by the service (too early, no reason) shows its message and leaves the vote as it was."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mulin.decisions import ballots, services
from mulin.decisions.models import MotionKind, Vote
from mulin.decisions.states import Move, VoteStatus, allowed_moves

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def page(world, vote) -> str:
    return reverse("decisions:staff_vote", args=[world.compound.code, vote.pk])


def move(client, world, vote, name, data=None):
    url = reverse("decisions:staff_vote_act", args=[world.compound.code, vote.pk, name])
    return client.post(url, data or {})


def status(vote) -> str:
    return Vote.objects.get(pk=vote.pk).status


def offered_moves(html: str) -> set[str]:
    return {m for m in Move.values if f"Yes: {Move(m).label}" in html}


def assert_offers_exactly_the_allowed_moves(client, world, vote):
    html = client.get(page(world, vote)).content.decode()
    assert offered_moves(html) == set(allowed_moves(status(vote)))
    return html


def test_buttons_walk_a_vote_through_every_state(world, hall, login):
    committee = hall.committee
    client = login(committee)
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)

    html = assert_offers_exactly_the_allowed_moves(client, world, vote)
    assert "After this nothing can be added or changed." in html
    response = move(client, world, vote, "publish")
    assert response.status_code == 302 and response.url.endswith("#lifecycle")
    assert status(vote) == VoteStatus.PUBLISHED
    assert (
        "7 owners with 720.00 m² are entitled to vote" in client.get(response.url).content.decode()
    )
    assert_offers_exactly_the_allowed_moves(client, world, vote)

    vote.refresh_from_db()
    with time_machine.travel(vote.opens_at - timedelta(hours=1), tick=False):
        client = login(committee)
        html = client.get(page(world, vote)).content.decode()
        assert "as the notice said; not before." in html  # the hint, before trying
        response = move(client, world, vote, "open")
        assert response.status_code == 400
        assert "as the notice said." in response.content.decode()
        assert status(vote) == VoteStatus.PUBLISHED

    with time_machine.travel(vote.opens_at + timedelta(minutes=1), tick=False):
        client = login(committee)
        assert move(client, world, vote, "open").status_code == 302
        assert status(vote) == VoteStatus.OPEN
        html = assert_offers_exactly_the_allowed_moves(client, world, vote)
        assert "Turnout so far" in html
        ballots.ballot_cast(
            actor=world.resident,
            vote=vote,
            elector=vote.electors.get(people=world.resident_person),
            choices={key: "no"},
        )
        response = move(client, world, vote, "close")
        assert response.status_code == 400
        assert "it cannot close earlier." in response.content.decode()
        assert status(vote) == VoteStatus.OPEN

    with time_machine.travel(vote.closes_at + timedelta(minutes=1), tick=False):
        client = login(committee)
        assert move(client, world, vote, "close").status_code == 302
        assert status(vote) == VoteStatus.CLOSED
        html = assert_offers_exactly_the_allowed_moves(client, world, vote)
        assert "Result due by" in html
        assert move(client, world, vote, "tally").status_code == 302
        assert status(vote) == VoteStatus.TALLIED
        assert len(Vote.objects.get(pk=vote.pk).tally_sha256) == 64
        assert_offers_exactly_the_allowed_moves(client, world, vote)
        assert move(client, world, vote, "publish_result").status_code == 302
        assert status(vote) == VoteStatus.RESULT_PUBLISHED
        html = assert_offers_exactly_the_allowed_moves(client, world, vote)
        assert "On public show until" in html
        response = move(client, world, vote, "archive")
        assert response.status_code == 400
        assert "The result stays on public show until" in response.content.decode()
        assert status(vote) == VoteStatus.RESULT_PUBLISHED

    with time_machine.travel(vote.closes_at + timedelta(days=16), tick=False):
        client = login(committee)
        assert move(client, world, vote, "archive").status_code == 302
        assert status(vote) == VoteStatus.ARCHIVED
        html = assert_offers_exactly_the_allowed_moves(client, world, vote)
        assert offered_moves(html) == set()


def test_a_move_the_state_does_not_allow_is_refused(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    response = move(login(world.staff), world, vote, "tally")
    assert response.status_code == 400
    assert "cannot be moved to" in response.content.decode()
    assert status(vote) == VoteStatus.DRAFT


def test_publishing_without_motions_is_refused(world, hall, login):
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="空表决",
        opens_at=START + timedelta(days=16),
        closes_at=START + timedelta(days=23),
    )
    response = move(login(world.staff), world, vote, "publish")
    assert response.status_code == 400
    assert "Add at least one motion before publishing." in response.content.decode()
    assert status(vote) == VoteStatus.DRAFT
    assert not vote.electors.exists()


def test_publishing_an_election_without_candidates_is_refused(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业委会",
        seats=5,
        alternate_seats=0,
    )
    response = move(login(world.staff), world, vote, "publish")
    assert response.status_code == 400
    assert "has no candidates." in response.content.decode()
    assert status(vote) == VoteStatus.DRAFT


def test_cancel_needs_a_reason(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    client = login(world.staff)
    response = move(client, world, vote, "cancel", {"cancel-reason": "  "})
    assert response.status_code == 400
    assert "Say why the vote is cancelled." in response.content.decode()
    assert status(vote) == VoteStatus.DRAFT


def test_cancel_during_the_notice_shows_the_reason(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(world.staff)
    assert (
        move(client, world, vote, "cancel", {"cancel-reason": "物业合同已续签"}).status_code == 302
    )
    assert status(vote) == VoteStatus.CANCELLED
    html = client.get(page(world, vote)).content.decode()
    assert "物业合同已续签" in html
    assert offered_moves(html) == set()


def test_turnout_while_open_shows_who_voted_never_how(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    vote = vote_at(
        VoteStatus.OPEN,
        world.staff,
        world.compound,
        vote,
        cast=[(hall.users[0], {key: "yes"}), (hall.users[6], {key: "no"})],
    )
    with time_machine.travel(vote.opens_at + timedelta(hours=2), tick=False):
        response = login(world.staff).get(page(world, vote))
    html = response.content.decode()
    assert "2 of 7 owners" in html
    assert "28.57 %" in html  # 2/7 exactly, two decimals
    assert "260.00 of 720.00 m²" in html and "36.11 %" in html
    assert "Voting closes" in html and "in 6" in html  # closes in 6 days and some hours


def test_window_ended_but_still_open_says_to_close(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    with time_machine.travel(vote.closes_at + timedelta(hours=1), tick=False):
        html = login(world.staff).get(page(world, vote)).content.decode()
    assert "The window has ended: close voting" in html


def test_late_result_is_flagged(world, hall, login):
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound)
    with time_machine.travel(vote.closed_at + timedelta(days=2), tick=False):
        html = login(world.staff).get(page(world, vote)).content.decode()
        assert "late by" not in html
    with time_machine.travel(vote.closed_at + timedelta(days=4), tick=False):
        html = login(world.staff).get(page(world, vote)).content.decode()
    assert "late by" in html
    assert "count the ballots and publish the result now" in html
