"""Shared builders for the meetings tests (no tests here)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mulin.core.models import Role
from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import MeetingKind, Topic, TopicCategory, TopicStatus
from mulin.testing import factories as f


@pytest.fixture
def committee(world):
    """An owners' committee member of world.compound (deliberation.manage, decisions.manage)."""
    user = f.UserFactory(username="committee")
    f.grant(user, Role.COMMITTEE_MEMBER, world.compound)
    return user


@pytest.fixture
def member(world):
    """A party member: deliberation.view only."""
    user = f.UserFactory(username="member")
    f.grant(user, Role.PARTY_MEMBER, world.compound)
    return user


def add_meeting(world, *, actor=None, days=3, public=True, **kw):
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0, second=0)
    fields = {
        "kind": MeetingKind.ROUNDTABLE,
        "title": "睦邻圆桌会：快递柜",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "社区活动室",
        "public": public,
    }
    fields.update(kw)
    return services.meeting_create(actor=actor or world.staff, compound=world.compound, **fields)


def add_topic(world, status=TopicStatus.SELECTED, title="快递柜堵在大门口"):
    return Topic.objects.create(
        compound=world.compound,
        title=title,
        description="进出不安全",
        category=TopicCategory.FACILITIES,
        submitted_by=world.resident,
        status=status,
    )
