"""The recount page: anyone uploads a ballot file and sees exactly what `mulin recount` prints —
for a file downloaded from Mulin, exactly the frozen tally — or every problem of a bad file by
line, with nothing counted."""

import html as htmllib
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mulin.decisions import forms_results, services
from mulin.decisions.models import MotionKind
from mulin.decisions.states import VoteStatus
from mulin.decisions.views import results as views

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db

URL = reverse("decisions:recount")
HEADER = "unit_code,area,area_source,owner_key,choice\n"
GOOD = HEADER + (
    "u1,100.00,register,o1,yes\n"
    "u2,100,survey,o1,同意\n"
    "u3,100.50,contract,o2,no\n"
    "u4,99.50,register,o3,\n"
)


def csv_file(text: str | bytes, name="ballots.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def shown_json(response) -> dict:
    found = re.search(
        r'<pre class="mr-json" id="recount-json"[^>]*>(.*?)</pre>', response.text, re.S
    )
    assert found, "no JSON on the page"
    return json.loads(htmllib.unescape(found.group(1)))


def recount(client, text, **settings):
    data = {"kind": "ordinary", "file": csv_file(text), **settings}
    return client.post(URL, data)


# --- the page -----------------------------------------------------------------------------


def test_anyone_may_open_the_recount_page(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and 'name="file"' in response.text


def test_a_valid_file_gives_the_command_json_and_the_figures_in_words(client, db):
    response = recount(client, GOOD)
    assert response.status_code == 200
    assert shown_json(response) == {
        "kind": "ordinary",
        "total": {"area": "400.00", "owners": 3},
        "participating": {"area": "300.50", "owners": 2},
        "yes": {"area": "200.00", "owners": 1},
        "no": {"area": "100.50", "owners": 1},
        "abstain": {"area": "0.00", "owners": 0},
        "quorum_met": True,
        "passed": False,
    }
    html = response.text
    assert "a valid ballot file of 4 units" in html
    assert "300.50/400.00 = 601/800 (75.13%) ≥ 2/3 (66.67%)" in html
    assert "1/2 (50.00%) ≤ 1/2 (50.00%)" in html  # one of two owners: not more than half
    assert "Result: Not passed" in html


def test_a_bad_file_lists_every_problem_by_line_and_counts_nothing(client, db):
    bad = HEADER + (
        "u1,100,register,o1,yes\n"
        "u1,100,register,o2,yes\n"  # line 3
        "u3,abc,register,o3,yes\n"  # line 4
        "u4,100,register,o4,perhaps\n"  # line 5
        "u5,100,register,o1,no\n"  # line 6: o1 chose yes on line 2
    )
    response = recount(client, bad)
    assert response.status_code == 400
    html = response.text
    assert "The file is not a valid ballot file: 4 problems found. Nothing was counted." in html
    for line, words in [
        (3, "unit u1 appears twice (first on line 2)"),
        (4, "is not a number of square metres"),
        (5, "unknown choice"),
        (6, "owner o1 chose"),
    ]:
        assert f'<td class="mr-num">{line}</td><td>' in html
        assert words in htmllib.unescape(html)
    assert 'id="recount-json"' not in html


def test_a_missing_column_is_named(client, db):
    response = recount(client, "unit_code,area,owner_key,choice\nu1,100,o1,yes\n")
    assert response.status_code == 400
    assert "missing column area_source" in response.text


def test_a_file_that_is_not_utf8_is_reported_on_its_line(client, db):
    response = recount(client, HEADER.encode() + "u1,100,register,o1,同意\n".encode("gbk"))
    assert response.status_code == 400
    assert "the file is not UTF-8 text" in response.text


def test_no_file_or_no_seats_for_an_election_are_clear_messages(client, db):
    response = client.post(URL, {"kind": "ordinary"})
    assert response.status_code == 400
    assert "Choose the ballot file (CSV) to upload." in response.text
    response = recount(client, GOOD, kind="election")
    assert response.status_code == 400
    assert "An election needs the number of seats (at least 1)." in response.text
    response = recount(client, GOOD, kind="election", seats=3, silent_with_majority="on")
    assert response.status_code == 400
    assert "The silent-owner rule applies to motions, not to elections." in response.text


def test_a_file_over_the_limit_is_refused(client, db, monkeypatch):
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 50)
    monkeypatch.setattr(forms_results, "MAX_UPLOAD_BYTES", 50)
    response = recount(client, GOOD)
    assert response.status_code == 400
    assert "The file is larger than" in response.text


def test_the_limit_is_fifty_megabytes():
    assert forms_results.MAX_UPLOAD_BYTES == 50 * 1024 * 1024


def test_csrf_protection_stays_on(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"kind": "ordinary", "file": csv_file(GOOD)})
    assert response.status_code == 403
    page = client.get(URL)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        URL, {"kind": "ordinary", "file": csv_file(GOOD), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200 and shown_json(response)["kind"] == "ordinary"


def test_the_result_page_link_fills_in_the_settings(client, db):
    response = client.get(
        URL, {"kind": "election", "seats": "7", "alternates": "2", "candidates": "c1,c2"}
    )
    html = response.text
    assert re.search(r'value="election"[^>]*checked', html)
    assert 'name="seats" value="7"' in html and 'value="c1,c2"' in html


# --- the same result as the tally ---------------------------------------------------------


def download(client, vote, motion) -> bytes:
    response = client.get(reverse("decisions:ballot_file", args=[vote.pk, motion.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def recount_download(login, world, vote, motion, **settings) -> dict:
    data = download(login(world.resident), vote, motion)
    anyone = Client()
    response = anyone.post(URL, {"file": csv_file(data, "vote.csv"), **settings})
    assert response.status_code == 200, response.text
    return shown_json(response)


def test_mulins_export_recounts_to_exactly_the_frozen_tally(world, hall, login):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    choices = ["yes", "yes", "no", "abstain", "yes", "yes"]
    cast = [(u, {key: c}) for u, c in zip(hall.users, choices, strict=False)]
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound, vote, cast=cast)
    motion = first_motion(vote)
    assert (
        recount_download(login, world, vote, motion, kind="ordinary")
        == (vote.tally["motions"][0]["result"])
    )


def test_mulins_export_recounts_with_the_silent_owner_rule(world, hall, login):
    world.compound.silent_owners_follow_majority = True
    world.compound.save()
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    cast = [(u, {key: c}) for u, c in zip(hall.users, ["yes", "yes", "yes", "no"], strict=False)]
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote, cast=cast)
    frozen = vote.tally["motions"][0]["result"]
    assert frozen["silent_owners_counted_with"] == "yes"
    shown = recount_download(
        login, world, vote, first_motion(vote), kind="ordinary", silent_with_majority="on"
    )
    assert shown == frozen


def test_mulins_election_export_recounts_to_exactly_the_frozen_tally(world, hall, login):
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
    for person in hall.owners[:5]:
        services.candidate_add(actor=world.staff, motion=motion, person=person)
    key = str(motion.pk)
    approvals = [["c1", "c2", "c3"]] * 3 + [["c1", "c2", "c4"]] * 2 + ["abstain"]
    cast = [(u, {key: a}) for u, a in zip(hall.users, approvals, strict=False)]
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote, cast=cast)
    shown = recount_download(
        login,
        world,
        vote,
        motion,
        kind="election",
        seats=3,
        alternates=1,
        candidates="c1,c2,c3,c4,c5",  # c5 approved by nobody is still listed
    )
    assert shown == vote.tally["motions"][0]["result"]
