"""Reads about organisations: who answers for a home, who is on duty now."""

from django.db.models import Q
from django.utils import timezone

from mulin.places.models import Unit

from .models import DutyShift, Membership, ResponsibilityArea


def responsible_for_unit(unit: Unit, today=None) -> list[ResponsibilityArea]:
    """Everyone who answers for this household (包楼包户): areas on the unit, its entrance or its
    building, with current memberships, nearest first. One query."""
    today = today or timezone.localdate()
    place = Q(unit_id=unit.pk) | Q(building_id=unit.building_id)
    if unit.entrance_id:
        place |= Q(entrance_id=unit.entrance_id)
    areas = (
        ResponsibilityArea.objects.filter(place)
        .filter(membership__in=Membership.objects.current(today))
        .select_related(
            "membership__person", "membership__organisation", "membership__organisation__parent"
        )
    )
    return sorted(
        areas,
        key=lambda a: (
            0 if a.unit_id else 1 if a.entrance_id else 2,
            a.membership.organisation.order,
            a.id,
        ),
    )


def on_duty_now(*, compound=None, community=None, at=None):
    """Shifts in progress now, with person and organisation — one query."""
    shifts = DutyShift.objects.on_duty(at or timezone.now()).select_related(
        "person", "organisation"
    )
    if compound is not None:
        shifts = shifts.filter(
            Q(organisation__compound=compound)
            | Q(
                organisation__compound__isnull=True,
                organisation__community_id=compound.community_id,
            )
        )
    elif community is not None:
        shifts = shifts.filter(organisation__community=community)
    return shifts.order_by("starts_at")
