"""Audit history per object and per person, for staff with AUDIT_VIEW on the compound."""

from django.urls import reverse

from mulin.core import audit
from mulin.core.models import Role
from mulin.testing import factories as f


def _events_on(unit, actor, n, person=None):
    for i in range(n):
        audit.record(
            actor=actor,
            action="unit.updated",
            target=unit,
            changes={
                "status": ["occupied", "rented"],
                "area": [str(80 + i), str(81 + i)],
                "building": [None, unit.building_id],
            },
            subject_person=person,
        )


def _object_url(unit):
    return reverse("core:audit_object", args=["places.unit", str(unit.pk)])


def test_staff_see_the_history_of_an_object(client, login, world):
    _events_on(world.unit, world.staff, 2)
    login(world.staff)
    response = client.get(_object_url(world.unit))
    assert response.status_code == 200
    body = response.content.decode()
    # Choices and references read as words, not codes and ids.
    assert "Occupied" in body and "Rented" in body
    assert "Building 63" in body
    assert world.staff.display_name in body


def test_history_shows_times_in_the_configured_zone(client, login, world):
    from datetime import UTC, datetime

    event = audit.record(actor=world.staff, action="unit.updated", target=world.unit)
    event.created_at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    event.save()
    login(world.staff)
    assert "2026-03-02 00:30" in client.get(_object_url(world.unit)).content.decode()


def test_outsider_gets_404_on_the_history(client, login, world):
    _events_on(world.unit, world.staff, 1)
    login(world.outsider)
    assert client.get(_object_url(world.unit)).status_code == 404


def test_resident_gets_404_on_the_history(client, login, world):
    _events_on(world.unit, world.staff, 1)
    login(world.resident)
    assert client.get(_object_url(world.unit)).status_code == 404


def test_staff_without_audit_permission_get_404(client, login, world):
    member = f.UserFactory()
    f.grant(member, Role.PARTY_MEMBER, world.compound)
    _events_on(world.unit, world.staff, 1)
    login(member)
    assert client.get(_object_url(world.unit)).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(_object_url(world.unit))
    assert response["Location"].startswith(reverse("core:login"))


def test_object_without_history_is_404(client, login, world):
    login(world.staff)
    assert client.get(_object_url(world.neighbour_unit)).status_code == 404


def test_person_history_lists_events_about_and_on_behalf_of_them(client, login, world):
    audit.record(
        actor=world.staff,
        action="person.updated",
        target=world.resident_person,
        changes={"phone": ["13812345678", "13812340000"]},
    )
    audit.record(
        actor=world.staff,
        action="unit.updated",
        target=world.unit,
        on_behalf_of=world.resident_person,
    )
    audit.record(actor=world.staff, action="unit.updated", target=world.neighbour_unit)
    login(world.staff)
    response = client.get(reverse("core:audit_person", args=[world.resident_person.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("unit.updated") == 1 and "person.updated" in body
    # Phones stay masked even in the history.
    assert "138****5678" in body and "13812345678" not in body


def test_outsider_gets_404_on_a_persons_history(client, login, world):
    login(world.outsider)
    url = reverse("core:audit_person", args=[world.resident_person.pk])
    assert client.get(url).status_code == 404


def test_history_pages_query_count_does_not_grow(
    client, login, world, count_queries, django_assert_max_num_queries
):
    login(world.staff)
    other_actor = f.UserFactory()
    _events_on(world.unit, world.staff, 3, person=world.resident_person)
    _events_on(world.unit, other_actor, 2, person=world.resident_person)
    urls = [_object_url(world.unit), reverse("core:audit_person", args=[world.resident_person.pk])]
    for url in urls:
        client.get(url)
    small = []
    for url in urls:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        small.append(q.count)
    _events_on(world.unit, f.UserFactory(), 10, person=world.resident_person)
    for url, before in zip(urls, small, strict=True):
        with count_queries() as q:
            client.get(url)
        assert q.count == before, q.dump()
        with django_assert_max_num_queries(12):
            client.get(url)
