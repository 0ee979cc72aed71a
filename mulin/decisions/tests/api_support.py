"""Helpers shared by the API tests of owners' decisions: a vote whose window is open *now* (the
API takes ballots at the real time), with a motion of every kind."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mulin.decisions import ballots, results, services
from mulin.decisions.models import Channel, MeetingKind, MotionKind, Vote
from mulin.decisions.states import VoteStatus

from .conftest import draft_vote


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def live_vote(
    staff, compound, hall, *, title="2026年第二次业主大会", secret=False, extra: int = 0
) -> Vote:
    """An open vote (opened a day ago, closing in six days) with an ordinary motion, an election
    of 3 members and 1 alternate among hall.owners[1..4], a single- and a multiple-choice
    question and a free-text question; `extra` more ordinary motions at the end."""
    now = timezone.now().replace(microsecond=0)
    vote = services.vote_create(
        actor=staff,
        compound=compound,
        title=title,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
        secret=secret,
    )
    services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.ORDINARY,
        matter="management_code",
        title="修订管理规约",
    )
    election = services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业委会",
        seats=3,
        alternate_seats=1,
    )
    for person in hall.owners[1:5]:
        services.candidate_add(actor=staff, motion=election, person=person)
    services.motion_add(
        actor=staff, vote=vote, kind=MotionKind.SINGLE, title="先修哪里", options=["屋面", "管网"]
    )
    services.motion_add(
        actor=staff,
        vote=vote,
        kind=MotionKind.MULTIPLE,
        title="要加什么",
        options=["座椅", "车棚", "快递柜"],
    )
    services.motion_add(actor=staff, vote=vote, kind=MotionKind.TEXT, title="其他意见")
    for n in range(extra):
        services.motion_add(
            actor=staff, vote=vote, kind=MotionKind.ORDINARY, matter="other", title=f"议题{n}"
        )
    services.vote_publish(actor=staff, vote=vote, now=now - timedelta(days=17))
    return services.vote_open(actor=staff, vote=vote, now=vote.opens_at)


def motions_of(vote: Vote) -> dict[str, str]:
    """{kind: id as a string of the first motion of that kind}."""
    found: dict[str, str] = {}
    for motion in vote.motions.order_by("position"):
        found.setdefault(motion.kind, str(motion.pk))
    return found


def full_choices(vote: Vote, yes_no: str = "yes") -> dict:
    ids = motions_of(vote)
    return {
        ids[MotionKind.ORDINARY]: yes_no,
        ids[MotionKind.ELECTION]: ["c1", "c2"],
        ids[MotionKind.SINGLE]: ["o1"],
        ids[MotionKind.MULTIPLE]: ["o1", "o3"],
        ids[MotionKind.TEXT]: {"text": "多装路灯"},
    }


def paper_ballot(recorder, vote: Vote, person, choices: dict, *, at=None):
    scan = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 200, content_type="image/jpeg")
    return ballots.ballot_cast(
        actor=recorder,
        vote=vote,
        elector=vote.electors.get(people=person),
        choices=choices,
        channel=Channel.PAPER,
        voter=person,
        scan=scan,
        signed=True,
        now=at,
    )


def close_and_tally(staff, vote: Vote, *, freeze: bool = True) -> Vote:
    """Close `vote` after its window (time given explicitly), and tally it if `freeze`."""
    vote = services.vote_close(actor=staff, vote=vote, now=vote.closes_at)
    if freeze:
        vote = results.vote_tally(actor=staff, vote=vote, now=vote.closes_at + timedelta(hours=1))
    return Vote.objects.get(pk=vote.pk)


def consultation(staff, compound) -> Vote:
    """A draft consultation (no notice period needed)."""
    now = timezone.now()
    vote = services.vote_create(
        actor=staff,
        compound=compound,
        title="车辆管理规定征求意见",
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=8),
        meeting_kind=MeetingKind.CONSULTATION,
    )
    services.motion_add(actor=staff, vote=vote, kind=MotionKind.CONSULTATION, title="支持吗")
    return vote


__all__ = [
    "VoteStatus",
    "close_and_tally",
    "consultation",
    "draft_vote",
    "full_choices",
    "live_vote",
    "motions_of",
    "paper_ballot",
]
