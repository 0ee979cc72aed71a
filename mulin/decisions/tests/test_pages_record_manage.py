"""The managers' side: every ballot listed with how it came in (answers only once voting closed,
never for a secret vote), corrections with a reason by the owners' committee only, and the
stored scans, signatures and authorisations served after the access check."""

import pytest

from mulin.core.models import AuditEvent
from mulin.decisions import ballots
from mulin.decisions.models import Channel
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import draft_vote, first_motion, vote_at
from .record_helpers import (
    after_close,
    during,
    media,  # noqa: F401
    photo,
    signature_data_url,
    url,
)

pytestmark = pytest.mark.usefixtures("media")


def open_vote(world, *, secret=False):
    vote = draft_vote(world.staff, world.compound, secret=secret)
    return vote_at(VoteStatus.OPEN, world.staff, world.compound, vote)


def record(vote, hall, i, answer="yes", channel=Channel.PAPER):
    elector = vote.electors.get(people=hall.owners[i])
    extra = {"scan": photo(), "signed": True}
    if channel == Channel.CANVASS:
        extra = {"signature": ballots.signature_from_data_url(signature_data_url())}
    with during(vote):
        return ballots.ballot_cast(
            actor=hall.recorder,
            vote=vote,
            elector=elector,
            choices={str(first_motion(vote).pk): answer},
            channel=channel,
            **extra,
        )


# ---------------------------------------------------------------- the list


def test_the_list_shows_how_each_ballot_came_in(world, hall, login):
    vote = open_vote(world)
    record(vote, hall, 0, "no")
    record(vote, hall, 1, "yes", Channel.CANVASS)
    with during(vote):
        html = login(hall.committee).get(url("ballot_list", vote)).content.decode()
    assert "63-2-301" in html and "63-2-302" in html
    assert "Paper ballot" in html and "Door-to-door" in html
    assert "Ballot token and signed paper" in html and "Signature drawn on screen" in html
    assert hall.recorder.display_name in html
    assert "Answers are shown only after voting closes." in html
    assert "Against" not in html  # the answer of 63-2-301, hidden while voting runs
    assert url("ballot_correct", vote, vote.ballots.first().pk) in html


def test_answers_of_an_open_ballot_appear_once_voting_closed(world, hall, login):
    vote = open_vote(world)
    record(vote, hall, 0, "no")
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    with after_close(vote):
        html = login(hall.committee).get(url("ballot_list", vote)).content.decode()
    assert "<li>Against</li>" in html


def test_a_secret_vote_never_shows_answers(world, hall, login):
    vote = open_vote(world, secret=True)
    record(vote, hall, 0, "no")
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    with after_close(vote):
        html = login(hall.committee).get(url("ballot_list", vote)).content.decode()
    assert "63-2-301" in html and "Paper ballot" in html
    assert "Against" not in html and "never how anyone voted" in html


def test_the_list_query_count_does_not_grow_with_ballots(
    world, hall, login, count_queries, django_assert_max_num_queries
):
    vote = open_vote(world)
    record(vote, hall, 0)
    with during(vote):
        client = login(hall.committee)
        client.get(url("ballot_list", vote))
        with count_queries() as small:
            client.get(url("ballot_list", vote))
    for i in (1, 2, 3, 4):
        record(vote, hall, i, channel=Channel.CANVASS if i % 2 else Channel.PAPER)
    with during(vote), django_assert_max_num_queries(20), count_queries() as large:
        response = client.get(url("ballot_list", vote))
    assert len(response.context["items"]) == 5
    assert small.count == large.count, large.dump()


# ---------------------------------------------------------------- corrections


