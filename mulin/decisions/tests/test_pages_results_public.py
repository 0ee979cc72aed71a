"""The public result pages and the printed notice: open without login, published results only,
the same figures as the tally, the hashes to check them by — and never a name, phone or unit
unless the assembly's rules require per-unit disclosure of an open ballot."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from mulin.decisions import results
from mulin.decisions.models import Vote
from mulin.decisions.states import VoteStatus

from .conftest import draft_vote, first_motion, vote_at

pytestmark = pytest.mark.django_db

CHOICES = ["yes", "yes", "no", "abstain", "yes", "yes"]


def published(world, hall, *, title="2026年第一次业主大会", secret=False, status=None):
    vote = draft_vote(world.staff, world.compound, title=title, secret=secret)
    key = str(first_motion(vote).pk)
    cast = [(u, {key: c}) for u, c in zip(hall.users, CHOICES, strict=False)]
    return vote_at(
        status or VoteStatus.RESULT_PUBLISHED, world.staff, world.compound, vote, cast=cast
    )


def list_url(compound) -> str:
    return reverse("decisions:public_results", args=[compound.code])


def result_url(vote, code=None) -> str:
    return reverse("decisions:public_result", args=[code or vote.compound.code, vote.pk])


def notice_url(vote, code=None) -> str:
    return reverse("decisions:result_notice", args=[code or vote.compound.code, vote.pk])


# --- who sees what ------------------------------------------------------------------------


def test_anyone_sees_the_published_results_without_login(client, world, hall):
    vote = published(world, hall)
    listing = client.get(list_url(world.compound))
    assert listing.status_code == 200
    assert vote.title in listing.text and result_url(vote) in listing.text
    page = client.get(result_url(vote))
    assert page.status_code == 200
    assert vote.tally_sha256 in page.text and "still matches" in page.text
    assert client.get(notice_url(vote)).status_code == 200


@pytest.mark.parametrize(
    "status", [VoteStatus.PUBLISHED, VoteStatus.OPEN, VoteStatus.CLOSED, VoteStatus.TALLIED]
)
def test_unpublished_results_are_404(client, world, hall, status):
    vote = published(world, hall, status=status)
    assert client.get(result_url(vote)).status_code == 404
    assert client.get(notice_url(vote)).status_code == 404
    assert vote.title not in client.get(list_url(world.compound)).text


def test_archived_results_stay_public(client, world, hall):
    vote = published(world, hall, status=VoteStatus.ARCHIVED)
    with time_machine.travel(vote.archived_at + timedelta(days=1)):
        page = client.get(result_url(vote))
    assert page.status_code == 200 and "was on show until" in page.text


def test_unknown_votes_and_compounds_are_404(client, world, hall):
    vote = published(world, hall)
    missing = reverse("decisions:public_result", args=[world.compound.code, vote.pk + 999])
    assert client.get(missing).status_code == 404
    assert client.get(reverse("decisions:public_results", args=["nowhere"])).status_code == 404


def test_another_compounds_vote_through_this_code_is_404(client, world, hall):
    vote = published(world, hall)
    assert client.get(result_url(vote, code=world.other.code)).status_code == 404
    assert client.get(notice_url(vote, code=world.other.code)).status_code == 404
    assert vote.title not in client.get(list_url(world.other)).text


def test_signed_in_outsider_sees_the_same_public_page_without_the_download(world, hall, login):
    vote = published(world, hall)
    page = login(world.outsider).get(result_url(vote))
    assert page.status_code == 200
    assert "Only the compound's owners can download the ballot file." in page.text
    assert reverse("decisions:ballot_file", args=[vote.pk, first_motion(vote).pk]) not in page.text


# --- what the page shows ------------------------------------------------------------------


def test_the_result_has_the_tally_figures_and_the_dates(client, world, hall):
    vote = published(world, hall)
    html = client.get(result_url(vote)).text
    assert "560.00/720.00 = 7/9 (77.78%) ≥ 2/3 (66.67%)" in html
    assert "360.00/560.00 = 9/14 (64.29%) &gt; 1/2 (50.00%)" in html
    assert "Result: Passed" in html and "Civil Code Art. 278 (2)" in html
    assert "Building 63" in html and "Building 64" in html
    local = timezone.localtime(vote.result_published_at)
    until = timezone.localtime(vote.result_published_at + timedelta(days=15))
    assert f"Result published {local:%Y-%m-%d}" in html
    assert f"on show until {until:%Y-%m-%d}" in html
    assert notice_url(vote) in html


def test_the_ballot_files_hash_is_the_hash_of_the_download(world, hall, login):
    vote = published(world, hall)
    motion = first_motion(vote)
    client = login(world.resident)  # an owner of the compound
    html = client.get(result_url(vote)).text
    download = client.get(reverse("decisions:ballot_file", args=[vote.pk, motion.pk]))
    digest = hashlib.sha256(b"".join(download.streaming_content)).hexdigest()
    assert digest in html
    assert results.recount_command(vote, motion) in html
    assert "Download the ballot file" in html
    # The owner is told which codes are theirs.
    codes = results.my_codes(vote, vote.electors.get(people=world.resident_person))
    assert codes["owner_key"] in html


def test_anonymous_visitors_are_asked_to_sign_in_for_the_ballot_file(client, world, hall):
    vote = published(world, hall)
    html = client.get(result_url(vote)).text
    assert "Sign in as an owner of this compound to download it" in html
    assert reverse("core:login") in html


def test_no_name_phone_or_unit_is_ever_shown(client, world, hall):
    vote = published(world, hall)
    for url in (result_url(vote), notice_url(vote), list_url(world.compound)):
        html = client.get(url).text
        assert "张三" not in html and "业主1" not in html
        assert "13812345678" not in html and "138****5678" not in html
        assert "63-2-301" not in html and "64-1-101" not in html


def test_units_are_shown_only_where_the_rules_require_it_for_an_open_ballot(client, world, hall):
    vote = published(world, hall)
    assembly = vote.assembly
    assembly.disclose_unit_detail = True
    assembly.save()
    html = client.get(result_url(vote)).text
    assert "How each unit voted (8 units)" in html
    assert "63-2-301" in html and "Did not vote" in html
    assert "张三" not in html  # units, never names

    secret = published(world, hall, title="秘密表决", secret=True)
    html = client.get(result_url(secret)).text
    assert "How each unit voted" not in html and "63-2-301" not in html


def test_the_notice_is_an_a4_print_with_the_signature_block(client, world, hall):
    vote = published(world, hall)
    html = client.get(notice_url(vote)).text
    assert "@page { size: A4 portrait" in html and "@media print" in html
    assert f"Notice of the result: {vote.title}" in html
    assert "The owners&#x27; committee of" in html or "Owners&#x27; committee" in html
    assert "(seal)" in html
    assert vote.tally_sha256 in html
    assert "Result: Passed" in html
    assert "<svg" in html and 'class="notice-qr"' in html
    assert "http://testserver" + result_url(vote) in html


# --- query pins ---------------------------------------------------------------------------


def test_the_list_does_not_query_more_with_more_results(
    client, world, hall, django_assert_max_num_queries
):
    published(world, hall, title="第一次")
    with django_assert_max_num_queries(4) as first:
        client.get(list_url(world.compound))
    published(world, hall, title="第二次")
    published(world, hall, title="第三次")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(list_url(world.compound))
    assert "第三次" in response.text and "第一次" in response.text


def test_the_result_page_does_not_query_more_with_more_ballots(
    client, world, hall, django_assert_max_num_queries
):
    few = draft_vote(world.staff, world.compound, title="少")
    key = str(first_motion(few).pk)
    few = vote_at(
        VoteStatus.RESULT_PUBLISHED,
        world.staff,
        world.compound,
        few,
        cast=[(hall.users[0], {key: "yes"})],
    )
    with django_assert_max_num_queries(12) as pinned:
        client.get(result_url(few))
    many = published(world, hall, title="多")
    with django_assert_max_num_queries(len(pinned.captured_queries)):
        assert client.get(result_url(many)).status_code == 200
    assert Vote.objects.count() == 2
