"""The Django admin is for platform admins only."""

from django.urls import reverse

from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f


def test_superuser_may_use_the_admin(client, login, world):
    login(world.admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_platform_admin_grant_opens_the_admin(client, login, world):
    operator = f.UserFactory()
    f.grant(operator, Role.PLATFORM_ADMIN)
    login(operator)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:core_user_changelist")).status_code == 200


def test_community_staff_are_refused_even_with_is_staff(client, login, world):
    world.staff.is_staff = True
    world.staff.save()
    login(world.staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:core_user_changelist")).status_code == 302


def test_resident_is_refused(client, login, world):
    login(world.resident)
    assert client.get(reverse("admin:index")).status_code == 302


def test_audit_events_are_read_only_in_the_admin(client, login, world):
    login(world.admin)
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403


def test_admin_changes_are_audited(client, login, world):
    login(world.admin)
    url = reverse("admin:core_rolegrant_change", args=[world.staff.grants.first().pk])
    grant = world.staff.grants.first()
    response = client.post(
        url,
        {
            "user": world.staff.pk,
            "role": Role.PARTY_SECRETARY,
            "scope": "community",
            "community": grant.community_id,
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.changed")
    assert event.changes["role"] == [Role.COMMUNITY_STAFF, Role.PARTY_SECRETARY]
    assert event.actor == world.admin


def test_admin_changes_never_put_ciphertext_or_digests_in_the_audit_log(world, rf):
    from django.contrib import admin as django_admin

    from mulin.core.models import AuditEvent
    from mulin.people.models import Person
    from mulin.people.services import person_update

    person_update(actor=world.staff, person=world.resident_person, id_number="11010519491231002X")
    person = Person.objects.get(pk=world.resident_person.pk)
    model_admin = django_admin.site._registry[Person]
    request = rf.post("/admin/")
    request.user = world.admin
    person.note = "changed in admin"
    person.id_number_encrypted = "changed-ciphertext"
    model_admin.save_model(request, person, form=None, change=True)
    event = AuditEvent.objects.filter(action="admin.changed").latest("id")
    assert "note" in event.changes
    assert not any(k.endswith(("_encrypted", "_digest")) for k in event.changes)
