"""`mulin demo` gives both compounds their owners' decisions (issue 4, "Demo"): 锦绣金山's
2017-11-23 committee election (7 members, 2 alternates) seating the committee the demo has, the
assembly that adopted 7 regulations, the vehicle-rule consultation at about 90 % support, and an
open consultation on 仓基新村's renovation — every ballot sealed, `mulin audit verify` clean."""

import tempfile
from datetime import date, timedelta
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from mulin.core.audit import verify_chains
from mulin.decisions.models import Ballot, CanvassStatus, Channel, MeetingKind, MotionKind, Vote
from mulin.decisions.states import VoteStatus
from mulin.demo.builder import local_tz
from mulin.orgs.models import MemberRole, Membership, OrgKind

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JINXIU, CANGJI = "jinxiu-jinshan", "cangji-xincun"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for this module (ballot scans and signatures in a temporary media
    folder), rolled back afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="mulin-demo-media-") as media,
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def votes_of(code: str):
    return Vote.objects.filter(compound__code=code)


@pytest.fixture
def election(demo, db) -> Vote:
    return votes_of(JINXIU).get(motions__kind=MotionKind.ELECTION)


def local_day(moment) -> date:
    return moment.astimezone(local_tz()).date()


def rate(part: dict, whole: dict) -> tuple[Fraction, Fraction]:
    """(by households, by area) of a tally's {"area", "owners"} shares."""
    return (
        Fraction(part["owners"], whole["owners"]),
        Fraction(part["area"]) / Fraction(whole["area"]),
    )


# ---- 锦绣金山: the election of 2017-11-23 ------------------------------------------------------


def test_the_election_of_2017_11_23_elected_7_members_and_2_alternates(election):
    assert local_day(election.closes_at) == date(2017, 11, 23)
    assert election.status == VoteStatus.ARCHIVED and election.secret
    assert local_day(election.published_at) <= date(2017, 11, 8)  # 15 days' notice at least
    result = election.tally["motions"][0]["result"]
    assert result["quorum_met"] is True
    assert (len(result["elected"]), len(result["alternates"])) == (7, 2)
    assert result["ties"] == []
    assert len(result["candidates"]) >= 9
    losers = [c for c in result["candidates"] if c["key"] not in result["elected"]]
    assert [c["key"] for c in losers if c["qualified"]] == result["alternates"]


def test_the_elected_are_the_owners_committee_in_office(election):
    result = election.tally["motions"][0]["result"]
    people = {c.key: c.person_id for c in election.motions.get().candidates.all()}
    committee = election.assembly.owners_committee
    assert committee.kind == OrgKind.OWNERS_COMMITTEE and committee.founded_on == date(2017, 11, 23)
    seats = Membership.objects.current().filter(organisation=committee)
    members = seats.exclude(role=MemberRole.ALTERNATE)
    assert {m.person_id for m in members} == {people[k] for k in result["elected"]}
    alternates = seats.filter(role=MemberRole.ALTERNATE)
    assert {m.person_id for m in alternates} == {people[k] for k in result["alternates"]}
    assert {m.term_start for m in seats} == {date(2017, 11, 23)}
    assert seats.filter(role=MemberRole.DIRECTOR).count() == 1
    deputies = seats.filter(role=MemberRole.DEPUTY_DIRECTOR)
    assert sorted(deputies.values_list("portfolio", flat=True)) == ["小区建设", "资源引进"]
    # The demo's owners' committee login is its director.
    director = seats.get(role=MemberRole.DIRECTOR)
    from mulin.core.models import User

    assert User.objects.get(username="jinxiu-owners").person_id == director.person_id


def test_the_election_took_ballots_on_paper_at_the_door_by_proxy_and_at_the_meeting(election):
    channels = set(Ballot.objects.filter(vote=election).values_list("channel", flat=True))
    assert {Channel.PAPER, Channel.CANVASS, Channel.ONSITE, Channel.PROXY} <= channels
    assert Channel.ONLINE not in channels  # not usual in 2017
    assert not election.online
    onsite = Ballot.objects.filter(vote=election, channel=Channel.ONSITE)
    assert {local_day(b.cast_at) for b in onsite} == {date(2017, 11, 23)}
    assert not Ballot.objects.filter(vote=election, recorded_by=None).exists()
    assert election.assembly.established_on == date(2017, 11, 23)


# ---- 锦绣金山: the assembly and the vehicle rule -----------------------------------------------


