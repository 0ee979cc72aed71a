"""Notifications: the in-app inbox for every user, plus delivery over other channels.

`notify()` writes one inbox message per recipient and, after the surrounding transaction commits,
hands a `Delivery` per configured channel to a Celery task. A channel reports `sent` only when its
provider accepted the message; anything else is recorded as `skipped` (with the reason) or
`failed`. SMS or WeChat providers are added later as `Channel` subclasses registered with
`@register` and listed in `MULIN_NOTIFY_CHANNELS`.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .bulk import insert
from .models import Delivery, DeliveryStatus, Notification, NotificationKind, User

log = logging.getLogger(__name__)

# Reasons stored on skipped deliveries (operator-facing, so kept in English).
NOT_CONFIGURED = "channel not configured"
NO_CONSENT = "no consent"
NO_EMAIL = "no email address"


@dataclass(frozen=True)
class DeliveryResult:
    sent: bool
    detail: str = ""


class Channel(ABC):
    """A way to reach a user outside the app. Subclasses set `name` and implement the methods."""

    name: str = ""

    @abstractmethod
    def is_configured(self) -> bool:
        """Whether the provider is set up (e.g. an SMTP host); unconfigured channels skip."""

    def unreachable_reason(self, user: User) -> str:
        """Why this user cannot be reached on this channel, or "" when they can."""
        return ""

    @abstractmethod
    def send(self, notification: Notification, user: User) -> DeliveryResult:
        """Hand the message to the provider; `sent=True` only if the provider accepted it."""


_registry: dict[str, type[Channel]] = {}


def register(channel_class: type[Channel]) -> type[Channel]:
    _registry[channel_class.name] = channel_class
    return channel_class


def channel_named(name: str) -> Channel:
    try:
        return _registry[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"MULIN_NOTIFY_CHANNELS names an unknown channel {name!r}; known: {sorted(_registry)}"
        ) from None


def channels() -> list[Channel]:
    """The channels besides the inbox, from MULIN_NOTIFY_CHANNELS (configured or not)."""
    return [channel_named(name) for name in settings.MULIN_NOTIFY_CHANNELS]


@register
class EmailChannel(Channel):
    name = "email"

    def is_configured(self) -> bool:
        return bool(settings.MULIN_SMTP_HOST)

    def unreachable_reason(self, user: User) -> str:
        return "" if user.email else NO_EMAIL

    def send(self, notification: Notification, user: User) -> DeliveryResult:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            body = notification.body
            if notification.url and settings.MULIN_SITE_URL:
                link = settings.MULIN_SITE_URL.rstrip("/") + notification.url
                body = _("%(body)s\n\nOpen it in Mulin: %(link)s") % {"body": body, "link": link}
        subject = " ".join(notification.title.split())
        accepted = EmailMessage(subject, body, to=[user.email]).send(fail_silently=False)
        if accepted:
            return DeliveryResult(sent=True, detail=user.email)
        return DeliveryResult(sent=False, detail="the mail server accepted no message")


def _target_key(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def _check_url(url: str) -> None:
    # Only links inside the site: the inbox renders them as plain hrefs.
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"Notification links must be site paths starting with '/', got {url!r}")


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str,
    target: models.Model | None = None,
    url: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox and schedule the other channels after commit.

    Not audited on its own: it is the side effect of an action whose service already wrote the
    audit row, and the inbox and `Delivery` rows are the record of what was sent.
    """
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    _check_url(url)
    target_type, target_id = _target_key(target)
    now = timezone.now()
    unique = {user.pk: user for user in recipients}
    notes = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            target_type=target_type,
            target_id=target_id,
            created_at=now,
        )
        for user in unique.values()
    )
    names = [channel.name for channel in channels()]
    deliveries = Delivery.objects.bulk_create(
        Delivery(notification=note, channel=name, created_at=now)
        for note in notes
        for name in names
    )
    ids = [delivery.pk for delivery in deliveries]
    if ids:
        from . import tasks

        transaction.on_commit(lambda: tasks.deliver_notifications.delay(ids))
    return notes


