"""The staff tally page: only staff who may see votes, nothing before voting closes, the live
count marked "not yet frozen" after, the frozen tally with its SHA-256 once tallied — and every
figure exact (Civil Code Art. 278 at its bounds)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import ballots, results, services
from mulin.decisions.models import Channel, MotionKind
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def tally_url(vote) -> str:
    return reverse("decisions:tally", args=[vote.compound.code, vote.pk])


def closed_vote(world, hall, choices=("yes", "yes", "no", "abstain", "yes", "yes")):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    cast = [(u, {key: c}) for u, c in zip(hall.users, choices, strict=False)]
    return vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote, cast=cast)


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world, hall):
    response = client.get(tally_url(closed_vote(world, hall)))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_owner_get_404(world, hall, login, who):
    assert login(getattr(world, who)).get(tally_url(closed_vote(world, hall))).status_code == 404


def test_a_recorder_without_view_rights_gets_404(world, hall, login):
    # Party members record paper ballots but do not see the count.
    assert login(hall.recorder).get(tally_url(closed_vote(world, hall))).status_code == 404


def test_another_compounds_vote_through_this_code_is_404(world, hall, login):
    vote = closed_vote(world, hall)
    url = reverse("decisions:tally", args=[world.other.code, vote.pk])
    assert login(world.admin).get(url).status_code == 404


@pytest.mark.parametrize("who", ["staff", "committee"])
def test_community_staff_and_committee_see_the_tally(world, hall, login, who):
    user = world.staff if who == "staff" else hall.committee
    response = login(user).get(tally_url(closed_vote(world, hall)))
    assert response.status_code == 200
    assert "Not yet frozen" in response.content.decode()


# --- running results are never shown -------------------------------------------------------


@pytest.mark.parametrize("status", [VoteStatus.DRAFT, VoteStatus.PUBLISHED, VoteStatus.OPEN])
def test_nothing_is_counted_before_voting_closes(world, hall, login, status):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    cast = [(u, {key: "yes"}) for u in hall.users[:5]] if status == VoteStatus.OPEN else []
    vote = vote_at(status, world.staff, world.compound, vote, cast=cast)
    response = login(world.staff).get(tally_url(vote))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Results are hidden until voting closes" in html
    assert "Quorum" not in html and "In favour" not in html and "500.00" not in html
    assert "decisions/results/tally.html" not in [t.name for t in response.templates]


def test_a_cancelled_vote_has_nothing_to_count(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    services.vote_cancel(actor=world.staff, vote=vote, reason="重新安排")
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "cancelled" in html and "Quorum" not in html


# --- the count ----------------------------------------------------------------------------


def test_closed_vote_shows_the_live_count_not_yet_frozen(world, hall, login):
    vote = closed_vote(world, hall)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "Not yet frozen" in html and "SHA-256 of the frozen tally" not in html
    # 6 of 7 owners took part with 560 of 720 m² (the buyer of two homes did not vote).
    assert "560.00/720.00 = 7/9 (77.78%) ≥ 2/3 (66.67%)" in html
    assert "6/7 (85.71%) ≥ 2/3 (66.67%)" in html
    # Yes: owners 0, 1, 4 and 5 with 100 + 100 + 60 + 100 m².
    assert "360.00/560.00 = 9/14 (64.29%) &gt; 1/2 (50.00%)" in html
    assert "4/6 = 2/3 (66.67%) &gt; 1/2 (50.00%)" in html
    assert "Result: Passed" in html
    assert "Civil Code Art. 278 (2)" in html  # the management code
    assert "Building 63" in html and "Building 64" in html  # the breakdown
    assert "Online" in html  # by channel


def test_figures_follow_the_ballots_exactly(world, hall, login):
    vote = closed_vote(world, hall)
    data = results.compute_tally(vote)
    result = data["motions"][0]["result"]
    html = login(world.staff).get(tally_url(vote)).content.decode()
    for key in ("yes", "no", "abstain"):
        assert result[key]["area"] in html
    yes = Decimal(result["yes"]["area"])
    part = Decimal(result["participating"]["area"])
    assert f"{yes:.2f}/{part:.2f}" in html


def test_frozen_tally_shows_its_sha256_and_the_ballot_files(world, hall, login):
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, closed_vote(world, hall))
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "Not yet frozen" not in html
    assert vote.tally_sha256 in html and "still matches" in html
    motion = first_motion(vote)
    assert reverse("decisions:ballot_file", args=[vote.pk, motion.pk]) in html
    assert results.recount_command(vote, motion) in html


def test_a_frozen_tally_changed_behind_mulins_back_is_flagged(world, hall, login):
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, closed_vote(world, hall))
    data = vote.tally
    data["motions"][0]["result"]["passed"] = False
    type(vote).objects.filter(pk=vote.pk).update(tally=data)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "no longer matches its hash" in html


# --- the law at its bounds ------------------------------------------------------------------


@pytest.fixture
def six(world):
    """A compound of six homes of 100 m², each with its own owner who votes online."""
    compound = f.CompoundFactory(community=world.compound.community, code="six-homes")
    entrance = f.EntranceFactory(building__compound=compound, building__number="1")
    users = []
    for i in range(6):
        unit = f.UnitFactory(entrance=entrance, area=Decimal("100.00"))
        person = f.PersonFactory(compound=compound, name=f"六户业主{i}")
        f.OwnershipFactory(unit=unit, person=person)
        user = f.UserFactory(person=person)
        f.grant(user, Role.RESIDENT, compound)
        users.append(user)
    return compound, users


def special_vote(world, compound, users, choices):
    vote = services.vote_create(
        actor=world.staff,
        compound=compound,
        title="筹集维修资金",
        opens_at=START + timedelta(days=16),
        closes_at=START + timedelta(days=23),
    )
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.SPECIAL,
        matter="fund_raise",
        title="续筹专项维修资金",
    )
    cast = [(u, {str(motion.pk): c}) for u, c in zip(users, choices, strict=False)]
    return vote_at(VoteStatus.CLOSED, world.staff, compound, vote, cast=cast)


def test_special_matter_passes_at_exactly_two_thirds_taking_part_and_three_quarters_yes(
    world, six, login
):
    compound, users = six
    vote = special_vote(world, compound, users, ["yes", "yes", "yes", "no"])
    html = login(world.staff).get(tally_url(vote)).content.decode()
    # Quorum: 400 of 600 m² and 4 of 6 owners — exactly two thirds, which is enough.
    assert "400.00/600.00 = 2/3 (66.67%) ≥ 2/3 (66.67%)" in html
    assert "4/6 = 2/3 (66.67%) ≥ 2/3 (66.67%)" in html
    # Threshold: 300 of 400 m² and 3 of 4 owners — exactly three quarters, which is enough.
    assert "300.00/400.00 = 3/4 (75.00%) ≥ 3/4 (75.00%)" in html
    assert "3/4 (75.00%) ≥ 3/4 (75.00%)" in html
    assert "Not passed" not in html and "✗ not met" not in html
    assert "Result: Passed" in html
    assert "Civil Code Art. 278 (6)" in html


def test_one_owner_fewer_and_the_special_matter_fails(world, six, login):
    compound, users = six
    vote = special_vote(world, compound, users, ["yes", "yes", "no"])
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "300.00/600.00 = 1/2 (50.00%) &lt; 2/3 (66.67%)" in html
    assert "3/6 = 1/2 (50.00%) &lt; 2/3 (66.67%)" in html
    assert "2/3 (66.67%) &lt; 3/4 (75.00%)" in html
    assert "✗ not met" in html
    assert "Result: Not passed: too few owners took part" in html


def test_the_silent_owner_rule_is_marked_when_used(world, six, login):
    compound, users = six
    compound.silent_owners_follow_majority = True
    compound.save()
    vote = special_vote(world, compound, users, ["yes", "yes", "no"])
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "This compound counts silent owners with the majority" in html
    assert "Silent-owner rule used" in html
    assert "3 owners (300.00 m²) who did not vote are counted with the majority" in html
    assert results.compute_tally(vote)["motions"][0]["result"]["silent_owners_counted_with"] == (
        "yes"
    )


# --- elections, consultations, questions ----------------------------------------------------


def election_vote(world, hall, approvals, *, status=VoteStatus.CLOSED):
    """A 3-seat election with 1 alternate among five candidates (c1…c5)."""
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="第二届业委会换届选举",
        opens_at=START + timedelta(days=16),
        closes_at=START + timedelta(days=23),
    )
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业主委员会委员",
        seats=3,
        alternate_seats=1,
    )
    names = ["王建国", "李秀英", "张伟", "刘洋", "陈静"]
    for person, name in zip(hall.owners[:5], names, strict=True):
        services.candidate_add(actor=world.staff, motion=motion, person=person, display_name=name)
    key = str(motion.pk)
    cast = [(u, {key: keys}) for u, keys in zip(hall.users, approvals, strict=False)]
    return vote_at(status, world.staff, world.compound, vote, cast=cast)


def test_election_ranks_candidates_with_elected_and_alternates(world, hall, login):
    approvals = [["c1", "c2", "c3"]] * 4 + [["c1", "c2", "c4"]] * 2 + [["c1", "c4", "c5"]]
    vote = election_vote(world, hall, approvals)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "3 of 3 seats filled" in html
    assert "王建国, 李秀英 and 张伟" in html  # elected, in rank order
    assert "Alternates (1 place)" in html and "刘洋" in html
    # c4: 3 of 7 owners — not more than half: not qualified, so no alternate after all.
    assert "✗ not qualified" in html


def test_election_reports_a_tie_for_the_last_seat_in_words(world, hall, login):
    # c1 on every ballot; c2 on five; c3 and c4 on four each, holding 460 m² each: tied for
    # the third seat, and the tie is not broken.
    approvals = [
        ["c1", "c3", "c4"],  # owner 0, 100 m²
        ["c1", "c2", "c3"],  # owner 1, 100 m²
        ["c1", "c2", "c3"],  # owner 2, 100 m²
        ["c1", "c2", "c4"],  # owner 3, 100 m²
        ["c1", "c2"],  # owner 4, 60 m²
        ["c1", "c2", "c4"],  # owner 5, 100 m²
        ["c1", "c3", "c4"],  # the buyer of two homes, 160 m²
    ]
    vote = election_vote(world, hall, approvals)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "Tie between 张伟 and 刘洋 for the last seat: not broken; a run-off is needed." in html
    assert "Tied: run-off needed" in html
    assert "2 of 3 seats filled" in html


def test_void_election_ballots_take_part_and_approve_nobody(world, hall, login):
    vote = election_vote(world, hall, [["c1", "c2", "c3"]] * 5, status=VoteStatus.OPEN)
    motion = first_motion(vote)
    ballots.ballot_cast(
        actor=hall.recorder,
        vote=vote,
        elector=vote.electors.get(people=hall.owners[6]),
        choices={str(motion.pk): ["c1", "c2", "c3", "c4"]},  # four marks for three seats
        channel=Channel.ONSITE,
        voter=hall.owners[6],
        now=vote.opens_at + timedelta(hours=2),
    )
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "1 owner (160.00 m²): approved more candidates than seats" in html
    # 6 owners took part (the void ballot included); c4 has no approval at all.
    assert "620.00/720.00 = 31/36" in html


def test_consultation_shows_support_rates_without_pass_or_fail(world, hall, login):
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="车辆管理规定征求意见",
        opens_at=START + timedelta(days=1),
        closes_at=START + timedelta(days=8),
        meeting_kind="consultation",
    )
    motion = services.motion_add(
        actor=world.staff, vote=vote, kind=MotionKind.CONSULTATION, title="同意车辆管理规定"
    )
    key = str(motion.pk)
    cast = [(u, {key: c}) for u, c in zip(hall.users, ["yes"] * 5 + ["no"], strict=False)]
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote, cast=cast)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "Support: 83.33% by owners" in html
    assert "5/6 (83.33%)" in html or "83.33%" in html
    assert "Result: Passed" not in html and "Not passed" not in html


def test_questions_show_answer_counts_and_free_text_only_as_a_count(world, hall, login):
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="改造意见问卷",
        opens_at=START + timedelta(days=1),
        closes_at=START + timedelta(days=8),
        meeting_kind="consultation",
    )
    single = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.SINGLE,
        title="最急需改造的是",
        options=["屋面防水", "雨污分流"],
    )
    text = services.motion_add(actor=world.staff, vote=vote, kind=MotionKind.TEXT, title="其他建议")
    cast = [
        (hall.users[0], {str(single.pk): ["o1"], str(text.pk): {"text": "请修好三单元的门禁"}}),
        (hall.users[1], {str(single.pk): ["o2"], str(text.pk): {"text": ""}}),
        (hall.users[2], {str(single.pk): ["o1"], str(text.pk): {"text": "加装电梯"}}),
    ]
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote, cast=cast)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "屋面防水" in html and "雨污分流" in html
    assert "2 owners wrote an answer" in html
    assert "请修好三单元的门禁" not in html and "加装电梯" not in html


def test_counts_by_channel(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    ballots.ballot_cast(
        actor=world.resident,
        vote=vote,
        elector=vote.electors.get(people=world.resident_person),
        choices={key: "yes"},
        now=vote.opens_at + timedelta(hours=1),
    )
    ballots.ballot_cast(
        actor=hall.recorder,
        vote=vote,
        elector=vote.electors.get(people=hall.owners[6]),
        choices={key: "no"},
        channel=Channel.ONSITE,
        voter=hall.owners[6],
        now=vote.opens_at + timedelta(hours=2),
    )
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    html = login(world.staff).get(tally_url(vote)).content.decode()
    assert "Ballots by channel" in html
    assert "At the meeting" in html and "Online" in html
    assert "160.00" in html  # the buyer of two homes voted at the meeting
