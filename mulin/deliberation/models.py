"""Deliberation and public projects (议事协商·实事项目): the compound's method 列清单、挑难点、晒进度、
定规矩 — list the problems (topics), pick the hard ones and discuss them at roundtables with every
party (meetings, minutes, resolutions and their tasks), show the work in public until done
(projects, milestones, updates, supervisors, acceptance), and turn what was learned into rules
(versioned regulations and conventions). Beside them, what keeps a compound informed and thanked:
organisations' notice boards (微阵地·四亮一服务), announcements with read receipts, the praise wall
and pioneer profiles, and periodic evaluations of the party organisation and the property.

Photos are JPEGs without EXIF, stored under media/deliberation/ and handed out only by views that
check access (the same rule as requests' photos).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mulin.core.models import TimeStampedModel


def photo_path(instance, filename: str) -> str:
    # Never the uploaded name: it can carry personal data.
    return f"deliberation/photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


def attachment_path(instance, filename: str) -> str:
    return f"deliberation/files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-{filename[-60:]}"


def new_signin_token() -> str:
    return secrets.token_urlsafe(12)


class Moderated(models.Model):
    """Hidden by a moderator, with the reason (the audit keeps who and when too)."""

    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=200, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


# ---------------------------------------------------------------------------------------------
# Topics (议题清单)


class TopicCategory(models.TextChoices):
    ENVIRONMENT = "environment", _("Environment and cleanliness")
    PARKING = "parking", _("Parking and traffic")
    SAFETY = "safety", _("Safety and fire")
    FACILITIES = "facilities", _("Facilities and repairs")
    RENOVATION = "renovation", _("Renovation of the compound")
    PROPERTY = "property", _("Property management and fees")
    NEIGHBOURS = "neighbours", _("Neighbours and community life")
    SERVICES = "services", _("Services for residents")
    OTHER = "other", _("Other")


class TopicSource(models.TextChoices):
    ONLINE = "online", _("Online, by a resident")
    MEETING = "meeting", _("At a meeting")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    WECHAT = "wechat", _("WeChat group")
    VISIT = "visit", _("Door-to-door visit")
    ORGANISATION = "organisation", _("By an organisation")
    REQUESTS = "requests", _("Recurring requests")


class TopicStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("topic", "Open")
    SELECTED = "selected", pgettext_lazy("topic", "Selected")
    DISCUSSION = "discussion", pgettext_lazy("topic", "In discussion")
    RESOLVED = "resolved", pgettext_lazy("topic", "Resolved")
    DECLINED = "declined", pgettext_lazy("topic", "Declined")
    DONE = "done", pgettext_lazy("topic", "Done")


class Level(models.IntegerChoices):
    LOW = 1, pgettext_lazy("level", "Low")
    MEDIUM = 2, pgettext_lazy("level", "Medium")
    HIGH = 3, pgettext_lazy("level", "High")


class Topic(Moderated, TimeStampedModel):
    """A problem of the compound put on its list (议题), by a resident, an organisation or staff
    (typed in from a meeting, the suggestion box or a WeChat group), or promoted from requests
    that keep coming back."""

    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="topics")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what is the problem"))
    category = models.CharField(_("category"), max_length=16, choices=TopicCategory.choices)
    buildings = models.ManyToManyField(
        "places.Building", blank=True, related_name="topics", verbose_name=_("buildings affected")
    )
    source = models.CharField(
        _("raised"), max_length=16, choices=TopicSource.choices, default=TopicSource.ONLINE
    )
    raised_by = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("raised by"),
    )
    raised_by_organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("raised by organisation"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_topics"
    )
    tickets = models.ManyToManyField(
        "tickets.Ticket", blank=True, related_name="topics", verbose_name=_("requests")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.OPEN
    )
    status_reason = models.TextField(
        _("reason"), blank=True, help_text=_("Published with a declined topic.")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Level.choices, null=True, blank=True
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Level.choices, null=True, blank=True
    )
    # Kept by the services, so the board sorts without counting.
    support_count = models.PositiveIntegerField(_("households supporting"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["compound", "status", "-support_count"], name="topic_board"),
        ]

    def __str__(self) -> str:
        return self.title


class TopicPhoto(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="photos")
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

    ACCESS_COMPOUND = "topic__compound_id"

    class Meta:
        ordering = ["created_at", "id"]


class TopicSupport(models.Model):
    """One household's support (one per home: a second member of the household supporting
    again changes nothing)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A member of staff who recorded it for a resident offline."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "topic__compound_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "unit"], name="topic_support_per_household")
        ]


