"""`mulin token create|list|revoke`: the raw token is printed once and authenticates."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from mulin.core.api_auth import BearerToken
from mulin.core.models import ApiToken, AuditEvent


def _create(username, *extra):
    out, err = StringIO(), StringIO()
    call_command("token", "create", username, *extra, stdout=out, stderr=err)
    return out.getvalue().strip()


def test_created_token_authenticates_and_only_its_hash_is_stored(world):
    raw = _create("staff", "--name", "reporting")
    assert raw.startswith(ApiToken.PREFIX)
    row = ApiToken.objects.get()
    assert row.name == "reporting" and row.user == world.staff
    assert row.key_hash == ApiToken.hash(raw) and raw not in row.key_hash
    request = RequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert BearerToken()(request) == world.staff
    assert AuditEvent.objects.filter(action="api_token.created", target_id=row.pk).exists()


def test_list_never_prints_the_token(world):
    raw = _create("staff")
    out = StringIO()
    call_command("token", "list", stdout=out)
    assert "staff" in out.getvalue() and raw not in out.getvalue()
    assert raw[-4:] in out.getvalue()


def test_revoked_token_no_longer_authenticates(world):
    raw = _create("staff")
    call_command("token", "revoke", str(ApiToken.objects.get().pk), stdout=StringIO())
    request = RequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert BearerToken()(request) is None
    assert AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="No user named"):
        _create("nobody")
    assert not ApiToken.objects.exists()


def test_disabled_user_gets_no_token(world):
    world.staff.is_active = False
    world.staff.save()
    with pytest.raises(CommandError):
        _create("staff")
    assert not ApiToken.objects.exists()
