"""From a neighbour's problem to works shown in public, in a real browser (Debian Chromium): a
resident puts a topic on the list, two other households support it (a second member of the
first household sees that their home already counts), staff select it and put it on a
roundtable's agenda, record the minutes and a resolution, hand the resolution to the public
projects, add milestones and post progress, and anyone sees the progress bar and the milestone
timeline on the project's public page. The topic board, the topic page and the project page
have no serious or critical accessibility violations and never show a resident's name or home.

Assertions on words are computed from the catalogue (`_zh`), so they hold whether or not the
Chinese translations of issue 5 are compiled yet."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation
from playwright.sync_api import expect

from mulin.core.models import Role
from mulin.deliberation import services_topics
from mulin.deliberation.models import (
    Meeting,
    MeetingStatus,
    Milestone,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Resolution,
    Topic,
    TopicStatus,
    TopicSupport,
)
from mulin.people.models import Residency
from mulin.testing import factories as f

from .conftest import axe_violations, log_in

PASSWORD = "correct-horse-42"
TITLE = "7号楼门口快递柜挡住消防通道"
DESCRIPTION = "快递柜占了半条消防通道，电动车也停在那里，救护车和消防车进不来。"
MINUTES = (
    "# 睦邻圆桌会纪要\n\n物业、快递企业和居民代表到会。居民王建华（7-1-101，电话13900007001）"
    "介绍了情况。\n\n- 快递柜移到北门空地\n- 消防通道划线"
)
DECIDED = "快递柜迁至北门空地，消防通道重新划线并设置隔离桩，由物业负责在月底前完成。"
PROJECT = "北门快递柜迁移与消防通道整治"
MILESTONES = ["方案公示", "快递柜迁移", "划线与隔离桩"]
UPDATE = "快递柜已迁到北门空地，通道划线完成一半。"
NAMES = ("王建华", "李秀英", "陈桂兰", "赵国强", "13900007001")


def _zh(text: str, context: str | None = None) -> str:
    """What the Chinese page says for an English msgid (the msgid itself until translated)."""
    with translation.override("zh-hans"):
        return str(translation.pgettext(context, text) if context else translation.gettext(text))


@pytest.fixture
def neighbourhood(transactional_db, settings, tmp_path):
    """绿园 with building 7: 王建华 and his wife 李秀英 at 7-1-101, 陈桂兰 at 7-1-102, 赵国强
    at 7-1-201, each with an account; the community office's worker."""
    settings.MEDIA_ROOT = tmp_path / "media"
    compound = f.CompoundFactory(code="lvyuan-e2e", name="绿园小区")
    entrance = f.EntranceFactory(building__compound=compound, building__number="7", number="1")
    users = {}
    homes = [
        ("wang", "王建华", "101", Residency.Relation.OWNER),
        ("li", "李秀英", "101", Residency.Relation.FAMILY),
        ("chen", "陈桂兰", "102", Residency.Relation.OWNER),
        ("zhao", "赵国强", "201", Residency.Relation.OWNER),
    ]
    units = {}
    for n, (username, name, number, relation) in enumerate(homes):
        if number not in units:
            units[number] = f.UnitFactory(
                entrance=entrance, number=number, code=f"7-1-{number}", floor=int(number[0])
            )
        person = f.PersonFactory(compound=compound, name=name, phone=f"1390000700{n + 1}")
        f.ResidencyFactory(
            unit=units[number],
            person=person,
            relation=relation,
            is_head=relation == Residency.Relation.OWNER,
        )
        user = f.UserFactory(username=username, person=person, password=PASSWORD)
        f.grant(user, Role.RESIDENT, compound)
        users[username] = user
    staff = f.UserFactory(username="office-liu", first_name="刘", password=PASSWORD)
    f.grant(staff, Role.COMMUNITY_STAFF, compound.community)
    # Another topic on the list, so the board has something to sort.
    services_topics.topic_raise(
        actor=users["chen"],
        compound=compound,
        title="小区南门晚上路灯太暗",
        description="南门到7号楼的路灯坏了两盏，老人晚上看不清台阶。",
        category="safety",
    )
    return {"compound": compound, "units": units, "staff": staff, **users}


