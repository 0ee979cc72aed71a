"""API of owners' decisions, reading: the vote list and one vote — who sees which votes, what an
owner learns about their own entry and ballot, filters, and query counts that do not grow."""

import pytest

from mulin.core.models import Role
from mulin.decisions import services
from mulin.decisions.models import MotionKind
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f

from .api_support import _media, draft_vote, full_choices, live_vote, paper_ballot  # noqa: F401
from .conftest import vote_at

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


@pytest.fixture
def votes(world, hall):
    """A draft and a published vote in the compound, and a published one elsewhere."""
    draft = draft_vote(world.staff, world.compound, title="草稿")
    published = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    other_staff = f.UserFactory(username="other-staff")
    f.grant(other_staff, Role.COMMUNITY_STAFF, world.other.community)
    elsewhere = draft_vote(other_staff, world.other, title="别处")
    return draft, published, elsewhere


# ---------------------------------------------------------------- the list


def test_list_needs_a_login(db, api):
    assert api().get("/votes").status_code == 401


def test_staff_see_every_vote_of_their_compound_with_ballot_counts(world, hall, votes, api):
    draft, published, _elsewhere = votes
    response = api(world.staff).get("/votes")
    assert set(ids(response)) == {draft.pk, published.pk}
    rows = {row["id"]: row for row in response.json()["items"]}
    assert rows[draft.pk]["status"] == "draft" and rows[draft.pk]["status_label"] == "Draft"
    assert rows[published.pk]["ballot_count"] == 0
    assert rows[published.pk]["motion_count"] == 1
    assert rows[published.pk]["compound"]["code"] == world.compound.code


def test_owners_see_published_votes_of_their_compound_only(world, hall, votes, api):
    _draft, published, _elsewhere = votes
    response = api(world.resident).get("/votes")
    assert ids(response) == [published.pk]
    row = response.json()["items"][0]
    assert row["ballot_count"] is None  # turnout is for staff
    assert row["my_ballot"] is None


def test_recorders_see_published_votes_only(world, hall, votes, api):
    _draft, published, _elsewhere = votes
    assert ids(api(hall.recorder).get("/votes")) == [published.pk]


def test_outsider_sees_nothing_of_the_compound(world, hall, votes, api):
    _draft, _published, elsewhere = votes
    assert ids(api(world.outsider).get("/votes")) == [elsewhere.pk]
    assert ids(api(world.outsider).get("/votes", compound=world.compound.code)) == []


def test_a_tenant_who_owns_nothing_sees_no_votes(world, hall, votes, api):
    tenant = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=world.unit, person=tenant, relation="tenant")
    user = f.UserFactory(username="tenant", person=tenant)
    f.grant(user, Role.RESIDENT, world.compound)
    assert ids(api(user).get("/votes")) == []


def test_list_shows_the_owners_own_ballot(world, hall, api):
    vote = live_vote(world.staff, world.compound, hall)
    paper_ballot(hall.recorder, vote, world.resident_person, full_choices(vote))
    row = api(world.resident).get("/votes").json()["items"][0]
    assert row["my_ballot"]["channel"] == "paper"
    assert row["my_ballot"]["channel_label"] == "Paper ballot"
    assert len(row["my_ballot"]["receipt"]) == 10
    assert api(world.staff).get("/votes").json()["items"][0]["ballot_count"] == 1


def test_list_filters_by_compound_and_status(world, hall, votes, api):
    draft, published, _elsewhere = votes
    staff = api(world.staff)
    assert ids(staff.get("/votes", status="draft")) == [draft.pk]
    assert set(ids(staff.get("/votes", status="draft,published"))) == {draft.pk, published.pk}
    assert ids(staff.get("/votes", compound=world.other.code)) == []
    assert set(ids(staff.get("/votes", compound=world.compound.code))) == {draft.pk, published.pk}


def test_unknown_status_is_refused_naming_the_field(world, hall, api):
    response = api(world.staff).get("/votes", status="drafty")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "field": "status",
                "message": "Select a valid choice. drafty is not one of the available choices.",
            }
        ]
    }


def test_unknown_status_message_is_translated(world, hall, api):
    response = api(world.staff, language="zh-hans").get("/votes", status="drafty")
    assert response.status_code == 422
    assert "drafty" in response.json()["detail"][0]["message"]
    assert "选择" in response.json()["detail"][0]["message"]


def test_list_is_paginated(world, hall, votes, api):
    response = api(world.staff).get("/votes", limit=1, offset=1)
    data = response.json()
    assert (data["count"], data["limit"], data["offset"], len(data["items"])) == (2, 1, 1, 1)


@pytest.mark.parametrize("who", ["staff", "resident"])
def test_list_queries_do_not_grow(world, hall, api, constant_queries, who):
    user = world.staff if who == "staff" else world.resident
    first = live_vote(world.staff, world.compound, hall, title="第一次")
    paper_ballot(hall.recorder, first, world.resident_person, full_choices(first))

    def grow():
        for n in range(4):
            vote = live_vote(world.staff, world.compound, hall, title=f"第{n + 2}次")
            for person in hall.owners[:3]:
                paper_ballot(hall.recorder, vote, person, full_choices(vote, "no"))

    constant_queries(api(user), "/votes", grow, pin=12)


# ---------------------------------------------------------------- one vote


