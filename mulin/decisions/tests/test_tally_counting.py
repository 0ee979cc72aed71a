"""The vote's tally (`results.compute_tally`, which adds up areas and owners per building and
answer in one pass over the ballots) against the law applied owner by owner (`tally.py`'s
`motion_tally` and `election_tally`, the functions `mulin recount` uses), over many random sets of
ballots with every kind of motion, void and empty answers, and an elector without a building."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from mulin.decisions import results, services, tally
from mulin.decisions.models import Ballot, Channel, MotionKind, Verification, new_token

from .conftest import START, draft_vote

ROUNDS = 25


@pytest.fixture
def every_kind(world, hall):
    vote = draft_vote(world.staff, world.compound)
    services.motion_add(
        actor=world.staff, vote=vote, kind=MotionKind.SPECIAL, matter="fund_raise", title="续筹"
    )
    election = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业委会",
        seats=3,
        alternate_seats=1,
    )
    for person in hall.owners[:5]:
        services.candidate_add(actor=world.staff, motion=election, person=person)
    services.motion_add(actor=world.staff, vote=vote, kind=MotionKind.CONSULTATION, title="车辆")
    services.motion_add(
        actor=world.staff, vote=vote, kind=MotionKind.SINGLE, title="先修", options=["屋面", "管网"]
    )
    services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.MULTIPLE,
        title="要加",
        options=["座椅", "车棚", "坡道"],
    )
    services.motion_add(actor=world.staff, vote=vote, kind=MotionKind.TEXT, title="意见")
    services.vote_publish(actor=world.staff, vote=vote, now=START)
    vote = services.vote_open(actor=world.staff, vote=vote, now=vote.opens_at)
    # One owner party lost its building (the building was removed from the registry).
    vote.electors.order_by("id").filter(pk=vote.electors.order_by("-id")[0].pk).update(
        building=None
    )
    return vote


def _answer(rnd: random.Random, motion):
    roll = rnd.random()
    if roll < 0.08:
        return None  # a ballot that leaves this motion out
    if motion.kind == MotionKind.ELECTION:
        keys = [c.key for c in motion.candidates.all()]
        if roll < 0.15:
            return "abstain"
        return sorted(rnd.sample(keys, rnd.randint(0, len(keys))))  # more than 3: void
    if motion.kind == MotionKind.SINGLE:
        return [rnd.choice([o.key for o in motion.options.all()])]
    if motion.kind == MotionKind.MULTIPLE:
        keys = [o.key for o in motion.options.all()]
        return sorted(rnd.sample(keys, rnd.randint(1, len(keys))))
    if motion.kind == MotionKind.TEXT:
        return {"text": rnd.choice(["", "多装路灯"])}
    return rnd.choice(["yes", "no", "abstain"])


def _owners(vote, motion, ballots) -> list[tally.Owner]:
    owners = []
    for elector in vote.electors.all():
        answer = ballots.get(elector.pk, {}).get(str(motion.pk))
        owners.append(tally.Owner(str(elector.pk), elector.area, results._choice(motion, answer)))
    return owners


def _area(shown: dict) -> Decimal:
    return Decimal(shown["area"])


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_the_tally_is_the_law_applied_owner_by_owner(every_kind, seed):
    vote = every_kind
    rnd = random.Random(seed)
    motions = list(
        vote.motions.order_by("position", "id").prefetch_related("candidates", "options")
    )
    ballots = {}
    for elector in vote.electors.all():
        if rnd.random() < 0.25:
            continue
        choices = {str(m.pk): _answer(rnd, m) for m in motions}
        ballots[elector.pk] = {
            k: v for k, v in choices.items() if v is not None or rnd.random() < 0.5
        }
        Ballot.objects.create(
            vote=vote,
            elector=elector,
            channel=rnd.choice([Channel.ONLINE, Channel.PAPER]),
            verification=Verification.ACCOUNT,
            choices=ballots[elector.pk],
            cast_at=vote.opens_at + timedelta(hours=1),
            receipt=new_token(),
            content_sha256="test",
        )

    data = results.compute_tally(vote)

    electors = list(vote.electors.all())
    assert data["total"] == {
        "area": f"{sum(e.area for e in electors):.2f}",
        "owners": len(electors),
    }
    assert data["ballots"] == len(ballots)
    silent = vote.compound.silent_owners_follow_majority
    for entry, motion in zip(data["motions"], motions, strict=True):
        owners = _owners(vote, motion, ballots)
        answered = [o for o in owners if o.choice is not None]
        got = entry["result"]
        if motion.kind == MotionKind.ELECTION:
            expected = tally.election_tally(
                owners,
                candidates=[c.key for c in motion.candidates.all()],
                seats=motion.seats,
                alternates=motion.alternate_seats,
            ).as_json()
        elif motion.kind == MotionKind.TEXT:
            got = (got["participating"], got["answered"])
            expected = (
                {"area": f"{sum(o.area for o in answered):.2f}", "owners": len(answered)},
                sum(1 for o in answered if o.choice.get("text")),
            )
        elif motion.kind in (MotionKind.SINGLE, MotionKind.MULTIPLE):
            got = (
                got["participating"],
                {o["key"]: (o["area"], o["owners"]) for o in got["options"]},
            )
            expected = (
                {"area": f"{sum(o.area for o in answered):.2f}", "owners": len(answered)},
                {
                    option.key: (
                        f"{sum(o.area for o in answered if option.key in o.choice):.2f}",
                        sum(1 for o in answered if option.key in o.choice),
                    )
                    for option in motion.options.all()
                },
            )
        else:
            expected = tally.motion_tally(
                owners,
                kind=motion.kind,
                silent_with_majority=silent and motion.kind != MotionKind.CONSULTATION,
            ).as_json()
        assert got == expected, motion.kind

        # The buildings add up to the whole, the owner without a building under "".
        buildings = entry["by_building"]
        assert {b["building"] for b in buildings} == {"63", "64", ""}
        assert sum(_area(b["total"]) for b in buildings) == _area(data["total"])
        assert sum(b["participating"]["owners"] for b in buildings) == len(answered)
