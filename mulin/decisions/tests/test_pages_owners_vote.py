"""One vote for an owner (`decisions:owner_vote`): who may see it, what it explains, the ballot
with its review step, and everything that must be refused without saving anything."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import NoReverseMatch, reverse

from mulin.core.models import Role
from mulin.decisions import ballots, services
from mulin.decisions.models import Ballot, Channel, MotionKind, Objection
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def url(vote) -> str:
    return reverse("decisions:owner_vote", args=[vote.pk])


def during(vote, hours: int = 2):
    """Time inside the vote's window (the fixtures open votes 16 days after START)."""
    return time_machine.travel(vote.opens_at + timedelta(hours=hours), tick=False)


def rich_draft(world, hall, **fields):
    """A draft with every kind of item an owner meets: an ordinary and a special motion, an
    election of 3 seats with 4 candidates, a one-answer question and a free-text question."""
    staff = world.staff
    vote = draft_vote(staff, world.compound, **fields)
    services.motion_add(
        actor=staff, vote=vote, kind=MotionKind.SPECIAL, matter="fund_raise", title="续筹维修资金"
    )
    election = services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举第二届业主委员会",
        seats=3,
        alternate_seats=1,
    )
    for i in range(1, 5):
        services.candidate_add(
            actor=staff, motion=election, person=hall.owners[i], statement=f"候选人{i}的自我介绍"
        )
    services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.SINGLE,
        title="议事会时间",
        options=["周六上午", "周日晚上"],
    )
    services.motion_add(actor=staff, vote=vote, kind=MotionKind.TEXT, title="其他建议")
    return vote


def full_ballot(vote, *, candidates=("c1", "c2")) -> dict:
    """POST data answering every item of `rich_draft`."""
    data = {}
    for motion in vote.motions.all():
        name = f"motion_{motion.pk}"
        if motion.kind in (MotionKind.ORDINARY, MotionKind.SPECIAL):
            data[name] = "yes" if motion.kind == MotionKind.ORDINARY else "no"
        elif motion.kind == MotionKind.ELECTION:
            data[name] = list(candidates)
        elif motion.kind == MotionKind.SINGLE:
            data[name] = "o2"
        elif motion.kind == MotionKind.TEXT:
            data[name] = "希望增加车位"
    return data


def tenant_user(world):
    person = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=world.unit, person=person, relation="tenant", is_head=False)
    user = f.UserFactory(username="tenant", person=person)
    f.grant(user, Role.RESIDENT, world.compound)
    return user


# --- access ------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    response = client.get(url(vote))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert login(world.outsider).get(url(vote)).status_code == 404


