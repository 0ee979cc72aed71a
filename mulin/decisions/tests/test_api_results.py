"""API of owners' decisions, results: turnout while voting runs (staff, never choices), the tally
(staff may see a closed vote's count; once frozen, owners too, with its SHA-256), and the ballot
file that recounts to the same result."""

import hashlib
import io
import json

import pytest
from django.core.management import call_command

from mulin.decisions import ballots, results
from mulin.decisions.models import Channel, MotionKind
from mulin.decisions.states import VoteStatus

from .api_support import (  # noqa: F401
    _media,
    close_and_tally,
    full_choices,
    live_vote,
    paper_ballot,
)
from .conftest import vote_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote(world, hall):
    """An open vote where three owners have voted: two online, one on paper (building 64)."""
    vote = live_vote(world.staff, world.compound, hall)
    for user, answer in ((world.resident, "yes"), (hall.users[1], "yes")):
        ballots.ballot_cast(
            actor=user,
            vote=vote,
            elector=vote.electors.get(people=user.person),
            choices=full_choices(vote, answer),
            channel=Channel.ONLINE,
        )
    paper_ballot(hall.recorder, vote, hall.owners[6], full_choices(vote, "no"))
    return vote


# ---------------------------------------------------------------- turnout


def test_turnout_by_building_without_choices(world, hall, vote, api):
    response = api(world.staff).get(f"/votes/{vote.pk}/turnout")
    assert response.status_code == 200, response.content
    data = response.json()
    total = data["total"]
    assert (total["owners"], total["voted_owners"]) == (7, 3)
    assert (total["area"], total["voted_area"]) == ("720.00", "360.00")
    assert (total["owners_percent"], total["area_percent"]) == ("42.86", "50.00")
    assert total["pending"] == 4
    rows = {row["building"]: row for row in data["buildings"]}
    assert set(rows) == {"63", "64"}
    assert (rows["63"]["voted_owners"], rows["63"]["owners"]) == (2, 4)
    assert (rows["64"]["voted_owners"], rows["64"]["voted_area"]) == (1, "160.00")
    text = response.content.decode()
    assert "yes" not in text and '"no"' not in text and "c1" not in text


def test_turnout_access(world, hall, vote, api):
    path = f"/votes/{vote.pk}/turnout"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 404  # owners see results, not turnout
    assert api(hall.recorder).get(path).status_code == 200  # the canvass board's figures
    assert api(hall.committee).get(path).status_code == 200
    assert api(world.staff).get("/votes/999999/turnout").status_code == 404


# ---------------------------------------------------------------- tally


def test_no_tally_while_voting_is_open(world, hall, vote, api):
    assert api(world.staff).get(f"/votes/{vote.pk}/tally").status_code == 404
    assert api(world.resident).get(f"/votes/{vote.pk}/tally").status_code == 404


def test_staff_see_a_closed_votes_count_before_it_is_frozen(world, hall, vote, api):
    vote = close_and_tally(world.staff, vote, freeze=False)
    response = api(hall.committee).get(f"/votes/{vote.pk}/tally")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["frozen"], data["sha256"], data["frozen_at"]) == (False, None, None)
    assert data["ballot_files"] == []
    ordinary = data["tally"]["motions"][0]["result"]
    assert ordinary["yes"] == {"area": "200.00", "owners": 2}
    assert ordinary["no"] == {"area": "160.00", "owners": 1}
    assert ordinary["quorum_met"] is False
    # Owners and those who only record ballots wait for the frozen tally.
    assert api(world.resident).get(f"/votes/{vote.pk}/tally").status_code == 404
    assert api(hall.recorder).get(f"/votes/{vote.pk}/tally").status_code == 404


def test_frozen_tally_with_its_hash_for_owners_and_staff(world, hall, vote, api):
    vote = close_and_tally(world.staff, vote)
    for user in (world.resident, world.staff, hall.recorder):
        response = api(user).get(f"/votes/{vote.pk}/tally")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["frozen"] is True and data["status"] == "tallied"
        assert data["tally"] == vote.tally
        canonical = json.dumps(
            data["tally"], sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        assert hashlib.sha256(canonical.encode()).hexdigest() == data["sha256"]
    files = data["ballot_files"]
    kinds = [row["kind"] for row in files]
    assert kinds == ["ordinary", "election"]  # questions have no ballot file
    assert files[1]["recount_command"].startswith("mulin recount vote-")
    assert "--seats 3 --alternates 1" in files[1]["recount_command"]


def test_tally_access(world, hall, vote, api):
    vote = close_and_tally(world.staff, vote)
    path = f"/votes/{vote.pk}/tally"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.staff).get("/votes/999999/tally").status_code == 404


def test_a_published_result_stays_readable(world, hall, api):
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound)
    data = api(world.resident).get(f"/votes/{vote.pk}/tally").json()
    assert data["status"] == "result_published" and data["frozen"] is True


# ---------------------------------------------------------------- ballot file


def test_owner_downloads_a_ballot_file_that_recounts_to_the_tally(world, hall, vote, api, tmp_path):
    vote = close_and_tally(world.staff, vote)
    election = vote.motions.get(kind=MotionKind.ELECTION)
    url = api(world.resident).get(f"/votes/{vote.pk}/tally").json()["ballot_files"][1]["url"]
    response = api(world.resident).client.get(url, headers=api(world.resident).headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"vote-{vote.pk}-motion-{election.position}.csv" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.splitlines()[0] == "unit_code,area,area_source,owner_key,choice"
    assert len(text.splitlines()) == 1 + 8  # one row per unit
    assert "63-2-301" not in text  # pseudonyms, unless the rules require disclosure
    path = tmp_path / "file.csv"
    path.write_text(text)
    out = io.StringIO()
    call_command(
        "recount",
        str(path),
        "--kind",
        "election",
        "--seats",
        "3",
        "--alternates",
        "1",
        "--candidates",
        "c1,c2,c3,c4",
        stdout=out,
    )
    frozen = next(m for m in vote.tally["motions"] if m["id"] == election.pk)["result"]
    assert json.loads(out.getvalue()) == frozen


def test_owner_finds_their_rows_by_the_codes_in_their_entry(world, hall, vote, api):
    vote = close_and_tally(world.staff, vote)
    codes = api(world.resident).get(f"/votes/{vote.pk}").json()["my_elector"]["file_codes"]
    motion = vote.motions.get(kind=MotionKind.ORDINARY)
    rows = [line.split(",") for line in results.ballot_file_text(vote, motion).splitlines()]
    mine = [row for row in rows if row[3] == codes["owner_key"]]
    assert [row[0] for row in mine] == codes["units"]
    assert mine[0][4] == "yes"


def test_ballot_file_access(world, hall, vote, api):
    motion = vote.motions.get(kind=MotionKind.ORDINARY)
    path = f"/votes/{vote.pk}/motions/{motion.pk}/ballot-file"
    assert api(world.staff).get(path).status_code == 404  # not before the tally is frozen
    vote = close_and_tally(world.staff, vote)
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(world.resident).get(path).status_code == 200
    assert api(world.staff).get(path).status_code == 200
    assert api(hall.recorder).get(path).status_code == 200
    question = vote.motions.get(kind=MotionKind.SINGLE)
    assert (
        api(world.resident).get(f"/votes/{vote.pk}/motions/{question.pk}/ballot-file").status_code
        == 404
    )
    other = vote_at(VoteStatus.TALLIED, world.staff, world.compound)
    assert (
        api(world.resident).get(f"/votes/{other.pk}/motions/{motion.pk}/ballot-file").status_code
        == 404
    )
