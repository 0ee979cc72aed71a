# ruff: noqa: F811  (fixtures imported from test_meetings_common)
from datetime import date, timedelta

import pytest
from django.utils import timezone

from mulin.core import periodic
from mulin.core.models import Notification
from mulin.deliberation import services_meetings as services
from mulin.deliberation.models import Resolution, Task, TopicStatus

from .test_meetings_common import add_meeting, add_topic, committee  # noqa: F401


def test_agenda_moves_a_selected_topic_to_discussion_and_leaves_later_ones(world):
    selected = add_topic(world)
    resolved = add_topic(world, status=TopicStatus.RESOLVED, title="监控")
    add_meeting(world, agenda=[(selected, ""), (resolved, ""), (None, "其他事项")])
    selected.refresh_from_db()
    resolved.refresh_from_db()
    assert selected.status == TopicStatus.DISCUSSION
    assert resolved.status == TopicStatus.RESOLVED


def test_resolution_resolves_the_topic_in_discussion(login, world):
    topic = add_topic(world)
    meeting = add_meeting(world, days=-1, agenda=[(topic, "")])
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/resolutions/new/",
        {"meeting": meeting.pk, "text": "快递柜移到大门内侧", "topic": topic.pk},
    )
    assert response.status_code == 302
    resolution = Resolution.objects.get()
    assert resolution.meeting == meeting and resolution.topic == topic
    topic.refresh_from_db()
    assert topic.status == TopicStatus.RESOLVED


def test_empty_resolution_shows_a_message_and_changes_nothing(login, world):
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/resolutions/new/", {"text": "  "}
    )
    assert response.status_code == 400
    assert "Write what was decided." in response.content.decode()
    assert not Resolution.objects.exists()


def test_meeting_ending_before_it_starts_is_refused(login, world):
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/meetings/new/",
        {
            "kind": "roundtable",
            "title": "圆桌会",
            "place": "活动室",
            "starts_at": "2026-12-10T19:00",
            "ends_at": "2026-12-10T18:00",
        },
    )
    assert response.status_code == 400
    assert "The meeting must end after it starts." in response.content.decode()
    from mulin.deliberation.models import Meeting

    assert not Meeting.objects.exists()


def _resolution(world):
    return services.resolution_create(actor=world.staff, compound=world.compound, text="安装监控")


def test_overdue_reminder_is_sent_once_a_day(world, committee):
    resolution = _resolution(world)
    today = timezone.localdate()
    late = services.task_create(
        actor=world.staff,
        resolution=resolution,
        title="采购探头",
        due_on=today - timedelta(days=2),
        owner=committee,
    )
    services.task_create(
        actor=world.staff,
        resolution=resolution,
        title="未到期",
        due_on=today + timedelta(days=5),
        owner=committee,
    )
    Notification.objects.all().delete()  # the assignment notices
    assert services.tasks_remind_overdue(today) == 1
    assert services.tasks_remind_overdue(today) == 0
    reminders = Notification.objects.filter(recipient=committee, kind="overdue")
    assert reminders.count() == 1
    assert "采购探头" in reminders.get().title
    late.refresh_from_db()
    assert late.reminded_on == today
    assert services.tasks_remind_overdue(today + timedelta(days=1)) == 1
    services.task_done(actor=committee, task=late)
    assert services.tasks_remind_overdue(today + timedelta(days=2)) == 0


def test_reminder_job_is_registered_and_runs(world, committee):
    resolution = _resolution(world)
    services.task_create(
        actor=world.staff,
        resolution=resolution,
        title="采购探头",
        due_on=date(2020, 1, 1),
        owner=committee,
    )
    ran = periodic.run_due(only="deliberation.task_reminders")
    assert ran == {"deliberation.task_reminders": "reminded 1"}
    assert Notification.objects.filter(kind="overdue").count() == 1


def test_task_needs_a_title_and_an_owner(login, world):
    resolution = _resolution(world)
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/resolutions/{resolution.pk}/tasks/",
        {"title": "", "due_on": "2026-12-31"},
    )
    assert response.status_code == 400
    assert not Task.objects.exists()


def test_owner_marks_a_task_done_from_the_tasks_page(login, world, committee):
    resolution = _resolution(world)
    task = services.task_create(
        actor=world.staff,
        resolution=resolution,
        title="采购",
        due_on=date(2026, 1, 1),
        owner=committee,
    )
    client = login(committee)
    page = client.get(f"/compounds/{world.compound.code}/tasks/?show=mine").content.decode()
    assert "采购" in page
    client.post(f"/compounds/{world.compound.code}/tasks/{task.pk}/done/")
    task.refresh_from_db()
    assert task.done_at and task.done_by == committee


def test_motion_handoff_without_a_draft_vote_says_so(login, world):
    resolution = _resolution(world)
    page = (
        login(world.staff)
        .get(f"/compounds/{world.compound.code}/resolutions/{resolution.pk}/")
        .content.decode()
    )
    assert "There is no draft vote in this compound" in page
    assert f"/compounds/{world.compound.code}/votes/new/" in page


@pytest.mark.parametrize("show", ["mine", "overdue", "all"])
def test_tasks_page_query_count_does_not_grow(login, world, committee, count_queries, show):
    client = login(committee)
    url = f"/compounds/{world.compound.code}/tasks/?show={show}"

    def grow(n):
        resolution = _resolution(world)
        for i in range(n):
            services.task_create(
                actor=world.staff,
                resolution=resolution,
                title=f"任务{i}",
                due_on=date(2026, 1, 1),
                owner=committee,
            )

    grow(2)
    client.get(url)
    with count_queries() as before:
        client.get(url)
    grow(6)
    with count_queries() as after:
        response = client.get(url)
    assert response.status_code == 200
    assert before.count == after.count, after.dump()
    assert before.count <= 20
