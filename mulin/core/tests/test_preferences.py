"""Language and large-text mode: on the account when signed in, in the session otherwise."""

from django.conf import settings
from django.urls import reverse

from mulin.core.models import AuditEvent


def test_signed_in_user_saves_language_and_large_text(client, login, world):
    login(world.resident)
    response = client.post(
        reverse("core:preferences"), {"language": "en", "elder_mode": "1", "next": "/me/"}
    )
    assert response.status_code == 302 and response["Location"] == "/me/"
    world.resident.refresh_from_db()
    assert world.resident.language == "en" and world.resident.elder_mode is True
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    event = AuditEvent.objects.get(action="account.preferences_changed")
    assert event.changes == {"elder_mode": [False, True], "language": ["", "en"]}


def test_saved_preferences_shape_every_page(client, login, world):
    world.resident.language = "en"
    world.resident.elder_mode = True
    world.resident.save()
    login(world.resident)
    body = client.get(reverse("core:me")).content.decode()
    assert '<html lang="en" class="elder">' in body
    assert 'aria-pressed="true"' in body


def test_large_text_can_be_switched_off_again(client, login, world):
    world.resident.elder_mode = True
    world.resident.save()
    login(world.resident)
    client.post(reverse("core:preferences"), {"elder_mode": "0"})
    world.resident.refresh_from_db()
    assert world.resident.elder_mode is False
    assert 'class="elder"' not in client.get(reverse("core:me")).content.decode()


def test_anonymous_large_text_is_kept_in_the_session(client, db):
    client.post(reverse("core:preferences"), {"elder_mode": "1"})
    assert client.session["elder_mode"] is True
    body = client.get(reverse("core:login")).content.decode()
    assert 'class="elder"' in body


def test_anonymous_language_is_kept_in_the_cookie(client, db):
    response = client.post(reverse("core:preferences"), {"language": "en"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en"' in client.get(reverse("core:login")).content.decode()


def test_anonymous_language_switch_uses_djangos_set_language(client, db):
    body = client.get(reverse("core:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in body
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert '<html lang="en"' in client.get(reverse("core:login")).content.decode()


def test_unknown_language_changes_nothing(client, login, world):
    login(world.resident)
    client.post(reverse("core:preferences"), {"language": "fr"})
    world.resident.refresh_from_db()
    assert world.resident.language == ""
    assert not AuditEvent.objects.filter(action="account.preferences_changed").exists()


def test_preferences_refuse_get(client, db):
    assert client.get(reverse("core:preferences")).status_code == 405


def test_next_to_another_site_is_ignored(client, db):
    response = client.post(
        reverse("core:preferences"), {"elder_mode": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
