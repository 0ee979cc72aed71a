"""Staff record a request on a resident's behalf (`tickets:new`): the channel, the resident or
anonymous, and `on_behalf_of` in the audit trail."""

import pytest
from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f
from mulin.tickets.models import Channel, LocationKind, Ticket


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(world) -> str:
    return reverse("tickets:new", args=[world.compound.code])


def data(world, desk, **overrides) -> dict:
    values = {
        "idempotency_key": "intake-1",
        "channel": Channel.PHONE,
        "person": world.resident_person.pk,
        "location_kind": LocationKind.UNIT,
        "unit_code": "63-2-301",
        "building": "",
        "place": "",
        "category": desk.cats["leak"].pk,
        "priority": "normal",
        "description": "张阿姨来电：厨房漏水",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


# --- access -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(url(world))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_outsider_gets_404(world, desk, login):
    assert login(world.outsider).get(url(world)).status_code == 404


def test_resident_gets_404(world, desk, login):
    assert login(world.resident).get(url(world)).status_code == 404


def test_staff_who_may_only_view_requests_get_404(world, desk, login):
    committee = f.UserFactory()
    f.grant(committee, Role.COMMITTEE_MEMBER, world.compound)
    assert login(committee).get(url(world)).status_code == 404


def test_unknown_compound_is_404(world, login):
    assert login(world.staff).get(reverse("tickets:new", args=["nowhere"])).status_code == 404


def test_handler_of_the_team_gets_the_form(world, desk, login):
    response = login(desk.handler).get(url(world))
    assert response.status_code == 200
    channels = [value for value, _label in response.context["form"].fields["channel"].choices]
    assert channels == [
        "phone",
        "door_to_door",
        "wechat_group",
        "walk_in",
        "meeting",
        "patrol",
        "partner",
    ]


# --- finding the resident -----------------------------------------------------------------------


def test_people_search_answers_htmx_with_this_compounds_residents_masked(world, desk, login):
    f.PersonFactory(compound=world.other, name="张三丰", phone="13700001111")
    response = login(desk.handler).get(
        url(world), {"q": "张", "picker": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "张三" in html and "张三丰" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert world.unit.code in html


def test_people_search_without_javascript_renders_the_page(world, desk, login):
    response = login(desk.handler).get(url(world), {"q": "5678"})
    assert response.status_code == 200
    assert world.resident_person.pk in [p.pk for p in response.context["options"]]
    assert "138****5678" in response.content.decode()


# --- recording --------------------------------------------------------------------------------


def test_staff_record_a_phone_call_on_behalf_and_it_is_audited(world, desk, login):
    response = login(desk.handler).post(url(world), data(world, desk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.channel == Channel.PHONE
    assert ticket.requester == world.resident_person
    assert ticket.on_behalf_of == world.resident_person
    assert ticket.submitted_by == desk.handler
    assert ticket.unit == world.unit
    row = AuditEvent.objects.get(action="tickets.submit", target_id=str(ticket.pk))
    assert row.actor == desk.handler
    assert row.on_behalf_of == world.resident_person
    assert row.changes["channel"] == Channel.PHONE


def test_the_resident_sees_what_staff_recorded_for_them(world, desk, login):
    login(desk.handler).post(url(world), data(world, desk, channel=Channel.DOOR_TO_DOOR))
    ticket = Ticket.objects.get()
    response = login(world.resident).get(reverse("tickets:mine"))
    assert [row.ticket.pk for row in response.context["rows"]] == [ticket.pk]


def test_an_anonymous_request_has_no_requester(world, desk, login):
    login(desk.handler).post(
        url(world), data(world, desk, person=None, anonymous="on", channel=Channel.PATROL)
    )
    ticket = Ticket.objects.get()
    assert ticket.requester is None and ticket.on_behalf_of is None
    assert ticket.channel == Channel.PATROL


def test_the_residents_only_home_is_used_when_no_code_is_given(world, desk, login):
    login(desk.handler).post(url(world), data(world, desk, unit_code=""))
    assert Ticket.objects.get().unit == world.unit


def test_a_common_area_needs_no_unit(world, desk, login):
    login(desk.handler).post(
        url(world),
        data(world, desk, location_kind="common_area", unit_code="", place="北门车棚"),
    )
    ticket = Ticket.objects.get()
    assert ticket.unit is None and ticket.place == "北门车棚"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"unit_code": "楼上"}, "unit_code", "is not a unit code"),
        ({"unit_code": "99-9-999"}, "unit_code", "There is no home 99-9-999 in this compound."),
        ({"person": None}, "person", "Find the resident, or mark the request as anonymous."),
        ({"anonymous": "on"}, "anonymous", "Either pick the resident"),
        ({"channel": "self_service"}, "channel", "Select a valid choice"),
        ({"category": ""}, "category", "Choose the category."),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(
    overrides, field, message, world, desk, login
):
    response = login(desk.handler).post(url(world), data(world, desk, **overrides))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message.split(" ")[0] in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_person_of_another_compound_cannot_be_picked(world, desk, login):
    stranger = f.PersonFactory(compound=world.other)
    response = login(desk.handler).post(url(world), data(world, desk, person=stranger.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["person"]
    assert not Ticket.objects.exists()


def test_the_same_key_twice_records_one_request(world, desk, login):
    client = login(desk.handler)
    client.post(url(world), data(world, desk))
    client.post(url(world), data(world, desk))
    assert Ticket.objects.count() == 1