def test_a_manager_corrects_a_ballot_with_a_reason(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 0, "yes")
    field = f"motion_{first_motion(vote).pk}"
    with during(vote):
        client = login(hall.committee)
        page = client.get(url("ballot_correct", vote, ballot.pk))
        response = client.post(
            url("ballot_correct", vote, ballot.pk),
            {field: "no", "reason": "纸质票上勾的是反对，录入时看错了"},
        )
    chosen = page.content.decode().split(f'name="{field}" value="yes"')[1].split(">")[0]
    assert "checked" in chosen  # the form starts from the answers as recorded
    assert response.status_code == 302
    ballot.refresh_from_db()
    assert ballot.choices[str(first_motion(vote).pk)] == "no" and ballot.corrections == 1
    event = AuditEvent.objects.get(action="ballot.correct", target_id=str(ballot.pk))
    assert event.changes["reason"] == "纸质票上勾的是反对，录入时看错了"
    with during(vote):
        html = client.get(url("ballot_correct", vote, ballot.pk)).content.decode()
    assert "纸质票上勾的是反对" in html and "Corrections so far" in html


def test_a_correction_needs_a_reason(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 0, "yes")
    field = f"motion_{first_motion(vote).pk}"
    with during(vote):
        response = login(hall.committee).post(
            url("ballot_correct", vote, ballot.pk), {field: "no", "reason": "   "}
        )
    assert response.status_code == 400
    assert "Give the reason for the correction." in response.content.decode()
    ballot.refresh_from_db()
    assert ballot.choices[str(first_motion(vote).pk)] == "yes" and ballot.corrections == 0


def test_a_recorder_cannot_correct(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 0, "yes")
    field = f"motion_{first_motion(vote).pk}"
    with during(vote):
        response = login(hall.recorder).post(
            url("ballot_correct", vote, ballot.pk), {field: "no", "reason": "想改"}
        )
    assert response.status_code == 404
    ballot.refresh_from_db()
    assert ballot.corrections == 0


def test_the_secret_vote_form_is_the_only_place_showing_the_answers(world, hall, login):
    vote = open_vote(world, secret=True)
    ballot = record(vote, hall, 0, "no")
    with during(vote):
        html = login(hall.committee).get(url("ballot_correct", vote, ballot.pk)).content
    html = html.decode()
    field = f"motion_{first_motion(vote).pk}"
    assert f'name="{field}" value="no"' in html
    chosen = html.split(f'name="{field}" value="no"')[1].split(">")[0]
    assert "checked" in chosen
    assert "shown on this form only" in html


def test_no_correction_once_the_tally_is_frozen(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 0, "yes")
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote)
    field = f"motion_{first_motion(vote).pk}"
    with after_close(vote):
        client = login(hall.committee)
        page = client.get(url("ballot_correct", vote, ballot.pk))
        response = client.post(url("ballot_correct", vote, ballot.pk), {field: "no", "reason": "x"})
    assert "only until the tally is frozen" in page.content.decode()
    assert response.status_code == 400
    ballot.refresh_from_db()
    assert ballot.corrections == 0


# ---------------------------------------------------------------- stored files


def test_the_scan_is_served_inline_private_and_unsniffable(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 0)
    with during(vote):
        response = login(hall.committee).get(url("ballot_attachment", vote, ballot.pk, "scan"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")


def test_the_drawn_signature_is_a_png(world, hall, login):
    vote = open_vote(world)
    ballot = record(vote, hall, 1, channel=Channel.CANVASS)
    with during(vote):
        client = login(world.staff)
        response = client.get(url("ballot_attachment", vote, ballot.pk, "signature"))
        missing = client.get(url("ballot_attachment", vote, ballot.pk, "scan"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert missing.status_code == 404


def test_files_are_not_served_to_recorders_or_from_media(world, hall, login, client):
    vote = open_vote(world)
    ballot = record(vote, hall, 0)
    with during(vote):
        assert (
            login(hall.recorder).get(url("ballot_attachment", vote, ballot.pk, "scan")).status_code
            == 404
        )
        member = f.UserFactory()
        response = login(member).get(url("ballot_attachment", vote, ballot.pk, "scan"))
        assert response.status_code == 404
        client.logout()
        assert client.get(f"/media/{ballot.scan.name}").status_code == 404
