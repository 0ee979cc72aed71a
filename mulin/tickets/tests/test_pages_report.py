"""A resident reports a problem from their phone (`tickets:report`)."""

import io
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from PIL import Image

from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f
from mulin.tickets.models import EventKind, Priority, Ticket, TicketEvent, TicketPhoto

URL = reverse("tickets:report")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def jpeg(name="leak.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "navy").save(buf, format="JPEG")
    buf.seek(0)
    buf.name = name
    return buf


def key_of(response) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', response.content.decode())[1]


def post_data(world, desk, key="k-1", **overrides) -> dict:
    data = {
        "compound": world.compound.code,
        "idempotency_key": key,
        "category": desk.cats["leak"].pk,
        "description": "厨房天花板漏水",
        "location_kind": "unit",
        "unit": world.unit.pk,
        "building": "",
        "place": "",
        "priority": "normal",
    }
    data.update(overrides)
    return data


def notes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- access -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_resident_without_a_bound_home_is_sent_to_bind_one(login, db):
    user = f.UserFactory()
    response = login(user).get(URL)
    assert response.status_code == 302
    assert response.url == reverse("core:bind")


def test_outsider_staff_without_a_home_cannot_report_here(world, login):
    assert login(world.outsider).get(URL).url == reverse("core:bind")


def test_resident_sees_category_tiles_in_four_groups_and_their_home(world, desk, login):
    response = login(world.resident).get(URL)
    assert response.status_code == 200
    groups = [g.label for g in response.context["groups"]]
    assert groups == ["Repairs", "Environment and order", "Neighbours", "Feedback"]
    html = response.content.decode()
    assert 'accept="image/*"' in html and "multiple" in html and "capture=" in html
    assert world.unit.code in html
    assert "water, electricity, gas" in html


def test_every_form_shown_carries_a_fresh_submission_key(world, desk, login):
    client = login(world.resident)
    first, second = key_of(client.get(URL)), key_of(client.get(URL))
    assert len(first) == 32 and first != second


# --- the flow ---------------------------------------------------------------------------------


def test_report_with_a_photo_creates_the_request_and_shows_it(world, desk, login):
    client = login(world.resident)
    data = post_data(world, desk, key=key_of(client.get(URL)), priority="urgent")
    response = client.post(URL, {**data, "photos": [jpeg()]})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.pk])
    assert ticket.requester == world.resident_person
    assert ticket.unit == world.unit and ticket.priority == Priority.URGENT
    assert TicketPhoto.objects.filter(ticket=ticket, stage="report").count() == 1
    assert any(f"#{ticket.pk}" in m for m in notes(response))
    page = client.get(response.url)
    assert page.status_code == 200
    assert "厨房天花板漏水" in page.content.decode()


def test_double_tap_with_the_same_key_creates_one_request(world, desk, login):
    client = login(world.resident)
    data = post_data(world, desk, key="tap-tap")
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Ticket.objects.count() == 1
    assert first.url == second.url
    assert AuditEvent.objects.filter(action="tickets.submit").count() == 1
    assert any("already reached us" in m for m in notes(second))


def test_a_similar_report_by_a_neighbour_is_mentioned_calmly(world, desk, login, submit):
    submit()  # the same building and category, minutes ago
    client = login(world.resident)
    response = client.post(URL, post_data(world, desk, key="second"))
    assert any("Neighbours reported something similar" in m for m in notes(response))


def test_emergency_pages_the_person_on_duty(world, desk, login):
    client = login(world.resident)
    client.post(URL, post_data(world, desk, priority="emergency"))
    ticket = Ticket.objects.get()
    assert ticket.priority == Priority.EMERGENCY
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PAGE).exists()


def test_a_common_area_report_needs_the_place(world, desk, login):
    client = login(world.resident)
    response = client.post(
        URL, post_data(world, desk, location_kind="common_area", unit="", place="")
    )
    assert response.status_code == 400
    assert "Say where in the compound the problem is." in response.context["form"].errors["place"]
    response = client.post(
        URL, post_data(world, desk, location_kind="common_area", unit="", place="北门车棚")
    )
    assert Ticket.objects.get().place == "北门车棚"


def test_a_building_report_needs_the_building(world, desk, login):
    response = login(world.resident).post(
        URL, post_data(world, desk, location_kind="building", unit="")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["building"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": ""}, "category"),
        ({"description": "  "}, "description"),
        ({"priority": "whenever"}, "priority"),
        ({"location_kind": "moon"}, "location_kind"),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(overrides, field, world, desk, login):
    response = login(world.resident).post(URL, post_data(world, desk, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode() or field == "category"
    assert not Ticket.objects.exists()


def test_the_neighbours_home_cannot_be_picked(world, desk, login):
    response = login(world.resident).post(URL, post_data(world, desk, unit=world.neighbour_unit.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["unit"] == ["Choose one of your own homes."]
    assert not Ticket.objects.exists()


def test_another_compounds_category_is_refused(world, desk, login):
    foreign = f.CompoundFactory()
    from mulin.tickets.models import Category

    category = Category.objects.create(compound=foreign, code="leak", name="漏水")
    response = login(world.resident).post(URL, post_data(world, desk, category=category.pk))
    assert response.status_code == 400
    assert response.context["form"].errors["category"]


def test_a_bad_photo_is_named_and_the_resident_asked_to_choose_again(world, desk, login):
    fake = io.BytesIO(b"not a photo")
    fake.name = "leak.jpg"
    response = login(world.resident).post(URL, {**post_data(world, desk), "photos": [fake]})
    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [
        "Photo 1 is not a JPEG, PNG or HEIC picture."
    ]
    assert "Please choose the photos again" in response.content.decode()
    assert not Ticket.objects.exists()


def test_errors_are_in_the_residents_language(world, desk, login):
    world.resident.language = "zh-hans"
    world.resident.save()
    response = login(world.resident).post(URL, post_data(world, desk, description=""))
    assert response.status_code == 400
    assert "请描述问题。" in response.content.decode()


def test_a_resident_with_homes_in_two_compounds_picks_one_first(world, desk, login):
    second = f.UnitFactory(entrance__building__compound=world.other)
    f.ResidencyFactory(unit=second, person=world.resident_person, relation="tenant")
    f.grant(world.resident, Role.RESIDENT, world.other)
    client = login(world.resident)
    response = client.get(URL)
    assert response.status_code == 200
    assert "form" not in response.context
    assert {c.code for c in response.context["compounds"]} == {
        world.compound.code,
        world.other.code,
    }
    picked = client.get(URL, {"compound": world.compound.code})
    assert picked.context["compound"] == world.compound
