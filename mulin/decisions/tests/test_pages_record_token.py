"""Recording a paper ballot by its token: the owner is found (never named), the answers are
copied as marked, the scan and the signature check are required, a second ballot on any channel
is refused with how and when the first came in, and nothing is taken outside the window."""

import pytest

from mulin.decisions import ballots
from mulin.decisions.models import Ballot, Channel, Verification
from mulin.decisions.states import VoteStatus

from .conftest import first_motion, vote_at
from .record_helpers import (
    after_close,
    answers_for,
    ballot_of,
    during,
    full_vote,
    media,  # noqa: F401
    motions,
    photo,
    url,
)

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def vote(world, hall):
    return full_vote(world, hall)


def elector_of(vote, hall, i=0):
    return vote.electors.get(people=hall.owners[i])


def post(client, vote, elector, *, token=None, scan=True, signed=True, **answers):
    data = {"token": token or elector.token, **answers_for(vote, **answers)}
    if scan:
        data["scan"] = photo()
    if signed:
        data["signed"] = "on"
    return client.post(url("record_token", vote), data)


def test_the_token_finds_whose_ballot_it_is_without_a_name(world, hall, login, vote):
    elector = elector_of(vote, hall, 1)
    messy = " ".join([elector.token[:5].lower(), elector.token[5:]])
    with during(vote):
        response = login(hall.recorder).get(url("record_token", vote), {"token": messy})
    assert response.status_code == 200
    html = response.content.decode()
    assert "63-2-302" in html and "100.00 m²" in html
    assert hall.owners[1].name not in html.split("选举业委会委员")[0]  # not as the owner
    assert "Record this paper ballot" in html
    assert "an item left blank counts as an abstention" in html
    assert "checked" not in html.split("The answers on the paper")[1].split("The signed paper")[0]


def test_recording_a_paper_ballot(world, hall, login, vote):
    elector = elector_of(vote, hall, 2)
    with during(vote):
        client = login(hall.recorder)
        response = post(client, vote, elector, token=elector.token.lower(), yes_no="no")
    assert response.status_code == 302
    assert response.url == url("record_token", vote)
    ballot = ballot_of(elector)
    assert ballot.channel == Channel.PAPER and ballot.verification == Verification.TOKEN
    assert ballot.recorded_by == hall.recorder and ballot.voter == hall.owners[2]
    assert ballot.scan.name.endswith(".jpg")
    election, question = motions(vote)[1:]
    assert ballot.choices[str(first_motion(vote).pk)] == "no"
    assert ballot.choices[str(election.pk)] == ["c1"]
    assert ballot.choices[str(question.pk)] == ["o1"]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Ballot of 63-2-303 recorded (Paper ballot)."]


