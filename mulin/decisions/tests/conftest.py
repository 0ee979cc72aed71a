"""Fixtures for owners' decisions: a small compound whose every unit has an owner, the people
who run and record votes, and `vote_at(status)` which drives a vote there through the services.

`hall.units`: eight homes in buildings 63 and 64 (world.unit and world.neighbour_unit among
them): 63-2-301…304 and 64-1-102 at 100 m², 64-1-101 at 60 m², 64-1-201 and 202 at 80 m².
`hall.owners[i]` owns `hall.units[i]`, except that one buyer owns units 6 and 7 (one owner party
with 160 m²). Seven owner parties, 720 m² in all.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mulin.core.models import Role, User
from mulin.decisions import ballots, results, services
from mulin.decisions.models import Channel, Motion, MotionKind, Vote
from mulin.decisions.states import VoteStatus
from mulin.testing import factories as f


@dataclass
class Hall:
    units: list
    owners: list  # Person per unit (6 and 7 share one)
    users: list  # a logged-in owner User per owner party, index like `owners` (users[0] = world.resident)
    committee: User  # owners' committee member of the compound (runs votes)
    recorder: User  # party member of the compound (records paper and door-to-door ballots)
    neighbour: User  # owns world.neighbour_unit
    extras: dict = field(default_factory=dict)


@pytest.fixture
def hall(world) -> Hall:
    compound = world.compound
    b64 = f.BuildingFactory(compound=compound, number="64")
    e64 = f.EntranceFactory(building=b64, number="1")
    units = [world.unit, world.neighbour_unit]
    for number in ("303", "304"):
        units.append(
            f.UnitFactory(entrance=world.unit.entrance, number=number, code=f"63-2-{number}")
        )
    for number, area in (("101", "60.00"), ("102", "100.00"), ("201", "80.00"), ("202", "80.00")):
        units.append(
            f.UnitFactory(entrance=e64, number=number, code=f"64-1-{number}", area=Decimal(area))
        )
    for unit in units[:4]:
        unit.area = Decimal("100.00")
        unit.save()
    owners = [world.resident_person]
    for i, unit in enumerate(units[1:], start=1):
        if i == 7:
            owners.append(owners[6])
            f.OwnershipFactory(unit=unit, person=owners[6])
            continue
        person = f.PersonFactory(compound=compound, name=f"业主{i}")
        f.OwnershipFactory(unit=unit, person=person)
        owners.append(person)
    users = [world.resident]
    for i, person in enumerate(owners[1:], start=1):
        if i == 7:
            users.append(users[6])
            continue
        user = f.UserFactory(username=f"owner{i}", person=person)
        f.grant(user, Role.RESIDENT, compound)
        users.append(user)
    committee = f.UserFactory(username="committee")
    f.grant(committee, Role.COMMITTEE_MEMBER, compound)
    recorder = f.UserFactory(username="recorder")
    f.grant(recorder, Role.PARTY_MEMBER, compound)
    return Hall(units, owners, users, committee, recorder, users[1])


START = timezone.now().replace(microsecond=0)


def draft_vote(staff, compound, *, title="2026年第一次业主大会", secret=False, **fields) -> Vote:
    """A regular-meeting draft opening 16 days from START for 7 days, with one ordinary
    motion."""
    vote = services.vote_create(
        actor=staff,
        compound=compound,
        title=title,
        opens_at=fields.pop("opens_at", START + timedelta(days=16)),
        closes_at=fields.pop("closes_at", START + timedelta(days=23)),
        secret=secret,
        **fields,
    )
    services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.ORDINARY,
        matter="management_code",
        title="修订管理规约",
    )
    return vote


def vote_at(status: str, staff, compound, vote: Vote | None = None, *, cast=()) -> Vote:
    """Drive `vote` (default: a fresh `draft_vote`) to `status`. `cast` is a list of
    (user, choices) cast online just after opening."""
    vote = vote or draft_vote(staff, compound)
    order = [
        VoteStatus.DRAFT,
        VoteStatus.PUBLISHED,
        VoteStatus.OPEN,
        VoteStatus.CLOSED,
        VoteStatus.TALLIED,
        VoteStatus.RESULT_PUBLISHED,
        VoteStatus.ARCHIVED,
    ]
    goal, now_at = order.index(status), order.index(vote.status)

    def due(step: int) -> bool:
        return now_at < step <= goal

    if due(1):
        vote = services.vote_publish(actor=staff, vote=vote, now=START)
    if due(2):
        vote = services.vote_open(actor=staff, vote=vote, now=vote.opens_at)
        for user, choices in cast:
            elector = vote.electors.get(people=user.person)
            ballots.ballot_cast(
                actor=user,
                vote=vote,
                elector=elector,
                choices=choices,
                channel=Channel.ONLINE,
                now=vote.opens_at + timedelta(hours=1),
            )
    if due(3):
        vote = services.vote_close(actor=staff, vote=vote, now=vote.closes_at)
    if due(4):
        vote = results.vote_tally(actor=staff, vote=vote, now=vote.closes_at + timedelta(hours=1))
    if due(5):
        vote = results.vote_publish_result(
            actor=staff, vote=vote, now=vote.closes_at + timedelta(days=1)
        )
    if due(6):
        vote = services.vote_archive(
            actor=staff, vote=vote, now=vote.closes_at + timedelta(days=20)
        )
    return Vote.objects.get(pk=vote.pk)


def first_motion(vote: Vote) -> Motion:
    return vote.motions.order_by("position").first()
