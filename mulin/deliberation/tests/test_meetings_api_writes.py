"""The staff writes of meetings, minutes, resolutions and tasks over the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import (
    AccessRequestStatus,
    Attendance,
    Meeting,
    MeetingStatus,
    MinutesRequest,
    Resolution,
    ResolutionStatus,
    Task,
    TopicStatus,
)
from mulin.testing import factories as f

from .test_meetings_common import add_meeting, add_topic, committee, member  # noqa: F401

MINUTES = "张三（电话 13812345678，住 63-2-301）提出快递柜问题。"


def _when(days=3, hours=0):
    start = (timezone.now() + timedelta(days=days)).replace(microsecond=0, second=0)
    return start + timedelta(hours=hours)


def _meeting_body(**kw):
    body = {
        "kind": "roundtable",
        "title": "睦邻圆桌会：停车",
        "description": "讨论停车",
        "starts_at": _when().isoformat(),
        "ends_at": _when(hours=2).isoformat(),
        "place": "社区活动室",
        "public": True,
    }
    body.update(kw)
    return body


@pytest.fixture
def things(world):
    """A meeting, a resolution with a task, and an owner's pending minutes request."""
    meeting = add_meeting(world, days=-1)
    resolution = services.resolution_create(
        actor=world.staff, compound=world.compound, text="快递柜移位", meeting=meeting
    )
    task = services.task_create(
        actor=world.staff,
        resolution=resolution,
        title="联系物业",
        due_on=timezone.localdate() + timedelta(days=7),
        owner=world.staff,
    )
    asked = services.minutes_request_create(actor=world.resident, meeting=meeting, reason="查阅")
    planned = add_meeting(world, days=5, title="将开的会")
    return meeting, resolution, task, asked, planned


def _staff_writes(world, things):
    meeting, resolution, task, asked, planned = things
    code = world.compound.code
    return [
        ("post", f"/compounds/{code}/meetings", _meeting_body()),
        ("patch", f"/meetings/{meeting.pk}", {"title": "新标题"}),
        ("post", f"/meetings/{planned.pk}/cancel", {"reason": "下雨"}),
        ("post", f"/meetings/{meeting.pk}/attendance", {"name": "访客"}),
        ("post", f"/meetings/{meeting.pk}/minutes", {"minutes": "纪要", "publish": None}),
        ("post", f"/minutes-requests/{asked.pk}/decision", {"grant": True, "answer": ""}),
        ("post", f"/compounds/{code}/resolutions", {"text": "新决议"}),
        ("patch", f"/resolutions/{resolution.pk}", {"status": "done", "outcome": "好了"}),
        (
            "post",
            f"/resolutions/{resolution.pk}/tasks",
            {"title": "x", "owner_id": world.staff.pk, "due_on": "2030-01-01"},
        ),
        ("post", f"/tasks/{task.pk}/done", {"note": "完成"}),
    ]


def _call(client, method, path, body):
    return getattr(client, method)(path, body)


def _unchanged(things, counts):
    meeting, resolution, task, asked, planned = things
    planned.refresh_from_db()
    assert planned.status == MeetingStatus.PLANNED
    meeting.refresh_from_db()
    resolution.refresh_from_db()
    task.refresh_from_db()
    asked.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.title == "睦邻圆桌会：快递柜"
    assert meeting.minutes == "" and resolution.status == ResolutionStatus.IN_PROGRESS
    assert task.done_at is None and asked.status == AccessRequestStatus.PENDING
    assert counts == (
        Meeting.objects.count(),
        Resolution.objects.count(),
        Task.objects.count(),
        Attendance.objects.count(),
    )


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "member"])
def test_staff_writes_refuse_everyone_else(api, world, things, member, who):  # noqa: F811
    user = {"anonymous": None, "outsider": world.outsider, "resident": world.resident}.get(
        who, member
    )
    expected = 401 if user is None else 404
    counts = (
        Meeting.objects.count(),
        Resolution.objects.count(),
        Task.objects.count(),
        Attendance.objects.count(),
    )
    client = api(user)
    for method, path, body in _staff_writes(world, things):
        response = _call(client, method, path, body)
        assert response.status_code == expected, (path, response.content)
    _unchanged(things, counts)


