"""Topic pages: the public board and topic page, raising, support and comments, the staff list
and topic page, my topics — access for each, privacy, bad input, and pinned query counts."""

import pytest
from django.urls import reverse

from mulin.core.models import AuditEvent
from mulin.deliberation import services_topics as services
from mulin.deliberation.models import Topic, TopicComment, TopicStatus
from mulin.deliberation.tests.test_topics_helpers import (  # noqa: F401
    cast_fixture,
    jpeg,
    raise_topic,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"deliberation:{name}", args=args)


# ----------------------------------------------------------------------------- public board


def test_board_is_public_and_names_nobody(client, world, cast):
    topic = raise_topic(world)
    services.topic_comment(actor=cast.neighbour, topic=topic, body="支持，早该管了")
    response = client.get(url("topics", world.compound.code))
    assert response.status_code == 200
    page = response.content.decode()
    assert topic.title in page
    assert "Building 63" in page
    for secret in ("张三", "李四", "13812345678", "301", "302"):
        assert secret not in page
    detail = client.get(url("topic", world.compound.code, topic.pk)).content.decode()
    assert "支持，早该管了" in detail
    for secret in ("张三", "李四", "13812345678", "63-2-301"):
        assert secret not in detail


def test_declined_topics_show_their_reason_publicly(client, world, cast):
    topic = raise_topic(world)
    services.topic_move(
        actor=cast.committee, topic=topic, to="declined", reason="属于物业日常维修，已转工单"
    )
    board = client.get(url("topics", world.compound.code), {"status": "declined"})
    assert "属于物业日常维修，已转工单" in board.content.decode()
    detail = client.get(url("topic", world.compound.code, topic.pk))
    assert "属于物业日常维修，已转工单" in detail.content.decode()


def test_hidden_topics_and_comments_vanish_publicly_but_staff_see_them_marked(
    client, login, world, cast
):
    topic = raise_topic(world, title="这条会被隐藏")
    shown = raise_topic(world, title="这条留着")
    comment = services.topic_comment(actor=cast.neighbour, topic=shown, body="不文明的话")
    services.topic_hide(actor=cast.committee, topic=topic, reason="涉及个人隐私")
    services.comment_hide(actor=cast.committee, comment=comment, reason="不文明")
    board = client.get(url("topics", world.compound.code)).content.decode()
    assert "这条会被隐藏" not in board and "这条留着" in board
    assert client.get(url("topic", world.compound.code, topic.pk)).status_code == 404
    assert (
        "不文明的话" not in client.get(url("topic", world.compound.code, shown.pk)).content.decode()
    )
    staff = login(cast.committee)
    listing = staff.get(url("topics_staff", world.compound.code)).content.decode()
    assert "这条会被隐藏" in listing and "涉及个人隐私" in listing
    page = staff.get(url("topics_staff_topic", world.compound.code, shown.pk)).content.decode()
    assert "不文明的话" in page and "Hidden:" in page


def test_board_sorts_and_filters(client, world, cast):
    easy = raise_topic(world, title="容易的")
    hard = raise_topic(world, title="难的")
    services.topic_assess(actor=cast.committee, topic=hard, difficulty=3, urgency=2)
    services.topic_assess(actor=cast.committee, topic=easy, difficulty=1)
    services.topic_support(actor=cast.neighbour, topic=easy)
    page = client.get(url("topics", world.compound.code), {"sort": "hardest"}).content.decode()
    assert page.index("难的") < page.index("容易的")
    page = client.get(url("topics", world.compound.code), {"sort": "support"}).content.decode()
    assert page.index("容易的") < page.index("难的")
    services.topic_move(actor=cast.committee, topic=hard, to="selected")
    page = client.get(url("topics", world.compound.code), {"status": "selected"}).content.decode()
    assert "难的" in page and "容易的" not in page


def test_unknown_compound_is_404(client):
    assert client.get(url("topics", "nowhere")).status_code == 404