class TopicComment(Moderated):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="topic_comments"
    )
    on_behalf_of = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "topic__compound_id"

    class Meta:
        ordering = ["created_at", "id"]


class TopicChange(models.Model):
    """A step of a topic's status, shown on its public timeline (a declined topic with its
    reason)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=16, choices=TopicStatus.choices)
    to_status = models.CharField(max_length=16, choices=TopicStatus.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    ACCESS_COMPOUND = "topic__compound_id"

    class Meta:
        ordering = ["at", "id"]


# ---------------------------------------------------------------------------------------------
# Meetings (睦邻圆桌会 · 议事会 · committee meetings)


class MeetingKind(models.TextChoices):
    ROUNDTABLE = "roundtable", _("Neighbourhood roundtable (睦邻圆桌会)")
    COUNCIL = "council", _("Residents' council (议事会)")
    COMMITTEE = "committee", _("Committee meeting")
    HEARING = "hearing", _("Hearing")
    JOINT = "joint", _("Joint meeting of party, committee and property (三方联席会)")
    OTHER = "other", _("Other meeting")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting", "Planned")
    HELD = "held", pgettext_lazy("meeting", "Held")
    CANCELLED = "cancelled", pgettext_lazy("meeting", "Cancelled")


class Meeting(TimeStampedModel):
    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("purpose"), blank=True)
    organiser = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=120)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    invited_organisations = models.ManyToManyField(
        "orgs.Organisation",
        blank=True,
        related_name="meeting_invitations",
        verbose_name=_("invited organisations"),
    )
    invited_people = models.ManyToManyField(
        "people.Person",
        blank=True,
        related_name="meeting_invitations",
        verbose_name=_("invited people"),
    )
    public = models.BooleanField(
        _("open to residents"), default=True, help_text=_("Shown on the compound's calendar.")
    )
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)  # iCalendar UID
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE, raised on changes
    signin_token = models.CharField(max_length=24, unique=True, default=new_signin_token)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(default=0)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField(_("item"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)

    ACCESS_COMPOUND = "meeting__compound_id"

    class Meta:
        ordering = ["position", "id"]


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("Signed in with the QR code")
    STAFF = "staff", _("Recorded by staff")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("For a guest not registered."))
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=8, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    ACCESS_COMPOUND = "meeting__compound_id"

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="attendance_once_per_person",
            )
        ]


class MeetingAttachment(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=120)
    size_bytes = models.PositiveIntegerField(default=0)
    public = models.BooleanField(_("published with the minutes"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "meeting__compound_id"

    class Meta:
        ordering = ["created_at", "id"]


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("access request", "Pending")
    GRANTED = "granted", pgettext_lazy("access request", "Granted")
    REFUSED = "refused", pgettext_lazy("access request", "Refused")


class MinutesRequest(TimeStampedModel):
    """An owner asks to see the full, unmasked minutes of a meeting (Civil Code Art. 281 and
    the property regulations give owners the right to consult the records)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=200)
    status = models.CharField(
        max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=200, blank=True)

    ACCESS_COMPOUND = "meeting__compound_id"

    class Meta:
        ordering = ["-created_at", "-id"]


# ---------------------------------------------------------------------------------------------
# Resolutions and their tasks


class ResolutionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("resolution", "To do")
    IN_PROGRESS = "in_progress", pgettext_lazy("resolution", "In progress")
    DONE = "done", pgettext_lazy("resolution", "Done")
    DROPPED = "dropped", pgettext_lazy("resolution", "Dropped")


