"""Owners' decisions (业主大会表决·业委会选举·征求意见): assemblies, votes and their motions, the
frozen electorate, ballots from every channel, and extraordinary-meeting requests.

The law the tally follows is in `tally.py` (DESIGN §7); who counts as an owner is in
`electorate.py`; the lifecycle of a vote is in `states.py`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mulin.core.models import TimeStampedModel

from .states import VoteStatus


class Assembly(TimeStampedModel):
    """The owners' assembly (业主大会) of one compound and the procedural rules it follows.

    The rules the electorate and the tally read (parking spaces, silent owners, notice days,
    proxies, the city's e-voting) live on the compound itself, so the registry and the vote agree;
    the assembly adds the rest of the procedure."""

    compound = models.OneToOneField(
        "places.Compound", on_delete=models.CASCADE, related_name="assembly"
    )
    established_on = models.DateField(_("first assembly held"), null=True, blank=True)
    extraordinary_notice_days = models.PositiveSmallIntegerField(
        _("days of notice before an extraordinary meeting"), default=7
    )
    min_window_days = models.PositiveSmallIntegerField(
        _("shortest voting window (days)"), default=5
    )
    max_window_days = models.PositiveSmallIntegerField(
        _("longest voting window (days)"), default=60
    )
    committee_min_seats = models.PositiveSmallIntegerField(_("fewest committee seats"), default=5)
    committee_max_seats = models.PositiveSmallIntegerField(_("most committee seats"), default=11)
    small_compound_seats = models.PositiveSmallIntegerField(
        _("seats allowed for a small compound"),
        default=3,
        help_text=_("Some cities allow a committee of 3 in a small compound; 0 if not."),
    )
    term_years = models.PositiveSmallIntegerField(_("committee term (years)"), default=5)
    result_publish_days = models.PositiveSmallIntegerField(
        _("days to publish a result after the vote"), default=3
    )
    result_shown_days = models.PositiveSmallIntegerField(
        _("days a result stays on public show"), default=15
    )
    disclose_unit_detail = models.BooleanField(
        _("publish how each unit voted"),
        default=False,
        help_text=_("Only where the assembly's rules require it; otherwise units are masked."),
    )
    owners_committee = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owners' committee"),
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("owners' assembly")
        verbose_name_plural = _("owners' assemblies")
        constraints = [
            models.CheckConstraint(
                name="assembly_window_sensible",
                condition=Q(min_window_days__gte=1)
                & Q(max_window_days__gte=models.F("min_window_days")),
            ),
            models.CheckConstraint(
                name="assembly_seats_sensible",
                condition=Q(committee_min_seats__gte=1)
                & Q(committee_max_seats__gte=models.F("committee_min_seats")),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Owners' assembly of %(compound)s") % {"compound": self.compound})


def new_salt() -> str:
    return secrets.token_hex(16)


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")
    CONSULTATION = "consultation", _("Consultation (advisory)")


class VoteQuerySet(models.QuerySet):
    def public(self):
        """Votes anyone may see: published and later, not withdrawn."""
        return self.exclude(status__in=[VoteStatus.DRAFT, VoteStatus.CANCELLED])


class Vote(TimeStampedModel):
    """One ballot paper put to the owners: it bundles motions decided together, with one notice,
    one voting window and one electorate."""

    assembly = models.ForeignKey(Assembly, on_delete=models.PROTECT, related_name="votes")
    compound = models.ForeignKey("places.Compound", on_delete=models.PROTECT, related_name="votes")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what the owners are asked"), blank=True)
    meeting_kind = models.CharField(
        _("kind of meeting"),
        max_length=16,
        choices=MeetingKind.choices,
        default=MeetingKind.REGULAR,
    )
    secret = models.BooleanField(
        _("secret ballot"),
        default=False,
        help_text=_("Nobody, staff included, sees how a given owner voted."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    meeting_place = models.CharField(_("meeting place"), max_length=200, blank=True)
    online = models.BooleanField(
        _("owners may vote online"),
        default=True,
        help_text=_("Off where the city's own e-voting system must be used."),
    )
    meeting_request = models.ForeignKey(
        "MeetingRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="votes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)
    result_published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    # The electorate as frozen at opening (counts also kept per elector row).
    electorate_frozen_at = models.DateTimeField(null=True, blank=True)
    total_area = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_owners = models.PositiveIntegerField(null=True, blank=True)
    # The frozen tally: canonical JSON of every motion's result and its SHA-256.
    tally = models.JSONField(null=True, blank=True)
    tally_sha256 = models.CharField(max_length=64, blank=True)
    result_source = models.CharField(
        _("result from"),
        max_length=16,
        choices=[("mulin", _("Ballots recorded in Mulin")), ("official", _("Official city file"))],
        default="mulin",
    )
    # A secret the ballot file's pseudonymous unit and owner codes are derived from.
    salt = models.CharField(max_length=32, default=new_salt, editable=False)

    objects = VoteQuerySet.as_manager()

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["status", "opens_at"]), models.Index(fields=["compound"])]
        constraints = [
            models.CheckConstraint(
                name="vote_window_order", condition=Q(closes_at__gt=models.F("opens_at"))
            )
        ]

    def __str__(self) -> str:
        return self.title


class MotionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary matter")
    SPECIAL = "special", _("Special matter")
    ELECTION = "election", _("Election of the owners' committee")
    CONSULTATION = "consultation", _("Consultation (support or not)")
    SINGLE = "single", _("Question: one answer")
    MULTIPLE = "multiple", _("Question: several answers")
    TEXT = "text", _("Question: free text")


# Motions decided by the yes / no / abstain ballot.
YES_NO_KINDS = frozenset({MotionKind.ORDINARY, MotionKind.SPECIAL, MotionKind.CONSULTATION})
QUESTION_KINDS = frozenset({MotionKind.SINGLE, MotionKind.MULTIPLE, MotionKind.TEXT})
ADVISORY_KINDS = frozenset({MotionKind.CONSULTATION}) | QUESTION_KINDS


class Motion(TimeStampedModel):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="motions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=MotionKind.choices)
    matter = models.CharField(_("matter"), max_length=32, blank=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("full text"), blank=True)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    alternate_seats = models.PositiveSmallIntegerField(_("alternates"), null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    ACCESS_COMPOUND = "vote__compound_id"

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering = ["vote_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                name="motion_election_has_seats",
                condition=~Q(kind="election")
                | (
                    Q(seats__gte=1)
                    & Q(alternate_seats__isnull=False)
                    & Q(alternate_seats__lte=models.F("seats"))
                ),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_election(self) -> bool:
        return self.kind == MotionKind.ELECTION


class Candidate(TimeStampedModel):
    """A nominee for the owners' committee: an owner of the compound."""

    class Nomination(models.TextChoices):
        SELF = "self", _("Self-nominated")
        OWNERS = "owners", _("Nominated jointly by owners")
        PARTY = "party", _("Recommended by the party organisation")
        COMMUNITY = "community", _("Recommended by the residents' committee")

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="candidates")
    key = models.SlugField(_("ballot key"), max_length=20)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="candidacies"
    )
    display_name = models.CharField(_("name on the ballot"), max_length=60)
    statement = models.TextField(_("statement"), blank=True)
    nomination = models.CharField(
        _("nominated by"), max_length=16, choices=Nomination.choices, default=Nomination.SELF
    )
    position = models.PositiveSmallIntegerField(default=0)

    ACCESS_COMPOUND = "motion__vote__compound_id"

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["motion_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["motion", "key"], name="candidate_key_unique"),
            models.UniqueConstraint(fields=["motion", "person"], name="candidate_person_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name


class Option(models.Model):
    """An answer of a single- or multiple-choice question."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=20)
    label = models.CharField(_("answer"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    ACCESS_COMPOUND = "motion__vote__compound_id"

    class Meta:
        ordering = ["motion_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["motion", "key"], name="option_key_unique")]

    def __str__(self) -> str:
        return self.label


def vote_document_path(instance, filename: str) -> str:
    return f"decisions/{instance.vote_id}/documents/{secrets.token_hex(8)}-{filename[-80:]}"


class VoteDocument(TimeStampedModel):
    """A document owners must be able to read before they vote (draft rules, quotes, plans)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=vote_document_path)
    sha256 = models.CharField(max_length=64)

    ACCESS_COMPOUND = "vote__compound_id"

    class Meta:
        ordering = ["vote_id", "id"]

    def __str__(self) -> str:
        return self.title


class CanvassStatus(models.TextChoices):
    PENDING = "pending", _("Not visited yet")
    CONTACTED = "contacted", _("Contacted, no ballot yet")
    COMPLETED = "completed", _("Ballot collected")
    UNREACHABLE = "unreachable", _("Unreachable")


def new_token() -> str:
    # 10 characters of an alphabet without look-alikes (0/O, 1/I/L): easy to type off paper.
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Elector(models.Model):
    """One owner party of a vote's electorate (SPC Art. 9), with its summed area. Built when the
    vote is published, rebuilt while the notice runs, frozen when voting opens."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    key = models.CharField(max_length=200)  # electorate.party_key: "p:12", "p:3+p:4", "developer"
    area = models.DecimalField(max_digits=12, decimal_places=2)
    unit_count = models.PositiveIntegerField(default=1)
    label = models.CharField(max_length=200)  # the first unit's code, "+2" when several
    building = models.ForeignKey(
        "places.Building", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # People who may cast this owner's ballot themselves (the owner, or any co-owner).
    people = models.ManyToManyField("people.Person", related_name="electors", blank=True)
    token = models.CharField(max_length=12, unique=True, default=new_token)
    canvass_status = models.CharField(
        max_length=16, choices=CanvassStatus.choices, default=CanvassStatus.PENDING
    )
    canvass_note = models.CharField(max_length=200, blank=True)
    canvassed_at = models.DateTimeField(null=True, blank=True)
    canvassed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    ACCESS_COMPOUND = "vote__compound_id"
    ACCESS_BUILDING = "building_id"

    class Meta:
        ordering = ["vote_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="elector_key_unique"),
            models.CheckConstraint(name="elector_area_positive", condition=Q(area__gt=0)),
        ]

    def __str__(self) -> str:
        return self.label


class ElectorUnit(models.Model):
    """One unit of an elector, as it stood when the electorate was built."""

    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="units")
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("places.Unit", on_delete=models.PROTECT, related_name="+")
    unit_code = models.CharField(max_length=60)
    building = models.ForeignKey("places.Building", on_delete=models.PROTECT, related_name="+")
    area = models.DecimalField(max_digits=10, decimal_places=2)
    area_source = models.CharField(max_length=16)

    class Meta:
        ordering = ["elector_id", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "unit"], name="elector_unit_unique")]


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper ballot")
    CANVASS = "canvass", _("Door-to-door")
    PROXY = "proxy", _("By proxy")
    ONSITE = "onsite", _("At the meeting")
    OFFICIAL = "official", _("City e-voting system")


class Verification(models.TextChoices):
    ACCOUNT = "account", _("Logged in as a bound owner")
    TOKEN = "token", _("Ballot token and signed paper")
    SIGNATURE = "signature", _("Signature drawn on screen")
    AUTHORISATION = "authorisation", _("Written authorisation")
    IN_PERSON = "in_person", _("Identity checked in person")
    OFFICIAL = "official", _("Official result file")


def ballot_file_path(instance, filename: str) -> str:
    return f"decisions/{instance.vote_id}/ballots/{secrets.token_hex(12)}-{filename[-60:]}"


class Ballot(TimeStampedModel):
    """The one ballot of one owner party in one vote, whatever channel it came through.

    `choices` maps a motion id (as a string) to the answer: "yes" / "no" / "abstain" for yes-no
    motions; for an election a list of candidate keys, "abstain", or "void" (more than the
    seats); for a question a list of option keys or `{"text": …}`. The unique constraint on
    `elector` is what makes a second ballot impossible, however two submissions race.
    """

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    elector = models.OneToOneField(Elector, on_delete=models.PROTECT, related_name="ballot")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    verification = models.CharField(_("verified by"), max_length=16, choices=Verification.choices)
    choices = models.JSONField(default=dict)
    cast_at = models.DateTimeField(_("cast"))
    voter = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who filled the ballot in: the owner, a co-owner or the proxy."),
    )
    proxy = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="proxies"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    scan = models.FileField(upload_to=ballot_file_path, blank=True)
    signature = models.FileField(upload_to=ballot_file_path, blank=True)
    authorisation = models.FileField(upload_to=ballot_file_path, blank=True)
    receipt = models.CharField(max_length=16, unique=True, default=new_token)
    corrections = models.PositiveSmallIntegerField(default=0)
    content_sha256 = models.CharField(max_length=64)

    ACCESS_COMPOUND = "vote__compound_id"

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["vote_id", "id"]
        indexes = [models.Index(fields=["vote", "proxy"])]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.elector_id}"


class Objection(TimeStampedModel):
    """An owner's objection to their own electorate entry, raised while the notice runs."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted: the registry was corrected")
        REJECTED = "rejected", _("Rejected")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="objections")
    elector = models.ForeignKey(Elector, on_delete=models.SET_NULL, null=True, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what is wrong"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    ACCESS_COMPOUND = "vote__compound_id"

    class Meta:
        ordering = ["-created_at"]


class MeetingRequest(TimeStampedModel):
    """Owners asking for an extraordinary meeting: it is due once supporters hold ≥ 20 % of the
    area and ≥ 20 % of the owners (the model rules for owners' assemblies, Art. 15 of the
    Ministry of Housing's 业主大会和业主委员会指导规则)."""

    class State(models.TextChoices):
        COLLECTING = "collecting", _("Collecting support")
        REACHED = "reached", _("Threshold reached: a meeting is due")
        CONVENED = "convened", _("Meeting convened")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.CASCADE, related_name="meeting_requests"
    )
    title = models.CharField(_("what the meeting should decide"), max_length=200)
    reason = models.TextField(_("why"))
    started_by = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.COLLECTING)
    reached_at = models.DateTimeField(null=True, blank=True)
    total_area = models.DecimalField(max_digits=14, decimal_places=2)
    total_owners = models.PositiveIntegerField()

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class MeetingSupport(TimeStampedModel):
    """One owner party's signature under a meeting request."""

    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE, related_name="supports")
    owner_key = models.CharField(max_length=200)
    area = models.DecimalField(max_digits=12, decimal_places=2)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "owner_key"], name="meeting_support_once")
        ]
