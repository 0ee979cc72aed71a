"""Housekeeping jobs of the core app."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone

from .periodic import periodic


@periodic("core.clear_expired_sessions", every=timedelta(hours=1))
def clear_expired_sessions() -> str:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return f"{deleted} expired sessions removed"
