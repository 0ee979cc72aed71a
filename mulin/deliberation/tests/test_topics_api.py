"""Topics over /api/v1/: list and detail (public fields), create, support, comment, staff
moves and moderation — 404 for outsiders, 401 without a login."""

import pytest

from mulin.core.models import AuditEvent
from mulin.deliberation import services_topics as services
from mulin.deliberation.models import Topic, TopicStatus
from mulin.deliberation.tests.test_topics_helpers import (  # noqa: F401
    cast_fixture,
    raise_topic,
)

pytestmark = pytest.mark.django_db


def test_list_access(api, world, cast):
    raise_topic(world)
    path = f"/compounds/{world.compound.code}/topics"
    assert api().get(path).status_code == 401
    assert api(world.outsider).get(path).status_code == 404
    assert api(cast.property_staff).get(path).status_code == 404
    body = api(world.resident).get(path).json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["buildings"] == ["63"]
    assert "raised_by" not in row and "unit" not in str(row)
    assert api(cast.property_manager).get(path).status_code == 200


def test_list_query_count_is_constant(api, world, cast, constant_queries):
    raise_topic(world)

    def grow():
        for i in range(3):
            raise_topic(world, title=f"t{i}")

    constant_queries(api(world.resident), f"/compounds/{world.compound.code}/topics", grow, 14)


def test_hidden_topics_are_for_staff(api, world, cast):
    topic = raise_topic(world)
    services.topic_hide(actor=cast.committee, topic=topic, reason="重复")
    path = f"/compounds/{world.compound.code}/topics"
    assert api(world.resident).get(path).json()["count"] == 0
    assert api(world.resident).get(f"/topics/{topic.pk}").status_code == 404
    staff = api(cast.committee).get(path).json()
    assert staff["items"][0]["hidden"] is True


def test_detail_shows_the_declined_reason(api, world, cast):
    topic = raise_topic(world)
    services.topic_move(actor=cast.committee, topic=topic, to="declined", reason="不属于议事范围")
    body = api(world.resident).get(f"/topics/{topic.pk}").json()
    assert body["status"] == "declined"
    assert body["status_reason"] == "不属于议事范围"
    assert body["timeline"][0]["reason"] == "不属于议事范围"
    assert body["moves"] == []
    assert api(world.outsider).get(f"/topics/{topic.pk}").status_code == 404


def test_create(api, world, cast):
    path = f"/compounds/{world.compound.code}/topics"
    data = {"title": "路灯不亮", "description": "北门", "category": "safety", "buildings": ["63"]}
    assert api(world.outsider).post(path, data).status_code == 404
    response = api(world.resident).post(path, data)
    assert response.status_code == 201, response.content
    assert response.json()["buildings"] == ["63"]
    bad = api(world.resident).post(path, {**data, "title": ""})
    assert bad.status_code == 422
    assert Topic.objects.count() == 1


def test_support_once_per_household(api, world, cast):
    topic = raise_topic(world)
    path = f"/topics/{topic.pk}/support"
    assert api(world.outsider).post(path).status_code == 404
    first = api(world.resident).post(path)
    assert first.status_code == 201 and first.json() == {"created": True, "support_count": 1}
    again = api(cast.housemate).post(path)
    assert again.status_code == 200 and again.json()["created"] is False
    gone = api(cast.housemate).client.delete(f"/api/v1{path}", headers=api(cast.housemate).headers)
    assert gone.status_code == 200 and gone.json()["support_count"] == 0


def test_comment(api, world, cast):
    topic = raise_topic(world)
    path = f"/topics/{topic.pk}/comments"
    assert api(world.outsider).post(path, {"body": "x"}).status_code == 404
    assert api(cast.neighbour).post(path, {"body": "同意"}).status_code == 201
    assert api(cast.neighbour).post(path, {"body": ""}).status_code == 422
    topic.refresh_from_db()
    assert topic.comment_count == 1


def test_staff_moves_and_moderation(api, world, cast):
    topic = raise_topic(world)
    move = f"/topics/{topic.pk}/move"
    assert api(world.resident).post(move, {"to": "selected"}).status_code == 404
    assert api(cast.property_manager).post(move, {"to": "selected"}).status_code == 404
    assert api(world.outsider).post(move, {"to": "selected"}).status_code == 404
    ok = api(cast.committee).post(move, {"to": "selected"})
    assert ok.status_code == 200 and ok.json()["status"] == "selected"
    bad = api(cast.committee).post(move, {"to": "done"})
    assert bad.status_code == 422
    assert (
        api(cast.committee)
        .post(f"/topics/{topic.pk}/assess", {"difficulty": 3})
        .json()["difficulty"]
        == 3
    )
    comment = services.topic_comment(actor=cast.neighbour, topic=topic, body="骂人的话")
    hide = f"/topic-comments/{comment.pk}/hide"
    assert api(world.resident).post(hide, {"reason": "x"}).status_code == 404
    assert api(cast.committee).post(hide, {"reason": ""}).status_code == 422
    assert api(cast.committee).post(hide, {"reason": "不文明"}).json()["hidden"] is True
    assert "骂人的话" not in str(api(world.resident).get(f"/topics/{topic.pk}").json())
    assert (
        api(cast.committee).post(f"/topics/{topic.pk}/hide", {"reason": "重复"}).status_code == 200
    )
    assert api(cast.committee).post(f"/topics/{topic.pk}/unhide").status_code == 200
    topic.refresh_from_db()
    assert topic.status == TopicStatus.SELECTED and not topic.hidden
    assert AuditEvent.objects.filter(action__startswith="topic.").count() >= 6


def test_a_retried_create_with_the_same_key_makes_one_topic(api, world):
    client = api(world.resident)
    path = f"/compounds/{world.compound.code}/topics"
    data = {"title": "路灯不亮", "description": "北门", "category": "safety"}
    first = client.post(path, data, **{"Idempotency-Key": "once"})
    again = client.post(path, data, **{"Idempotency-Key": "once"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Topic.objects.count() == 1
