"""The resident home's card of notices: what reaches my home, what is new to me, and what my
compound is discussing and building."""

from django.urls import reverse

from mulin.deliberation import services_civic, services_topics
from mulin.deliberation.models import Project, ProjectStatus, TopicStatus
from mulin.testing import factories as f

HOME = reverse("core:home")


def _notice(world, title, **kw):
    return services_civic.announcement_publish(
        actor=world.staff, compound=world.compound, title=title, body="正文", **kw
    )


def test_my_buildings_and_compounds_notices_show_and_others_do_not(world, login):
    other_building = f.BuildingFactory(compound=world.compound, number="99")
    _notice(world, "本小区周六大扫除", scope="compound")
    _notice(world, "63幢停水通知", scope="building", building=world.unit.building)
    _notice(world, "99幢电梯检修", scope="building", building=other_building)
    client = login(world.resident)
    body = client.get(HOME).content.decode()
    assert "本小区周六大扫除" in body and "63幢停水通知" in body
    assert "99幢电梯检修" not in body
    assert "There are no notices yet." not in body


def test_a_read_notice_is_no_longer_marked_new(world, login):
    notice = _notice(world, "本小区周六大扫除", scope="compound")
    client = login(world.resident)
    assert 'badge text-bg-primary ms-1">New' in client.get(HOME).content.decode()
    client.get(reverse("deliberation:announcement_public", args=[world.compound.code, notice.pk]))
    assert 'badge text-bg-primary ms-1">New' not in client.get(HOME).content.decode()


def test_topics_in_discussion_and_projects_under_way_are_counted(world, login):
    topic = services_topics.topic_raise(
        actor=world.staff,
        compound=world.compound,
        title="楼道太暗",
        description="晚上看不见台阶",
        category="safety",
        source="meeting",
    )
    services_topics.topic_move(actor=world.staff, topic=topic, to=TopicStatus.SELECTED)
    Project.objects.create(
        compound=world.compound,
        title="楼道灯改造",
        summary="换灯",
        kind="facilities",
        status=ProjectStatus.IN_PROGRESS,
        created_by=world.staff,
    )
    body = login(world.resident).get(HOME).content.decode()
    assert "1 topic in discussion" in body
    assert "1 project under way" in body


def test_someone_without_a_home_sees_the_empty_card(world, login):
    homeless = f.UserFactory(username="nohome")
    body = login(homeless).get(HOME).content.decode()
    assert "There are no notices yet." in body
    assert "topics in discussion" not in body


def test_the_card_costs_the_same_with_many_notices(world, login, count_queries):
    client = login(world.resident)
    _notice(world, "通知 0", scope="compound")
    client.get(HOME)
    with count_queries() as few:
        client.get(HOME)
    for i in range(1, 12):
        _notice(world, f"通知 {i}", scope="compound")
    with count_queries() as many:
        client.get(HOME)
    assert few.count == many.count, many.dump()