def test_the_assembly_adopted_7_regulations(demo, db):
    assembly = votes_of(JINXIU).get(title__contains="规章制度")
    motions = assembly.tally["motions"]
    assert len(motions) == 7
    assert {m["kind"] for m in motions} == {MotionKind.ORDINARY}
    assert all(m["result"]["quorum_met"] and m["result"]["passed"] for m in motions)
    assert {"procedure_rules", "management_code"} <= {m["matter"] for m in motions}
    assert any("车辆管理" in m["title"] for m in motions)
    assert local_day(assembly.closes_at).isoformat().startswith("2018-03")


def test_the_vehicle_rule_had_about_90_percent_support_by_households_and_by_area(demo, db):
    consultation = votes_of(JINXIU).get(meeting_kind=MeetingKind.CONSULTATION)
    support = consultation.tally["motions"][0]
    assert support["kind"] == MotionKind.CONSULTATION
    result = support["result"]
    for share in (
        *rate(result["yes"], result["total"]),
        *rate(result["yes"], result["participating"]),
    ):
        assert Fraction(85, 100) <= share <= Fraction(95, 100)
    ballots = Ballot.objects.filter(vote=consultation)
    door_to_door = ballots.filter(channel=Channel.CANVASS).count()
    assert door_to_door > ballots.count() / 2  # 挨家挨户征求意见
    statuses = set(consultation.electors.values_list("canvass_status", flat=True))
    assert {CanvassStatus.COMPLETED, CanvassStatus.CONTACTED, CanvassStatus.UNREACHABLE} <= statuses


def test_jinxiu_votes_are_history_with_their_results_published(demo, db):
    for vote in votes_of(JINXIU):
        assert vote.status == VoteStatus.ARCHIVED
        assert vote.result_published_at - vote.closed_at <= timedelta(days=3)
        assert local_day(vote.closes_at).year in (2017, 2018)
        assert len(vote.tally_sha256) == 64


# ---- 仓基新村: the open consultation on the renovation ---------------------------------------------


def test_cangji_has_an_open_renovation_consultation_with_answers_from_the_door(demo, db):
    vote = votes_of(CANGJI).get()
    now = timezone.now()
    assert vote.status == VoteStatus.OPEN and vote.opens_at <= now < vote.closes_at
    assert vote.meeting_kind == MeetingKind.CONSULTATION and "改造" in vote.title
    kinds = [m.kind for m in vote.motions.order_by("position")]
    assert kinds == [
        MotionKind.CONSULTATION,
        MotionKind.SINGLE,
        MotionKind.MULTIPLE,
        MotionKind.TEXT,
    ]
    ballots = Ballot.objects.filter(vote=vote)
    assert 0 < ballots.count() < vote.total_owners / 2  # some answers collected, more to come
    assert ballots.filter(channel=Channel.CANVASS).exists()
    assert not ballots.filter(cast_at__gt=now).exists()
    statuses = set(vote.electors.values_list("canvass_status", flat=True))
    assert {CanvassStatus.PENDING, CanvassStatus.CONTACTED, CanvassStatus.COMPLETED} <= statuses
    assert vote.tally is None  # running results stay hidden until close
    texts = [b.choices[str(vote.motions.get(kind=MotionKind.TEXT).pk)]["text"] for b in ballots]
    assert any(texts) and not all(texts)


def test_cangji_consultation_is_run_by_the_household_committee(demo, db):
    vote = votes_of(CANGJI).get()
    assert vote.created_by.username == "cangji-household"
    assert not Membership.objects.filter(
        organisation__compound=vote.compound, organisation__kind=OrgKind.OWNERS_COMMITTEE
    ).exists()
    branch8 = Ballot.objects.filter(vote=vote, recorded_by__username="cangji-branch8")
    assert set(branch8.values_list("elector__building__number", flat=True)) <= {"62", "63", "64"}


def test_cangji_resident_login_can_still_answer_online_if_an_owner(demo, db):
    from mulin.core.models import User

    vote = votes_of(CANGJI).get()
    user = User.objects.get(username="cangji-resident")
    mine = vote.electors.filter(people__id=user.person_id).first()
    if mine is not None:
        assert not Ballot.objects.filter(elector=mine).exists()


# ---- both ----------------------------------------------------------------------------------------


def test_audit_verify_is_clean_after_the_demo(demo, db):
    assert Ballot.objects.count() > 500
    assert verify_chains() == []
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("OK:")


def test_every_ballot_is_sealed_in_its_votes_chain(demo, db):
    from mulin.core.models import AuditEvent

    sealed = AuditEvent.objects.filter(action="ballot.cast").exclude(chain="").count()
    assert sealed == Ballot.objects.count()
