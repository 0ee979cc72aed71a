"""Residents create their own account with a phone number, then land on "bind a home"."""

from django.urls import reverse

from mulin.core.models import AuditEvent, RoleGrant, User

GOOD = {
    "phone": "139 0000 0001",
    "name": "李梅",
    "password": "jinxiu-garden-2024",
    "password_again": "jinxiu-garden-2024",
}


def _register(client, **changes):
    return client.post(reverse("core:register"), {**GOOD, **changes})


def test_registration_creates_a_resident_account_without_roles(client, db):
    response = _register(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:bind")
    user = User.objects.get(phone="13900000001")
    assert user.username == "13900000001"
    assert user.first_name == "李梅"
    assert user.check_password("jinxiu-garden-2024")
    assert not RoleGrant.objects.filter(user=user).exists()
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action="account.registered")
    assert event.target_id == str(user.pk) and event.actor_id == user.pk


def test_bad_phone_is_named_and_nothing_is_created(client, db):
    response = _register(client, phone="1390000")
    assert response.status_code == 200
    form = response.context["form"]
    assert "11-digit mobile phone number" in form.errors["phone"][0]
    assert User.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_mismatched_passwords_are_named_and_nothing_is_created(client, db):
    response = _register(client, password_again="jinxiu-garden-2025")
    assert response.status_code == 200
    assert "two passwords are different" in response.context["form"].errors["password_again"][0]
    assert User.objects.count() == 0


def test_all_errors_are_reported_at_once(client, db):
    response = _register(client, phone="12", password_again="other-password-1")
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "password_again"}


def test_weak_password_is_refused(client, db):
    response = _register(client, password="12345678", password_again="12345678")
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert User.objects.count() == 0


def test_phone_already_registered_is_refused(client, world):
    before = User.objects.count()
    response = _register(client, phone="13812345678")
    assert "already exists" in response.context["form"].errors["phone"][0]
    assert User.objects.count() == before


def test_signed_in_user_is_sent_home_from_register(client, login, world):
    login(world.resident)
    assert client.get(reverse("core:register"))["Location"] == reverse("core:home")


def test_large_text_chosen_before_registering_is_kept(client, db):
    client.post(reverse("core:preferences"), {"elder_mode": "1"})
    _register(client)
    assert User.objects.get(phone="13900000001").elder_mode is True
