"""Persons and their ties to homes: ownership, residency, vehicles, care tags, consent."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mulin.core.models import TimeStampedModel
from mulin.core.privacy import mask_phone


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "", _("Not recorded")


class PersonQuerySet(models.QuerySet):
    pass


class Person(TimeStampedModel):
    """A resident, owner or worker in the registry.

    `compound` is the compound whose registry holds the record; it decides who may see it.
    The ID number is optional (PIPL: collect only what a purpose needs) and stored encrypted;
    `id_number_digest` lets the import find the same person again without decrypting.
    """

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(max_length=200, db_index=True, editable=False, default="")
    name_initials = models.CharField(max_length=50, db_index=True, editable=False, default="")
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, blank=True, default=""
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    phone_tail = models.CharField(max_length=4, db_index=True, editable=False, default="")
    id_number_encrypted = models.TextField(blank=True, default="", editable=False)
    id_number_digest = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    id_number_masked = models.CharField(
        _("ID number"), max_length=20, blank=True, default="", editable=False
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    @staticmethod
    def access_q(scope):
        from mulin.core.access import person_in_units_q
        from mulin.places.models import Unit

        q = models.Q(compound_id__in=scope.compound_ids)
        if scope.building_ids:
            units = Unit.objects.filter(building_id__in=scope.building_ids).values_list(
                "id", flat=True
            )
            q |= person_in_units_q(units)
        return q

    @staticmethod
    def household_q(unit_ids, user):
        from mulin.core.access import person_in_units_q

        return person_in_units_q(unit_ids) | models.Q(pk=user.person_id)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name_pinyin", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from .naming import name_keys

        self.name_pinyin, self.name_initials = name_keys(self.name)
        self.phone_tail = self.phone[-4:] if self.phone else ""
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age(self, today=None) -> int | None:
        today = today or timezone.localdate()
        if self.birth_date:
            b = self.birth_date
            return today.year - b.year - ((today.month, today.day) < (b.month, b.day))
        if self.birth_year:
            return today.year - self.birth_year
        return None


class Skill(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction")
    FIRE_SAFETY = "fire_safety", _("Fire safety")
    MEDICAL = "medical", _("Medical")
    LEGAL = "legal", _("Legal")
    FINANCE = "finance", _("Finance")
    ELECTRICAL = "electrical", _("Electrical")
    PLUMBING = "plumbing", _("Plumbing")
    HAIRCUT = "haircut", _("Haircuts")
    APPLIANCE_REPAIR = "appliance_repair", _("Appliance repair")
    TEACHING = "teaching", _("Teaching")
    PSYCHOLOGY = "psychology", _("Counselling")
    PHOTOGRAPHY = "photography", _("Photography")
    OTHER = "other", _("Other")


class PersonSkill(models.Model):
    """A resident expert's skill (民间达人), e.g. construction supervision."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(_("skill"), max_length=32, choices=Skill.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    ACCESS_COMPOUND = "person__compound_id"

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["person", "skill"], name="person_skill_unique")
        ]


class CareKind(models.TextChoices):
    LIVING_ALONE = "living_alone", _("Living alone")
    WIDOWED_CHILDLESS = "widowed_childless", _("Widowed or childless (孤寡)")
    EMPTY_NEST = "empty_nest", _("Empty-nest elder")
    DISABLED = "disabled", _("Disability")
    LOW_INCOME = "low_income", _("Low income")
    OVER_80 = "over_80", _("Aged 80 or over")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")
    OTHER = "other", _("Other")


class CareTagQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=today))


