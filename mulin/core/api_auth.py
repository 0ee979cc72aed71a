"""API authentication: `Authorization: Bearer mulin_…` tokens, or the browser session."""

from django.conf import settings
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from .models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        if not token:
            return None
        row = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=ApiToken.hash(token), user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; CSRF is checked for writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None