class Resolution(TimeStampedModel):
    """A decision recorded at a meeting (or by the committee), with who answers for it and by
    when. It can become a project, a motion for the owners' vote, or a rule."""

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="resolutions"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolutions"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolutions"
    )
    text = models.TextField(_("what was decided"))
    responsible_organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("responsible organisation"),
    )
    responsible_person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolutions",
        verbose_name=_("responsible person"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResolutionStatus.choices,
        default=ResolutionStatus.OPEN,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The hand-off to the owners' vote: the motion drafted from this resolution.
    motion = models.OneToOneField(
        "decisions.Motion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolution",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class Task(TimeStampedModel):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=160)
    owner_organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliberation_tasks",
        verbose_name=_("who does it"),
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    reminded_on = models.DateField(null=True, blank=True)  # the last overdue reminder

    ACCESS_COMPOUND = "resolution__compound_id"

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_at", "due_on"], name="task_overdue")]


# ---------------------------------------------------------------------------------------------
# Projects (实事项目 · 改造工程)


class ProjectKind(models.TextChoices):
    RENOVATION = "renovation", _("Renovation")
    SAFETY = "safety", _("Safety and security")
    GREENING = "greening", _("Greening and landscape")
    PARKING = "parking", _("Parking")
    RECREATION = "recreation", _("Recreation and culture")
    FACILITIES = "facilities", _("Facilities")
    OTHER = "other", _("Other")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("project", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("project", "Under way")
    ACCEPTANCE = "acceptance", pgettext_lazy("project", "Acceptance")
    DONE = "done", pgettext_lazy("project", "Done")
    SUSPENDED = "suspended", pgettext_lazy("project", "Suspended")


class Project(TimeStampedModel):
    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("what it will do"))
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    resolution = models.ForeignKey(
        Resolution, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects"
    )
    lead_organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_projects",
        verbose_name=_("lead organisation"),
    )
    contractor = models.CharField(_("contractor"), max_length=120, blank=True)
    buildings = models.ManyToManyField("places.Building", blank=True, related_name="projects")
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    finished_on = models.DateField(_("finished"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    public = models.BooleanField(_("on the public page"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_100")
        ]

    def __str__(self) -> str:
        return self.title


class FundingSource(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    MAINTENANCE_FUND = "maintenance_fund", _("Maintenance fund")
    PARTNER = "partner", _("Partner organisation")
    RESIDENTS = "residents", _("Residents' contributions")
    PROPERTY = "property", _("Property company")
    COMMON_INCOME = "common_income", _("Common-area income")
    OTHER = "other", _("Other")


class Funding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("source"), max_length=20, choices=FundingSource.choices)
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="funding_positive")]


class Spending(models.Model):
    """A line spent on the project. When the finance module keeps the ledger, a line will point
    at its ledger entry; until then this is the record, with the invoice attached."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="spending")
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    payee = models.CharField(_("paid to"), max_length=120)
    description = models.CharField(_("for"), max_length=200)
    invoice = models.FileField(_("invoice"), upload_to=attachment_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["spent_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spending_positive")]


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("milestone"), max_length=120)
    planned_on = models.DateField(_("planned"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["position", "planned_on", "id"]


class ProjectUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="updates"
    )
    body = models.TextField(_("what happened"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["-created_at", "-id"]


class Supervisor(models.Model):
    """A resident supervisor of the works (民间达人: a builder, an electrician, a fire officer)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supervisors")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    skill = models.CharField(_("skill"), max_length=32)
    appointed_on = models.DateField(_("appointed"), default=timezone.localdate)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["appointed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="supervisor_once")
        ]


class InspectionVerdict(models.TextChoices):
    OK = "ok", _("As it should be")
    ISSUE = "issue", _("Problem found")


class Inspection(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="inspections")
    supervisor = models.ForeignKey(Supervisor, on_delete=models.PROTECT, related_name="inspections")
    verdict = models.CharField(_("verdict"), max_length=8, choices=InspectionVerdict.choices)
    body = models.TextField(_("inspection note"))
    answer = models.TextField(_("answer from the works"), blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["-created_at", "-id"]


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    update = models.ForeignKey(
        ProjectUpdate, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        ordering = ["created_at", "id"]


class Acceptance(models.Model):
    """The works accepted (验收), and the residents' satisfaction survey that goes with it."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="acceptance")
    accepted_on = models.DateField(_("accepted"))
    note = models.TextField(_("acceptance note"), blank=True)
    survey_closes_on = models.DateField(_("survey open until"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    ACCESS_COMPOUND = "project__compound_id"


class Satisfaction(models.Model):
    """One household's rating of a finished project (1–5)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "project__compound_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "unit"], name="satisfaction_per_household"),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="satisfaction_1_5"
            ),
        ]


# ---------------------------------------------------------------------------------------------
# Rules and conventions (定规矩)


class RuleKind(models.TextChoices):
    REGULATION = "regulation", _("Regulation adopted by the owners' assembly")
    CONVENTION = "convention", _("Residents' convention")
    MANAGEMENT = "management", _("Management rule")
    OTHER = "other", _("Other rule")


class Rule(TimeStampedModel):
    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="rules")
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices)
    title = models.CharField(_("title"), max_length=120)
    repealed_on = models.DateField(_("repealed"), null=True, blank=True)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["kind", "title", "id"]

    def __str__(self) -> str:
        return self.title