def _grow(world, n):
    for i in range(n):
        t = raise_topic(world, title=f"议题{i}", photos=[])
        t.buildings.add(world.unit.building)


def test_board_query_count_does_not_grow(client, login, world, cast, count_queries):
    path = url("topics", world.compound.code)
    resident = login(world.resident)
    _grow(world, 3)
    with count_queries() as small:
        assert resident.get(path).status_code == 200
    _grow(world, 6)
    with count_queries() as large:
        assert resident.get(path).status_code == 200
    assert small.count == large.count, large.dump()
    assert small.count <= 14, small.dump()


def test_staff_list_query_count_does_not_grow(login, world, cast, count_queries):
    path = url("topics_staff", world.compound.code)
    staff = login(cast.committee)
    _grow(world, 3)
    with count_queries() as small:
        assert staff.get(path).status_code == 200
    _grow(world, 6)
    with count_queries() as large:
        assert staff.get(path).status_code == 200
    assert small.count == large.count, large.dump()
    assert small.count <= 14, small.dump()


# ------------------------------------------------------------------------ raising a topic


def test_raise_page_access(client, login, world, cast):
    path = url("topic_new", world.compound.code)
    assert client.get(path).status_code == 302  # login
    assert login(world.outsider).get(path).status_code == 404
    assert login(cast.property_staff).get(path).status_code == 404
    assert login(cast.committee).get(path).status_code == 302  # staff: their own form
    assert login(world.resident).get(path).status_code == 200


def test_resident_raises_a_topic_from_the_form(login, world):
    client = login(world.resident)
    response = client.post(
        url("topic_new", world.compound.code),
        {
            "title": "楼道太暗",
            "description": "晚上看不清台阶",
            "category": "safety",
            "buildings": [world.unit.building.pk],
            "photos": [jpeg()],
        },
    )
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert response.url == url("topic", world.compound.code, topic.pk)
    assert topic.photos.count() == 1
    photo = topic.photos.get()
    assert (
        client.get(url("topic_photo", world.compound.code, topic.pk, photo.pk)).status_code == 200
    )


def test_empty_title_shows_a_message_and_changes_nothing(login, world):
    response = login(world.resident).post(
        url("topic_new", world.compound.code),
        {"title": "", "description": "x", "category": "safety"},
    )
    assert response.status_code == 400
    assert "Please fill in the title." in response.content.decode()
    assert not Topic.objects.exists()


def test_too_many_photos_show_a_message_and_change_nothing(login, world):
    response = login(world.resident).post(
        url("topic_new", world.compound.code),
        {
            "title": "t",
            "description": "d",
            "category": "safety",
            "photos": [jpeg(f"{i}.jpg") for i in range(7)],
        },
    )
    assert response.status_code == 400
    assert "Send at most 6 photos." in response.content.decode()
    assert not Topic.objects.exists()


def test_photos_of_a_hidden_topic_are_for_staff(client, login, world, cast):
    topic = raise_topic(world, photos=[jpeg()])
    photo = topic.photos.get()
    path = url("topic_photo", world.compound.code, topic.pk, photo.pk)
    assert client.get(path).status_code == 200
    services.topic_hide(actor=cast.committee, topic=topic, reason="隐私")
    assert client.get(path).status_code == 404
    assert login(cast.committee).get(path).status_code == 200
    assert client.get(url("topic_photo", world.other.code, topic.pk, photo.pk)).status_code == 404


# ------------------------------------------------------------------------ support, comments


def test_support_button_one_per_household(client, login, world, cast):
    topic = raise_topic(world)
    path = url("topic_support", world.compound.code, topic.pk)
    assert client.post(path).status_code == 302 and client.post(path).url.startswith("/login")
    assert login(world.outsider).post(path).status_code == 404
    login(world.resident).post(path, {"action": "support"})
    response = login(cast.housemate).post(path, {"action": "support"}, follow=True)
    assert "already supports this topic" in response.content.decode()
    topic.refresh_from_db()
    assert topic.support_count == 1
    login(cast.housemate).post(path, {"action": "withdraw"})
    topic.refresh_from_db()
    assert topic.support_count == 0


