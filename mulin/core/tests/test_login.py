"""Signing in with username or phone, counting wrong passwords, locking, signing out."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from mulin.conftest import PASSWORD
from mulin.core.models import User


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, login, password=PASSWORD):
    return client.post(reverse("core:login"), {"username": login, "password": password})


def test_login_page_renders_for_anonymous(client, db):
    response = client.get(reverse("core:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_staff_signs_in_with_username(client, world):
    response = _login(client, "staff")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.staff.pk)


def test_resident_signs_in_with_phone(client, world):
    response = _login(client, "138 1234 5678")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.resident.pk)


def test_wrong_password_is_counted_and_not_signed_in(client, world):
    response = _login(client, "resident", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "do not match" in response.content.decode()
    world.resident.refresh_from_db()
    assert world.resident.failed_logins == 1


def test_account_locks_after_the_configured_failures(client, world, settings):
    settings.LOCKOUT_FAILURES = 3
    settings.LOCKOUT_MINUTES = 15
    for _ in range(3):
        _login(client, "resident", "wrong-password")
    world.resident.refresh_from_db()
    assert world.resident.is_locked()
    # The right password no longer works while locked, and the page says for how long.
    response = _login(client, "resident")
    assert "_auth_user_id" not in client.session
    assert "Too many wrong attempts. Please try again in 15 minutes." in response.content.decode()


def test_unknown_login_locks_the_same_way_so_accounts_cannot_be_discovered(client, world, settings):
    settings.LOCKOUT_FAILURES = 3
    settings.LOCKOUT_MINUTES = 15
    for login in ("resident", "13999999999"):
        for _ in range(3):
            _login(client, login, "wrong-password")
    real = _login(client, "resident", "wrong-password").content.decode()
    unknown = _login(client, "13999999999", "wrong-password").content.decode()
    message = "Too many wrong attempts. Please try again in 15 minutes."
    assert message in real and message in unknown
    assert not User.objects.filter(username="13999999999").exists()


def test_successful_sign_in_resets_the_failure_count(client, world):
    _login(client, "resident", "wrong-password")
    _login(client, "resident")
    world.resident.refresh_from_db()
    assert world.resident.failed_logins == 0


def test_logout_needs_post_and_ends_the_session(client, login, world):
    login(world.resident)
    assert client.get(reverse("core:logout")).status_code == 405
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_large_text_stays_on_after_signing_out(client, login, world):
    world.resident.elder_mode = True
    world.resident.save()
    login(world.resident)
    response = client.post(reverse("core:logout"), follow=True)
    assert 'class="elder"' in response.content.decode()


def test_sessions_expire(client, world, settings):
    _login(client, "staff")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_user_with_a_temporary_password_is_sent_to_change_it(client, world):
    world.resident.must_change_password = True
    world.resident.save()
    response = _login(client, "resident")
    assert response["Location"] == reverse("core:password_change")


def test_password_change_clears_the_temporary_flag_and_keeps_the_session(client, login, world):
    world.resident.must_change_password = True
    world.resident.save()
    login(world.resident)
    response = client.post(
        reverse("core:password_change"),
        {
            "old_password": PASSWORD,
            "new_password": "a-new-long-password-7",
            "new_password_again": "a-new-long-password-7",
        },
    )
    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.check_password("a-new-long-password-7")
    assert not world.resident.must_change_password
    assert client.get(reverse("core:me")).status_code == 200


def test_password_change_with_a_wrong_current_password_changes_nothing(client, login, world):
    login(world.resident)
    response = client.post(
        reverse("core:password_change"),
        {
            "old_password": "not-it",
            "new_password": "a-new-long-password-7",
            "new_password_again": "a-new-long-password-7",
        },
    )
    assert response.status_code == 200
    assert "The current password is not correct." in response.content.decode()
    world.resident.refresh_from_db()
    assert world.resident.check_password(PASSWORD)
