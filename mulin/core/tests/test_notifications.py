"""notify(): one inbox message per recipient, and deliveries that say `sent` only when sent."""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from mulin.core import notifications, tasks
from mulin.core.models import Delivery, DeliveryStatus, Notification, NotificationKind
from mulin.people.models import Consent, ConsentPurpose
from mulin.testing import factories as f


@pytest.fixture
def smtp(settings):
    settings.MULIN_SMTP_HOST = "smtp.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MULIN_NOTIFY_CHANNELS = ["email"]
    return settings


def _send(recipients, capture, **extra):
    with capture(execute=True):
        return notifications.notify(
            recipients=recipients,
            kind=NotificationKind.STATUS,
            title="Your request is in progress",
            body="A handler is on the way.",
            url="/me/",
            **extra,
        )


def test_each_recipient_gets_one_inbox_message(world, django_capture_on_commit_callbacks):
    notes = _send([world.staff, world.resident, world.staff], django_capture_on_commit_callbacks)
    assert len(notes) == 2
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "staff",
        "resident",
    }
    assert Notification.objects.unread().count() == 2


def test_target_is_recorded_by_label_and_pk(world, django_capture_on_commit_callbacks):
    (note,) = _send([world.staff], django_capture_on_commit_callbacks, target=world.unit)
    assert (note.target_type, note.target_id) == ("places.unit", str(world.unit.pk))


def test_without_smtp_email_is_skipped_never_sent(
    world, settings, django_capture_on_commit_callbacks
):
    settings.MULIN_SMTP_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.staff.email = "staff@example.org"
    world.staff.save()
    _send([world.staff], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.detail == notifications.NOT_CONFIGURED
    assert delivery.sent_at is None
    assert mail.outbox == []


def test_email_sent_when_smtp_configured(world, smtp, django_capture_on_commit_callbacks):
    smtp.MULIN_SITE_URL = "https://mulin.example.org"
    world.staff.email = "staff@example.org"
    world.staff.save()
    _send([world.staff], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at is not None
    assert delivery.attempts == 1
    (message,) = mail.outbox
    assert message.to == ["staff@example.org"]
    assert message.subject == "Your request is in progress"
    assert "https://mulin.example.org/me/" in message.body


def test_send_raising_is_failed_not_sent(
    world, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    world.staff.email = "staff@example.org"
    world.staff.save()

    def broken(self, notification, user):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications.EmailChannel, "send", broken)
    _send([world.staff], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "smtp down" in delivery.detail
    assert delivery.sent_at is None


def test_provider_refusal_is_failed(world, smtp, monkeypatch, django_capture_on_commit_callbacks):
    world.staff.email = "staff@example.org"
    world.staff.save()
    monkeypatch.setattr(
        notifications.EmailChannel,
        "send",
        lambda self, n, u: notifications.DeliveryResult(sent=False, detail="rejected"),
    )
    _send([world.staff], django_capture_on_commit_callbacks)
    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_user_without_email_is_skipped(world, smtp, django_capture_on_commit_callbacks):
    world.staff.email = ""
    world.staff.save()
    _send([world.staff], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.detail) == (DeliveryStatus.SKIPPED, notifications.NO_EMAIL)
    assert mail.outbox == []


def test_linked_person_without_consent_is_skipped(world, smtp, django_capture_on_commit_callbacks):
    world.resident.email = "zhang@example.org"
    world.resident.save()
    _send([world.resident], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.detail) == (DeliveryStatus.SKIPPED, notifications.NO_CONSENT)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=world.resident).count() == 1  # inbox still


def test_withdrawn_consent_is_no_consent(world, smtp, django_capture_on_commit_callbacks):
    world.resident.email = "zhang@example.org"
    world.resident.save()
    Consent.objects.create(
        person=world.resident_person,
        purpose=ConsentPurpose.NOTIFICATIONS,
        withdrawn_at=timezone.now(),
    )
    _send([world.resident], django_capture_on_commit_callbacks)
    assert Delivery.objects.get().detail == notifications.NO_CONSENT


def test_active_consent_lets_email_through(world, smtp, django_capture_on_commit_callbacks):
    world.resident.email = "zhang@example.org"
    world.resident.save()
    Consent.objects.create(person=world.resident_person, purpose=ConsentPurpose.NOTIFICATIONS)
    _send([world.resident], django_capture_on_commit_callbacks)
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_nothing_is_delivered_when_the_transaction_rolls_back(
    world, smtp, django_capture_on_commit_callbacks
):
    world.staff.email = "staff@example.org"
    world.staff.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(
            recipients=[world.staff], kind=NotificationKind.OVERDUE, title="Overdue", body=""
        )
    assert len(callbacks) == 1  # scheduled for after commit, not run inside the transaction
    assert mail.outbox == []
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_a_delivery_is_sent_once(world, smtp, django_capture_on_commit_callbacks):
    world.staff.email = "staff@example.org"
    world.staff.save()
    _send([world.staff], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert tasks.deliver_notifications([delivery.pk]) == {str(delivery.pk): "not pending"}
    assert len(mail.outbox) == 1


def test_no_other_channels_means_inbox_only(world, settings, django_capture_on_commit_callbacks):
    settings.MULIN_NOTIFY_CHANNELS = []
    _send([world.staff], django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1
    assert not Delivery.objects.exists()


def test_unknown_channel_name_is_a_configuration_error(world, settings):
    settings.MULIN_NOTIFY_CHANNELS = ["pigeon"]
    with pytest.raises(ImproperlyConfigured):
        notifications.notify(recipients=[world.staff], kind="status", title="t", body="")
    assert not Notification.objects.exists()


def test_a_registered_provider_channel_is_used(world, settings, django_capture_on_commit_callbacks):
    sent = []

    class RecordingChannel(notifications.Channel):
        name = "recording"

        def is_configured(self):
            return True

        def send(self, notification, user):
            sent.append((notification.title, user.username))
            return notifications.DeliveryResult(sent=True, detail="accepted")

    notifications.register(RecordingChannel)
    try:
        settings.MULIN_NOTIFY_CHANNELS = ["recording"]
        _send([world.staff], django_capture_on_commit_callbacks)
    finally:
        notifications._registry.pop("recording")
    assert sent == [("Your request is in progress", "staff")]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    "url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_links_must_stay_on_the_site(world, url):
    with pytest.raises(ValueError):
        notifications.notify(recipients=[world.staff], kind="status", title="t", body="", url=url)
    assert not Notification.objects.exists()


def test_unknown_kind_is_refused(world):
    with pytest.raises(ValueError):
        notifications.notify(recipients=[world.staff], kind="gossip", title="t", body="")


def test_sent_delivery_needs_sent_at(world):
    from django.db import IntegrityError

    note = f.UserFactory().notifications.create(title="x")
    with pytest.raises(IntegrityError):
        Delivery.objects.create(notification=note, channel="email", status=DeliveryStatus.SENT)
