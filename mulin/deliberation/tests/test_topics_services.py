"""Topic services: one support per household, counters, moderation, the move table."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from mulin.core.models import AuditEvent
from mulin.deliberation import services_topics as services
from mulin.deliberation.models import Topic, TopicChange, TopicSource, TopicStatus, TopicSupport
from mulin.deliberation.tests.test_topics_helpers import (  # noqa: F401
    cast_fixture,
    jpeg,
    raise_topic,
)

pytestmark = pytest.mark.django_db


def test_a_resident_raises_a_topic_with_photos_and_it_is_audited(world):
    topic = raise_topic(world, photos=[jpeg(), jpeg()])
    assert topic.source == TopicSource.ONLINE
    assert topic.raised_by == world.resident_person
    assert topic.photos.count() == 2
    assert list(topic.buildings.all()) == [world.unit.building]
    event = AuditEvent.objects.get(action="topic.create")
    assert event.changes["photos"] == 2


def test_an_outsider_cannot_raise_online(world):
    with pytest.raises(Http404):
        raise_topic(world, actor=world.outsider)
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"category": "x"}, "category"),
    ],
)
def test_bad_input_changes_nothing(world, kw, field):
    with pytest.raises(ValidationError) as exc:
        raise_topic(world, **kw)
    assert field in exc.value.message_dict
    assert not Topic.objects.exists()


def test_seven_photos_are_refused_and_nothing_is_kept(world):
    with pytest.raises(ValidationError) as exc:
        raise_topic(world, photos=[jpeg() for _ in range(7)])
    assert "photos" in exc.value.message_dict
    assert not Topic.objects.exists()


def test_staff_type_in_a_topic_for_a_resident(world, cast):
    topic = raise_topic(
        world,
        actor=cast.property_manager,
        source=TopicSource.SUGGESTION_BOX,
        raised_by=cast.neighbour_person,
    )
    assert topic.submitted_by == cast.property_manager
    assert topic.raised_by == cast.neighbour_person
    event = AuditEvent.objects.get(action="topic.create")
    assert event.on_behalf_of_id == cast.neighbour_person.pk


def test_property_staff_without_deliberation_rights_cannot_type_in(world, cast):
    with pytest.raises(Http404):
        raise_topic(world, actor=cast.property_staff, source=TopicSource.MEETING)


def test_one_support_per_household(world, cast):
    topic = raise_topic(world)
    _s, created = services.topic_support(actor=world.resident, topic=topic)
    assert created
    _s, again = services.topic_support(actor=cast.housemate, topic=topic)
    assert not again
    _s, other = services.topic_support(actor=cast.neighbour, topic=topic)
    assert other
    topic.refresh_from_db()
    assert topic.support_count == 2
    assert TopicSupport.objects.filter(topic=topic).count() == 2


def test_withdrawing_support_keeps_the_count_right(world, cast):
    topic = raise_topic(world)
    services.topic_support(actor=world.resident, topic=topic)
    assert services.topic_unsupport(actor=cast.housemate, topic=topic)  # same household
    topic.refresh_from_db()
    assert topic.support_count == 0
    assert not services.topic_unsupport(actor=world.resident, topic=topic)


def test_staff_record_an_offline_households_support(world, cast):
    topic = raise_topic(world)
    support, created = services.topic_support(
        actor=cast.property_manager, topic=topic, unit=world.neighbour_unit
    )
    assert created and support.recorded_by == cast.property_manager
    with pytest.raises(ValidationError):
        services.topic_support(actor=cast.property_manager, topic=topic, unit=world.other_unit)


def test_move_table_and_timeline(world, cast):
    topic = raise_topic(world)
    topic = services.topic_move(actor=cast.committee, topic=topic, to="selected")
    topic = services.topic_move(actor=cast.committee, topic=topic, to="discussion")
    topic = services.topic_move(actor=cast.committee, topic=topic, to="resolved")
    topic = services.topic_move(actor=cast.committee, topic=topic, to="done")
    assert topic.status == TopicStatus.DONE
    assert list(TopicChange.objects.filter(topic=topic).values_list("to_status", flat=True)) == [
        "selected",
        "discussion",
        "resolved",
        "done",
    ]
    assert AuditEvent.objects.filter(action="topic.move").count() == 4
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=cast.committee, topic=topic, to="open")
    assert "to" in exc.value.message_dict


def test_declining_needs_a_reason(world, cast):
    topic = raise_topic(world)
    with pytest.raises(ValidationError) as exc:
        services.topic_move(actor=cast.committee, topic=topic, to="declined")
    assert "reason" in exc.value.message_dict
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN
    assert not TopicChange.objects.exists()


def test_only_managers_move(world, cast):
    topic = raise_topic(world)
    for actor in (world.resident, cast.property_manager, world.outsider):
        with pytest.raises(Http404):
            services.topic_move(actor=actor, topic=topic, to="selected")


def test_comment_counts_and_moderation(world, cast):
    topic = raise_topic(world)
    comment = services.topic_comment(actor=cast.neighbour, topic=topic, body="同意")
    topic.refresh_from_db()
    assert topic.comment_count == 1
    services.comment_hide(actor=cast.committee, comment=comment, reason="人身攻击")
    topic.refresh_from_db()
    assert topic.comment_count == 0
    services.comment_unhide(actor=cast.committee, comment=comment)
    topic.refresh_from_db()
    assert topic.comment_count == 1
    with pytest.raises(Http404):
        services.comment_hide(actor=world.resident, comment=comment, reason="x")
    assert AuditEvent.objects.filter(action="topic.comment_hide").count() == 1


def test_hiding_a_topic_needs_a_reason_and_is_audited(world, cast):
    topic = raise_topic(world)
    with pytest.raises(ValidationError):
        services.topic_hide(actor=cast.committee, topic=topic, reason="")
    services.topic_hide(actor=cast.committee, topic=topic, reason="重复")
    topic.refresh_from_db()
    assert topic.hidden and topic.hidden_by == cast.committee
    assert AuditEvent.objects.get(action="topic.hide").changes["reason"] == "重复"
    with pytest.raises(Http404):
        services.topic_support(actor=cast.neighbour, topic=topic)


def test_promote_recurring_requests(world, cast):
    from mulin.tickets import services as tickets
    from mulin.tickets.models import Category

    tickets.categories_ensure_defaults(actor=world.staff, compound=world.compound)
    category = Category.objects.filter(compound=world.compound).first()
    made = [
        tickets.ticket_submit(
            actor=world.resident,
            compound=world.compound,
            category=category,
            description=f"第{i}次：楼道灯坏了",
            idempotency_key=f"k{i}",
            unit=world.unit,
        )
        for i in range(3)
    ]
    topic = services.topic_promote(
        actor=cast.committee,
        compound=world.compound,
        tickets=made,
        title="楼道灯总是坏",
        description="三个月报了三次。",
        category="facilities",
    )
    assert topic.source == TopicSource.REQUESTS
    assert set(topic.tickets.all()) == set(made)