def test_vote_detail_access(world, hall, votes, api):
    draft, published, elsewhere = votes
    assert api().get(f"/votes/{published.pk}").status_code == 401
    assert api(world.outsider).get(f"/votes/{published.pk}").status_code == 404
    assert api(world.resident).get(f"/votes/{published.pk}").status_code == 200
    assert api(world.resident).get(f"/votes/{draft.pk}").status_code == 404
    assert api(world.resident).get(f"/votes/{elsewhere.pk}").status_code == 404
    assert api(hall.recorder).get(f"/votes/{draft.pk}").status_code == 404
    assert api(hall.recorder).get(f"/votes/{published.pk}").status_code == 200
    assert api(world.staff).get(f"/votes/{draft.pk}").status_code == 200
    assert api(hall.committee).get(f"/votes/{draft.pk}").status_code == 200
    assert api(world.staff).get("/votes/999999").status_code == 404


def test_cancelled_votes_are_hidden_from_owners_not_from_staff(world, hall, api):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    services.vote_cancel(actor=world.staff, vote=vote, reason="改期")
    assert api(world.resident).get(f"/votes/{vote.pk}").status_code == 404
    staff = api(world.staff).get(f"/votes/{vote.pk}")
    assert staff.status_code == 200 and staff.json()["cancel_reason"] == "改期"


def test_vote_detail_shows_motions_candidates_options_and_dates(world, hall, api):
    vote = live_vote(world.staff, world.compound, hall)
    data = api(world.resident).get(f"/votes/{vote.pk}").json()
    assert data["title"] == "2026年第二次业主大会"
    assert data["status"] == "open" and data["status_label"] == "Voting open"
    assert data["opened_at"] is not None and data["closed_at"] is None
    assert data["electorate"]["total_owners"] == 7
    assert data["electorate"]["total_area"] == "720.00"
    kinds = [m["kind"] for m in data["motions"]]
    assert kinds == ["ordinary", "election", "single", "multiple", "text"]
    ordinary, election, single, multiple, _text = data["motions"]
    assert ordinary["matter"] == "management_code"
    assert ordinary["article"] == "Civil Code Art. 278 (2)"
    assert "more than half" in ordinary["rule"]
    assert (election["seats"], election["alternate_seats"]) == (3, 1)
    assert [c["key"] for c in election["candidates"]] == ["c1", "c2", "c3", "c4"]
    assert election["candidates"][0]["name"] == "业主1"
    assert election["candidates"][0]["nomination_label"] == "Self-nominated"
    assert [o["label"] for o in single["options"]] == ["屋面", "管网"]
    assert [o["key"] for o in multiple["options"]] == ["o1", "o2", "o3"]
    assert data["documents"] == []


def test_owner_sees_their_entry_and_may_vote(world, hall, api):
    vote = live_vote(world.staff, world.compound, hall)
    buyer = api(hall.users[6]).get(f"/votes/{vote.pk}").json()
    assert buyer["my_elector"]["units"] == ["64-1-201", "64-1-202"]
    assert buyer["my_elector"]["area"] == "160.00"
    assert buyer["my_elector"]["label"] == "64-1-201 +1"
    assert buyer["my_elector"]["file_codes"] is None  # until the tally is frozen
    assert buyer["my_ballot"] is None and buyer["can_vote"] is True
    staff = api(world.staff).get(f"/votes/{vote.pk}").json()
    assert staff["my_elector"] is None and staff["can_vote"] is False
    assert staff["ballot_count"] == 0


def test_owner_who_voted_sees_the_receipt_and_may_not_vote_again(world, hall, api):
    vote = live_vote(world.staff, world.compound, hall)
    ballot = paper_ballot(hall.recorder, vote, world.resident_person, full_choices(vote))
    data = api(world.resident).get(f"/votes/{vote.pk}").json()
    assert data["my_ballot"]["receipt"] == ballot.receipt
    assert data["my_ballot"]["channel"] == "paper"
    assert data["can_vote"] is False


def test_no_online_voting_before_the_window(world, hall, api):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert api(world.resident).get(f"/votes/{vote.pk}").json()["can_vote"] is False


def test_detail_shows_documents_by_title_and_hash(world, hall, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    vote = draft_vote(world.staff, world.compound)
    services.document_add(
        actor=world.staff,
        vote=vote,
        title="管理规约（修订稿）",
        upload=SimpleUploadedFile("code.pdf", b"%PDF-1.4 rules"),
    )
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound, vote)
    documents = api(world.resident).get(f"/votes/{vote.pk}").json()["documents"]
    assert [d["title"] for d in documents] == ["管理规约（修订稿）"]
    assert len(documents[0]["sha256"]) == 64


def test_detail_of_a_draft_has_no_electorate_yet(world, hall, api):
    vote = draft_vote(world.staff, world.compound)
    services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.SPECIAL,
        matter="fund_raise",
        title="续筹维修资金",
    )
    data = api(world.staff).get(f"/votes/{vote.pk}").json()
    assert data["electorate"] is None
    assert data["motions"][1]["article"] == "Civil Code Art. 278 (6)"
    assert "three quarters" in data["motions"][1]["rule"]


def test_detail_queries_do_not_grow_with_motions_and_electorate(
    world, hall, api, count_queries, django_assert_max_num_queries
):
    small = live_vote(world.staff, world.compound, hall, title="小")
    client = api(world.resident)
    client.get(f"/votes/{small.pk}")
    with count_queries() as before, django_assert_max_num_queries(16):
        assert client.get(f"/votes/{small.pk}").status_code == 200
    big = live_vote(world.staff, world.compound, hall, title="大", extra=6)
    paper_ballot(hall.recorder, big, world.resident_person, full_choices(big) | extra_yes(big))
    with count_queries() as after:
        assert client.get(f"/votes/{big.pk}").status_code == 200
    assert before.count == after.count, after.dump()


def extra_yes(vote) -> dict:
    return {str(m.pk): "yes" for m in vote.motions.filter(matter="other")}
