"""Load, refresh and remove the demo compounds."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from mulin.core.models import User
from mulin.orgs.models import DutyShift, Organisation, OrgKind, PartyMembership
from mulin.people.models import Company, Ownership, Person
from mulin.places.models import Compound

from . import cangji, decisions, deliberation, jinxiu, tickets
from .builder import rolling_shifts
from .logins import LOGINS, create_logins, ensure_admin, password_hash

BUILDERS = {jinxiu.CODE: jinxiu.build, cangji.CODE: cangji.build}
# Organisations the demo creates for a whole community (no compound), removed with the demo.
COMMUNITY_ORGS = {"jinshan": "金山社区党委", "cangji": "仓基新村社区党委"}


@dataclass
class LoadResult:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    roster_refreshed: list[str] = field(default_factory=list)


@transaction.atomic
def load_demo(*, reset: bool = False) -> LoadResult:
    """Build each demo compound that does not exist yet; with `reset`, remove them first.

    Loading again changes nothing, except that a duty roster that has run out (the demo was
    loaded days ago) gets new shifts so that "who is on duty now" still names someone.
    """
    if reset:
        remove_demo()
    result = LoadResult()
    hashed = password_hash()
    ensure_admin(hashed)
    for code, build in BUILDERS.items():
        if Compound.objects.filter(code=code).exists():
            result.skipped.append(code)
            if refresh_roster(code):
                result.roster_refreshed.append(code)
            tickets.ensure_requests(code)  # a demo loaded before requests existed gets them now
            decisions.ensure_votes(code)  # … and before votes existed
            deliberation.ensure_deliberation(code)  # … and before deliberation existed
            continue
        built = build()
        create_logins(built, hashed)
        tickets.ensure_requests(code)
        # Votes after the logins (staff run them, owners with accounts vote online) and the
        # requests (whose app users include owners).
        decisions.ensure_votes(code)
        deliberation.ensure_deliberation(code)
        result.built.append(code)
    return result


def refresh_roster(code: str) -> bool:
    """Add rolling shifts to the compound's property service when nobody is on duty now."""
    shifts = DutyShift.objects.filter(organisation__compound__code=code)
    if shifts.on_duty().exists():
        return False
    org = Organisation.objects.filter(
        compound__code=code, kind__in=[OrgKind.PROPERTY_COMPANY, OrgKind.QUASI_PROPERTY]
    ).first()
    if org is None:
        return False
    people = []
    for shift in shifts.filter(organisation=org).select_related("person").order_by("starts_at"):
        if shift.person not in people:
            people.append(shift.person)
    if not people:
        return False
    DutyShift.objects.bulk_create(rolling_shifts(org, people, note=shifts.last().note))
    return True


@transaction.atomic
def remove_demo() -> None:
    """Delete both demo compounds with everything in them, and the demo logins (an `admin`
    account is kept: it may be the site's real administrator)."""
    compounds = Compound.objects.filter(code__in=BUILDERS)
    deliberation.remove_deliberation(compounds)
    decisions.remove_votes(compounds)
    tickets.remove_requests(compounds)
    User.objects.filter(username__in=[x.username for x in LOGINS if x.username != "admin"]).delete()
    Ownership.objects.filter(unit__compound__in=compounds).delete()
    community_wide = Q()
    for community_code, name in COMMUNITY_ORGS.items():
        community_wide |= Q(compound__isnull=True, community__code=community_code, name=name)
    orgs = Organisation.objects.filter(Q(compound__in=compounds) | community_wide)
    PartyMembership.objects.filter(organisation__in=orgs).delete()
    # Parents are protected: cut the tree before deleting it.
    Organisation.objects.filter(Q(parent__in=orgs) | Q(id__in=orgs)).update(parent=None)
    Organisation.objects.filter(id__in=list(orgs.values_list("id", flat=True))).delete()
    Person.objects.filter(compound__in=compounds).delete()
    Company.objects.filter(compound__in=compounds).delete()
    compounds.delete()