def test_committee_may_do_every_staff_write(api, world, things, committee):  # noqa: F811
    client = api(committee)
    for method, path, body in _staff_writes(world, things):
        response = _call(client, method, path, body)
        assert response.status_code in (200, 201), (path, response.content)
    meeting, resolution, task, asked, planned = things
    planned.refresh_from_db()
    meeting.refresh_from_db()
    task.refresh_from_db()
    asked.refresh_from_db()
    assert planned.status == MeetingStatus.CANCELLED and meeting.title == "新标题"
    assert meeting.minutes == "纪要" and task.done_at is not None
    assert asked.status == AccessRequestStatus.GRANTED
    assert Resolution.objects.get(pk=resolution.pk).status == ResolutionStatus.DONE


def test_create_schedules_the_meeting_with_its_agenda(api, world, neighbourhood):
    topic = add_topic(world)
    body = _meeting_body(
        organiser_id=neighbourhood.org.pk,
        invited_organisation_ids=[neighbourhood.org.pk],
        invited_person_ids=[world.resident_person.pk],
        topic_ids=[topic.pk],
        items=["其他事项"],
    )
    response = api(world.staff).post(f"/compounds/{world.compound.code}/meetings", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["organiser"] == "锦绣党支部" and out["status"] == "planned"
    assert out["agenda"] == [
        {"position": 1, "title": topic.title, "topic_id": topic.pk},
        {"position": 2, "title": "其他事项", "topic_id": None},
    ]
    meeting = Meeting.objects.get(pk=out["id"])
    assert meeting.compound == world.compound and meeting.created_by == world.staff
    assert list(meeting.invited_people.all()) == [world.resident_person]
    assert list(meeting.invited_organisations.all()) == [neighbourhood.org]
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DISCUSSION
    listed = api(world.resident).get(f"/compounds/{world.compound.code}/meetings").json()
    assert [m["id"] for m in listed["items"]] == [meeting.pk]


def test_a_retried_create_makes_one_meeting(api, world):
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/meetings"
    first = client.post(path, _meeting_body(), **{"Idempotency-Key": "meet-1"})
    again = client.post(path, _meeting_body(), **{"Idempotency-Key": "meet-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": _when(hours=-1).isoformat()}, "ends_at"),
        ({"title": "  "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"organiser_id": 999999}, "organiser_id"),
        ({"invited_person_ids": [999999]}, "invited_person_ids"),
        ({"topic_ids": [999999]}, "topic_ids"),
    ],
)
def test_bad_meeting_input_names_the_field_and_creates_nothing(api, world, change, field):
    response = api(world.staff).post(
        f"/compounds/{world.compound.code}/meetings", _meeting_body(**change)
    )
    assert response.status_code == 422, response.content
    fields = [e["field"] for e in response.json()["detail"]]
    assert any(f == field or (f or "").endswith(field) for f in fields), fields
    assert not Meeting.objects.exists()


