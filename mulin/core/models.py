"""Accounts, roles on scopes, API tokens and the audit log."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class MulinUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser):
    """A login. Residents log in with their phone; staff with username or phone.

    A user may be linked to a `people.Person` (their registry record); staff accounts for
    outside workers may not be.
    """

    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    elder_mode = models.BooleanField(_("large-text mode"), default=False)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set when staff reset the password: the temporary one must be replaced at next sign-in.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = MulinUserManager()

    ACCESS_COMPOUND = "person__compound_id"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.first_name or self.username

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")
    SUBDISTRICT_STAFF = "subdistrict_staff", _("Subdistrict staff")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    PARTY_SECRETARY = "party_secretary", _("Party secretary")
    PARTY_MEMBER = "party_member", _("Party member")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    PROPERTY_MANAGER = "property_manager", _("Property manager")
    PROPERTY_STAFF = "property_staff", _("Property staff / handler")
    VOLUNTEER = "volunteer", _("Volunteer")
    PARTNER_CONTACT = "partner_contact", _("Partner contact")
    RESIDENT = "resident", _("Resident")


class ScopeKind(models.TextChoices):
    PLATFORM = "platform", _("Whole platform")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")
    BUILDING = "building", _("Building")
    ORGANISATION = "organisation", _("Organisation")


class RoleGrantQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(
            models.Q(starts_at__lte=now)
            & (models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now))
        )


class RoleGrant(TimeStampedModel):
    """A role held on one scope. Exactly the scope field that matches `scope` is set."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=16, choices=ScopeKind.choices)
    subdistrict = models.ForeignKey(
        "places.Subdistrict", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        "places.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    compound = models.ForeignKey(
        "places.Compound", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(
        "places.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                name="rolegrant_scope_matches",
                condition=(
                    models.Q(
                        scope="platform",
                        subdistrict__isnull=True,
                        community__isnull=True,
                        compound__isnull=True,
                        building__isnull=True,
                        organisation__isnull=True,
                    )
                    | models.Q(
                        scope="subdistrict",
                        subdistrict__isnull=False,
                        community__isnull=True,
                        compound__isnull=True,
                        building__isnull=True,
                        organisation__isnull=True,
                    )
                    | models.Q(
                        scope="community",
                        subdistrict__isnull=True,
                        community__isnull=False,
                        compound__isnull=True,
                        building__isnull=True,
                        organisation__isnull=True,
                    )
                    | models.Q(
                        scope="compound",
                        subdistrict__isnull=True,
                        community__isnull=True,
                        compound__isnull=False,
                        building__isnull=True,
                        organisation__isnull=True,
                    )
                    | models.Q(
                        scope="building",
                        subdistrict__isnull=True,
                        community__isnull=True,
                        compound__isnull=True,
                        building__isnull=False,
                        organisation__isnull=True,
                    )
                    | models.Q(
                        scope="organisation",
                        subdistrict__isnull=True,
                        community__isnull=True,
                        compound__isnull=True,
                        building__isnull=True,
                        organisation__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_object}"

    @property
    def scope_object(self):
        return (
            getattr(self, self.scope, None) if self.scope != ScopeKind.PLATFORM else _("platform")
        )


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(TimeStampedModel):
    """A bearer token for the API. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "mulin_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)


class AuditChainHead(models.Model):
    """The newest hash of one chained audit stream. Writers lock this row, so concurrent events
    in one chain are written one after another, each over the one before it."""

    chain = models.CharField(max_length=32, unique=True)
    last_hash = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return self.chain


class AuditEvent(models.Model):
    """One change, written by the service that made it in the same transaction.

    Events in chained streams (ballots, tallies, publications, payments) carry `prev_hash`/`hash`
    so that `mulin audit verify` detects edits and deletions.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    # The registry person the event concerns (target or owner of the target), for per-person history.
    subject_person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    compound = models.ForeignKey(
        "places.Compound", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    chain = models.CharField(max_length=32, blank=True, default="", db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class BindingRequest(TimeStampedModel):
    """A resident asks to be linked to a home; staff of that compound approve or reject."""

    class Relation(models.TextChoices):
        OWNER = "owner", _("Owner")
        FAMILY = "family", _("Family member")
        TENANT = "tenant", _("Tenant")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="binding_requests"
    )
    unit = models.ForeignKey(
        "places.Unit", on_delete=models.CASCADE, related_name="binding_requests"
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        max_length=16, choices=BindingStatus.choices, default=BindingStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    ACCESS_COMPOUND = "unit__compound_id"
    ACCESS_BUILDING = "unit__building_id"

    class Meta:
        verbose_name = _("binding request")
        verbose_name_plural = _("binding requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=models.Q(status="pending"),
                name="one_pending_binding_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.unit}"


class JobRun(models.Model):
    """When each periodic job last ran. Claimed with a conditional UPDATE so that two workers
    (Celery beat and a cron `mulin tick`) never run the same job twice for one slot."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """The first answer to an API write sent with an `Idempotency-Key` header.

    A client that retries (a dropped connection, a double tap) with the same key gets this answer
    back instead of a second write. Keys are per user and kept for a day.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} · {self.key}"


class NotificationKind(models.TextChoices):
    ASSIGNMENT = "assignment", _("New assignment")
    STATUS = "status", _("Status change")
    OVERDUE = "overdue", _("Overdue")
    RATING = "rating", _("Rating request")
    EMERGENCY = "emergency", _("Emergency")
    GENERAL = "general", _("Notice")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's in-app inbox; other channels are recorded as `Delivery` rows."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(
        _("kind"), max_length=32, choices=NotificationKind.choices, default=NotificationKind.GENERAL
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery", "Pending")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")
    SKIPPED = "skipped", pgettext_lazy("delivery", "Skipped")


class Delivery(models.Model):
    """One attempt to carry a notification over a channel other than the inbox.

    `sent` means the provider accepted the message; nothing else may set it.
    """

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="delivery_sent_at_only_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}"