@dataclass(frozen=True)
class Message:
    """One message for `notify_many`: the same fields as `notify()` takes."""

    recipients: tuple[User, ...]
    kind: str
    title: str
    body: str
    target: models.Model | None = None
    url: str = ""


@transaction.atomic
def notify_many(messages: Iterable[Message]) -> list[int]:
    """`notify()` for many messages at once: every inbox row in one INSERT, every delivery in
    another, and one task after commit (periodic jobs telling hundreds of people at a time).
    Returns the ids of the inbox rows."""
    now = timezone.now()
    kinds = set(NotificationKind.values)
    rows = []
    for message in messages:
        if message.kind not in kinds:
            raise ValueError(f"Unknown notification kind {message.kind!r}")
        _check_url(message.url)
        target_type, target_id = _target_key(message.target)
        rows += [
            {
                "recipient_id": user_id,
                "kind": message.kind,
                "title": message.title[:200],
                "body": message.body,
                "url": message.url,
                "target_type": target_type,
                "target_id": target_id,
                "created_at": now,
            }
            for user_id in dict.fromkeys(user.pk for user in message.recipients)
        ]
    notes = insert(Notification, rows, ids=True)
    names = [channel.name for channel in channels()]
    deliveries = [
        {"notification_id": note, "channel": name, "created_at": now}
        for note in notes
        for name in names
    ]
    ids = insert(Delivery, deliveries, ids=True)
    if ids:
        from . import tasks

        transaction.on_commit(lambda: tasks.deliver_notifications.delay(ids))
    return notes


def _has_consent(user: User) -> bool:
    from mulin.people.models import Consent, ConsentPurpose

    if not user.person_id:
        return True  # an account without a registry record: consent is the account itself
    return (
        Consent.objects.active()
        .filter(person_id=user.person_id, purpose=ConsentPurpose.NOTIFICATIONS)
        .exists()
    )


def _finish(delivery: Delivery, status: str, detail: str) -> Delivery:
    delivery.status = status
    delivery.detail = detail[:500]
    delivery.sent_at = timezone.now() if status == DeliveryStatus.SENT else None
    delivery.save(update_fields=["status", "detail", "sent_at"])
    return delivery


def deliver(delivery_id: int) -> Delivery | None:
    """Carry one pending delivery over its channel; returns None when it is not ours to send.

    The row is claimed with a conditional update on `attempts`, so two workers never send the
    same message twice.
    """
    row = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if row is None:
        return None
    claimed = Delivery.objects.filter(
        pk=row.pk, status=DeliveryStatus.PENDING, attempts=row.attempts
    ).update(attempts=row.attempts + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=row.pk)
    user = delivery.notification.recipient
    channel = _registry.get(delivery.channel)
    if channel is None:
        return _finish(delivery, DeliveryStatus.SKIPPED, NOT_CONFIGURED)
    channel = channel()
    if not channel.is_configured():
        return _finish(delivery, DeliveryStatus.SKIPPED, NOT_CONFIGURED)
    if not _has_consent(user):
        return _finish(delivery, DeliveryStatus.SKIPPED, NO_CONSENT)
    reason = channel.unreachable_reason(user)
    if reason:
        return _finish(delivery, DeliveryStatus.SKIPPED, reason)
    try:
        result = channel.send(delivery.notification, user)
    except Exception as exc:  # a provider error must never be recorded as sent
        log.warning(
            "Notification delivery %s over %s failed", delivery.pk, channel.name, exc_info=True
        )
        return _finish(delivery, DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}")
    if result.sent:
        return _finish(delivery, DeliveryStatus.SENT, result.detail)
    return _finish(delivery, DeliveryStatus.FAILED, result.detail or "not accepted")


def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's own messages read; anyone else's answers 404."""
    note = get_object_or_404(Notification, pk=notification_id, recipient=actor)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor).unread().update(read_at=timezone.now())