def test_tenant_gets_404(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert login(tenant_user(world)).get(url(vote)).status_code == 404


def test_owner_of_another_compound_gets_404(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    person = f.PersonFactory(compound=world.other)
    f.OwnershipFactory(unit=world.other_unit, person=person)
    elsewhere = f.UserFactory(person=person)
    f.grant(elsewhere, Role.RESIDENT, world.other)
    assert login(elsewhere).get(url(vote)).status_code == 404


def test_owner_sees_the_vote(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    response = login(world.resident).get(url(vote))
    assert response.status_code == 200
    assert vote.title in response.content.decode()


def test_a_draft_is_404_to_owners(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    assert login(world.resident).get(url(vote)).status_code == 404


def test_a_cancelled_vote_is_404_to_owners(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    services.vote_cancel(actor=world.staff, vote=vote, reason="议题调整")
    assert login(world.resident).get(url(vote)).status_code == 404


# --- what the page explains ------------------------------------------------------------------


def test_the_page_explains_every_item_with_its_rule(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound, rich_draft(world, hall))
    html = login(world.resident).get(url(vote)).content.decode()
    assert "Voting opens on" in html
    assert "more than 1/2 of the area taking part" in html
    assert "at least 3/4 of the" in html
    assert "at least 2/3 of all the area" in html
    assert "Civil Code Art. 278 (6)" in html  # raising the maintenance fund
    assert "Approve up to 3 candidates" in html
    assert "void" in html
    assert "候选人2的自我介绍" in html
    assert "周日晚上" in html
    assert "Open ballot" in html
    assert "at least 15 days" in html  # the election's notice rule


def test_my_entry_shows_only_my_own_home(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    html = login(hall.users[6]).get(url(vote)).content.decode()  # the buyer of two homes
    assert "64-1-201" in html and "64-1-202" in html
    assert "160.00" in html
    assert "Property register" in html
    assert "63-2-301" not in html  # world.resident's home
    assert "张三" not in html


def test_a_secret_vote_says_so(world, hall, login):
    vote = vote_at(
        VoteStatus.PUBLISHED,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, secret=True),
    )
    assert "Secret ballot" in login(world.resident).get(url(vote)).content.decode()


# --- voting online -----------------------------------------------------------------------------


def test_an_owner_votes_online_through_the_review_step(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound, rich_draft(world, hall))
    data = full_ballot(vote)
    with during(vote):
        client = login(world.resident)
        page = client.get(url(vote)).content.decode()
        assert 'value="review"' in page
        review = client.post(url(vote), {"action": "review", **data})
        assert review.status_code == 200
        text = review.content.decode()
        assert "You are about to vote:" in text
        assert "cannot be changed afterwards" in text
        assert "周日晚上" in text
        assert not Ballot.objects.exists()  # the review saves nothing

        done = client.post(url(vote), {"action": "confirm", **data}, follow=True)
    ballot = Ballot.objects.get()
    assert ballot.channel == Channel.ONLINE and ballot.voter == world.resident_person
    motions = {m.kind: str(m.pk) for m in vote.motions.all()}
    assert ballot.choices[motions[MotionKind.ORDINARY]] == "yes"
    assert ballot.choices[motions[MotionKind.SPECIAL]] == "no"
    assert ballot.choices[motions[MotionKind.ELECTION]] == ["c1", "c2"]
    assert ballot.choices[motions[MotionKind.SINGLE]] == ["o2"]
    assert ballot.choices[motions[MotionKind.TEXT]] == {"text": "希望增加车位"}
    html = done.content.decode()
    assert done.status_code == 200
    assert ballot.receipt in html
    assert "You have voted" in html
    assert "希望增加车位" in html  # an open ballot shows its answers back
    assert 'value="review"' not in html  # no second ballot form
    codes = done.context["codes"]
    assert codes["owner_key"].startswith("O-") and codes["owner_key"] in html


def test_going_back_from_the_review_keeps_the_answers(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    with during(vote):
        response = login(world.resident).post(url(vote), {"action": "edit", name: "no"})
    assert response.status_code == 200
    assert response.context["form"][name].value() == "no"
    assert not Ballot.objects.exists()


def test_a_missing_answer_is_named_and_nothing_is_saved(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    with during(vote):
        response = login(world.resident).post(url(vote), {"action": "confirm"})
    assert response.status_code == 400
    assert "Choose an answer: yes, no or abstain." in response.content.decode()
    assert not Ballot.objects.exists()


def test_more_candidates_than_seats_is_refused_online(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound, rich_draft(world, hall))
    data = full_ballot(vote, candidates=("c1", "c2", "c3", "c4"))
    with during(vote):
        client = login(world.resident)
        for action in ("review", "confirm"):
            response = client.post(url(vote), {"action": action, **data})
            assert response.status_code == 400
            assert "you approved 4 candidates but there are 3 seats" in response.content.decode()
    assert not Ballot.objects.exists()


def test_ticking_no_candidate_abstains_in_the_election(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound, rich_draft(world, hall))
    data = full_ballot(vote, candidates=())
    with during(vote):
        review = login(world.resident).post(url(vote), {"action": "review", **data})
    assert "Abstain: no candidate approved" in review.content.decode()


def test_voting_before_it_opens_is_refused(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    client = login(world.resident)
    assert 'value="review"' not in client.get(url(vote)).content.decode()
    for action in ("review", "confirm"):
        response = client.post(url(vote), {"action": action, name: "yes"}, follow=True)
        assert response.status_code == 200
        assert "Voting has not opened yet" in response.content.decode()
    assert not Ballot.objects.exists()


def test_voting_after_the_window_ended_is_refused(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    with time_machine.travel(vote.closes_at + timedelta(minutes=1), tick=False):
        client = login(world.resident)
        assert 'value="review"' not in client.get(url(vote)).content.decode()
        response = client.post(url(vote), {"action": "confirm", name: "yes"}, follow=True)
    assert "Voting closed" in response.content.decode()
    assert not Ballot.objects.exists()


def test_voting_on_a_closed_vote_is_refused(world, hall, login):
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    with time_machine.travel(vote.closes_at + timedelta(hours=1), tick=False):
        response = login(world.resident).post(
            url(vote), {"action": "confirm", name: "yes"}, follow=True
        )
    html = response.content.decode()
    assert "Voting closed" in html
    assert "Your home did not vote." in html
    assert not Ballot.objects.exists()


def test_a_double_submission_gives_one_ballot_and_a_friendly_message(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    data = {"action": "confirm", f"motion_{first_motion(vote).pk}": "yes"}
    with during(vote):
        client = login(world.resident)
        client.post(url(vote), data)
        again = client.post(url(vote), data, follow=True)  # the second tab, or a retry
    assert again.status_code == 200
    html = again.content.decode()
    assert "You have already voted: on" in html
    assert "Online" in html
    assert Ballot.objects.count() == 1


def test_a_ballot_that_lost_the_race_gets_the_friendly_message(world, hall, login, monkeypatch):
    """Two tabs pass the page's check at once: the loser is told, not shown an error."""
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    elector = vote.electors.get(people=world.resident_person)
    from mulin.decisions import selectors

    with during(vote):
        ballots.ballot_cast(actor=world.resident, vote=vote, elector=elector, choices={key: "no"})
        # The page looked before the first ballot landed.
        monkeypatch.setattr(selectors, "ballot_or_none", lambda elector: None)
        response = login(world.resident).post(
            url(vote), {"action": "confirm", f"motion_{key}": "yes"}
        )
    monkeypatch.undo()
    assert response.status_code == 303
    assert Ballot.objects.get().choices == {key: "no"}


def test_when_one_co_owner_voted_the_other_cannot(world, hall, login):
    co_owner = f.PersonFactory(compound=world.compound, name="李四")
    f.OwnershipFactory(unit=world.unit, person=co_owner, share="0.5")
    co_user = f.UserFactory(username="co-owner", person=co_owner)
    f.grant(co_user, Role.RESIDENT, world.compound)
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    with during(vote):
        login(world.resident).post(url(vote), {"action": "confirm", name: "yes"})
        client = login(co_user)
        page = client.get(url(vote)).content.decode()
        assert "Your home has voted" in page
        assert 'value="review"' not in page
        assert "张三" in page  # who filled it in
        again = client.post(url(vote), {"action": "confirm", name: "no"}, follow=True)
    assert "Your home has already voted: on" in again.content.decode()
    assert Ballot.objects.get().choices == {name.removeprefix("motion_"): "yes"}


def test_a_secret_ballot_is_not_shown_back(world, hall, login):
    vote = vote_at(
        VoteStatus.OPEN,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, secret=True),
    )
    name = f"motion_{first_motion(vote).pk}"
    with during(vote):
        done = login(world.resident).post(
            url(vote), {"action": "confirm", name: "abstain"}, follow=True
        )
    html = done.content.decode()
    assert Ballot.objects.get().receipt in html
    assert "the answers are not shown back" in html
    assert "The answers on the ballot" not in html


def test_a_paper_only_vote_explains_how_to_vote_on_paper(world, hall, login):
    vote = vote_at(
        VoteStatus.OPEN,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, online=False, meeting_place="小区活动室"),
    )
    name = f"motion_{first_motion(vote).pk}"
    with during(vote):
        client = login(world.resident)
        html = client.get(url(vote)).content.decode()
        assert "does not take ballots online" in html
        assert "小区活动室" in html
        assert 'value="review"' not in html
        refused = client.post(url(vote), {"action": "confirm", name: "yes"}, follow=True)
    assert "please use the paper ballot" in refused.content.decode()
    assert not Ballot.objects.exists()


def test_a_paper_ballot_recorded_by_staff_shows_as_the_homes_vote(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    elector = vote.electors.get(people=world.resident_person)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with during(vote):
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=vote,
            elector=elector,
            choices={str(first_motion(vote).pk): "yes"},
            channel=Channel.PAPER,
            voter=world.resident_person,
            scan=SimpleUploadedFile("s.jpg", b"\xff\xd8\xff" + b"0" * 200),
            signed=True,
        )
        html = login(world.resident).get(url(vote)).content.decode()
    assert "Your home has voted" in html
    assert "Paper ballot" in html


def test_an_owner_missing_from_the_frozen_list_is_told_so(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    newcomer = f.PersonFactory(compound=world.compound, name="新业主")
    f.OwnershipFactory(unit=hall.units[2], person=newcomer)
    user = f.UserFactory(person=newcomer)
    f.grant(user, Role.RESIDENT, world.compound)
    name = f"motion_{first_motion(vote).pk}"
    with during(vote):
        client = login(user)
        html = client.get(url(vote)).content.decode()
        assert "not on the list of owners" in html
        client.post(url(vote), {"action": "confirm", name: "yes"})
    assert not Ballot.objects.exists()


def test_the_result_page_is_linked_once_published(world, hall, login):
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound)
    html = login(world.resident).get(url(vote)).content.decode()
    assert "The result is published" in html
    try:
        link = reverse("decisions:public_result", args=[vote.compound.code, vote.pk])
    except NoReverseMatch:  # the result pages land with their own module
        return
    assert link in html


# --- objections to the electorate -------------------------------------------------------------


def test_an_objection_is_taken_during_the_notice_and_its_answer_shown(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(world.resident)
    response = client.post(
        url(vote), {"action": "objection", "text": "面积应为101.5平方米"}, follow=True
    )
    objection = Objection.objects.get()
    assert objection.person == world.resident_person and objection.vote == vote
    html = response.content.decode()
    assert "Your objection was sent" in html
    assert "Waiting for the committee" in html
    services.objection_answer(
        actor=world.staff, objection=objection, accepted=False, answer="以不动产登记为准"
    )
    assert "以不动产登记为准" in client.get(url(vote)).content.decode()


def test_an_empty_objection_is_refused(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    response = login(world.resident).post(url(vote), {"action": "objection", "text": "  "})
    assert response.status_code == 400
    assert "Say what is wrong with the entry." in response.content.decode()
    assert not Objection.objects.exists()


def test_no_objection_once_voting_opened(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    with during(vote):
        client = login(world.resident)
        assert 'value="objection"' not in client.get(url(vote)).content.decode()
        response = client.post(url(vote), {"action": "objection", "text": "面积不对"}, follow=True)
    assert "only while the notice runs" in response.content.decode()
    assert not Objection.objects.exists()


# --- queries -----------------------------------------------------------------------------------


def test_the_vote_page_queries_do_not_grow_with_its_items(
    world, hall, login, django_assert_max_num_queries
):
    small = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    big = vote_at(VoteStatus.OPEN, world.staff, world.compound, rich_draft(world, hall, title="大"))
    with during(small):
        client = login(world.resident)
        client.get(url(small))
        with django_assert_max_num_queries(16) as small_count:
            client.get(url(small))
        with django_assert_max_num_queries(len(small_count.captured_queries)):
            client.get(url(big))
