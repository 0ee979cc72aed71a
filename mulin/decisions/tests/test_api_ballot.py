"""API of owners' decisions, voting: an owner's online ballot — one owner, one ballot whatever
the channel (a second submission answers 409 with the first), bad answers refused by field and
nothing written, access like the vote's."""

import pytest

from mulin.core.audit import verify_chains
from mulin.core.models import AuditEvent, IdempotencyKey
from mulin.decisions import services
from mulin.decisions.models import Ballot, Channel, MotionKind
from mulin.decisions.states import VoteStatus

from .api_support import (  # noqa: F401
    _media,
    full_choices,
    live_vote,
    motions_of,
    paper_ballot,
)
from .conftest import vote_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote(world, hall):
    return live_vote(world.staff, world.compound, hall)


def cast(client, vote, choices, **headers):
    return client.post(f"/votes/{vote.pk}/ballot", {"choices": choices}, **headers)


def test_owner_votes_online_and_gets_a_receipt(world, hall, vote, api):
    response = cast(api(world.resident), vote, full_choices(vote))
    assert response.status_code == 201, response.content
    data = response.json()
    ballot = Ballot.objects.get(vote=vote)
    assert data["receipt"] == ballot.receipt and data["vote"] == vote.pk
    assert (data["channel"], data["channel_label"]) == ("online", "Online")
    assert ballot.channel == Channel.ONLINE and ballot.voter == world.resident_person
    ids = motions_of(vote)
    assert ballot.choices[ids[MotionKind.ELECTION]] == ["c1", "c2"]
    assert ballot.choices[ids[MotionKind.TEXT]] == {"text": "多装路灯"}
    assert verify_chains() == []  # sealed in the vote's chain


def test_chinese_yes_no_words_are_taken(world, hall, vote, api):
    choices = full_choices(vote) | {motions_of(vote)[MotionKind.ORDINARY]: "反对"}
    assert cast(api(world.resident), vote, choices).status_code == 201
    ordinary = motions_of(vote)[MotionKind.ORDINARY]
    assert Ballot.objects.get(vote=vote).choices[ordinary] == "no"


def test_a_second_submission_answers_409_with_the_first_and_changes_nothing(world, hall, vote, api):
    client = api(world.resident)
    first = cast(client, vote, full_choices(vote))
    assert first.status_code == 201
    again = cast(client, vote, full_choices(vote, "no"))
    assert again.status_code == 409
    message = again.json()["detail"]
    assert "already voted" in message and "Online" in message
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.choices[motions_of(vote)[MotionKind.ORDINARY]] == "yes"


