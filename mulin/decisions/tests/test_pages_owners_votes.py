"""My votes (`decisions:my_votes`) and the resident home's card of votes: an owner's votes by
where they stand, plain words for everyone else, and queries that do not grow with the list."""

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import ballots
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db

URL = reverse("decisions:my_votes")


def during(vote, hours: int = 2):
    return time_machine.travel(vote.opens_at + timedelta(hours=hours), tick=False)


def tenant_user(world):
    person = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=world.unit, person=person, relation="tenant", is_head=False)
    user = f.UserFactory(username="tenant", person=person)
    f.grant(user, Role.RESIDENT, world.compound)
    return user


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_an_owner_without_votes_learns_where_they_will_appear(world, hall, login):
    html = login(world.resident).get(URL).content.decode()
    assert "No votes yet" in html
    assert "When the owners' assembly publishes a vote, it appears here" in html


def test_a_tenant_is_told_only_owners_vote(world, hall, login):
    vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    response = login(tenant_user(world)).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only owners vote" in html
    assert "the owner votes for the home" in html
    assert "2026年第一次业主大会" not in html


def test_someone_without_a_home_is_asked_to_bind_it(world, hall, login):
    vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    html = login(world.outsider).get(URL).content.decode()
    assert "Only owners vote" in html
    assert reverse("core:bind") in html
    assert "2026年第一次业主大会" not in html


def test_votes_are_grouped_by_where_they_stand(world, hall, login):
    draft_vote(world.staff, world.compound, title="草稿")
    upcoming = vote_at(
        VoteStatus.PUBLISHED,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, title="即将开始"),
    )
    open_vote = vote_at(
        VoteStatus.OPEN,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, title="正在表决"),
    )
    published = vote_at(
        VoteStatus.RESULT_PUBLISHED,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, title="已公布"),
    )
    with during(open_vote):
        response = login(world.resident).get(URL)
    groups = {g["key"]: [r.vote.pk for r in g["rows"]] for g in response.context["groups"]}
    assert groups == {"open": [open_vote.pk], "upcoming": [upcoming.pk], "results": [published.pk]}
    html = response.content.decode()
    assert "草稿" not in html
    assert "Voting opens on" in html
    assert "Vote now" in html
    assert "You have 1 vote waiting for your ballot." in html


def test_after_voting_the_list_says_when_and_how(world, hall, login):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    key = str(first_motion(vote).pk)
    with during(vote):
        client = login(world.resident)
        client.post(
            reverse("decisions:owner_vote", args=[vote.pk]),
            {"action": "confirm", f"motion_{key}": "yes"},
        )
        html = client.get(URL).content.decode()
        other = login(hall.users[1]).get(URL).content.decode()
    assert "You voted on" in html and "(Online)" in html
    assert "Vote now" not in html
    assert "Vote now" in other  # the neighbour still has to vote


def test_the_list_queries_do_not_grow_with_the_votes(
    world, hall, login, django_assert_max_num_queries
):
    first = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    with during(first):
        client = login(world.resident)
        client.get(URL)
        with django_assert_max_num_queries(12) as one:
            client.get(URL)
    for title in ("二", "三", "四"):
        vote_at(
            VoteStatus.OPEN,
            world.staff,
            world.compound,
            draft_vote(world.staff, world.compound, title=title),
        )
    vote_at(
        VoteStatus.RESULT_PUBLISHED,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, title="五"),
    )
    with during(first):
        client = login(world.resident)
        with django_assert_max_num_queries(len(one.captured_queries)):
            response = client.get(URL)
    assert sum(len(g["rows"]) for g in response.context["groups"]) == 5


# --- the home card -----------------------------------------------------------------------------

CARD = Template("{% load decisions_tags %}{% owner_votes_card user %}")


def card(user) -> str:
    return CARD.render(Context({"user": user}))


def test_the_home_card_counts_votes_waiting_for_my_ballot(
    world, hall, django_assert_max_num_queries
):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    vote_at(
        VoteStatus.PUBLISHED,
        world.staff,
        world.compound,
        draft_vote(world.staff, world.compound, title="下一次"),
    )
    with during(vote), django_assert_max_num_queries(2):
        html = card(world.resident)
    assert "You have 1 vote waiting for your ballot." in html
    assert reverse("decisions:owner_vote", args=[vote.pk]) in html
    assert "下一次" in html and "Voting opens on" in html


def test_the_home_card_is_empty_once_my_home_voted_and_nothing_is_coming(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)

    with during(vote):
        ballots.ballot_cast(
            actor=world.resident,
            vote=vote,
            elector=vote.electors.get(people=world.resident_person),
            choices={str(first_motion(vote).pk): "yes"},
        )
        assert card(world.resident).strip() == ""
        assert "1 vote waiting" in card(hall.users[1])


def test_the_home_card_shows_nothing_to_tenants_and_strangers(
    world, hall, django_assert_max_num_queries
):
    vote_at(VoteStatus.OPEN, world.staff, world.compound)
    assert card(tenant_user(world)).strip() == ""
    with django_assert_max_num_queries(0):
        assert card(world.outsider).strip() == ""
