"""A vote walked through every state by the services, with time given explicitly."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from mulin.decisions import ballots, results, services
from mulin.decisions.models import Ballot, Channel, MotionKind
from mulin.decisions.states import VoteStatus

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def test_publish_builds_the_electorate_per_owner_party(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert vote.total_owners == 7
    assert vote.total_area == Decimal("720.00")
    buyer = vote.electors.get(people=hall.owners[6])
    assert buyer.unit_count == 2 and buyer.area == Decimal("160.00")


def test_notice_shorter_than_the_rule_is_refused(world, hall):
    vote = draft_vote(
        world.staff,
        world.compound,
        opens_at=START + timedelta(days=3),
        closes_at=START + timedelta(days=10),
    )
    with pytest.raises(ValidationError) as exc:
        services.vote_publish(actor=world.staff, vote=vote, now=START)
    assert "opens_at" in exc.value.message_dict
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT
    assert not vote.electors.exists()


def test_whole_lifecycle_counts_online_and_paper_ballots(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    motion = first_motion(vote)
    key = str(motion.pk)
    at = vote.opens_at + timedelta(hours=2)
    for user in hall.users[:4]:
        ballots.ballot_cast(
            actor=user,
            vote=vote,
            elector=vote.electors.get(people=user.person),
            choices={key: "yes"},
            now=at,
        )
    paper = vote.electors.get(people=hall.owners[6])
    from django.core.files.uploadedfile import SimpleUploadedFile

    scan = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 200, content_type="image/jpeg")
    ballots.ballot_cast(
        actor=hall.recorder,
        vote=vote,
        elector=paper,
        choices={key: "反对"},
        channel=Channel.PAPER,
        voter=hall.owners[6],
        scan=scan,
        signed=True,
        now=at,
    )
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote)
    result = vote.tally["motions"][0]["result"]
    assert result["participating"] == {"area": "560.00", "owners": 5}
    assert result["yes"] == {"area": "400.00", "owners": 4}
    assert result["no"] == {"area": "160.00", "owners": 1}
    assert result["quorum_met"] is True and result["passed"] is True
    assert vote.tally["by_channel"]["paper"] == {"area": "160.00", "owners": 1}
    assert len(vote.tally_sha256) == 64


def test_second_ballot_on_another_channel_is_refused_with_the_first(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    elector = vote.electors.get(people=world.resident_person)
    ballots.ballot_cast(
        actor=world.resident,
        vote=vote,
        elector=elector,
        choices={key: "yes"},
        now=vote.opens_at + timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as exc:
        ballots.ballot_cast(
            actor=hall.recorder,
            vote=vote,
            elector=elector,
            choices={key: "no"},
            channel=Channel.ONSITE,
            voter=world.resident_person,
            now=vote.opens_at + timedelta(hours=3),
        )
    assert "already voted" in str(exc.value)
    assert Ballot.objects.filter(elector=elector).count() == 1


def test_ballot_outside_the_window_is_refused(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    elector = vote.electors.get(people=world.resident_person)
    with pytest.raises(ValidationError):
        ballots.ballot_cast(
            actor=world.resident,
            vote=vote,
            elector=elector,
            choices={key: "yes"},
            now=vote.closes_at + timedelta(minutes=1),
        )
    assert not Ballot.objects.exists()


def test_ballot_file_recounts_to_the_frozen_tally(world, hall, tmp_path):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    cast = [
        (u, {key: c})
        for u, c in zip(hall.users[:6], ["yes", "yes", "no", "abstain", "yes", "yes"], strict=True)
    ]
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote, cast=cast)
    motion = first_motion(vote)
    path = tmp_path / "b.csv"
    path.write_text(results.ballot_file_text(vote, motion))
    out = io.StringIO()
    call_command("recount", str(path), "--kind", motion.kind, stdout=out)
    assert json.loads(out.getvalue()) == vote.tally["motions"][0]["result"]


def test_audit_verify_detects_a_ballot_changed_behind_mulins_back(world, hall):
    from mulin.core.audit import verify_chains

    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    ballot = ballots.ballot_cast(
        actor=world.resident,
        vote=vote,
        elector=vote.electors.get(people=world.resident_person),
        choices={key: "no"},
        now=vote.opens_at + timedelta(hours=1),
    )
    assert verify_chains() == []
    Ballot.objects.filter(pk=ballot.pk).update(choices={key: "yes"})
    problems = verify_chains()
    assert any(f"ballot {ballot.pk}" in p for p in problems)


def test_election_seats_members_in_the_owners_committee(world, hall):
    from mulin.orgs.models import Membership

    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="换届选举",
        opens_at=START + timedelta(days=16),
        closes_at=START + timedelta(days=23),
    )
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业委会",
        seats=3,
        alternate_seats=1,
    )
    cands = [
        services.candidate_add(actor=world.staff, motion=motion, person=p) for p in hall.owners[:5]
    ]
    key = str(motion.pk)
    cast = [(u, {key: [c.key for c in cands[:3]]}) for u in hall.users[:5]]
    cast += [(hall.users[5], {key: [cands[3].key]})]
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound, vote, cast=cast)
    result = vote.tally["motions"][0]["result"]
    assert result["elected"] == [c.key for c in cands[:3]]
    members = Membership.objects.filter(organisation=vote.assembly.owners_committee)
    assert {m.person_id for m in members if m.role == "committee_member"} == {
        p.pk for p in hall.owners[:3]
    }


def test_audit_verify_command_fails_on_a_changed_frozen_tally(world, hall):
    from django.core.management.base import CommandError

    from mulin.decisions.models import Vote

    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound)
    call_command("audit", "verify", stdout=io.StringIO())
    data = dict(vote.tally)
    data["motions"][0]["result"]["passed"] = True
    Vote.objects.filter(pk=vote.pk).update(tally=data)
    with pytest.raises(CommandError):
        call_command("audit", "verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_questionnaire_counts_answers_per_building(world, hall):
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="改造意见征询",
        meeting_kind="consultation",
        opens_at=START + timedelta(days=1),
        closes_at=START + timedelta(days=8),
    )
    q = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.MULTIPLE,
        title="最希望改造的项目",
        options=["加装电梯", "雨污分流", "停车位"],
    )
    t = services.motion_add(actor=world.staff, vote=vote, kind=MotionKind.TEXT, title="其他建议")
    cast = [
        (hall.users[0], {str(q.pk): ["o1", "o2"], str(t.pk): {"text": "楼道灯"}}),
        (hall.users[4], {str(q.pk): ["o1"], str(t.pk): {"text": ""}}),
    ]
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote, cast=cast)
    question = vote.tally["motions"][0]
    assert question["result"]["options"][0]["owners"] == 2
    assert question["result"]["options"][1] == {
        "key": "o2",
        "label": "雨污分流",
        "area": "100.00",
        "owners": 1,
    }
    by_building = {row["building"]: row for row in question["by_building"]}
    assert by_building["64"]["options"][0]["owners"] == 1
    assert vote.tally["motions"][1]["result"]["answered"] == 1