def test_another_compounds_organisation_is_refused(api, world, neighbourhood):
    body = _meeting_body(invited_organisation_ids=[neighbourhood.other_org.pk])
    response = api(world.staff).post(f"/compounds/{world.compound.code}/meetings", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "invited_organisation_ids"
    assert not Meeting.objects.exists()


def test_patch_changes_what_is_given_and_keeps_the_rest(api, world):
    topic = add_topic(world)
    meeting = add_meeting(world, agenda=[(topic, topic.title)], description="原说明")
    response = api(world.staff).patch(f"/meetings/{meeting.pk}", {"place": "3号楼架空层"})
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.place == "3号楼架空层" and meeting.description == "原说明"
    assert meeting.sequence == 1
    assert [i.topic_id for i in meeting.agenda.all()] == [topic.pk]
    response = api(world.staff).patch(f"/meetings/{meeting.pk}", {"items": ["只议一件事"]})
    assert response.json()["agenda"] == [{"position": 1, "title": "只议一件事", "topic_id": None}]
    bad = api(world.staff).patch(
        f"/meetings/{meeting.pk}", {"ends_at": (meeting.starts_at - timedelta(hours=1)).isoformat()}
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "ends_at"
    meeting.refresh_from_db()
    assert meeting.ends_at > meeting.starts_at and meeting.sequence == 2


def test_cancel_once(api, world):
    meeting = add_meeting(world)
    client = api(world.staff)
    response = client.post(f"/meetings/{meeting.pk}/cancel", {"reason": "台风"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = client.post(f"/meetings/{meeting.pk}/cancel", {})
    assert again.status_code == 422
    changed = client.patch(f"/meetings/{meeting.pk}", {"title": "再开"})
    assert changed.status_code == 422
    meeting.refresh_from_db()
    assert meeting.title == "睦邻圆桌会：快递柜"


def test_attendance_records_people_and_guests(api, world, neighbourhood):
    meeting = add_meeting(world, days=-1)
    client = api(world.staff)
    path = f"/meetings/{meeting.pk}/attendance"
    person = client.post(path, {"person_id": world.resident_person.pk})
    assert person.status_code == 201, person.content
    assert person.json()["name"] == "张三" and person.json()["method"] == "staff"
    guest = client.post(path, {"name": "王阿姨", "organisation_id": neighbourhood.org.pk})
    assert guest.status_code == 201 and guest.json()["organisation_id"] == neighbourhood.org.pk
    twice = client.post(path, {"person_id": world.resident_person.pk})
    assert twice.status_code == 422 and twice.json()["detail"][0]["field"] == "person_id"
    nobody = client.post(path, {})
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["field"] == "name"
    other = client.post(path, {"person_id": neighbourhood.other_person.pk})
    assert other.status_code == 422 and other.json()["detail"][0]["field"] == "person_id"
    assert meeting.attendance.count() == 2


def test_published_minutes_are_masked_for_residents(api, world):
    meeting = add_meeting(world, days=-1)
    client = api(world.staff)
    draft = client.post(f"/meetings/{meeting.pk}/minutes", {"minutes": MINUTES, "publish": None})
    assert draft.status_code == 200 and draft.json()["minutes_published"] is False
    detail = f"/compounds/{world.compound.code}/meetings/{meeting.pk}"
    assert api(world.resident).get(detail).json()["minutes"] == ""
    published = client.post(
        f"/meetings/{meeting.pk}/minutes", {"minutes": MINUTES, "publish": True}
    )
    assert published.status_code == 200 and published.json()["status"] == "held"
    assert "13812345678" in published.json()["minutes"]
    resident = api(world.resident).get(detail).json()["minutes"]
    assert "快递柜问题" in resident and "13812345678" not in resident and "张三" not in resident
    withdrawn = client.post(
        f"/meetings/{meeting.pk}/minutes", {"minutes": MINUTES, "publish": False}
    )
    assert withdrawn.json()["minutes_published"] is False
    assert api(world.resident).get(detail).json()["minutes"] == ""


def test_minutes_of_a_future_meeting_cannot_be_published(api, world):
    meeting = add_meeting(world, days=2)
    response = api(world.staff).post(
        f"/meetings/{meeting.pk}/minutes", {"minutes": MINUTES, "publish": True}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "minutes"
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.minutes_published_at is None


def test_an_owner_asks_for_the_full_minutes_and_staff_grant_it(api, world):
    meeting = add_meeting(world, days=-1)
    services.minutes_save(actor=world.staff, meeting=meeting, minutes=MINUTES, publish=True)
    owner = api(world.resident)
    path = f"/meetings/{meeting.pk}/minutes-requests"
    empty = owner.post(path, {"reason": " "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["field"] == "reason"
    asked = owner.post(path, {"reason": "核对业主大会记录"})
    assert asked.status_code == 201, asked.content
    assert asked.json()["status"] == "pending"
    assert owner.post(path, {"reason": "再问"}).status_code == 422
    decide = f"/minutes-requests/{asked.json()['id']}/decision"
    assert owner.post(decide, {"grant": True}).status_code == 404
    refused = api(world.staff).post(decide, {"grant": False, "answer": " "})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "answer"
    granted = api(world.staff).post(decide, {"grant": True, "answer": ""})
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    detail = owner.get(f"/compounds/{world.compound.code}/meetings/{meeting.pk}").json()
    assert "13812345678" in detail["minutes"]


def test_minutes_requests_only_from_the_compound(api, world):
    meeting = add_meeting(world, days=-1)
    internal = add_meeting(world, days=-2, public=False)
    path = f"/meetings/{meeting.pk}/minutes-requests"
    assert api().post(path, {"reason": "看看"}).status_code == 401
    assert api(world.outsider).post(path, {"reason": "看看"}).status_code == 404
    hidden = api(world.resident).post(
        f"/meetings/{internal.pk}/minutes-requests", {"reason": "看看"}
    )
    assert hidden.status_code == 404
    tenant_user = f.UserFactory(username="tenant", person=f.PersonFactory(compound=world.compound))
    f.ResidencyFactory(unit=world.neighbour_unit, person=tenant_user.person, relation="tenant")
    assert api(tenant_user).post(path, {"reason": "看看"}).status_code == 422
    assert not MinutesRequest.objects.exists()


def test_resolution_resolves_the_topic_and_tasks_follow(api, world, neighbourhood, member):  # noqa: F811
    topic = add_topic(world, status=TopicStatus.DISCUSSION)
    meeting = add_meeting(world, days=-1)
    client = api(world.staff)
    created = client.post(
        f"/compounds/{world.compound.code}/resolutions",
        {
            "text": "快递柜移到3号楼旁",
            "meeting_id": meeting.pk,
            "topic_id": topic.pk,
            "responsible_organisation_id": neighbourhood.org.pk,
            "responsible_person_id": world.resident_person.pk,
            "due_on": "2030-06-01",
        },
    )
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["status"] == "open" and out["responsible_organisation"] == "锦绣党支部"
    topic.refresh_from_db()
    assert topic.status == TopicStatus.RESOLVED
    rid = out["id"]
    task = client.post(
        f"/resolutions/{rid}/tasks",
        {"title": "联系物业", "owner_id": member.pk, "due_on": "2030-05-01"},
    )
    assert task.status_code == 201, task.content
    assert task.json()["owner_id"] == member.pk and task.json()["done"] is False
    assert Resolution.objects.get(pk=rid).status == ResolutionStatus.IN_PROGRESS
    not_staff = client.post(
        f"/resolutions/{rid}/tasks",
        {"title": "x", "owner_id": world.resident.pk, "due_on": "2030-05-01"},
    )
    assert not_staff.status_code == 422 and not_staff.json()["detail"][0]["field"] == "owner_id"
    nobody = client.post(f"/resolutions/{rid}/tasks", {"title": "x", "due_on": "2030-05-01"})
    assert nobody.status_code == 422 and nobody.json()["detail"][0]["field"] == "owner_id"
    # The owner (view only) marks their own task done.
    done = api(member).post(f"/tasks/{task.json()['id']}/done", {"note": "已联系"})
    assert done.status_code == 200 and done.json()["done"] is True
    assert api(member).post(f"/tasks/{task.json()['id']}/done", {}).status_code == 422
    updated = client.patch(f"/resolutions/{rid}", {"status": "done", "outcome": "已移位"})
    assert updated.status_code == 200 and updated.json()["status"] == "done"
    assert updated.json()["outcome"] == "已移位"
    assert Resolution.objects.get(pk=rid).done_at is not None
    bad = client.patch(f"/resolutions/{rid}", {"status": "finished"})
    assert bad.status_code == 422 and Resolution.objects.get(pk=rid).status == "done"


def test_bad_resolution_input_names_the_field(api, world, neighbourhood):
    other_topic = add_topic(world)
    other_topic.compound = world.other
    other_topic.save()
    client = api(world.staff)
    path = f"/compounds/{world.compound.code}/resolutions"
    empty = client.post(path, {"text": "  "})
    assert empty.status_code == 422 and empty.json()["detail"][0]["field"] == "text"
    topic = client.post(path, {"text": "x", "topic_id": other_topic.pk})
    assert topic.status_code == 422 and topic.json()["detail"][0]["field"] == "topic_id"
    person = client.post(
        path, {"text": "x", "responsible_person_id": neighbourhood.other_person.pk}
    )
    assert person.json()["detail"][0]["field"] == "responsible_person_id"
    assert not Resolution.objects.exists()