def test_comment_access_and_empty_comment(client, login, world, cast):
    topic = raise_topic(world)
    path = url("topic_comment", world.compound.code, topic.pk)
    assert client.post(path, {"body": "x"}).status_code == 302
    assert login(world.outsider).post(path, {"body": "x"}).status_code == 404
    response = login(cast.neighbour).post(path, {"body": "  "}, follow=True)
    assert "Please write the comment first." in response.content.decode()
    assert not TopicComment.objects.exists()
    login(cast.neighbour).post(path, {"body": "同意"})
    assert TopicComment.objects.count() == 1


# -------------------------------------------------------------------------------- staff side


@pytest.mark.parametrize("name", ["topics_staff", "topics_staff_new"])
def test_staff_pages_access(client, login, world, cast, name):
    path = url(name, world.compound.code)
    assert client.get(path).status_code == 302
    assert login(world.outsider).get(path).status_code == 404
    assert login(world.resident).get(path).status_code == 404
    assert login(cast.property_staff).get(path).status_code == 404
    assert login(cast.property_manager).get(path).status_code == 200
    assert login(cast.committee).get(path).status_code == 200


def test_staff_topic_page_access(client, login, world, cast):
    topic = raise_topic(world)
    path = url("topics_staff_topic", world.compound.code, topic.pk)
    assert client.get(path).status_code == 302
    assert login(world.outsider).get(path).status_code == 404
    assert login(world.resident).get(path).status_code == 404
    assert login(cast.committee).get(path).status_code == 200
    other = url("topics_staff_topic", world.other.code, topic.pk)
    assert login(world.outsider).get(other).status_code == 404


