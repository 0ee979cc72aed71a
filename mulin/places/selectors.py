"""Reads for the places pages: compound list and overview, building drill-down, unit page.

Every function here runs a fixed number of queries, whatever the size of the compound: counts
come from grouped queries filtered on indexed foreign keys, never from one query per row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Length
from django.utils import timezone

from mulin.core import access
from mulin.core.privacy import mask_name
from mulin.orgs.models import (
    PARTY_KINDS,
    Organisation,
    OrgKind,
    PartyMembership,
    ResponsibilityArea,
)
from mulin.orgs.selectors import on_duty_now, responsible_for_unit
from mulin.people.models import CareKind, CareTag, Ownership, Residency, Vehicle

from .models import (
    Building,
    Compound,
    Entrance,
    ParkingKind,
    ParkingSpace,
    Unit,
    UnitStatus,
    UnitUse,
)


def perms_in_compound(user, compound: Compound, *perms: str) -> set[str]:
    """The permissions among `perms` that `user` holds on the whole of `compound` — the test
    the services apply, so a page shows a button exactly when its service would accept."""
    return {p for p in perms if access.scope_for(user, p).covers_compound(compound.id)}


def _current_residency(unit_ref: str = "pk", today=None) -> QuerySet:
    return Residency.objects.current(today).filter(unit_id=OuterRef(unit_ref))


def _household_count(today=None) -> Count:
    """Households: residential units where someone lives now."""
    return Count(
        "id", filter=Q(use=UnitUse.RESIDENTIAL) & Q(Exists(_current_residency(today=today)))
    )


# ---------------------------------------------------------------- compound list


def compounds_with_counts(compounds: list[Compound], today=None) -> list[Compound]:
    """Attach units, households and residents to a page of compounds: two grouped queries."""
    ids = [c.id for c in compounds]
    units = {
        row["compound_id"]: row
        for row in Unit.objects.filter(compound_id__in=ids)
        .order_by()
        .values("compound_id")
        .annotate(units=Count("id"), households=_household_count(today))
    }
    residents = dict(
        Residency.objects.current(today)
        .filter(unit__compound_id__in=ids)
        .order_by()
        .values("unit__compound_id")
        .annotate(n=Count("id"))
        .values_list("unit__compound_id", "n")
    )
    for compound in compounds:
        row = units.get(compound.id, {})
        compound.unit_count = row.get("units", 0)
        compound.household_count = row.get("households", 0)
        compound.resident_count = residents.get(compound.id, 0)
    return compounds


# ---------------------------------------------------------------- compound overview


@dataclass
class BuildingRow:
    building: Building
    entrances: int = 0
    units: int = 0
    households: int = 0
    residents: int = 0
    responsible: list[ResponsibilityArea] = field(default_factory=list)


@dataclass
class OrgGroup:
    """The organisations of one kind, e.g. the 27 stairwell party groups, with their members."""

    kind: str
    label: str
    organisations: list[Organisation]

    @property
    def members(self) -> int:
        return sum(o.member_count for o in self.organisations)


@dataclass
class CompoundOverview:
    compound: Compound
    units: int
    households: int
    residents: int
    area: Decimal
    by_use: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    party_registered: int
    party_reporting: int
    organisation_groups: list[OrgGroup]
    on_duty: list
    care: list[tuple[str, int]]
    buildings: list[BuildingRow]
    parking_spaces: int = 0


def compound_overview(compound: Compound, today=None) -> CompoundOverview:
    """The 小区名片: figures, organisations, duty and the building list. Nine queries."""
    today = today or timezone.localdate()
    buildings = list(
        Building.objects.filter(compound=compound).annotate(entrance_count=Count("entrances"))
    )
    rows = {b.id: BuildingRow(b, entrances=b.entrance_count) for b in buildings}

    # Units grouped by building, use and status: every unit figure in one pass.
    by_use: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    area = Decimal("0")
    unit_groups = (
        Unit.objects.filter(compound=compound)
        .order_by()
        .values("building_id", "use", "status")
        .annotate(n=Count("id"), area=Sum("area"), households=_household_count(today))
    )
    for group in unit_groups:
        row = rows.get(group["building_id"])
        if row is not None:
            row.units += group["n"]
            row.households += group["households"]
        by_use[group["use"]] += group["n"]
        by_status[group["status"]] += group["n"]
        area += group["area"] or Decimal("0")

    residents_by_building = (
        Residency.objects.current(today)
        .filter(unit__compound=compound)
        .order_by()
        .values("unit__building_id")
        .annotate(n=Count("id"))
    )
    for group in residents_by_building:
        if (row := rows.get(group["unit__building_id"])) is not None:
            row.residents = group["n"]

    # The party member who answers for each building (包楼党员); property staff and others
    # show on the building page.
    areas = (
        ResponsibilityArea.objects.filter(
            _current_membership(today),
            building_id__in=list(rows),
            membership__organisation__kind__in=PARTY_KINDS,
        )
        .select_related("membership__person", "membership__organisation")
        .order_by("membership__organisation__order", "id")
    )
    for area_row in areas:
        rows[area_row.building_id].responsible.append(area_row)

    party = dict(
        PartyMembership.objects.filter(organisation__compound=compound)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )

    care = list(
        CareTag.objects.current(today)
        .filter(person__compound=compound, person__deceased_on__isnull=True)
        .order_by()
        .values("kind")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("kind", "n")
    )
    care_labels = dict(CareKind.choices)
    use_labels = dict(UnitUse.choices)
    status_labels = dict(UnitStatus.choices)
    return CompoundOverview(
        compound=compound,
        units=sum(r.units for r in rows.values()),
        households=sum(r.households for r in rows.values()),
        residents=sum(r.residents for r in rows.values()),
        area=area,
        by_use=[(use_labels.get(k, k), n) for k, n in sorted(by_use.items())],
        by_status=[(status_labels.get(k, k), n) for k, n in sorted(by_status.items())],
        party_registered=party.get(PartyMembership.Status.REGISTERED, 0),
        party_reporting=party.get(PartyMembership.Status.REPORTING, 0),
        organisation_groups=_group_by_kind(organisations_of(compound, today=today)),
        on_duty=list(on_duty_now(compound=compound)),
        care=sorted(((care_labels.get(k, k), n) for k, n in care), key=lambda x: -x[1]),
        buildings=list(rows.values()),
        parking_spaces=ParkingSpace.objects.filter(compound=compound).count(),
    )


def organisations_of(compound: Compound, today=None) -> QuerySet:
    """Active organisations of the compound and the community-wide ones serving it, each with
    its current member count. One query."""
    today = today or timezone.localdate()
    current = Q(memberships__term_start__isnull=True) | Q(memberships__term_start__lte=today)
    current &= Q(memberships__term_end__isnull=True) | Q(memberships__term_end__gte=today)
    return (
        Organisation.objects.active()
        .filter(Q(compound=compound) | Q(compound__isnull=True, community_id=compound.community_id))
        .annotate(member_count=Count("memberships", filter=current))
        .order_by("compound_id", "order", "id")
    )


# ---------------------------------------------------------------- parking spaces


@dataclass
class ParkingSummary:
    total: int
    counting_as_units: int
    by_kind: list[tuple[str, str, int]]  # (kind, label, spaces), in the kinds' order


def parking_summary(compound: Compound) -> ParkingSummary:
    """Spaces by kind and how many are exclusive units of their own. One grouped query."""
    groups = {
        row["kind"]: row
        for row in ParkingSpace.objects.filter(compound=compound)
        .order_by()
        .values("kind")
        .annotate(n=Count("id"), units=Count("id", filter=Q(counts_as_unit=True)))
    }
    return ParkingSummary(
        total=sum(g["n"] for g in groups.values()),
        counting_as_units=sum(g["units"] for g in groups.values()),
        by_kind=[
            (kind, label, groups[kind]["n"])
            for kind, label in ParkingKind.choices
            if kind in groups
        ],
    )


def parking_spaces(compound: Compound, kind: str = "") -> QuerySet:
    """The compound's spaces in number order (P2 before P10), optionally of one kind."""
    spaces = ParkingSpace.objects.filter(compound=compound)
    if kind:
        spaces = spaces.filter(kind=kind)
    return spaces.order_by(Length("number"), "number", "id")