def test_topic_supported_discussed_resolved_and_its_project_shown_in_public(
    chromium, live_server, neighbourhood
):
    world = neighbourhood
    compound = world["compound"]
    base = live_server.url
    opened = []

    def as_user(username, width=390):
        context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.base_url = base
        opened.append(context)
        if username:
            log_in(page, username, PASSWORD)
        return page

    # 1. 王建华 puts the problem on the list from his phone, and his household supports it.
    wang = as_user("wang")
    wang.goto(f"{base}/c/{compound.code}/topics/new/")
    form = wang.locator("main form:has(input[name=title])")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill(DESCRIPTION)
    form.locator("label[for='category-safety']").click()
    building = compound.buildings.get(number="7")
    form.locator(f"input[name=buildings][value='{building.pk}']").check(force=True)
    form.locator("button[type=submit]").click()
    expect(wang).to_have_url(re.compile(rf"/c/{compound.code}/topics/\d+/$"))
    topic = Topic.objects.get(title=TITLE)
    assert (topic.status, topic.raised_by, topic.support_count) == (
        TopicStatus.OPEN,
        world["wang"].person,
        0,
    )
    assert list(topic.buildings.all()) == [building]
    support_form = f"form[action='/c/{compound.code}/topics/{topic.pk}/support/']"
    wang.locator(f"{support_form} button[name=action][value=support]").click()
    expect(wang.locator(f"{support_form} button[name=action][value=withdraw]")).to_be_visible()
    expect(wang.locator(".tp-support-count")).to_have_text("1")

    # 2. Two neighbours, each from another household, support it too.
    for count, username in enumerate(("chen", "zhao"), start=2):
        neighbour = as_user(username)
        neighbour.goto(f"{base}/c/{compound.code}/topics/{topic.pk}/")
        neighbour.locator(f"{support_form} button[name=action][value=support]").click()
        expect(neighbour.locator(".tp-support-count")).to_have_text(str(count))
    topic.refresh_from_db()
    assert topic.support_count == 3
    assert TopicSupport.objects.filter(topic=topic).count() == 3

    # 3. 李秀英 lives at 7-1-101 too: she sees that her household supports it already, and
    #    has no second support to give.
    li = as_user("li")
    li.goto(f"{base}/c/{compound.code}/topics/{topic.pk}/")
    support_card = li.locator("section[aria-labelledby=support-title]")
    expect(support_card).to_contain_text(_zh("Your household supports this topic."))
    expect(support_card.locator(".tp-support-count")).to_have_text("3")
    assert support_card.locator("button[name=action][value=support]").count() == 0
    # Sent anyway (an old page, a second tap): the server counts the home once.
    button = support_card.locator("button[name=action]")
    button.evaluate("b => { b.value = 'support'; }")
    button.click()
    expect(li.locator("main")).to_contain_text(
        _zh("Your household already supports this topic (one support per home); nothing changed.")
    )
    expect(li.locator(".tp-support-count")).to_have_text("3")
    li.goto(f"{base}/c/{compound.code}/topics/")
    ours = li.locator("li.tp-card", has=li.locator(f"a[href$='/topics/{topic.pk}/']"))
    expect(ours.locator(".tp-count.tp-mine strong")).to_have_text("3")
    topic.refresh_from_db()
    assert topic.support_count == 3

    # Anyone sees the board and the topic: support 3, the status, no names, no homes.
    anonymous = as_user(None, width=1280)
    anonymous.goto(f"{base}/c/{compound.code}/topics/")
    first = anonymous.locator("ol.tp-list > li.tp-card").first
    expect(first.locator("h2")).to_have_text(TITLE)
    expect(first.locator(".tp-count strong")).to_have_text("3")
    expect(first.locator(".mulin-status")).to_have_text(_zh("Open", "topic"))
    assert axe_violations(anonymous) == []
    anonymous.goto(f"{base}/c/{compound.code}/topics/{topic.pk}/")
    expect(anonymous.locator("h1")).to_have_text(TITLE)
    expect(anonymous.locator(".tp-support-count")).to_have_text("3")
    assert axe_violations(anonymous) == []
    html = anonymous.content()
    for private in (*NAMES, "7-1-101", "7-1-102", "7-1-201"):
        assert private not in html, private

    # 4. The community worker marks how hard it is and selects it for a roundtable.
    staff = as_user("office-liu", width=1280)
    staff.goto(f"{base}/compounds/{compound.code}/topics/{topic.pk}/")
    acts = f"/compounds/{compound.code}/topics/{topic.pk}/do"
    assess = staff.locator(f"form[action='{acts}/assess/']")
    assess.locator("select[name=difficulty]").select_option("3")
    assess.locator("select[name=urgency]").select_option("3")
    with staff.expect_navigation():
        assess.locator("button[type=submit]").click()
    move = staff.locator(f"form[action='{acts}/move/']")
    move.locator("select[name=to]").select_option(TopicStatus.SELECTED)
    move.locator("button[type=submit]").click()
    expect(staff.locator(".mulin-page-head .mulin-status")).to_have_text(_zh("Selected", "topic"))
    topic.refresh_from_db()
    assert (topic.status, topic.difficulty, topic.urgency) == (TopicStatus.SELECTED, 3, 3)

    # 5. … and schedules the roundtable with the topic on its agenda (in two hours, for an hour
    #    and a half, Beijing time): the topic is now in discussion.
    starts = (timezone.localtime() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    ends = starts + timedelta(minutes=90)
    staff.goto(f"{base}/compounds/{compound.code}/meetings/new/?topic={topic.pk}")
    form = staff.locator("form.mulin-form")
    form.locator("select[name=kind]").select_option("roundtable")
    form.locator("input[name=title]").fill("7号楼消防通道睦邻圆桌会")
    form.locator("input[name=starts_at]").fill(f"{starts:%Y-%m-%dT%H:%M}")
    form.locator("input[name=ends_at]").fill(f"{ends:%Y-%m-%dT%H:%M}")
    form.locator("input[name=place]").fill("社区党群服务中心二楼")
    expect(form.locator(f"input[name=topics][value='{topic.pk}']")).to_be_checked()
    form.locator("button[type=submit]").click()
    expect(staff).to_have_url(re.compile(rf"/compounds/{compound.code}/meetings/\d+/$"))
    meeting = Meeting.objects.get(compound=compound)
    assert (meeting.starts_at, meeting.ends_at, meeting.kind) == (starts, ends, "roundtable")
    assert [(i.topic_id, i.title) for i in meeting.agenda.all()] == [(topic.pk, TITLE)]
    expect(staff.locator("section[aria-labelledby=agenda-h]")).to_contain_text(TITLE)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DISCUSSION

    # 6. Once the roundtable is over: minutes published, the resolution recorded, the
    #    resolution made a project with milestones and a first progress update.
    with time_machine.travel(meeting.ends_at + timedelta(minutes=30), tick=True):
        today = timezone.localdate()
        staff.goto(f"{base}/compounds/{compound.code}/meetings/{meeting.pk}/minutes/")
        staff.locator("textarea[name=minutes]").fill(MINUTES)
        with staff.expect_navigation():
            staff.locator("button[name=action][value=publish]").click()
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.HELD and meeting.minutes_published_at

        staff.goto(f"{base}/compounds/{compound.code}/meetings/{meeting.pk}/")
        record = staff.locator(f"form[action='/compounds/{compound.code}/resolutions/new/']")
        record.locator("xpath=ancestor::details").locator("summary").click()
        record.locator("textarea[name=text]").fill(DECIDED)
        expect(record.locator("select[name=topic]")).to_have_value(str(topic.pk))
        record.locator("input[name=due_on]").fill(f"{today + timedelta(days=30):%Y-%m-%d}")
        record.locator("button[type=submit]").click()
        expect(staff).to_have_url(re.compile(rf"/compounds/{compound.code}/resolutions/\d+/$"))
        resolution = Resolution.objects.get(compound=compound)
        assert (resolution.meeting, resolution.topic, resolution.text) == (meeting, topic, DECIDED)
        topic.refresh_from_db()
        assert topic.status == TopicStatus.RESOLVED

        handoff = staff.locator(
            f"form[action='/compounds/{compound.code}/resolutions/{resolution.pk}/to/project/']"
        )
        handoff.locator("xpath=ancestor::details").locator("summary").click()
        handoff.locator("input[name=title]").fill(PROJECT)
        expect(handoff.locator("textarea[name=summary]")).to_have_value(DECIDED)
        handoff.locator("select[name=kind]").select_option("safety")
        handoff.locator("button").click()
        expect(staff.locator("section[aria-labelledby=next-h]")).to_contain_text(PROJECT)
        project = Project.objects.get(resolution=resolution)
        assert (project.compound, project.topic, project.public, project.status) == (
            compound,
            topic,
            True,
            ProjectStatus.PLANNED,
        )

        staff.goto(f"{base}/compounds/{compound.code}/projects/{project.pk}/")
        sections = f"/compounds/{compound.code}/projects/{project.pk}"
        start_works = staff.locator(
            f"form[action='{sections}/move/']:has(input[value=in_progress])"
        )
        with staff.expect_navigation():
            start_works.locator("button").click()
        for n, title in enumerate(MILESTONES):
            add = staff.locator(f"form[action='{sections}/milestone/']")
            add.locator("xpath=ancestor::details").locator("summary").click()
            add.locator("input[name=milestone-title]").fill(title)
            add.locator("input[name=milestone-planned_on]").fill(
                f"{today + timedelta(days=7 * n - 1):%Y-%m-%d}"
            )
            add.locator("button").click()
            expect(staff.locator("#milestones .pj-timeline > li")).to_have_count(n + 1)
        first_milestone = Milestone.objects.get(project=project, title=MILESTONES[0])
        staff.locator(
            f"form[action='{sections}/milestones/{first_milestone.pk}/done/'] button"
        ).click()
        expect(staff.locator("#milestones .pj-timeline > li.pj-done")).to_have_count(1)
        post = staff.locator(f"form[action='{sections}/update/']")
        post.locator("xpath=ancestor::details").locator("summary").click()
        post.locator("textarea[name=update-body]").fill(UPDATE)
        post.locator("input[name=update-progress]").fill("40")
        post.locator("button").click()
        expect(staff.locator("#updates .pj-feed")).to_contain_text(UPDATE)
        project.refresh_from_db()
        assert (project.status, project.progress) == (ProjectStatus.IN_PROGRESS, 40)
        assert ProjectUpdate.objects.filter(project=project, progress=40).count() == 1
        assert Milestone.objects.get(pk=first_milestone.pk).done_on == today

        # 7. The public project page, without logging in: progress bar, milestone timeline,
        #    the update and what the roundtable decided.
        anonymous.goto(f"{base}/c/{compound.code}/projects/{project.pk}/")
        expect(anonymous.locator("h1")).to_have_text(PROJECT)
        bar = anonymous.locator(".mulin-page-head .pj-progress [role=progressbar]")
        expect(bar).to_have_attribute("aria-valuenow", "40")
        expect(bar.locator("span")).to_have_attribute("style", re.compile(r"width:\s*40%"))
        expect(anonymous.locator(".mulin-page-head .pj-progress")).to_contain_text("40%")
        timeline = anonymous.locator("#milestones ol.pj-timeline > li")
        expect(timeline).to_have_count(3)
        for n, title in enumerate(MILESTONES):
            expect(timeline.nth(n).locator("strong")).to_have_text(title)
        expect(timeline.nth(0)).to_have_class(re.compile(r"\bpj-done\b"))
        expect(timeline.nth(1)).not_to_have_class(re.compile(r"\bpj-done\b"))
        expect(timeline.nth(0)).to_contain_text(f"{today:%Y-%m-%d}")
        expect(anonymous.locator("#updates")).to_contain_text(UPDATE)
        expect(anonymous.locator(".mulin-page-head")).to_contain_text(DECIDED)
        assert anonymous.locator("form[action*='/projects/']").count() == 0
        assert axe_violations(anonymous) == []
        html = anonymous.content()
        for private in (*NAMES, "7-1-101", "office-liu"):
            assert private not in html, private
        anonymous.goto(f"{base}/c/{compound.code}/projects/")
        expect(anonymous.locator("main")).to_contain_text(PROJECT)

        # The roundtable's public page: the published minutes, masked.
        anonymous.goto(f"{base}/c/{compound.code}/meetings/{meeting.pk}/")
        expect(anonymous.locator("main")).to_contain_text("快递柜移到北门空地")
        expect(anonymous.locator("main")).to_contain_text(DECIDED)
        html = anonymous.content()
        for private in (*NAMES, "7-1-101"):
            assert private not in html, private

        # The board shows the topic resolved, still with its three households.
        anonymous.goto(f"{base}/c/{compound.code}/topics/?sort=hardest")
        first = anonymous.locator("ol.tp-list > li.tp-card").first
        expect(first.locator("h2")).to_have_text(TITLE)
        expect(first.locator(".tp-count strong")).to_have_text("3")
        expect(first.locator(".mulin-status")).to_have_text(_zh("Resolved", "topic"))

    for context in opened:
        context.close()
