"""Residents' requests and work orders (诉求·工单): categories, deadlines, routing, the ticket and
its timeline, ratings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.core.models import TimeStampedModel

from .states import Status


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Channel(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service")
    PHONE = "phone", _("Phone")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door visit")
    WECHAT_GROUP = "wechat_group", _("WeChat group")
    WALK_IN = "walk_in", _("Walk-in")
    MEETING = "meeting", _("Meeting")
    PATROL = "patrol", _("Patrol")
    PARTNER = "partner", _("Partner organisation")


class LocationKind(models.TextChoices):
    UNIT = "unit", _("My home")
    BUILDING = "building", _("A building")
    COMMON_AREA = "common_area", _("A common area of the compound")


class DispatchMode(models.TextChoices):
    """How a category's accepted requests reach a handler."""

    MANUAL = "manual", _("A team leader assigns")
    POOL = "pool", _("Handlers claim from the team pool")
    ROUND_ROBIN = "round_robin", _("Round-robin among the team's handlers")


class Category(TimeStampedModel):
    """A kind of request in one compound, handled by one organisation by default."""

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.CASCADE, related_name="ticket_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket_categories",
        verbose_name=_("handling organisation"),
    )
    chargeable = models.BooleanField(_("chargeable"), default=False)
    dispatch_mode = models.CharField(
        _("dispatch"), max_length=16, choices=DispatchMode.choices, default=DispatchMode.MANUAL
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["compound", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "code"], name="tickets_category_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Deadline(models.Model):
    """How fast one category × priority must be answered and solved (overrides the defaults in
    `mulin.tickets.deadlines`)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="deadlines")
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)
    respond_minutes = models.PositiveIntegerField(_("respond within (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("resolve within (minutes)"))

    ACCESS_COMPOUND = "category__compound_id"

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="tickets_deadline_unique"
            ),
            models.CheckConstraint(
                condition=Q(respond_minutes__gt=0)
                & Q(resolve_minutes__gte=models.F("respond_minutes")),
                name="tickets_deadline_sensible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_priority_display()}"


class RoutingRule(TimeStampedModel):
    """Requests of `category` in `compound` go to `organisation`."""

    compound = models.ForeignKey("places.Compound", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="ticket_routes"
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["compound", "category"], name="tickets_route_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.organisation}"


class RecheckAnswer(models.TextChoices):
    YES = "yes", _("Still fixed")
    NO = "no", _("Not fixed")


class Ticket(TimeStampedModel):
    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="tickets"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tickets")
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.SELF_SERVICE
    )
    requester = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("requester"),
        help_text=_("Empty for an anonymous request."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_tickets"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The resident a member of staff submitted this for."),
    )
    location_kind = models.CharField(
        _("where"), max_length=16, choices=LocationKind.choices, default=LocationKind.UNIT
    )
    unit = models.ForeignKey(
        "places.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    building = models.ForeignKey(
        "places.Building", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("handling team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("handler"),
    )
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    public_hidden = models.BooleanField(_("hide from the public progress board"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # 14 days after closing the requester is asked "is it still fixed?"; "no" reopens it.
    recheck_asked_at = models.DateTimeField(_("asked if still fixed"), null=True, blank=True)
    recheck_answer = models.CharField(
        _("still fixed?"), max_length=8, choices=RecheckAnswer.choices, blank=True
    )
    recheck_answered_at = models.DateTimeField(null=True, blank=True)
    # Unreasonable requests and malicious repeats leave the figures (DESIGN §9), with a reason.
    excluded_reason = models.CharField(
        _("excluded from the figures because"), max_length=200, blank=True
    )

    ACCESS_COMPOUND = "compound_id"
    ACCESS_BUILDING = "building_id"

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="tickets_ticket_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2), name="tickets_ticket_escalation_level"
            ),
        ]
        indexes = [
            models.Index(fields=["compound", "status", "-created_at"], name="tickets_cmp_status"),
            # Newest first per compound: the public board, Open311 and the workbench's "all".
            models.Index(fields=["compound", "-created_at", "-id"], name="tickets_cmp_created"),
            models.Index(fields=["assignee", "status"], name="tickets_assignee_status"),
            models.Index(fields=["organisation", "status"], name="tickets_org_status"),
            models.Index(
                fields=["compound", "category", "building", "created_at"], name="tickets_dupes"
            ),
            models.Index(fields=["requester", "-created_at"], name="tickets_requester"),
            models.Index(fields=["submitted_by", "-created_at"], name="tickets_submitter"),
            models.Index(fields=["status", "closed_at"], name="tickets_recheck"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"


class EventKind(models.TextChoices):
    SUBMISSION = "submission", _("Submitted")
    TRANSITION = "transition", _("Status change")
    ASSIGNMENT = "assignment", _("Assignment")
    NOTE = "note", _("Note")
    URGE = "urge", _("Urged")
    ESCALATION = "escalation", _("Escalated")
    RATING = "rating", _("Rated")
    MERGE = "merge", _("Merged")
    PAGE = "page", _("Paged")
    FOLLOW_UP = "follow_up", _("Follow-up call")
    RECHECK = "recheck", _("Still fixed?")
    VISIBILITY = "visibility", _("Public board")


class TicketEvent(models.Model):
    """One line of a ticket's timeline."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=16, blank=True)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    cost_lines = models.JSONField(_("cost lines"), default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    ACCESS_COMPOUND = "ticket__compound_id"
    ACCESS_BUILDING = "ticket__building_id"

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "kind", "-created_at"], name="tickets_ev_kind")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Rating(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating")
    overall = models.PositiveSmallIntegerField(_("overall"))
    speed = models.PositiveSmallIntegerField(_("speed"))
    attitude = models.PositiveSmallIntegerField(_("attitude"))
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "ticket__compound_id"

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__gte=1, overall__lte=5), name="tickets_rating_overall_1_5"
            ),
            models.CheckConstraint(
                condition=Q(speed__gte=1, speed__lte=5), name="tickets_rating_speed_1_5"
            ),
            models.CheckConstraint(
                condition=Q(attitude__gte=1, attitude__lte=5), name="tickets_rating_attitude_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.overall}"


class PhotoStage(models.TextChoices):
    REPORT = "report", _("With the report")
    BEFORE = "before", _("Before the work")
    AFTER = "after", _("After the work")


def photo_path(photo: TicketPhoto, filename: str) -> str:
    # Never the uploaded name: it can carry personal data. Photos are served through a view
    # that checks access (`tickets:photo`), never straight from the media directory.
    return f"tickets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class TicketPhoto(models.Model):
    """A photo of a request: with the report, or before/after work on a transition. Always a
    JPEG without EXIF (see `mulin.tickets.photos`)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        TicketEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    stage = models.CharField(
        _("stage"), max_length=8, choices=PhotoStage.choices, default=PhotoStage.REPORT
    )
    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "ticket__compound_id"
    ACCESS_BUILDING = "ticket__building_id"

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.stage}"


class Follower(models.Model):
    """Someone who hears about a request's progress: its submitter and requester, and after a
    merge the followers of the duplicates too."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tickets"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="tickets_follower_unique")
        ]
        indexes = [models.Index(fields=["user", "ticket"], name="tickets_follower_user")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.ticket_id}"


class FollowUpReason(models.TextChoices):
    LOW_RATING = "low_rating", _("Low rating")
    SAMPLE = "sample", _("Sample of the rest")
    NOT_RATED = "not_rated", _("Not rated")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Could not reach")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class FollowUp(TimeStampedModel):
    """A follow-up call (回访) to the requester after resolution. A done follow-up is valid and
    counts in the 响应率 / 解决率 / 满意率 figures (DESIGN §9)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="follow_ups")
    reason = models.CharField(_("why"), max_length=16, choices=FollowUpReason.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    contacted_in_time = models.BooleanField(_("contacted in time"), null=True, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("called"), null=True, blank=True)

    ACCESS_COMPOUND = "ticket__compound_id"
    ACCESS_BUILDING = "ticket__building_id"

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], name="tickets_followup_one_per_ticket"),
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(contacted_in_time__isnull=False, solved__isnull=False) & ~Q(satisfaction=""),
                name="tickets_followup_done_complete",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="tickets_followup_status")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.status}"


class DispatchCursor(models.Model):
    """Where round-robin dispatch stands in one organisation: the handler who got the last one."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.last_assignee_id}"
