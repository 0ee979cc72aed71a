# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""Announcements (公告): scoped to a community, a compound or a building; residents see those
that reach their home; opening one records a read receipt once per user; staff see who read
(masked); a printable A4 version with a QR code."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.deliberation import services_civic as services
from mulin.deliberation.models import Announcement, AnnouncementRead
from mulin.testing import factories as f

from .test_civic_common import audited, civic, pin  # noqa: F401

pytestmark = pytest.mark.django_db


def publish(world, scope="compound", **kw):
    values = {
        "actor": world.staff,
        "compound": world.compound,
        "scope": scope,
        "title": f"{scope}通知",
        "body": "请知悉。",
    }
    values.update(kw)
    return services.announcement_publish(**values)


@pytest.fixture
def elsewhere(world):
    """A resident of another building of the same compound."""
    unit = f.UnitFactory(
        entrance__building__compound=world.compound, entrance__building__number="64"
    )
    person = f.PersonFactory(compound=world.compound, name="钱七")
    f.ResidencyFactory(unit=unit, person=person)
    return f.UserFactory(username="elsewhere", person=person)


def test_building_notice_reaches_only_that_building(world, elsewhere, login):
    water = publish(world, "building", building=world.unit.building, title="63幢停水通知")
    whole = publish(world, "compound", title="全小区通知")
    community = publish(world, "community", title="社区通知")
    mine = login(world.resident).get("/me/announcements/").content.decode()
    assert "63幢停水通知" in mine and "全小区通知" in mine and "社区通知" in mine
    theirs = login(elsewhere).get("/me/announcements/").content.decode()
    assert "63幢停水通知" not in theirs and "全小区通知" in theirs
    # opening it directly is refused to the other building, allowed to the building
    url = f"/c/{world.compound.code}/announcements/{water.pk}/"
    assert login(elsewhere).get(url).status_code == 404
    assert login(world.resident).get(url).status_code == 200
    assert {whole.pk, community.pk, water.pk} == set(
        Announcement.objects.values_list("pk", flat=True)
    )


def test_public_list_shows_compound_and_community_notices_only(world, client):
    publish(world, "building", building=world.unit.building, title="63幢停水通知")
    publish(world, "compound", title="全小区通知")
    publish(world, "community", title="社区通知")
    publish(world, "compound", title="过期通知", expires_on=timezone.localdate())
    Announcement.objects.filter(title="过期通知").update(
        expires_on=timezone.localdate() - timedelta(days=1)
    )
    text = client.get(f"/c/{world.compound.code}/announcements/").content.decode()
    assert "全小区通知" in text and "社区通知" in text
    assert "63幢停水通知" not in text and "过期通知" not in text


def test_another_compound_does_not_see_it(world, login):
    notice = publish(world)
    assert (
        login(world.outsider).get(f"/c/{world.other.code}/announcements/{notice.pk}/").status_code
        == 404
    )
    assert (
        "compound通知"
        not in login(world.outsider).get(f"/c/{world.other.code}/announcements/").content.decode()
    )


def test_read_receipt_once_per_user(world, login):
    notice = publish(world)
    client = login(world.resident)
    url = f"/c/{world.compound.code}/announcements/{notice.pk}/"
    client.get(url)
    client.get(url)
    assert AnnouncementRead.objects.filter(announcement=notice).count() == 1
    assert services.announcement_read(user=world.resident, announcement=notice) is False
    # an anonymous visitor and staff leave no receipt
    login(world.staff).get(url)
    assert AnnouncementRead.objects.count() == 1


