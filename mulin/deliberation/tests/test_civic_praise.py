# ruff: noqa: F811  (fixtures imported from test_civic_common)
"""The praise wall (夸夸墙) and pioneers (先锋党员): posts wait for moderation, hiding needs a
reason and is audited; nominations are of party members, supported once per household, chosen
by the party organisation."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from mulin.core.models import AuditEvent
from mulin.deliberation import services_civic as services
from mulin.deliberation.models import PioneerNomination, PioneerSupport, Praise, PraiseStatus
from mulin.orgs.models import PartyMembership
from mulin.testing import factories as f

from .test_civic_common import audited, civic, pin  # noqa: F401

pytestmark = pytest.mark.django_db


def thank(world, **kw):
    values = {
        "actor": world.resident,
        "compound": world.compound,
        "to_name": "保安小李",
        "body": "谢谢你！",
    }
    values.update(kw)
    return services.praise_submit(**values)


def test_a_post_waits_then_shows(world, client):
    post = thank(world)
    wall = f"/c/{world.compound.code}/praise/"
    assert "谢谢你！" not in client.get(wall).content.decode()
    services.praise_moderate(actor=world.staff, praise=post, show=True)
    assert "谢谢你！" in client.get(wall).content.decode()
    assert "张三" not in client.get(wall).content.decode()  # the author is never shown


def test_hiding_needs_a_reason_and_is_audited(world, client):
    post = thank(world)
    services.praise_moderate(actor=world.staff, praise=post, show=True)
    with pytest.raises(ValidationError) as exc:
        services.praise_moderate(actor=world.staff, praise=post, show=False, reason=" ")
    assert "reason" in exc.value.message_dict
    post.refresh_from_db()
    assert post.status == PraiseStatus.SHOWN
    services.praise_moderate(actor=world.staff, praise=post, show=False, reason="含有个人信息")
    post.refresh_from_db()
    assert post.status == PraiseStatus.HIDDEN and post.moderation_reason == "含有个人信息"
    event = AuditEvent.objects.get(action="praise.hide")
    assert event.actor == world.staff and event.changes["reason"] == "含有个人信息"
    assert "谢谢你！" not in client.get(f"/c/{world.compound.code}/praise/").content.decode()


def test_resident_posts_through_the_wall(world, login):
    client = login(world.resident)
    response = client.post(
        f"/c/{world.compound.code}/praise/", {"to_name": "王阿姨", "body": "楼道扫得真干净"}
    )
    assert response.status_code == 302
    assert Praise.objects.get().status == PraiseStatus.PENDING


def test_bad_post_shows_a_message_and_changes_nothing(world, login):
    client = login(world.resident)
    response = client.post(f"/c/{world.compound.code}/praise/", {"to_name": "", "body": "谢谢"})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not Praise.objects.exists()


def test_who_may_post(world, client, login):
    url = f"/c/{world.compound.code}/praise/"
    assert client.get(url).status_code == 200  # public
    response = client.post(url, {"to_name": "x", "body": "y"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(world.outsider).post(url, {"to_name": "x", "body": "y"}).status_code == 404
    with pytest.raises(Http404):
        thank(world, actor=world.outsider)
    assert not Praise.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "staff"])
def test_moderation_page_access(world, client, login, who):
    post = thank(world)
    users = {"outsider": world.outsider, "resident": world.resident, "staff": world.staff}
    if who != "anonymous":
        login(users[who])
    page = client.get(f"/compounds/{world.compound.code}/praise/")
    act = client.post(
        f"/compounds/{world.compound.code}/praise/{post.pk}/moderate/", {"decision": "show"}
    )
    post.refresh_from_db()
    if who == "anonymous":
        assert page.status_code == act.status_code == 302
        assert post.status == PraiseStatus.PENDING
    elif who == "staff":
        assert page.status_code == 200 and "保安小李" in page.content.decode()
        assert post.status == PraiseStatus.SHOWN
    else:
        assert page.status_code == act.status_code == 404
        assert post.status == PraiseStatus.PENDING


def test_hide_without_reason_through_the_page_changes_nothing(world, login):
    post = thank(world)
    client = login(world.staff)
    response = client.post(
        f"/compounds/{world.compound.code}/praise/{post.pk}/moderate/",
        {"decision": "hide", "reason": ""},
        follow=True,
    )
    assert "Say why it is hidden" in response.content.decode()
    post.refresh_from_db()
    assert post.status == PraiseStatus.PENDING
    assert audited("praise.hide") == 0


def test_wall_and_queue_queries_do_not_grow(world, login, client, pin):
    def grow():
        services.praise_moderate(actor=world.staff, praise=thank(world), show=True)
        thank(world)

    grow()
    pin(client, f"/c/{world.compound.code}/praise/", grow, 8)
    pin(login(world.staff), f"/compounds/{world.compound.code}/praise/", grow, 16)


# ---------------------------------------------------------------- pioneers


@pytest.fixture
def party_member(world, neighbourhood):
    PartyMembership.objects.create(
        person=neighbourhood.neighbour, organisation=neighbourhood.org, status="registered"
    )
    return neighbourhood.neighbour


def nominate(world, person, year=None):
    return services.pioneer_nominate(
        actor=world.staff,
        compound=world.compound,
        year=year or timezone.localdate().year,
        person=person,
        story="照顾独居老人十年。",
    )


def test_support_once_per_household(world, party_member, login):
    nomination = nominate(world, party_member)
    services.pioneer_support(actor=world.resident, nomination=nomination)
    # another person of the same household: already supported
    housemate = f.PersonFactory(compound=world.compound, name="张小三")
    f.ResidencyFactory(unit=world.unit, person=housemate, relation="child", is_head=False)
    other_user = f.UserFactory(username="housemate", person=housemate)
    with pytest.raises(ValidationError):
        services.pioneer_support(actor=other_user, nomination=nomination)
    client = login(world.resident)
    response = client.post(
        f"/c/{world.compound.code}/pioneers/{nomination.pk}/support/", follow=True
    )
    assert "already supports" in response.content.decode()
    nomination.refresh_from_db()
    assert nomination.support_count == 1
    assert PioneerSupport.objects.count() == 1


def test_outsider_and_anonymous_cannot_support(world, party_member, client, login):
    nomination = nominate(world, party_member)
    url = f"/c/{world.compound.code}/pioneers/{nomination.pk}/support/"
    assert client.post(url).status_code == 302
    assert login(world.outsider).post(url).status_code == 404
    assert not PioneerSupport.objects.exists()


def test_only_party_members_are_nominated(world, party_member):
    with pytest.raises(ValidationError) as exc:
        nominate(world, world.resident_person)
    assert "person" in exc.value.message_dict
    with pytest.raises(Http404):
        services.pioneer_nominate(
            actor=world.resident, compound=world.compound, year=2024, person=party_member, story="x"
        )
    assert not PioneerNomination.objects.exists()


def test_chosen_pioneers_show_with_their_story(world, party_member, client, login):
    nomination = nominate(world, party_member, year=timezone.localdate().year - 1)
    page = client.get(f"/c/{world.compound.code}/pioneers/").content.decode()
    assert "李四" not in page
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/pioneers/{nomination.pk}/choose/"
    )
    assert response.status_code == 302
    page = client.get(f"/c/{world.compound.code}/pioneers/").content.decode()
    assert "李四" in page and "照顾独居老人十年。" in page
    assert audited("pioneer.choose") == 1


@pytest.mark.parametrize("who", ["anonymous", "outsider", "resident", "staff"])
def test_pioneer_manage_access(world, party_member, client, login, who):
    users = {"outsider": world.outsider, "resident": world.resident, "staff": world.staff}
    if who != "anonymous":
        login(users[who])
    response = client.get(f"/compounds/{world.compound.code}/pioneers/")
    expected = {"anonymous": 302, "staff": 200}.get(who, 404)
    assert response.status_code == expected


def test_bad_nomination_form_changes_nothing(world, party_member, login):
    response = login(world.staff).post(
        f"/compounds/{world.compound.code}/pioneers/",
        {"year": "2024", "person": party_member.pk, "story": ""},
    )
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not PioneerNomination.objects.exists()


def test_pioneer_pages_queries_do_not_grow(world, neighbourhood, client, login, pin):
    counter = iter(range(100))
    year = timezone.localdate().year

    def grow():
        person = f.PersonFactory(compound=world.compound, name=f"党员{next(counter)}")
        PartyMembership.objects.create(
            person=person, organisation=neighbourhood.org, status="registered"
        )
        chosen = nominate(world, person, year=year - 1)
        services.pioneer_choose(actor=world.staff, nomination=chosen)
        person2 = f.PersonFactory(compound=world.compound, name=f"党员{next(counter)}")
        PartyMembership.objects.create(
            person=person2, organisation=neighbourhood.org, status="registered"
        )
        nominate(world, person2, year=year)

    grow()
    pin(client, f"/c/{world.compound.code}/pioneers/", grow, 8)
    pin(login(world.resident), f"/c/{world.compound.code}/pioneers/", grow, 14)
    pin(login(world.staff), f"/compounds/{world.compound.code}/pioneers/", grow, 16)
