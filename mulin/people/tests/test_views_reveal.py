"""Revealing a masked phone or ID number: only with PERSON_REVEAL, and always audited."""

import pytest
from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.people import services
from mulin.testing import factories as f

HTMX = {"HTTP_HX_REQUEST": "true"}


def reveal_url(person) -> str:
    return reverse("people:reveal", args=[person.pk])


def test_reveal_sends_anonymous_to_login(client, world):
    response = client.post(reveal_url(world.resident_person), {"field": "phone"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="person.reveal").exists()


def test_staff_reveal_the_phone_in_place_and_it_is_audited(world, login):
    response = login(world.staff).post(
        reveal_url(world.resident_person), {"field": "phone"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "13812345678" in html and 'href="tel:13812345678"' in html
    assert "<html" not in html
    event = AuditEvent.objects.get(action="person.reveal.phone")
    assert event.actor == world.staff and event.subject_person == world.resident_person


def test_staff_reveal_the_id_number(world, login):
    services.person_update(
        actor=world.staff, person=world.resident_person, id_number="11010519491231002X"
    )
    response = login(world.staff).post(
        reveal_url(world.resident_person), {"field": "id_number"}, **HTMX
    )
    assert "11010519491231002X" in response.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal.id_number").count() == 1


@pytest.mark.parametrize("who", ["outsider", "resident"])
def test_reveal_is_404_without_the_permission(world, login, who):
    response = login(getattr(world, who)).post(
        reveal_url(world.resident_person), {"field": "phone"}
    )
    assert response.status_code == 404
    assert "13812345678" not in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="person.reveal").exists()


def test_reveal_is_404_for_staff_who_may_view_but_not_reveal(world, login):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    response = login(member).post(reveal_url(world.resident_person), {"field": "phone"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="person.reveal").exists()


def test_reveal_of_another_field_is_404_and_not_audited(world, login):
    response = login(world.staff).post(reveal_url(world.resident_person), {"field": "name"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="person.reveal").exists()


def test_reveal_needs_post(world, login):
    response = login(world.staff).get(reveal_url(world.resident_person), {"field": "phone"})
    assert response.status_code == 405