# ---------------------------------------------------------------- public page


def public_compound(compound: Compound, today=None) -> dict:
    """Aggregates only: nothing here may identify a person or a home."""
    today = today or timezone.localdate()
    figures = Unit.objects.filter(compound=compound).aggregate(
        units=Count("id"), households=_household_count(today)
    )
    organisations = (
        Organisation.objects.active()
        .filter(Q(compound=compound) | Q(compound__isnull=True, community_id=compound.community_id))
        .order_by("compound_id", "order", "id")
        .only("name", "kind", "phone", "description", "compound_id")
    )
    return {
        "buildings": Building.objects.filter(compound=compound).count(),
        "units": figures["units"],
        "households": figures["households"],
        "organisation_groups": _group_by_kind(organisations),
    }


def _group_by_kind(organisations) -> list[OrgGroup]:
    groups: dict[str, OrgGroup] = {}
    labels = dict(OrgKind.choices)
    for org in organisations:
        groups.setdefault(org.kind, OrgGroup(org.kind, labels.get(org.kind, org.kind), []))
        groups[org.kind].organisations.append(org)
    order = {kind: i for i, kind in enumerate(OrgKind.values)}
    return sorted(groups.values(), key=lambda g: order.get(g.kind, 99))


# ---------------------------------------------------------------- building drill-down


@dataclass
class Floor:
    number: int | None
    units: list[Unit]