def test_a_ballot_taken_on_paper_blocks_the_online_one(world, hall, vote, api):
    paper_ballot(hall.recorder, vote, world.resident_person, full_choices(vote, "no"))
    response = cast(api(world.resident), vote, full_choices(vote))
    assert response.status_code == 409
    assert "Paper ballot" in response.json()["detail"]
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_co_owners_share_one_ballot(world, hall, vote, api):
    from mulin.core.models import Role
    from mulin.testing import factories as f

    spouse = f.PersonFactory(compound=world.compound, name="配偶")
    f.OwnershipFactory(unit=hall.units[1], person=spouse)
    user = f.UserFactory(username="spouse", person=spouse)
    f.grant(user, Role.RESIDENT, world.compound)
    fresh = live_vote(world.staff, world.compound, hall, title="共有人")
    assert cast(api(hall.users[1]), fresh, full_choices(fresh)).status_code == 201
    second = cast(api(user), fresh, full_choices(fresh, "no"))
    assert second.status_code == 409
    assert Ballot.objects.filter(vote=fresh).count() == 1


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(world, hall, vote, api):
    client = api(world.resident)
    first = cast(client, vote, full_choices(vote), **{"Idempotency-Key": "k-1"})
    retry = cast(client, vote, full_choices(vote), **{"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    other_key = cast(client, vote, full_choices(vote), **{"Idempotency-Key": "k-2"})
    assert other_key.status_code == 409
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert IdempotencyKey.objects.filter(key="k-2").count() == 0  # refusals are not stored


def test_a_missing_answer_is_refused_naming_the_motion(world, hall, vote, api):
    ids = motions_of(vote)
    choices = full_choices(vote)
    del choices[ids[MotionKind.ORDINARY]]
    response = cast(api(world.resident), vote, choices)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": f"choices.{ids[MotionKind.ORDINARY]}",
            "message": "“修订管理规约”: choose yes, no or abstain.",
        }
    ]
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("kind", "answer"),
    [
        (MotionKind.ORDINARY, ["yes"]),
        (MotionKind.ORDINARY, {"text": "yes"}),
        (MotionKind.ORDINARY, "maybe"),
        (MotionKind.ELECTION, ["c1", "c2", "c3", "c4"]),  # more than the 3 seats
        (MotionKind.ELECTION, ["c9"]),
        (MotionKind.ELECTION, {"text": "c1"}),
        (MotionKind.SINGLE, ["o1", "o2"]),
        (MotionKind.MULTIPLE, ["o7"]),
        (MotionKind.TEXT, {"text": "长" * 2001}),
        (MotionKind.ORDINARY, 1),  # not an answer at all
        (MotionKind.SINGLE, {"key": "o1"}),
        (MotionKind.TEXT, {"text": "路灯\x00"}),
        (MotionKind.TEXT, ["路灯"]),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(world, hall, vote, api, kind, answer):
    motion_id = motions_of(vote)[kind]
    response = cast(api(world.resident), vote, full_choices(vote) | {motion_id: answer})
    assert response.status_code == 422, response.content
    fields = {row["field"] for row in response.json()["detail"]}
    assert fields == {f"choices.{motion_id}"}
    assert not Ballot.objects.exists()
    assert not AuditEvent.objects.filter(action="ballot.cast").exists()


def test_a_list_for_a_free_text_question_says_to_write_text(world, hall, vote, api):
    motion_id = motions_of(vote)[MotionKind.TEXT]
    response = cast(api(world.resident), vote, full_choices(vote) | {motion_id: ["路灯"]})
    assert response.json()["detail"] == [
        {"field": f"choices.{motion_id}", "message": "“其他意见”: write the answer as text."}
    ]


def test_more_candidates_than_seats_says_why(world, hall, vote, api):
    motion_id = motions_of(vote)[MotionKind.ELECTION]
    choices = full_choices(vote) | {motion_id: ["c1", "c2", "c3", "c4"]}
    message = cast(api(world.resident), vote, choices).json()["detail"][0]["message"]
    assert "4 candidates but there are 3 seats" in message


def test_a_body_without_choices_is_refused(world, hall, vote, api):
    response = api(world.resident).post(f"/votes/{vote.pk}/ballot", {})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "choices"


def test_no_ballot_before_voting_opens(world, hall, api):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    motion_id = str(vote.motions.get().pk)
    response = cast(api(world.resident), vote, {motion_id: "yes"})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] is None and "has not opened yet" in detail["message"]
    assert not Ballot.objects.exists()


def test_no_ballot_after_voting_closed(world, hall, vote, api):
    services.vote_close(actor=world.staff, vote=vote, now=vote.closes_at)
    response = cast(api(world.resident), vote, full_choices(vote))
    assert response.status_code == 422
    assert "closed" in response.json()["detail"][0]["message"]


def test_no_online_ballot_where_the_vote_is_paper_only(world, hall, api):
    vote = live_vote(world.staff, world.compound, hall, title="纸质表决")
    vote.online = False
    vote.save(update_fields=["online"])
    response = cast(api(world.resident), vote, full_choices(vote))
    assert response.status_code == 422
    assert "paper ballot" in response.json()["detail"][0]["message"]


def test_ballot_access(world, hall, vote, api):
    choices = full_choices(vote)
    assert cast(api(), vote, choices).status_code == 401
    assert cast(api(world.outsider), vote, choices).status_code == 404
    # Staff record ballots for owners on their pages, never as themselves online.
    assert cast(api(world.staff), vote, choices).status_code == 404
    assert cast(api(hall.recorder), vote, choices).status_code == 404
    assert api(world.resident).post("/votes/999999/ballot", {"choices": choices}).status_code == 404
    assert not Ballot.objects.exists()


def test_a_draft_takes_no_ballot(world, hall, api):
    from .conftest import draft_vote

    vote = draft_vote(world.staff, world.compound)
    assert cast(api(world.resident), vote, {"1": "yes"}).status_code == 404


def test_an_owner_who_bought_after_the_electorate_froze_cannot_vote(world, hall, vote, api):
    from mulin.core.models import Role
    from mulin.testing import factories as f

    newcomer = f.PersonFactory(compound=world.compound, name="新业主")
    f.OwnershipFactory(unit=hall.units[2], person=newcomer)
    user = f.UserFactory(username="newcomer", person=newcomer)
    f.grant(user, Role.RESIDENT, world.compound)
    assert cast(api(user), vote, full_choices(vote)).status_code == 404
    assert not Ballot.objects.exists()