class RuleVersion(models.Model):
    """One wording of a rule, adopted by a resolution or by a motion of the owners' vote, in
    force from its effective date until the next version's."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    summary = models.CharField(_("what changed"), max_length=200, blank=True)
    effective_on = models.DateField(_("in force from"))
    adopted_on = models.DateField(_("adopted"))
    resolution = models.ForeignKey(
        Resolution, on_delete=models.SET_NULL, null=True, blank=True, related_name="rule_versions"
    )
    motion = models.ForeignKey(
        "decisions.Motion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rule_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    ACCESS_COMPOUND = "rule__compound_id"

    class Meta:
        ordering = ["rule", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_number")
        ]


# ---------------------------------------------------------------------------------------------
# Notice boards, announcements, praise, evaluation


class BoardEntry(models.Model):
    """An organisation's notice board (微阵地 · 四亮一服务): who answers for it, what it promised,
    what it achieved, where it is responsible, and its featured service. Kept current by the
    organisation's members; every change is audited."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="board"
    )
    responsible = models.CharField(_("responsible person"), max_length=60)
    responsible_phone = models.CharField(_("public phone"), max_length=30, blank=True)
    commitments = models.TextField(_("commitments"))
    results = models.TextField(_("results"), blank=True)
    area = models.CharField(_("responsibility area"), max_length=200, blank=True)
    featured_service = models.CharField(_("featured service"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    ACCESS_COMPOUND = "organisation__compound_id"


class Announcement(TimeStampedModel):
    """A notice (公告) to a community, one compound or one building, with a printable version
    for the stairwell board and read receipts for staff."""

    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="announcements"
    )
    compound = models.ForeignKey(
        "places.Compound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
    )
    building = models.ForeignKey(
        "places.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    publisher = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="announcements",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    expires_on = models.DateField(_("shown until"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["community", "compound", "-published_at"], name="announcement_list"
            )
        ]


class AnnouncementRead(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="announcement_read_once")
        ]


class PraiseStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("praise", "Waiting for moderation")
    SHOWN = "shown", pgettext_lazy("praise", "On the wall")
    HIDDEN = "hidden", pgettext_lazy("praise", "Hidden")


class Praise(TimeStampedModel):
    """A thank-you on the praise wall (夸夸墙) to a person, a team or an organisation; shown
    once a moderator lets it through."""

    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="praise")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="praise"
    )
    to_organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="praise",
    )
    to_name = models.CharField(
        _("who is thanked"), max_length=60, help_text=_("As it is shown on the wall.")
    )
    body = models.TextField(_("thank-you"))
    status = models.CharField(
        max_length=16, choices=PraiseStatus.choices, default=PraiseStatus.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_reason = models.CharField(_("reason"), max_length=200, blank=True)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        ordering = ["-created_at", "-id"]


class PioneerNomination(TimeStampedModel):
    """A yearly nomination of a party member as pioneer (先锋党员); residents support it (one per
    household) and the party organisation chooses."""

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="pioneer_nominations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    story = models.TextField(_("their story"))
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    support_count = models.PositiveIntegerField(default=0)
    chosen_at = models.DateTimeField(null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        ordering = ["-year", "-support_count", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "year", "person"], name="pioneer_nomination_once"
            )
        ]


class PioneerSupport(models.Model):
    nomination = models.ForeignKey(
        PioneerNomination, on_delete=models.CASCADE, related_name="supports"
    )
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nomination", "unit"], name="pioneer_support_once")
        ]


class Evaluation(TimeStampedModel):
    """A periodic evaluation (评价): residents rate the work of the party organisation and the
    property company (1–5, one rating per household and organisation); the results show on the
    compound's figures."""

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="evaluations"
    )
    title = models.CharField(_("title"), max_length=120)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    organisations = models.ManyToManyField(
        "orgs.Organisation", related_name="evaluations", verbose_name=_("organisations rated")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="evaluation_dates"
            )
        ]


class EvaluationRating(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ratings")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "organisation", "unit"], name="evaluation_per_household"
            ),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="evaluation_1_5"),
        ]
