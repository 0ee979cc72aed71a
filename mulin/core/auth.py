"""Log in with username or phone; lock an account after repeated wrong passwords."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F, Q
from django.utils import timezone

from .models import User
from .privacy import normalise_phone


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        login = username.strip()
        phone = normalise_phone(login)
        user = User.objects.filter(Q(username=login) | Q(phone=phone or login)).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.is_locked():
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        register_failure(user)
        return None


def register_failure(user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.LOCKOUT_FAILURES:
        until = timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)


def is_locked_login(login: str) -> bool:
    login = (login or "").strip()
    phone = normalise_phone(login)
    user = (
        User.objects.filter(Q(username=login) | Q(phone=phone or login))
        .only("locked_until")
        .first()
    )
    return bool(user and user.is_locked())
