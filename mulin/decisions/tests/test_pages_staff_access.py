"""Who may open the staff pages of owners' votes: anonymous users are sent to log in; outsiders,
residents and anyone without a decisions permission get 404; recorders see published votes
only; viewers see everything but change nothing; the committee and community staff run votes."""

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions.models import Vote
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .conftest import draft_vote, vote_at

pytestmark = pytest.mark.django_db

PAGES = ["staff_votes", "vote_new", "staff_vote", "electorate", "assembly", "meeting_requests"]


@pytest.fixture
def votes(world, hall):
    published = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    draft = draft_vote(world.staff, world.compound, title="还在起草的表决")
    return published, draft


def page_url(name: str, code: str, vote: Vote) -> str:
    if name in ("staff_vote", "electorate"):
        return reverse(f"decisions:{name}", args=[code, vote.pk])
    if name == "meeting_requests":
        return reverse("decisions:staff_meeting_requests", args=[code])
    return reverse(f"decisions:{name}", args=[code])


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_log_in(client, world, votes, name):
    response = client.get(page_url(name, world.compound.code, votes[0]))
    assert response.status_code == 302
    assert reverse("core:login") in response.url


@pytest.mark.parametrize("name", PAGES)
def test_outsider_gets_404(world, votes, login, name):
    response = login(world.outsider).get(page_url(name, world.compound.code, votes[0]))
    assert response.status_code == 404


def test_outsider_cannot_reach_a_vote_through_their_own_compound(world, votes, login):
    url = reverse("decisions:staff_vote", args=[world.other.code, votes[0].pk])
    assert login(world.outsider).get(url).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_resident_owner_gets_404(world, votes, login, name):
    response = login(world.resident).get(page_url(name, world.compound.code, votes[0]))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["committee", "staff"])
@pytest.mark.parametrize("name", PAGES)
def test_committee_member_and_community_staff_open_every_page(world, hall, votes, login, who, name):
    user = hall.committee if who == "committee" else world.staff
    response = login(user).get(page_url(name, world.compound.code, votes[0]))
    assert response.status_code == 200


def test_committee_member_sees_drafts_and_the_new_vote_button(world, hall, votes, login):
    response = login(hall.committee).get(page_url("staff_votes", world.compound.code, votes[0]))
    page = response.content.decode()
    assert "还在起草的表决" in page
    assert reverse("decisions:vote_new", args=[world.compound.code]) in page
    draft = login(hall.committee).get(page_url("staff_vote", world.compound.code, votes[1]))
    assert draft.status_code == 200
    assert "Add a motion" in draft.content.decode()


def test_recorder_sees_published_votes_only_and_runs_nothing(world, hall, votes, login):
    published, draft = votes
    client = login(hall.recorder)
    code = world.compound.code
    listing = client.get(page_url("staff_votes", code, published)).content.decode()
    assert published.title in listing
    assert "还在起草的表决" not in listing
    assert reverse("decisions:vote_new", args=[code]) not in listing
    assert reverse("decisions:assembly", args=[code]) not in listing
    page = client.get(page_url("staff_vote", code, published))
    assert page.status_code == 200
    assert "Publish the notice" not in page.content.decode()
    assert "Yes: " not in page.content.decode()
    assert client.get(page_url("staff_vote", code, draft)).status_code == 404
    for name in ("vote_new", "electorate", "assembly", "meeting_requests"):
        assert client.get(page_url(name, code, published)).status_code == 404, name
    act = reverse("decisions:staff_vote_act", args=[code, published.pk, "cancel"])
    assert client.post(act, {"cancel-reason": "试试"}).status_code == 404
    published.refresh_from_db()
    assert published.status == VoteStatus.PUBLISHED


def test_party_secretary_views_but_cannot_change(world, votes, login):
    secretary = f.UserFactory(username="secretary")
    f.grant(secretary, Role.PARTY_SECRETARY, world.compound)
    client = login(secretary)
    code = world.compound.code
    published, draft = votes
    assert client.get(page_url("staff_vote", code, draft)).status_code == 200
    assert client.get(page_url("electorate", code, published)).status_code == 200
    assembly = client.get(page_url("assembly", code, published))
    assert assembly.status_code == 200
    assert "Save the rules" not in assembly.content.decode()
    assert "The rules in force" in assembly.content.decode()
    assert client.get(page_url("vote_new", code, published)).status_code == 404
    post = client.post(reverse("decisions:assembly", args=[code]), {"min_window_days": 1})
    assert post.status_code == 404
    act = reverse("decisions:staff_vote_act", args=[code, draft.pk, "publish"])
    assert client.post(act).status_code == 404
    draft.refresh_from_db()
    assert draft.status == VoteStatus.DRAFT


def test_electorate_of_a_draft_does_not_exist_yet(world, votes, login):
    response = login(world.staff).get(page_url("electorate", world.compound.code, votes[1]))
    assert response.status_code == 404
