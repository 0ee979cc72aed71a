"""Importing the city's official result: only the committee (DECISIONS_MANAGE) of a compound
whose online votes go through the city's system, only while the vote is closed; a good file
replaces Mulin's count for that motion and is marked "official", a bad file lists every problem
by line and changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import ballots, forms_results
from mulin.decisions.models import Channel, Motion, VoteDocument
from mulin.decisions.states import VoteStatus
from mulin.decisions.views import results as views
from mulin.testing import factories as f

from .conftest import first_motion, vote_at

pytestmark = pytest.mark.django_db

HEADER = "unit_code,area,area_source,owner_key,choice\n"
# The city's file: eight homes, seven owners (the last two rows are one buyer), 6 voted.
OFFICIAL = HEADER + (
    "63-2-301,100.00,register,A1,yes\n"
    "63-2-302,100.00,register,A2,yes\n"
    "63-2-303,100.00,register,A3,yes\n"
    "63-2-304,100.00,register,A4,no\n"
    "64-1-101,60.00,register,A5,yes\n"
    "64-1-102,100.00,register,A6,abstain\n"
    "64-1-201,80.00,survey,A7,\n"
    "64-1-202,80.00,survey,A7,\n"
)
BAD = HEADER + (
    "63-2-301,100.00,register,A1,yes\n"
    "63-2-301,100.00,register,A2,yes\n"  # line 3: the same unit twice
    "63-2-303,-5,register,A3,yes\n"  # line 4: a negative area
    "63-2-304,100.00,deed,A4,maybe\n"  # line 5: unknown area source and choice
)


@pytest.fixture
def city(world, hall):
    world.compound.requires_city_evoting = True
    world.compound.save()
    return world.compound


def closed_city_vote(world, hall, status=VoteStatus.CLOSED):
    """A city-system vote (no online ballots in Mulin) with one paper-free on-site ballot."""
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    assert vote.online is False
    ballots.ballot_cast(
        actor=hall.recorder,
        vote=vote,
        elector=vote.electors.get(people=hall.owners[1]),
        choices={str(first_motion(vote).pk): "no"},
        channel=Channel.ONSITE,
        voter=hall.owners[1],
        now=vote.opens_at + timedelta(hours=1),
    )
    return vote_at(status, world.staff, world.compound, vote)


def url(vote) -> str:
    return reverse("decisions:official_import", args=[vote.compound.code, vote.pk])


def upload(text: str, name="city-result.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post(client, vote, text, motion=None):
    motion = motion or first_motion(vote)
    return client.post(url(vote), {"motion": motion.pk, "file": upload(text)})


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world, hall, city):
    response = client.get(url(closed_city_vote(world, hall)))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_outsider_and_owner_get_404(world, hall, city, login, who):
    assert login(getattr(world, who)).get(url(closed_city_vote(world, hall))).status_code == 404


def test_staff_who_only_see_or_record_votes_get_404(world, hall, city, login):
    secretary = f.UserFactory()
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)  # DECISIONS_VIEW, not MANAGE
    vote = closed_city_vote(world, hall)
    assert login(secretary).get(url(vote)).status_code == 404
    assert login(hall.recorder).get(url(vote)).status_code == 404


def test_a_compound_without_the_city_system_has_no_import_page(world, hall, login):
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound)
    assert login(world.staff).get(url(vote)).status_code == 404


def test_the_committee_gets_the_page(world, hall, city, login):
    response = login(hall.committee).get(url(closed_city_vote(world, hall)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Import the official result" in html and 'type="file"' in html


# --- importing ----------------------------------------------------------------------------


def test_the_official_file_replaces_the_count_and_is_marked_official(world, hall, city, login):
    vote = closed_city_vote(world, hall)
    client = login(hall.committee)
    response = post(client, vote, OFFICIAL)
    assert response.status_code == 302 and response.url == url(vote)
    motion = Motion.objects.get(pk=first_motion(vote).pk)
    assert motion.result["source"] == "official"
    assert motion.result["result"]["yes"] == {"area": "360.00", "owners": 4}
    # The tally now uses the city's figures for this motion, marked as such, with the hash.
    html = client.get(reverse("decisions:tally", args=[vote.compound.code, vote.pk])).text
    assert "Official result" in html
    assert motion.result["sha256"] in html
    assert "360.00/560.00 = 9/14" in html
    # After the tally is frozen, the result still says where it came from.
    vote = vote_at(VoteStatus.TALLIED, world.staff, world.compound, vote)
    assert vote.tally["motions"][0]["source"] == "official"
    html = client.get(reverse("decisions:tally", args=[vote.compound.code, vote.pk])).text
    assert "Official result" in html and motion.result["sha256"] in html


def test_a_bad_file_lists_every_problem_by_line_and_changes_nothing(world, hall, city, login):
    vote = closed_city_vote(world, hall)
    response = post(login(hall.committee), vote, BAD)
    assert response.status_code == 400
    html = response.content.decode()
    assert "nothing was imported" in html
    assert "unit 63-2-301 appears twice (first on line 2)" in html
    assert "area '-5' is not a number" in html or "area &#x27;-5&#x27; is not a number" in html
    assert "unknown area_source" in html and "unknown choice" in html
    for line in (3, 4, 5):
        assert f'<td class="mr-num">{line}</td>' in html
    assert Motion.objects.get(pk=first_motion(vote).pk).result is None
    assert not VoteDocument.objects.filter(vote=vote).exists()


def test_an_election_file_naming_unknown_candidates_is_refused(world, hall, city, login):
    from mulin.decisions import services
    from mulin.decisions.models import MotionKind

    from .conftest import START

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
    for person in hall.owners[:4]:
        services.candidate_add(actor=world.staff, motion=motion, person=person)
    vote = vote_at(VoteStatus.CLOSED, world.staff, world.compound, vote)
    text = HEADER + "u1,100,register,o1,c1;c9\nu2,100,register,o2,c2\n"
    response = post(login(hall.committee), vote, text, motion=motion)
    assert response.status_code == 400
    assert "candidates not on this ballot: c9" in response.content.decode()
    assert Motion.objects.get(pk=motion.pk).result is None


def test_no_file_is_a_clear_message(world, hall, city, login):
    vote = closed_city_vote(world, hall)
    response = login(hall.committee).post(url(vote), {"motion": first_motion(vote).pk})
    assert response.status_code == 400
    assert "Choose the ballot file (CSV) to upload." in response.content.decode()


def test_a_file_over_the_limit_is_refused_unread(world, hall, city, login, monkeypatch):
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 100)
    monkeypatch.setattr(forms_results, "MAX_UPLOAD_BYTES", 100)
    vote = closed_city_vote(world, hall)
    response = post(login(hall.committee), vote, OFFICIAL)
    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert Motion.objects.get(pk=first_motion(vote).pk).result is None


def test_a_motion_of_another_vote_is_refused(world, hall, city, login):
    vote = closed_city_vote(world, hall)
    other = vote_at(VoteStatus.DRAFT, world.staff, world.compound)
    response = post(login(hall.committee), vote, OFFICIAL, motion=first_motion(other))
    assert response.status_code == 400
    assert Motion.objects.get(pk=first_motion(other).pk).result is None
    assert Motion.objects.get(pk=first_motion(vote).pk).result is None


def test_nothing_is_imported_once_the_tally_is_frozen(world, hall, city, login):
    vote = closed_city_vote(world, hall, status=VoteStatus.TALLIED)
    client = login(hall.committee)
    html = client.get(url(vote)).content.decode()
    assert "The tally is frozen" in html and 'type="file"' not in html
    assert post(client, vote, OFFICIAL).status_code == 404
    assert vote.tally["motions"][0]["source"] == "mulin"
