"""Helpers of the recording-page tests (test_pages_record_*.py): URLs, a vote with every kind of
motion, the moment voting runs, a signed paper's photo and a signature pad's PNG."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from mulin.decisions import services
from mulin.decisions.models import Ballot, MotionKind, Vote
from mulin.decisions.states import VoteStatus

from .conftest import draft_vote, vote_at


def url(name: str, vote: Vote, *args) -> str:
    return reverse(f"decisions:{name}", args=[vote.compound.code, vote.pk, *args])


def during(vote: Vote, hours: int = 2):
    """Time stands still a little after voting opened."""
    return time_machine.travel(vote.opens_at + timedelta(hours=hours), tick=False)


def after_close(vote: Vote):
    return time_machine.travel(vote.closes_at + timedelta(minutes=5), tick=False)


def full_vote(world, hall, status=VoteStatus.OPEN, **fields) -> Vote:
    """A vote with an ordinary motion, a 3-seat election among four owners and a one-answer
    question, driven to `status`."""
    vote = draft_vote(world.staff, world.compound, **fields)
    election = services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.ELECTION,
        title="选举业委会委员",
        seats=3,
        alternate_seats=1,
    )
    for person in hall.owners[1:5]:
        services.candidate_add(actor=world.staff, motion=election, person=person)
    services.motion_add(
        actor=world.staff,
        vote=vote,
        kind=MotionKind.SINGLE,
        title="电梯加装方案",
        options=["方案一", "方案二"],
    )
    return vote_at(status, world.staff, world.compound, vote)


def motions(vote: Vote) -> list:
    return list(vote.motions.order_by("position", "id"))


def answers_for(vote: Vote, **by_kind) -> dict:
    """POST data answering every motion: for, the first candidate, the first answer."""
    data = {}
    for motion in motions(vote):
        name = f"motion_{motion.pk}"
        if motion.kind == MotionKind.ELECTION:
            data[name] = by_kind.get("election", [motion.candidates.order_by("position")[0].key])
        elif motion.kind == MotionKind.SINGLE:
            data[name] = by_kind.get("single", "o1")
        elif motion.kind == MotionKind.TEXT:
            data[name] = by_kind.get("text", "")
        else:
            data[name] = by_kind.get("yes_no", "yes")
    return data


def photo(name: str = "ballot.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "authorisation.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")


def signature_data_url() -> str:
    """What the signature pad posts: a PNG with a stroke on it, as a data URL."""
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (120, 20), (290, 70)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def ballot_of(elector) -> Ballot | None:
    return Ballot.objects.filter(elector=elector).first()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded scans and signatures go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
