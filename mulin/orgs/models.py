"""The organisations that run a compound, who serves in them, and who answers for which homes."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.core.models import TimeStampedModel


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Party committee")
    PARTY_BRANCH = "party_branch", _("Party branch")
    STAIRWELL_GROUP = "stairwell_group", _("Stairwell party group")
    RESIDENTS_COMMITTEE = "residents_committee", _("Residents' committee")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    HOUSEHOLD_COMMITTEE = "household_committee", _("Household committee")
    MEDIATION_COMMITTEE = "mediation_committee", _("Mediation committee")
    PROPERTY_COMPANY = "property_company", _("Property company")
    QUASI_PROPERTY = "quasi_property", _("Quasi-property service")
    SELF_GOVERNANCE_TEAM = "self_governance_team", _("Self-governance team")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
    PARTNER = "partner", _("Partner organisation")


def org_q(scope, prefix: str = "") -> models.Q:
    """Organisations in a scope: those of its compounds, and community-wide ones of its communities."""
    compounds = scope.compound_ids | scope.building_compound_ids
    return models.Q(**{f"{prefix}compound_id__in": compounds}) | models.Q(
        **{f"{prefix}compound__isnull": True, f"{prefix}community_id__in": scope.community_ids}
    )


PARTY_KINDS = {OrgKind.PARTY_COMMITTEE, OrgKind.PARTY_BRANCH, OrgKind.STAIRWELL_GROUP}
PROPERTY_KINDS = {OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY}


class OrganisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(dissolved_on__isnull=True)


class Organisation(TimeStampedModel):
    """An organisation in the tree. Scoped to a compound, or to a whole community when
    `compound` is empty (e.g. a community party committee or a partner serving several compounds)."""

    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    community = models.ForeignKey(
        "places.Community", on_delete=models.PROTECT, related_name="organisations"
    )
    compound = models.ForeignKey(
        "places.Compound",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    description = models.TextField(_("description"), blank=True)
    phone = models.CharField(_("public phone"), max_length=30, blank=True)
    founded_on = models.DateField(_("founded"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = OrganisationQuerySet.as_manager()

    @staticmethod
    def access_q(scope):
        return org_q(scope)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_party(self) -> bool:
        return self.kind in PARTY_KINDS


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    FIRST_SECRETARY = "first_secretary", _("First secretary")
    COMMITTEE_MEMBER = "committee_member", _("Committee member")
    DIRECTOR = "director", _("Director")
    DEPUTY_DIRECTOR = "deputy_director", _("Deputy director")
    ALTERNATE = "alternate", _("Alternate member")
    LEADER = "leader", _("Leader")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    CONTACT = "contact", _("Contact")
    MEMBER = "member", _("Member")


LEADING_ROLES = [
    MemberRole.SECRETARY,
    MemberRole.FIRST_SECRETARY,
    MemberRole.DIRECTOR,
    MemberRole.LEADER,
    MemberRole.MANAGER,
    MemberRole.DEPUTY_SECRETARY,
    MemberRole.DEPUTY_DIRECTOR,
]


class MembershipQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(
            models.Q(term_start__isnull=True) | models.Q(term_start__lte=today),
            models.Q(term_end__isnull=True) | models.Q(term_end__gte=today),
        )


class Membership(TimeStampedModel):
    """A person's seat in an organisation for a term; ended terms stay as history."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=32, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    portfolio = models.CharField(_("portfolio"), max_length=100, blank=True)
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)

    objects = MembershipQuerySet.as_manager()

    @staticmethod
    def access_q(scope):
        return org_q(scope, "organisation__")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_term_order",
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_start__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organisation}"


class PartyMembership(TimeStampedModel):
    """在册党员 (registered here) or 在职党员 (reporting here, registered at their workplace)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered member")
        REPORTING = "reporting", _("Reporting member (在职党员)")

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="party_memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="party_members"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    home_organisation = models.CharField(_("home party organisation"), max_length=200, blank=True)
    joined_on = models.DateField(_("reported / registered on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    @staticmethod
    def access_q(scope):
        return org_q(scope, "organisation__")

    class Meta:
        verbose_name = _("party membership")
        verbose_name_plural = _("party memberships")
        constraints = [
            models.CheckConstraint(
                name="reporting_member_names_home",
                condition=~models.Q(status="reporting") | ~models.Q(home_organisation=""),
            )
        ]


class ResponsibilityArea(TimeStampedModel):
    """包楼包户: a membership answers for a building, an entrance or a single unit."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="areas")
    building = models.ForeignKey(
        "places.Building", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    entrance = models.ForeignKey(
        "places.Entrance", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "places.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    @staticmethod
    def access_q(scope):
        return org_q(scope, "membership__organisation__")

    class Meta:
        verbose_name = _("responsibility area")
        verbose_name_plural = _("responsibility areas")
        constraints = [
            models.CheckConstraint(
                name="area_exactly_one_place",
                condition=(
                    models.Q(building__isnull=False, entrance__isnull=True, unit__isnull=True)
                    | models.Q(building__isnull=True, entrance__isnull=False, unit__isnull=True)
                    | models.Q(building__isnull=True, entrance__isnull=True, unit__isnull=False)
                ),
            )
        ]

    @property
    def place(self):
        return self.unit or self.entrance or self.building


class DutyShiftQuerySet(models.QuerySet):
    def on_duty(self, at=None):
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class DutyShift(TimeStampedModel):
    """A shift on the duty roster (值班), e.g. typhoon watch; `on_duty()` answers "who now"."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    phone = models.CharField(_("duty phone"), max_length=20)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = DutyShiftQuerySet.as_manager()

    @staticmethod
    def access_q(scope):
        return org_q(scope, "organisation__")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                name="shift_ends_after_start", condition=models.Q(ends_at__gt=models.F("starts_at"))
            )
        ]