class CareTag(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_tags")
    kind = models.CharField(_("care group"), max_length=32, choices=CareKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_on = models.DateField(_("since"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = CareTagQuerySet.as_manager()

    ACCESS_COMPOUND = "person__compound_id"

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")


class ConsentPurpose(models.TextChoices):
    REGISTRY = "registry", _("Kept in the compound registry")
    PUBLIC_DISPLAY = "public_display", _("Name shown on public boards")
    NOTIFICATIONS = "notifications", _("Receive notifications")


class ConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Consent(TimeStampedModel):
    """PIPL Art. 14–15: consent per purpose, recorded with how it was given, and withdrawable."""

    class Method(models.TextChoices):
        PAPER = "paper", _("Signed on paper")
        ONLINE = "online", _("Online")
        VERBAL = "verbal", _("Verbal, recorded by staff")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32, choices=ConsentPurpose.choices)
    method = models.CharField(
        _("how given"), max_length=16, choices=Method.choices, default=Method.PAPER
    )
    granted_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    ACCESS_COMPOUND = "person__compound_id"

    @staticmethod
    def household_q(unit_ids, user):
        return models.Q(person_id=user.person_id)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_purpose",
            )
        ]


class Company(TimeStampedModel):
    """A company that owns units — the developer's unsold units included."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    is_developer = models.BooleanField(_("developer"), default=False)
    compound = models.ForeignKey(
        "places.Compound", on_delete=models.PROTECT, related_name="companies"
    )

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class OwnershipQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=today))


class Ownership(TimeStampedModel):
    """One owner of one unit. Co-owners are several rows on the unit, each with a share.

    Rows are never overwritten: a sale ends the old rows (`ended_on`) and adds new ones.
    """

    class DateKind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        POSSESSION = "possession", _("Took possession")

    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="ownerships")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="ownerships"
    )
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4, default=Decimal("1"))
    started_on = models.DateField(_("owner since"), null=True, blank=True)
    date_kind = models.CharField(
        _("date is"), max_length=16, choices=DateKind.choices, default=DateKind.REGISTERED
    )
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    objects = OwnershipQuerySet.as_manager()

    ACCESS_COMPOUND = "unit__compound_id"
    ACCESS_BUILDING = "unit__building_id"

    @staticmethod
    def household_q(unit_ids, user):
        return models.Q(unit_id__in=unit_ids)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.CheckConstraint(
                name="ownership_one_party",
                condition=(
                    models.Q(person__isnull=False, company__isnull=True)
                    | models.Q(person__isnull=True, company__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="ownership_share_range", condition=models.Q(share__gt=0, share__lte=1)
            ),
        ]

    @property
    def party(self):
        return self.person or self.company


class ResidencyQuerySet(models.QuerySet):
    def current(self, today=None):
        today = today or timezone.localdate()
        return self.filter(models.Q(moved_out_on__isnull=True) | models.Q(moved_out_on__gt=today))


class Residency(TimeStampedModel):
    class Relation(models.TextChoices):
        OWNER = "owner", _("Owner")
        FAMILY = "family", _("Family member")
        TENANT = "tenant", _("Tenant")
        OTHER = "other", _("Other")

    unit = models.ForeignKey("places.Unit", on_delete=models.CASCADE, related_name="residencies")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residencies")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    is_head = models.BooleanField(_("head of household"), default=False)
    moved_in_on = models.DateField(_("moved in"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True)

    objects = ResidencyQuerySet.as_manager()

    ACCESS_COMPOUND = "unit__compound_id"
    ACCESS_BUILDING = "unit__building_id"

    @staticmethod
    def household_q(unit_ids, user):
        return models.Q(unit_id__in=unit_ids)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        indexes = [models.Index(fields=["unit", "moved_out_on"])]


class Vehicle(TimeStampedModel):
    class Energy(models.TextChoices):
        FUEL = "fuel", _("Fuel")
        NEW_ENERGY = "new_energy", _("New energy")

    compound = models.ForeignKey(
        "places.Compound", on_delete=models.CASCADE, related_name="vehicles"
    )
    plate = models.CharField(_("plate"), max_length=10)
    energy = models.CharField(
        _("energy"), max_length=16, choices=Energy.choices, default=Energy.FUEL
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="vehicles"
    )
    unit = models.ForeignKey(
        "places.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="vehicles"
    )
    brand = models.CharField(_("make and colour"), max_length=50, blank=True)
    removed_on = models.DateField(_("removed"), null=True, blank=True)

    ACCESS_COMPOUND = "compound_id"
    ACCESS_BUILDING = "unit__building_id"

    @staticmethod
    def household_q(unit_ids, user):
        return models.Q(unit_id__in=unit_ids) | models.Q(person_id=user.person_id)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "plate"],
                condition=models.Q(removed_on__isnull=True),
                name="vehicle_plate_unique",
            )
        ]

    def __str__(self) -> str:
        return self.plate
