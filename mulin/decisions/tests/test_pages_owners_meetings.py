"""Requests for an extraordinary meeting (`decisions:my_meeting_requests`, `meeting_request_new`,
`meeting_request`): owners start one and support it; the page shows the exact progress toward
20 % of the area and 20 % of the owners. Owners only: everyone else gets 404."""

import pytest
from django.urls import reverse

from mulin.core.models import Role
from mulin.decisions import services
from mulin.decisions.models import MeetingRequest, MeetingSupport
from mulin.testing import factories as f

pytestmark = pytest.mark.django_db

LIST = reverse("decisions:my_meeting_requests")
NEW = reverse("decisions:meeting_request_new")


def detail(request) -> str:
    return reverse("decisions:meeting_request", args=[request.pk])


def started(world, hall, title="更换物业公司") -> MeetingRequest:
    return services.meeting_request_start(
        actor=world.resident, compound=world.compound, title=title, reason="服务长期不达标"
    )


def tenant_user(world):
    person = f.PersonFactory(compound=world.compound, name="租户")
    f.ResidencyFactory(unit=world.unit, person=person, relation="tenant", is_head=False)
    user = f.UserFactory(username="tenant", person=person)
    f.grant(user, Role.RESIDENT, world.compound)
    return user


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "new", "detail"])
def test_anonymous_is_sent_to_login(name, client, world, hall):
    target = {"list": LIST, "new": NEW, "detail": detail(started(world, hall))}[name]
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("name", ["list", "new", "detail"])
def test_outsiders_and_tenants_get_404(name, world, hall, login):
    target = {"list": LIST, "new": NEW, "detail": detail(started(world, hall))}[name]
    assert login(world.outsider).get(target).status_code == 404
    assert login(tenant_user(world)).get(target).status_code == 404


def test_an_owner_of_another_compound_gets_404_on_the_request(world, hall, login):
    request = started(world, hall)
    person = f.PersonFactory(compound=world.other)
    f.OwnershipFactory(unit=world.other_unit, person=person)
    elsewhere = f.UserFactory(person=person)
    f.grant(elsewhere, Role.RESIDENT, world.other)
    client = login(elsewhere)
    assert client.get(detail(request)).status_code == 404
    assert client.post(detail(request)).status_code == 404
    assert request.title not in client.get(LIST).content.decode()
    assert not MeetingSupport.objects.filter(person=person).exists()


def test_owners_see_the_pages(world, hall, login):
    request = started(world, hall)
    client = login(hall.users[1])
    for target in (LIST, NEW, detail(request)):
        assert client.get(target).status_code == 200


# --- starting and supporting -------------------------------------------------------------------


def test_an_owner_starts_a_request_and_their_home_supports_it(world, hall, login):
    response = login(world.resident).post(
        NEW, {"title": "更换物业公司", "reason": "服务长期不达标"}, follow=True
    )
    request = MeetingRequest.objects.get()
    assert request.compound == world.compound and request.started_by == world.resident_person
    assert response.redirect_chain[-1][0] == detail(request)
    html = response.content.decode()
    assert "Your request is started" in html
    assert "Your home supports this request." in html
    # 100 m² of 720 m², 1 of 7 owners: exact figures, percentages rounded down.
    assert "100.00 m² of 720.00 m²; needed: 144.00 m² (20 %)" in html
    assert "1 of 7 owners; needed: 2 (20 %)" in html
    assert "13.88 %" in html and "14.28 %" in html


def test_an_empty_request_is_refused_and_nothing_is_started(world, hall, login):
    response = login(world.resident).post(NEW, {"title": " ", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what the meeting should decide." in html
    assert "Say why a meeting is needed." in html
    assert not MeetingRequest.objects.exists()


def test_support_from_a_second_home_reaches_both_thresholds(world, hall, login):
    request = started(world, hall)
    response = login(hall.users[1]).post(detail(request), follow=True)
    request.refresh_from_db()
    assert request.state == MeetingRequest.State.REACHED
    html = response.content.decode()
    assert "your home now supports this request" in html
    assert "200.00 m² of 720.00 m²" in html and "27.77 %" in html
    assert "2 of 7 owners" in html and "28.57 %" in html
    assert "The owners' committee must now call the meeting." in html


def test_supporting_twice_gets_a_clear_message_and_counts_once(world, hall, login):
    request = started(world, hall)
    client = login(world.resident)
    response = client.post(detail(request), {"next": "list"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(LIST)
    assert "Your home already supports this request" in response.content.decode()
    assert request.supports.count() == 1


def test_a_co_owner_sees_the_home_already_supports(world, hall, login):
    co_owner = f.PersonFactory(compound=world.compound, name="李四")
    f.OwnershipFactory(unit=hall.units[1], person=co_owner, share="0.5")
    co_user = f.UserFactory(person=co_owner)
    f.grant(co_user, Role.RESIDENT, world.compound)
    request = started(world, hall)
    login(hall.users[1]).post(detail(request))
    client = login(co_user)
    assert "Your home supports this request." in client.get(detail(request)).content.decode()
    response = client.post(detail(request), follow=True)
    assert "Your home already supports this request" in response.content.decode()
    assert request.supports.count() == 2


def test_the_list_shows_progress_and_a_support_button(world, hall, login):
    request = started(world, hall)
    html = login(hall.users[2]).get(LIST).content.decode()
    assert request.title in html
    assert "Support this request" in html
    assert "1 of 7 owners; needed: 2 (20 %)" in html


def test_the_list_queries_do_not_grow_with_the_requests(
    world, hall, login, django_assert_max_num_queries
):
    started(world, hall, title="一")
    client = login(hall.users[1])
    client.get(LIST)
    with django_assert_max_num_queries(12) as one:
        client.get(LIST)
    for title in ("二", "三", "四"):
        request = started(world, hall, title=title)
        services.meeting_request_support(actor=hall.users[2], request=request)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 4
