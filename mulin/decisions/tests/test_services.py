"""Drafting, the notice, the electorate from the registry, the scheduler, objections and
extraordinary-meeting requests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from mulin.decisions import services
from mulin.decisions.models import MeetingKind, MeetingRequest, MotionKind, Objection
from mulin.decisions.states import TRANSITIONS, Move, VoteStatus
from mulin.people.models import Company, Ownership
from mulin.places.models import UnitUse
from mulin.testing import factories as f

from .conftest import START, draft_vote, vote_at

pytestmark = pytest.mark.django_db

ORDER = [
    VoteStatus.DRAFT,
    VoteStatus.PUBLISHED,
    VoteStatus.OPEN,
    VoteStatus.CLOSED,
    VoteStatus.TALLIED,
    VoteStatus.RESULT_PUBLISHED,
    VoteStatus.ARCHIVED,
]


@pytest.mark.parametrize("status", ORDER)
def test_every_state_refuses_the_moves_the_table_does_not_allow(world, hall, status):
    from mulin.decisions import results

    vote = vote_at(status, world.staff, world.compound)
    later = vote.closes_at + timedelta(days=60)
    calls = {
        Move.PUBLISH: lambda: services.vote_publish(actor=world.staff, vote=vote, now=later),
        Move.OPEN: lambda: services.vote_open(actor=world.staff, vote=vote, now=later),
        Move.CLOSE: lambda: services.vote_close(actor=world.staff, vote=vote, now=later),
        Move.TALLY: lambda: results.vote_tally(actor=world.staff, vote=vote, now=later),
        Move.PUBLISH_RESULT: lambda: results.vote_publish_result(
            actor=world.staff, vote=vote, now=later
        ),
        Move.ARCHIVE: lambda: services.vote_archive(actor=world.staff, vote=vote, now=later),
        Move.CANCEL: lambda: services.vote_cancel(actor=world.staff, vote=vote, reason="x"),
    }
    for move, call in calls.items():
        if (status, move) in TRANSITIONS:
            continue
        with pytest.raises(ValidationError):
            call()
    vote.refresh_from_db()
    assert vote.status == status


def test_nothing_can_be_added_to_a_published_vote(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    with pytest.raises(ValidationError) as exc:
        services.motion_add(
            actor=world.staff, vote=vote, kind=MotionKind.ORDINARY, matter="other", title="加一项"
        )
    assert "published" in str(exc.value)
    assert vote.motions.count() == 1


def test_a_special_matter_cannot_be_put_as_ordinary(world, hall):
    vote = draft_vote(world.staff, world.compound)
    with pytest.raises(ValidationError) as exc:
        services.motion_add(
            actor=world.staff,
            vote=vote,
            kind=MotionKind.ORDINARY,
            matter="fund_raise",
            title="筹集维修资金",
        )
    assert "278 (6)" in exc.value.message_dict["matter"][0]
    motion = services.motion_add(
        actor=world.staff, vote=vote, kind=MotionKind.SPECIAL, matter="fund_raise", title="筹集"
    )
    assert motion.kind == "special"


@pytest.mark.parametrize(
    ("seats", "alternates", "field"),
    [(6, 2, "seats"), (13, 2, "seats"), (7, 8, "alternate_seats"), (None, 0, "seats")],
)
def test_committee_seats_follow_the_rules(world, hall, seats, alternates, field):
    vote = draft_vote(world.staff, world.compound)
    with pytest.raises(ValidationError) as exc:
        services.motion_add(
            actor=world.staff,
            vote=vote,
            kind=MotionKind.ELECTION,
            title="选举",
            seats=seats,
            alternate_seats=alternates,
        )
    assert field in exc.value.message_dict


def test_small_compound_may_elect_three(world, hall):
    vote = draft_vote(world.staff, world.compound)
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举",
        seats=3,
        alternate_seats=0,
    )
    assert motion.seats == 3


def test_an_election_needs_fifteen_days_notice_even_at_an_extraordinary_meeting(world, hall):
    vote = services.vote_create(
        actor=world.staff,
        compound=world.compound,
        title="临时会议补选",
        meeting_kind=MeetingKind.EXTRAORDINARY,
        opens_at=START + timedelta(days=8),
        closes_at=START + timedelta(days=15),
    )
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="补选",
        seats=5,
        alternate_seats=0,
    )
    services.candidate_add(actor=world.staff, motion=motion, person=hall.owners[1])
    with pytest.raises(ValidationError) as exc:
        services.vote_publish(actor=world.staff, vote=vote, now=START)
    assert "15" in exc.value.message_dict["opens_at"][0]


def test_extraordinary_meeting_needs_seven_days(world, hall):
    vote = draft_vote(
        world.staff,
        world.compound,
        meeting_kind=MeetingKind.EXTRAORDINARY,
        opens_at=START + timedelta(days=7, minutes=1),
        closes_at=START + timedelta(days=14),
    )
    assert services.vote_publish(actor=world.staff, vote=vote, now=START).status == "published"


def test_voting_window_outside_five_to_sixty_days_is_refused(world, hall):
    for days in (4, 61):
        vote = draft_vote(
            world.staff,
            world.compound,
            opens_at=START + timedelta(days=16),
            closes_at=START + timedelta(days=16 + days),
        )
        with pytest.raises(ValidationError) as exc:
            services.vote_publish(actor=world.staff, vote=vote, now=START)
        assert "closes_at" in exc.value.message_dict


def test_candidates_must_be_owners_of_the_compound(world, hall):
    vote = draft_vote(world.staff, world.compound)
    motion = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举",
        seats=5,
        alternate_seats=2,
    )
    tenant = f.PersonFactory(compound=world.compound)
    with pytest.raises(ValidationError):
        services.candidate_add(actor=world.staff, motion=motion, person=tenant)
    services.candidate_add(actor=world.staff, motion=motion, person=hall.owners[1])
    with pytest.raises(ValidationError):
        services.candidate_add(actor=world.staff, motion=motion, person=hall.owners[1])


def test_outsider_cannot_draft_votes(world, hall):
    with pytest.raises(Http404):
        draft_vote(world.outsider, world.compound)
    with pytest.raises(Http404):
        draft_vote(hall.recorder, world.compound)


def test_electorate_counts_developer_co_owners_and_parking_per_the_rules(world, hall):
    developer = Company.objects.create(name="开发商", compound=world.compound, is_developer=True)
    unsold = [f.UnitFactory(entrance=hall.units[4].entrance, number=n) for n in ("301", "302")]
    for unit in unsold:
        Ownership.objects.create(unit=unit, company=developer)
    co = f.UnitFactory(entrance=hall.units[4].entrance, number="401")
    spouse = f.PersonFactory(compound=world.compound)
    f.OwnershipFactory(unit=co, person=hall.owners[2], share=Decimal("0.5"))
    f.OwnershipFactory(unit=co, person=spouse, share=Decimal("0.5"))
    parking = f.UnitFactory(entrance=hall.units[4].entrance, number="P1", use=UnitUse.PARKING)
    f.OwnershipFactory(unit=parking, person=hall.owners[3])
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    # 7 owner parties + the developer (2 units, one owner) + the co-owned unit (one more owner:
    # the couple is a different buyer from owner 2 alone); the parking unit does not count.
    assert vote.total_owners == 9
    dev = vote.electors.get(key="developer")
    assert dev.unit_count == 2 and dev.area == Decimal("177.00")
    couple = vote.electors.get(people=spouse)
    assert set(couple.people.all()) == {hall.owners[2], spouse}
    assert not vote.electors.filter(units__unit=parking).exists()

    world.compound.parking_counts_as_units = True
    world.compound.save()
    vote = services.electorate_refresh(actor=world.staff, vote=vote)
    # Owner 3 now holds a home and a parking space: still one owner, with more area.
    assert vote.total_owners == 9
    assert vote.electors.get(people=hall.owners[3]).unit_count == 2


def test_a_unit_without_area_or_owner_stops_publication_naming_it(world, hall):
    f.UnitFactory(entrance=hall.units[4].entrance, number="999", code="64-1-999")
    vote = draft_vote(world.staff, world.compound)
    with pytest.raises(ValidationError) as exc:
        services.vote_publish(actor=world.staff, vote=vote, now=START)
    assert "64-1-999" in str(exc.value)
    vote.refresh_from_db()
    assert vote.status == "draft"


def test_rebuilding_keeps_printed_tokens(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    tokens = dict(vote.electors.values_list("key", "token"))
    services.electorate_refresh(actor=world.staff, vote=vote)
    assert dict(vote.electors.values_list("key", "token")) == tokens


def test_open_objection_holds_the_opening_until_answered(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    mine = vote.electors.get(people=world.resident_person)
    objection = services.objection_raise(
        actor=world.resident, vote=vote, elector=mine, text="面积应为 98.6㎡"
    )
    with pytest.raises(Http404):
        services.objection_raise(
            actor=world.resident,
            vote=vote,
            elector=vote.electors.get(people=hall.owners[2]),
            text="不是我的",
        )
    with pytest.raises(ValidationError):
        services.vote_open(actor=world.staff, vote=vote, now=vote.opens_at)
    services.objection_answer(
        actor=world.staff, objection=objection, accepted=False, answer="以不动产登记为准"
    )
    assert Objection.objects.get().state == "rejected"
    assert services.vote_open(actor=world.staff, vote=vote, now=vote.opens_at).status == "open"


def test_scheduler_opens_closes_and_archives_on_time(world, hall):
    vote = vote_at(VoteStatus.PUBLISHED, world.staff, world.compound)
    assert services.advance_due(now=vote.opens_at - timedelta(minutes=1))["opened"] == 0
    assert services.advance_due(now=vote.opens_at)["opened"] == 1
    assert services.advance_due(now=vote.closes_at - timedelta(seconds=1))["closed"] == 0
    assert services.advance_due(now=vote.closes_at)["closed"] == 1
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.closed_at == vote.closes_at


def test_voting_cannot_close_before_the_window_ends(world, hall):
    vote = vote_at(VoteStatus.OPEN, world.staff, world.compound)
    with pytest.raises(ValidationError):
        services.vote_close(actor=world.staff, vote=vote, now=vote.closes_at - timedelta(hours=1))


def test_result_stays_on_show_fifteen_days(world, hall):
    vote = vote_at(VoteStatus.RESULT_PUBLISHED, world.staff, world.compound)
    with pytest.raises(ValidationError):
        services.vote_archive(
            actor=world.staff, vote=vote, now=vote.result_published_at + timedelta(days=14)
        )
    vote = services.vote_archive(
        actor=world.staff, vote=vote, now=vote.result_published_at + timedelta(days=15)
    )
    assert vote.status == "archived"


def test_meeting_request_is_due_at_twenty_percent_of_area_and_owners(world, hall):
    # 720 m² and 7 owners: 20 % is 144 m² and 1.4 owners (so 2).
    request = services.meeting_request_start(
        actor=hall.users[4], compound=world.compound, title="更换物业", reason="服务差"
    )
    assert request.state == "collecting"  # 60 m², 1 owner
    with pytest.raises(ValidationError):
        services.meeting_request_support(actor=hall.users[4], request=request)
    services.meeting_request_support(actor=hall.users[6], request=request)  # +160 m²
    request.refresh_from_db()
    assert request.state == MeetingRequest.State.REACHED
    tenant = f.UserFactory(username="tenant", person=f.PersonFactory(compound=world.compound))
    with pytest.raises(ValidationError):
        services.meeting_request_support(actor=tenant, request=request)


def test_assembly_rules_refuse_nonsense_and_change_nothing(world, hall):
    assembly = services.assembly_of(world.compound)
    with pytest.raises(ValidationError):
        services.assembly_update(
            actor=world.staff, assembly=assembly, min_window_days=10, max_window_days=5
        )
    assembly.refresh_from_db()
    assert (assembly.min_window_days, assembly.max_window_days) == (5, 60)
    services.assembly_update(
        actor=world.staff, assembly=assembly, max_proxies_per_person=1, term_years=3
    )
    world.compound.refresh_from_db()
    assert world.compound.max_proxies_per_person == 1
