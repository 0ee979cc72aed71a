"""Who may open the recording pages: recorders (decisions.record) record and print; only the
owners' committee and community staff (decisions.manage) see the ballot list, correct ballots
and open the stored files. Everyone else — anonymous, another compound's staff, an owner — is
sent to log in or gets a 404, as if the page did not exist."""

import pytest
from django.urls import reverse

from mulin.decisions import ballots
from mulin.decisions.models import Channel
from mulin.decisions.states import VoteStatus

from .conftest import draft_vote, vote_at
from .record_helpers import answers_for, during, media, photo, url  # noqa: F401

RECORD_PAGES = ["paper_ballots", "record_token", "canvass", "canvass_elector"]
MANAGE_PAGES = ["ballot_list", "ballot_correct", "ballot_attachment"]


@pytest.fixture
def scene(world, hall, media):  # noqa: F811
    """An open vote with one paper ballot (and its scan) recorded by the recorder."""
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    elector = vote.electors.order_by("id").first()
    with during(vote):
        ballot = ballots.ballot_cast(
            actor=hall.recorder,
            vote=vote,
            elector=elector,
            choices={k.removeprefix("motion_"): v for k, v in answers_for(vote).items()},
            channel=Channel.PAPER,
            scan=photo(),
            signed=True,
        )
    return vote, elector, ballot


def page_url(name, vote, elector, ballot) -> str:
    if name == "canvass_elector":
        return url(name, vote, elector.pk)
    if name == "ballot_correct":
        return url(name, vote, ballot.pk)
    if name == "ballot_attachment":
        return url(name, vote, ballot.pk, "scan")
    return url(name, vote)


@pytest.mark.parametrize("name", RECORD_PAGES + MANAGE_PAGES)
def test_anonymous_is_sent_to_login(client, scene, name):
    response = client.get(page_url(name, *scene))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("name", RECORD_PAGES + MANAGE_PAGES)
@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_owner_get_404(world, login, scene, name, who):
    assert login(getattr(world, who)).get(page_url(name, *scene)).status_code == 404


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_recorder_opens_the_recording_pages(hall, login, scene, name):
    vote = scene[0]
    with during(vote):
        assert login(hall.recorder).get(page_url(name, *scene)).status_code == 200


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_recorder_without_manage_gets_404_on_managers_pages(hall, login, scene, name):
    assert login(hall.recorder).get(page_url(name, *scene)).status_code == 404


@pytest.mark.parametrize("name", RECORD_PAGES + MANAGE_PAGES)
@pytest.mark.parametrize("who", ["committee", "staff"])
def test_committee_and_community_staff_open_every_page(world, hall, login, scene, name, who):
    user = hall.committee if who == "committee" else world.staff
    with during(scene[0]):
        assert login(user).get(page_url(name, *scene)).status_code == 200


@pytest.mark.parametrize("name", ["paper_ballots", "record_token", "canvass", "ballot_list"])
def test_a_draft_vote_has_no_recording_pages(world, hall, login, name):
    vote = draft_vote(world.staff, world.compound)
    assert login(hall.committee).get(url(name, vote)).status_code == 404
    assert login(hall.recorder).get(url(name, vote)).status_code == 404


def test_paper_ballots_only_while_published_or_open(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    client = login(hall.recorder)
    assert client.get(url("paper_ballots", vote)).status_code == 200
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    assert client.get(url("paper_ballots", vote)).status_code == 404


def test_another_compounds_vote_is_404_even_with_the_right_code(world, hall, login):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    wrong = reverse("decisions:canvass", args=[world.other.code, vote.pk])
    assert login(world.staff).get(wrong).status_code == 404


def test_an_elector_of_another_vote_is_404(world, hall, login, scene):
    vote = scene[0]
    other = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    mine = other.electors.order_by("id").first()
    with during(vote):
        assert login(hall.recorder).get(url("canvass_elector", vote, mine.pk)).status_code == 404


def test_unknown_attachment_kind_is_404(hall, login, scene):
    vote, _elector, ballot = scene
    response = login(hall.committee).get(url("ballot_attachment", vote, ballot.pk, "receipt"))
    assert response.status_code == 404
