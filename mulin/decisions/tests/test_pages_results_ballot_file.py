"""The ballot file download: a frozen motion's file, for the compound's current owners and its
staff who may see votes — everyone else gets 404, whatever the file would show."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import results, services
from mulin.decisions.models import MotionKind
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import START, draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db


def tallied(world, hall, status=VoteStatus.TALLIED):
    vote = draft_vote(world.staff, world.compound)
    key = str(first_motion(vote).pk)
    cast = [
        (u, {key: c}) for u, c in zip(hall.users, ["yes", "no", "abstain", "yes"], strict=False)
    ]
    return vote_at(status, world.staff, world.compound, vote, cast=cast)


def file_url(vote, motion=None) -> str:
    return reverse("decisions:ballot_file", args=[vote.pk, (motion or first_motion(vote)).pk])


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_anonymous_is_sent_to_login(client, world, hall):
    vote = tallied(world, hall)
    response = client.get(file_url(vote))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_an_owner_downloads_the_file_mulin_recount_reads(world, hall, login):
    vote = tallied(world, hall)
    motion = first_motion(vote)
    response = login(hall.neighbour).get(file_url(vote))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f"attachment; filename=vote-{vote.pk}-motion-{motion.position}.csv"
    )
    text = body(response)
    assert text == results.ballot_file_text(vote, motion)
    assert text.splitlines()[0] == "unit_code,area,area_source,owner_key,choice"
    assert len(text.splitlines()) == 1 + 8  # one row per unit
    # Pseudonyms, not the homes or the people.
    assert "63-2-301" not in text and "p:" not in text


def test_staff_who_see_votes_download_it(world, hall, login):
    assert login(world.staff).get(file_url(tallied(world, hall))).status_code == 200
    assert login(hall.committee).get(file_url(tallied(world, hall))).status_code == 200


def test_a_tenant_gets_404(world, hall, login):
    tenant_person = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=hall.units[3], person=tenant_person, relation="tenant", is_head=False)
    tenant = f.UserFactory(person=tenant_person)
    f.grant(tenant, Role.RESIDENT, world.compound)
    assert login(tenant).get(file_url(tallied(world, hall))).status_code == 404


def test_an_owner_of_another_compound_gets_404(world, hall, login):
    person = f.PersonFactory(compound=world.other)
    f.OwnershipFactory(unit=world.other_unit, person=person)
    owner = f.UserFactory(person=person)
    f.grant(owner, Role.RESIDENT, world.other)
    assert login(owner).get(file_url(tallied(world, hall))).status_code == 404


def test_staff_of_another_community_get_404(world, hall, login):
    assert login(world.outsider).get(file_url(tallied(world, hall))).status_code == 404


def test_a_recorder_who_is_not_an_owner_gets_404(world, hall, login):
    assert login(hall.recorder).get(file_url(tallied(world, hall))).status_code == 404


def test_an_owner_who_sold_since_gets_404(world, hall, login):
    from mulin.people.models import Ownership

    vote = tallied(world, hall)
    Ownership.objects.filter(person=hall.owners[1]).update(ended_on=date(2020, 1, 1))
    assert login(hall.neighbour).get(file_url(vote)).status_code == 404


@pytest.mark.parametrize("status", [VoteStatus.OPEN, VoteStatus.CLOSED])
def test_no_file_before_the_tally_is_frozen(world, hall, login, status):
    vote = tallied(world, hall, status=status)
    assert login(world.staff).get(file_url(vote)).status_code == 404
    assert login(hall.neighbour).get(file_url(vote)).status_code == 404


def test_published_and_archived_results_keep_their_files(world, hall, login):
    for status in (VoteStatus.RESULT_PUBLISHED, VoteStatus.ARCHIVED):
        assert login(hall.neighbour).get(file_url(tallied(world, hall, status))).status_code == 200


def test_a_motion_of_another_vote_or_a_question_has_no_file(world, hall, login):
    vote = tallied(world, hall)
    other = tallied(world, hall)
    wrong = reverse("decisions:ballot_file", args=[vote.pk, first_motion(other).pk])
    assert login(world.staff).get(wrong).status_code == 404

    consultation = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="问卷",
        opens_at=START + timedelta(days=1),
        closes_at=START + timedelta(days=8),
        meeting_kind="consultation",
    )
    question = services.motion_add(
        actor=world.staff,
        vote=consultation,
        kind=MotionKind.SINGLE,
        title="选哪个",
        options=["甲", "乙"],
    )
    consultation = vote_at(VoteStatus.TALLIED, world.staff, world.compound, consultation)
    assert login(world.staff).get(file_url(consultation, question)).status_code == 404