def building_entrances(building: Building) -> list[Entrance]:
    return sorted(
        Entrance.objects.filter(building=building).annotate(unit_count=Count("units")),
        key=lambda e: (_natural(e.number), e.number),
    )


def building_grid(building: Building, entrance: Entrance | None, today=None) -> list[Floor]:
    """The mailbox wall of one entrance (or of a building without entrances): floors from the
    top down, each floor's units in room order. One query, with residents counted, the head of
    household's name and a care marker computed in the database."""
    today = today or timezone.localdate()
    current = _current_residency(today=today)
    head = current.filter(is_head=True).order_by("id").values("person__name")[:1]
    cared = CareTag.objects.current(today).filter(
        person_id__in=Residency.objects.current(today)
        .filter(unit_id=OuterRef(OuterRef("pk")))
        .values("person_id")
    )
    units = Unit.objects.filter(building=building)
    units = units.filter(entrance=entrance) if entrance else units.filter(entrance__isnull=True)
    units = units.annotate(
        resident_count=Subquery(
            Residency.objects.current(today)
            .filter(unit_id=OuterRef("pk"))
            .order_by()
            .values("unit_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        head_name=Subquery(head),
        has_care=Exists(cared),
    ).order_by("-floor", "number")
    floors: dict[int | None, list[Unit]] = {}
    for unit in units:
        # The grid is a staff overview: the head of household's name stays masked.
        unit.head_masked = mask_name(unit.head_name or "")
        floors.setdefault(unit.floor, []).append(unit)
    for row in floors.values():
        row.sort(key=lambda u: (_natural(u.number), u.number))
    return [Floor(number, row) for number, row in floors.items()]


def building_responsible(
    building: Building, entrances: list[Entrance], today=None
) -> list[ResponsibilityArea]:
    """Who answers for the building and its entrances. One query, on the two indexed foreign
    keys (an OR through a join to the entrance would scan every area of the district)."""
    today = today or timezone.localdate()
    place = Q(building_id=building.pk) | Q(entrance_id__in=[e.pk for e in entrances])
    areas = (
        ResponsibilityArea.objects.filter(place, _current_membership(today))
        .select_related("membership__person", "membership__organisation")
        .order_by("membership__organisation__order", "id")
    )
    numbers = {e.pk: e for e in entrances}
    for area in areas:
        area.entrance = numbers.get(area.entrance_id)
    return sorted(
        areas,
        key=lambda a: (a.entrance is not None, _natural(a.entrance.number) if a.entrance else 0),
    )


def _current_membership(today) -> Q:
    """The area's membership term covers `today` — on the joined row, not a subquery."""
    return (Q(membership__term_start__isnull=True) | Q(membership__term_start__lte=today)) & (
        Q(membership__term_end__isnull=True) | Q(membership__term_end__gte=today)
    )


def _natural(number: str) -> int:
    digits = ""
    for char in number or "":
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else 1_000_000


# ---------------------------------------------------------------- unit page


@dataclass
class UnitPage:
    unit: Unit
    ownerships: list[Ownership]
    past_ownerships: list[Ownership]
    residencies: list[Residency]
    past_residencies: list[Residency]
    vehicles: list[Vehicle]
    care_tags: list[CareTag]
    responsible: list[ResponsibilityArea]
    on_duty: list


def unit_page(unit: Unit, today=None) -> UnitPage:
    """Everything the unit page shows. Six queries whatever the history's length."""
    today = today or timezone.localdate()
    ownerships = list(
        Ownership.objects.filter(unit=unit)
        .select_related("person", "company")
        .order_by("ended_on", "-share", "id")
    )
    residencies = list(
        Residency.objects.filter(unit=unit)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "person__care_tags",
                queryset=CareTag.objects.current(today).order_by("kind"),
                to_attr="current_care_tags",
            )
        )
        .order_by("-is_head", "moved_in_on", "id")
    )

    def ownership_current(o: Ownership) -> bool:
        return o.ended_on is None or o.ended_on > today

    def residency_current(r: Residency) -> bool:
        return r.moved_out_on is None or r.moved_out_on > today

    current_residencies = [r for r in residencies if residency_current(r)]
    vehicles = list(
        Vehicle.objects.filter(unit=unit, removed_on__isnull=True)
        .select_related("person")
        .order_by("plate")
    )
    care_tags = [t for r in current_residencies for t in r.person.current_care_tags]
    return UnitPage(
        unit=unit,
        ownerships=[o for o in ownerships if ownership_current(o)],
        past_ownerships=sorted(
            (o for o in ownerships if not ownership_current(o)),
            key=lambda o: o.ended_on,
            reverse=True,
        ),
        residencies=current_residencies,
        past_residencies=sorted(
            (r for r in residencies if not residency_current(r)),
            key=lambda r: r.moved_out_on,
            reverse=True,
        ),
        vehicles=vehicles,
        care_tags=care_tags,
        responsible=responsible_for_unit(unit, today=today),
        on_duty=list(on_duty_now(compound=unit.compound)),
    )