def test_staff_see_read_count_and_masked_readers(world, civic, login):
    notice = publish(world)
    login(world.resident).get(f"/c/{world.compound.code}/announcements/{notice.pk}/")
    page = login(civic.viewer).get(f"/compounds/{world.compound.code}/announcements/{notice.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "张*" in text and "张三" not in text
    listing = (
        login(world.staff).get(f"/compounds/{world.compound.code}/announcements/").content.decode()
    )
    assert ">1</td>" in listing


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "viewer", "staff"])
def test_staff_pages_access(world, civic, client, login, who):
    notice = publish(world)
    users = {
        "outsider": world.outsider,
        "resident": world.resident,
        "viewer": civic.viewer,
        "staff": world.staff,
    }
    if who != "anonymous":
        login(users[who])
    for url in (
        f"/compounds/{world.compound.code}/announcements/",
        f"/compounds/{world.compound.code}/announcements/{notice.pk}/",
    ):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302
        elif who in ("viewer", "staff"):
            assert response.status_code == 200
        else:
            assert response.status_code == 404
    # the viewer sees but may not publish
    if who == "viewer":
        response = client.post(
            f"/compounds/{world.compound.code}/announcements/",
            {"title": "x", "body": "y", "scope": "compound"},
        )
        assert response.status_code == 404
        assert Announcement.objects.count() == 1


def test_my_announcements_needs_login(client):
    response = client.get("/me/announcements/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_building_notice_asks_anonymous_to_log_in(world, client):
    notice = publish(world, "building", building=world.unit.building)
    response = client.get(f"/c/{world.compound.code}/announcements/{notice.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_print_version_has_a_qr_code_and_print_css(world, client):
    notice = publish(world, title="停水通知", body="明日停水。")
    page = client.get(f"/c/{world.compound.code}/announcements/{notice.pk}/print/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text and "civic-qr" in text
    assert "@page { size: A4" in text and "@media print" in text
    assert f"/c/{world.compound.code}/announcements/{notice.pk}/" in text


def test_staff_publish_through_the_page(world, civic, login):
    client = login(world.staff)
    response = client.post(
        f"/compounds/{world.compound.code}/announcements/",
        {
            "title": "停电通知",
            "body": "周三停电。",
            "scope": "building",
            "building": world.unit.building.pk,
            "publisher": civic.property.pk,
            "pinned": "on",
        },
    )
    assert response.status_code == 302
    notice = Announcement.objects.get()
    assert (
        notice.building == world.unit.building
        and notice.publisher == civic.property
        and notice.pinned
    )
    assert audited("announcement.publish") == 1


def test_bad_input_shows_a_message_and_changes_nothing(world, login):
    client = login(world.staff)
    response = client.post(
        f"/compounds/{world.compound.code}/announcements/",
        {"title": "停电通知", "body": "周三停电。", "scope": "building"},
    )
    assert response.status_code == 422
    assert "Choose a building of this compound" in response.content.decode()
    assert not Announcement.objects.exists()
    with pytest.raises(ValidationError) as exc:
        publish(world, expires_on=timezone.localdate() - timedelta(days=1))
    assert "expires_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        publish(world, "building", building=world.other_unit.building)
    with pytest.raises(Http404):
        publish(world, actor=world.resident)
    assert not Announcement.objects.exists()


def test_lists_queries_do_not_grow(world, civic, client, login, pin):
    def grow():
        notice = publish(world, publisher=civic.property)
        publish(world, "building", building=world.unit.building)
        services.announcement_read(user=world.resident, announcement=notice)

    grow()
    pin(client, f"/c/{world.compound.code}/announcements/", grow, 6)
    pin(login(world.resident), "/me/announcements/", grow, 14)
    pin(login(world.staff), f"/compounds/{world.compound.code}/announcements/", grow, 20)


def test_readers_page_queries_do_not_grow(world, login, pin):
    notice = publish(world)
    counter = iter(range(100))

    def grow():
        user = f.UserFactory(username=f"reader{next(counter)}")
        services.announcement_read(user=user, announcement=notice)

    grow()
    pin(
        login(world.staff), f"/compounds/{world.compound.code}/announcements/{notice.pk}/", grow, 14
    )


def test_lists_are_paged_twenty_at_a_time(world, client, login):
    for i in range(23):
        publish(world, title=f"通知第{i:02d}号")
    first = client.get(f"/c/{world.compound.code}/announcements/").content.decode()
    assert first.count("通知第") == 20 and 'rel="next"' in first
    second = client.get(f"/c/{world.compound.code}/announcements/?page=2").content.decode()
    assert second.count("通知第") == 3
    mine = login(world.resident).get("/me/announcements/?page=2").content.decode()
    assert mine.count("通知第") == 3
