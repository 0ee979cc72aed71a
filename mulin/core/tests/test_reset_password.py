"""Staff give a resident who forgot their password a temporary one, shown once and audited."""

import re

from django.urls import reverse

from mulin.conftest import PASSWORD
from mulin.core.models import AuditEvent, Role
from mulin.testing import factories as f


def _url(user):
    return reverse("core:user_reset_password", args=[user.pk])


def test_staff_sees_the_confirmation_without_changing_anything(client, login, world):
    login(world.staff)
    response = client.get(_url(world.resident))
    assert response.status_code == 200
    world.resident.refresh_from_db()
    assert world.resident.check_password(PASSWORD)


def test_staff_reset_sets_a_temporary_password_shown_once(client, login, world):
    world.resident.locked_until = None
    world.resident.failed_logins = 3
    world.resident.save()
    login(world.staff)
    response = client.post(_url(world.resident))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    temporary = re.search(
        r'id="temporary-password"[^>]*>([^<]+)<', response.content.decode()
    ).group(1)
    world.resident.refresh_from_db()
    assert world.resident.check_password(temporary)
    assert world.resident.must_change_password
    assert world.resident.failed_logins == 0
    event = AuditEvent.objects.get(action="account.password_reset")
    assert event.actor == world.staff
    assert event.subject_person == world.resident_person
    assert event.compound == world.compound
    assert temporary not in str(event.changes)
    # The resident signs in with it and is asked for a new password.
    client.logout()
    response = client.post(reverse("core:login"), {"username": "resident", "password": temporary})
    assert response["Location"] == reverse("core:password_change")


def test_reset_unlocks_a_locked_account(client, login, world):
    from datetime import timedelta

    from django.utils import timezone

    world.resident.locked_until = timezone.now() + timedelta(minutes=10)
    world.resident.save()
    login(world.staff)
    client.post(_url(world.resident))
    world.resident.refresh_from_db()
    assert not world.resident.is_locked()


def test_outsider_gets_404_and_nothing_changes(client, login, world):
    login(world.outsider)
    assert client.get(_url(world.resident)).status_code == 404
    assert client.post(_url(world.resident)).status_code == 404
    world.resident.refresh_from_db()
    assert world.resident.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()


def test_resident_gets_404(client, login, world):
    neighbour = f.UserFactory(person=f.PersonFactory(compound=world.compound))
    login(world.resident)
    assert client.post(_url(neighbour)).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(_url(world.resident))
    assert response["Location"].startswith(reverse("core:login"))


def test_staff_cannot_reset_another_staff_members_password(client, login, world):
    colleague = f.UserFactory(person=f.PersonFactory(compound=world.compound))
    f.grant(colleague, Role.PARTY_SECRETARY, world.compound)
    login(world.staff)
    assert client.post(_url(colleague)).status_code == 404
    colleague.refresh_from_db()
    assert colleague.check_password(PASSWORD)


def test_platform_admin_may_reset_anyone(client, login, world):
    login(world.admin)
    assert client.post(_url(world.staff)).status_code == 200
    world.staff.refresh_from_db()
    assert world.staff.must_change_password