def test_a_wrong_token_gets_a_clear_message(world, hall, login, vote):
    with during(vote):
        response = login(hall.recorder).get(url("record_token", vote), {"token": "AAAAAAAAAA"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "No ballot of this vote has the token “AAAAAAAAAA”." in html
    assert "Record this paper ballot" not in html


def test_a_token_of_another_vote_says_which(world, hall, login, vote):
    other = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    stray = other.electors.first()
    with during(vote):
        response = login(hall.recorder).get(url("record_token", vote), {"token": stray.token})
    assert response.status_code == 400
    assert f"is on a ballot of another vote: “{other.title}”" in response.content.decode()


def test_posting_a_wrong_token_saves_nothing(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote):
        response = post(login(hall.recorder), vote, elector, token="ZZZZZZZZZZ")
    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_owner_who_voted_online_is_refused_naming_how_and_when(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote, hours=1):
        ballots.ballot_cast(
            actor=hall.users[0],
            vote=vote,
            elector=elector,
            choices={k.removeprefix("motion_"): v for k, v in answers_for(vote).items()},
        )
    with during(vote, hours=3):
        client = login(hall.recorder)
        page = client.get(url("record_token", vote), {"token": elector.token})
        response = post(client, vote, elector, yes_no="no")
    for answer in (page, response):
        html = answer.content.decode()
        assert "This owner has already voted: Online, on" in html
        assert "Record this paper ballot" not in html
    assert response.status_code == 409
    ballot = ballot_of(elector)
    assert ballot.channel == Channel.ONLINE
    assert ballot.choices[str(first_motion(vote).pk)] == "yes"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("scan", "Attach the scan or photo of the signed ballot."),
        ("signed", "A paper ballot counts only with the owner&#x27;s signature on it."),
    ],
)
def test_scan_and_signature_check_are_required(world, hall, login, vote, missing, message):
    elector = elector_of(vote, hall)
    with during(vote):
        response = post(login(hall.recorder), vote, elector, **{missing: False})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_scan_that_is_not_a_photo_is_refused(world, hall, login, vote):
    from django.core.files.uploadedfile import SimpleUploadedFile

    elector = elector_of(vote, hall)
    data = {"token": elector.token, "signed": "on", **answers_for(vote)}
    data["scan"] = SimpleUploadedFile("ballot.html", b"<script>alert(1)</script>")
    with during(vote):
        response = login(hall.recorder).post(url("record_token", vote), data)
    assert response.status_code == 400
    assert "is not a photo or a PDF" in response.content.decode()
    assert not Ballot.objects.exists()


def test_every_item_must_be_recorded_as_marked(world, hall, login, vote):
    elector = elector_of(vote, hall)
    data = {"token": elector.token, "signed": "on", "scan": photo(), **answers_for(vote)}
    del data[f"motion_{first_motion(vote).pk}"]
    with during(vote):
        response = login(hall.recorder).post(url("record_token", vote), data)
    assert response.status_code == 400
    assert "“修订管理规约”: choose what the ballot says" in response.content.decode()
    assert not Ballot.objects.exists()


def test_an_election_with_nothing_ticked_is_recorded_as_abstention(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote):
        post(login(hall.recorder), vote, elector, election=["abstain"])
    assert ballot_of(elector).choices[str(motions(vote)[1].pk)] == "abstain"


def test_ticking_candidates_and_nothing_ticked_together_is_refused(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote):
        response = post(login(hall.recorder), vote, elector, election=["c1", "abstain"])
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert not Ballot.objects.exists()


def test_more_candidates_than_seats_is_recorded_as_marked_and_void(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote):
        response = post(login(hall.recorder), vote, elector, election=["c1", "c2", "c3", "c4"])
    assert ballot_of(elector).choices[str(motions(vote)[1].pk)] == ["c1", "c2", "c3", "c4"]
    message = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "that part of the ballot is void" in message


def test_after_the_window_nothing_is_taken(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with after_close(vote):
        client = login(hall.recorder)
        page = client.get(url("record_token", vote), {"token": elector.token})
        response = post(client, vote, elector)
    assert "no more ballots can be taken" in page.content.decode()
    assert "Record this paper ballot" not in page.content.decode()
    assert response.status_code == 400
    assert "no more ballots can be taken" in response.content.decode()
    assert not Ballot.objects.exists()


def test_during_the_notice_the_token_is_found_but_nothing_recorded(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    elector = vote.electors.first()
    response = login(hall.recorder).get(url("record_token", vote), {"token": elector.token})
    html = response.content.decode()
    assert elector.label in html and "Voting has not opened yet" in html
    assert "Record this paper ballot" not in html


def test_a_double_tap_records_one_ballot_and_says_so(world, hall, login, vote):
    elector = elector_of(vote, hall)
    with during(vote):
        client = login(hall.recorder)
        post(client, vote, elector)
        again = post(client, vote, elector)
    assert again.status_code == 302
    assert "This ballot is already recorded." in [str(m) for m in again.wsgi_request._messages]
    assert Ballot.objects.filter(elector=elector).count() == 1
