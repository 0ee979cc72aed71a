"""Where people live: district → subdistrict → community → compound → building → entrance → unit."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mulin.core.models import TimeStampedModel

from .codes import UnitCode


class District(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Subdistrict(TimeStampedModel):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(TimeStampedModel):
    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CityRuleSet(models.TextChoices):
    """Local rules that later modules (owners' votes, fees) follow."""

    NATIONAL = "national", _("National rules only")
    XIAMEN = "xiamen", _("Xiamen")
    HANGZHOU = "hangzhou", _("Hangzhou (Zhejiang)")


class Compound(TimeStampedModel):
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="compounds")
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Stable short name used in addresses, e.g. jinxiu-jinshan."),
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    delivered_year = models.PositiveSmallIntegerField(_("year delivered"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Rules for later modules; every value has a safe national default.
    city_rule_set = models.CharField(
        _("city rule set"), max_length=20, choices=CityRuleSet.choices, default=CityRuleSet.NATIONAL
    )
    parking_counts_as_units = models.BooleanField(
        _("parking spaces count as units in owners' votes"), default=False
    )
    silent_owners_follow_majority = models.BooleanField(
        _("silent owners counted with the majority"), default=False
    )
    assembly_notice_days = models.PositiveSmallIntegerField(
        _("days of notice before an owners' vote"), default=15
    )
    max_proxies_per_person = models.PositiveSmallIntegerField(
        _("proxies one person may hold"), default=3
    )
    requires_city_evoting = models.BooleanField(
        _("online votes go through the city's e-voting system"), default=False
    )

    @staticmethod
    def access_q(scope):
        return models.Q(id__in=scope.compound_ids | scope.building_compound_ids)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="buildings")
    number = models.CharField(_("building number"), max_length=20)
    name = models.CharField(_("name"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    has_lift = models.BooleanField(_("has a lift"), default=False)
    sort_key = models.PositiveIntegerField(default=0, editable=False)

    ACCESS_COMPOUND = "compound_id"
    ACCESS_BUILDING = "id"

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="building_number_unique")
        ]
        ordering = ["compound", "sort_key", "number"]

    def save(self, *args, **kwargs):
        self.sort_key = natural_key(self.number)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return _("Building %(number)s") % {"number": self.number}


class Entrance(TimeStampedModel):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="entrances")
    number = models.CharField(_("entrance number"), max_length=20)

    ACCESS_COMPOUND = "building__compound_id"
    ACCESS_BUILDING = "building_id"

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="entrance_number_unique")
        ]
        ordering = ["building", "number"]

    def __str__(self) -> str:
        return _("Entrance %(number)s") % {"number": self.number}


class UnitUse(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")
    COMMERCIAL = "commercial", _("Commercial")
    PARKING = "parking", _("Parking")
    OTHER = "other", _("Other")


class AreaSource(models.TextChoices):
    """Civil Code interpretation Art. 8: the register's area, else the survey's, else the contract's."""

    REGISTER = "register", _("Property register")
    SURVEY = "survey", _("Survey report")
    CONTRACT = "contract", _("Sales contract")


class UnitStatus(models.TextChoices):
    OCCUPIED = "occupied", _("Occupied")
    VACANT = "vacant", _("Vacant")
    RENTED = "rented", _("Rented")
    RENOVATING = "renovating", _("Under renovation")


class UnitQuerySet(models.QuerySet):
    def with_place(self):
        return self.select_related("building", "entrance", "compound")


class Unit(TimeStampedModel):
    """A home (or shop, or other exclusive part). `code` is `63-2-301`, unique in the compound."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="units")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units")
    entrance = models.ForeignKey(
        Entrance, on_delete=models.CASCADE, related_name="units", null=True, blank=True
    )
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    number = models.CharField(_("room number"), max_length=20)
    code = models.CharField(_("unit code"), max_length=60, db_index=True)
    use = models.CharField(
        _("use"), max_length=16, choices=UnitUse.choices, default=UnitUse.RESIDENTIAL
    )
    area = models.DecimalField(
        _("exclusive area (m²)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    area_source = models.CharField(
        _("area source"), max_length=16, choices=AreaSource.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=UnitStatus.choices, default=UnitStatus.OCCUPIED
    )

    objects = UnitQuerySet.as_manager()

    ACCESS_COMPOUND = "compound_id"
    ACCESS_BUILDING = "building_id"

    @staticmethod
    def household_q(unit_ids, user):
        return models.Q(id__in=unit_ids)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["compound", "code"], name="unit_code_unique"),
            models.CheckConstraint(
                name="unit_area_positive",
                condition=models.Q(area__isnull=True) | models.Q(area__gt=0),
            ),
            models.CheckConstraint(
                name="unit_area_has_source",
                condition=models.Q(area__isnull=True) | ~models.Q(area_source=""),
            ),
        ]
        ordering = ["building_id", "entrance_id", "floor", "number"]

    def __str__(self) -> str:
        return self.code

    @property
    def unit_code(self) -> UnitCode:
        return UnitCode(
            self.building.number, self.entrance.number if self.entrance_id else None, self.number
        )

    @property
    def chinese_code(self) -> str:
        return self.unit_code.chinese


class ParkingKind(models.TextChoices):
    SURFACE = "surface", _("Surface")
    UNDERGROUND = "underground", _("Underground")
    MECHANICAL = "mechanical", _("Mechanical")
    GARAGE = "garage", _("Garage")


class ParkingSpace(TimeStampedModel):
    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="parking_spaces")
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ParkingKind.choices, default=ParkingKind.SURFACE
    )
    area = models.DecimalField(
        _("area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    counts_as_unit = models.BooleanField(_("counts as an exclusive unit"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    ACCESS_COMPOUND = "compound_id"

    class Meta:
        verbose_name = _("parking space")
        verbose_name_plural = _("parking spaces")
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="parking_number_unique")
        ]
        ordering = ["compound", "number"]

    def __str__(self) -> str:
        return self.number


def natural_key(number: str) -> int:
    """Sort building 9 before building 63: the leading digits, or a large value for letters."""
    digits = ""
    for char in number or "":
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 1_000_000