def test_from_requests_page_access_and_promote(client, login, world, cast):
    from mulin.tickets import services as tickets
    from mulin.tickets.models import Category

    tickets.categories_ensure_defaults(actor=world.staff, compound=world.compound)
    category = Category.objects.filter(compound=world.compound).first()
    for i in range(2):
        tickets.ticket_submit(
            actor=world.resident,
            compound=world.compound,
            category=category,
            description=f"又坏了 {i}",
            idempotency_key=f"k{i}",
            unit=world.unit,
        )
    path = url("topics_from_requests", world.compound.code)
    assert client.get(path).status_code == 302
    assert login(world.outsider).get(path).status_code == 404
    assert login(world.resident).get(path).status_code == 404
    assert login(cast.property_manager).get(path).status_code == 404  # view only
    staff = login(cast.committee)
    page = staff.get(path, {"days": 90, "requests": category.pk})
    assert page.status_code == 200 and category.name in page.content.decode()
    ids = [str(t) for t in category.tickets.values_list("pk", flat=True)]
    response = staff.post(
        path,
        {
            "days": "90",
            "requests": category.pk,
            "title": "总是坏",
            "description": "反复报修",
            "category": "facilities",
            "tickets": ids,
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.source == "requests" and topic.tickets.count() == 2
    page = staff.get(path, {"days": 90}).content.decode()
    assert "Already in a topic" in page


def test_staff_actions_need_the_right_role(login, world, cast):
    topic = raise_topic(world)
    move = url("topics_staff_act", world.compound.code, topic.pk, "move")
    hide = url("topics_staff_act", world.compound.code, topic.pk, "hide")
    for user in (world.resident, cast.property_manager, world.outsider):
        assert login(user).post(move, {"to": "selected"}).status_code == 404
        assert login(user).post(hide, {"reason": "x"}).status_code == 404
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN and not topic.hidden
    staff = login(cast.committee)
    staff.post(move, {"to": "selected"})
    staff.post(hide, {"reason": "重复议题"})
    topic.refresh_from_db()
    assert topic.status == TopicStatus.SELECTED and topic.hidden
    assert AuditEvent.objects.filter(action="topic.hide").exists()


def test_declining_without_reason_shows_a_message(login, world, cast):
    topic = raise_topic(world)
    response = login(cast.committee).post(
        url("topics_staff_act", world.compound.code, topic.pk, "move"),
        {"to": "declined", "reason": ""},
        follow=True,
    )
    assert "Give the reason for declining" in response.content.decode()
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN


def test_staff_assess_and_record_support(login, world, cast):
    topic = raise_topic(world)
    staff = login(cast.committee)
    staff.post(
        url("topics_staff_act", world.compound.code, topic.pk, "assess"),
        {"difficulty": "3", "urgency": "2", "next": "list"},
    )
    staff.post(
        url("topics_staff_act", world.compound.code, topic.pk, "support"),
        {"unit": world.neighbour_unit.code},
    )
    topic.refresh_from_db()
    assert (topic.difficulty, topic.urgency, topic.support_count) == (3, 2, 1)
    response = staff.post(
        url("topics_staff_act", world.compound.code, topic.pk, "assess"),
        {"difficulty": "9"},
        follow=True,
    )
    assert "Choose low, medium or high." in response.content.decode()


def test_my_topics(client, login, world, cast):
    mine = raise_topic(world, title="我提的")
    theirs = raise_topic(world, actor=cast.neighbour, title="邻居提的")
    services.topic_support(actor=cast.housemate, topic=theirs)  # my household supports it
    raise_topic(world, actor=cast.neighbour, title="无关的")
    assert client.get(url("my_topics")).status_code == 302
    page = login(world.resident).get(url("my_topics")).content.decode()
    assert mine.title in page and theirs.title in page and "无关的" not in page


@pytest.mark.parametrize("staff_page", [False, True])
def test_topic_page_query_count_does_not_grow_with_comments(
    login, world, cast, count_queries, staff_page
):
    topic = raise_topic(world, photos=[jpeg()])
    if staff_page:
        client, path = (
            login(cast.committee),
            url("topics_staff_topic", world.compound.code, topic.pk),
        )
    else:
        client, path = login(world.resident), url("topic", world.compound.code, topic.pk)

    def grow(n):
        for i in range(n):
            services.topic_comment(actor=cast.neighbour, topic=topic, body=f"意见{i}")

    grow(2)
    with count_queries() as small:
        assert client.get(path).status_code == 200
    grow(4)
    with count_queries() as large:
        assert client.get(path).status_code == 200
    assert small.count == large.count, large.dump()


def test_my_topics_query_count_does_not_grow(login, world, cast, count_queries):
    client = login(world.resident)
    raise_topic(world)
    with count_queries() as small:
        assert client.get(url("my_topics")).status_code == 200
    for i in range(4):
        t = raise_topic(world, actor=cast.neighbour, title=f"邻居{i}")
        services.topic_support(actor=world.resident, topic=t)
    with count_queries() as large:
        assert client.get(url("my_topics")).status_code == 200
    assert small.count == large.count, large.dump()


def test_staff_find_the_resident_by_search_not_from_a_list_of_everyone(world, login):
    from mulin.deliberation.models import Topic

    client = login(world.staff)
    url = f"/compounds/{world.compound.code}/topics/new/"
    page = client.get(url).content.decode()
    assert world.resident_person.name not in page  # nobody is listed before a search
    found = client.get(url, {"q": world.resident_person.name[:2]}).content.decode()
    assert f'name="raised_by" id="raised-by-{world.resident_person.pk}"' in found
    picker = client.get(
        url, {"q": world.resident_person.name[:2], "picker": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert picker.lstrip().startswith('<div id="people"') and world.resident_person.name in picker
    response = client.post(
        url,
        {
            "source": "meeting",
            "raised_by": world.resident_person.pk,
            "title": "楼道灯不亮",
            "description": "晚上看不见台阶",
            "category": "safety",
        },
    )
    assert response.status_code == 302
    assert Topic.objects.get(title="楼道灯不亮").raised_by == world.resident_person
