"""The one place that answers "may this user do P on this object" and "which rows may they see".

Roles are granted on scopes (platform, subdistrict, community, compound, building,
organisation). A grant gives its role's permissions on every compound inside the scope; a
building grant gives them on that building's homes and people only. Residents additionally see
their own household. Everything else is denied, and a denied object answers like a missing one
(404), so an outsider cannot tell that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Role, RoleGrant, ScopeKind

# Permissions, named <area>.<verb>.
REGISTRY_VIEW = "registry.view"  # compounds, buildings, units, persons (masked)
REGISTRY_EDIT = "registry.edit"
REGISTRY_IMPORT = "registry.import"  # spreadsheet import and export
PERSON_REVEAL = "person.reveal"  # unmasked phone and ID number, audited
PERSON_EXPORT = "person.export"  # a person's data export (PIPL data-subject request)
ORGS_VIEW = "orgs.view"
ORGS_EDIT = "orgs.edit"
DUTY_VIEW = "duty.view"
DUTY_EDIT = "duty.edit"
BINDING_DECIDE = "binding.decide"
ACCOUNT_RESET = "account.reset"
AUDIT_VIEW = "audit.view"
# A resident's own household: their homes, the people in them, their own record.
HOUSEHOLD_VIEW = "household.view"
# Residents' requests: see a compound's tickets, handle them (accept, claim, work, resolve),
# manage them (assign, reroute, merge; team leaders and community staff).
TICKETS_VIEW = "tickets.view"
TICKETS_HANDLE = "tickets.handle"
TICKETS_MANAGE = "tickets.manage"
# Owners' decisions: see votes in preparation and the electorate; run them (draft, publish,
# open, close, tally, publish results, correct ballots); record ballots that did not come in
# online (paper, door-to-door, proxy, on-site).
DECISIONS_VIEW = "decisions.view"
DECISIONS_MANAGE = "decisions.manage"
DECISIONS_RECORD = "decisions.record"
# Deliberation and projects: see the staff side of topics, meetings, resolutions, projects and
# announcements (hidden items, read receipts, internal meetings); manage them (select and
# decline topics, moderate, schedule meetings, record minutes and resolutions, run projects,
# adopt rules, publish announcements, run evaluations).
DELIBERATION_VIEW = "deliberation.view"
DELIBERATION_MANAGE = "deliberation.manage"

ALL_PERMISSIONS = frozenset(
    {
        REGISTRY_VIEW,
        REGISTRY_EDIT,
        REGISTRY_IMPORT,
        PERSON_REVEAL,
        PERSON_EXPORT,
        ORGS_VIEW,
        ORGS_EDIT,
        DUTY_VIEW,
        DUTY_EDIT,
        BINDING_DECIDE,
        ACCOUNT_RESET,
        AUDIT_VIEW,
        HOUSEHOLD_VIEW,
        TICKETS_VIEW,
        TICKETS_HANDLE,
        TICKETS_MANAGE,
        DECISIONS_VIEW,
        DECISIONS_MANAGE,
        DECISIONS_RECORD,
        DELIBERATION_VIEW,
        DELIBERATION_MANAGE,
    }
)

_OFFICE = ALL_PERMISSIONS
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: _OFFICE,
    Role.SUBDISTRICT_STAFF: _OFFICE,
    Role.COMMUNITY_STAFF: _OFFICE,
    Role.PARTY_SECRETARY: frozenset(
        {
            DELIBERATION_VIEW,
            DELIBERATION_MANAGE,
            DECISIONS_VIEW,
            DECISIONS_RECORD,
            REGISTRY_VIEW,
            ORGS_VIEW,
            ORGS_EDIT,
            DUTY_VIEW,
            DUTY_EDIT,
            HOUSEHOLD_VIEW,
            TICKETS_VIEW,
            TICKETS_HANDLE,
        }
    ),
    Role.PARTY_MEMBER: frozenset(
        {
            REGISTRY_VIEW,
            ORGS_VIEW,
            DUTY_VIEW,
            HOUSEHOLD_VIEW,
            TICKETS_VIEW,
            DECISIONS_RECORD,
            DELIBERATION_VIEW,
        }
    ),
    # The owners' committee convenes the assembly and runs its votes (Civil Code Art. 277).
    Role.COMMITTEE_MEMBER: frozenset(
        {
            REGISTRY_VIEW,
            ORGS_VIEW,
            DUTY_VIEW,
            HOUSEHOLD_VIEW,
            TICKETS_VIEW,
            DECISIONS_VIEW,
            DECISIONS_MANAGE,
            DECISIONS_RECORD,
            DELIBERATION_VIEW,
            DELIBERATION_MANAGE,
        }
    ),
    Role.PROPERTY_MANAGER: frozenset(
        {
            REGISTRY_VIEW,
            ORGS_VIEW,
            DUTY_VIEW,
            DUTY_EDIT,
            HOUSEHOLD_VIEW,
            TICKETS_VIEW,
            TICKETS_HANDLE,
            TICKETS_MANAGE,
            DELIBERATION_VIEW,
        }
    ),
    Role.PROPERTY_STAFF: frozenset(
        {REGISTRY_VIEW, ORGS_VIEW, DUTY_VIEW, HOUSEHOLD_VIEW, TICKETS_VIEW, TICKETS_HANDLE}
    ),
    Role.VOLUNTEER: frozenset({ORGS_VIEW}),
    Role.PARTNER_CONTACT: frozenset({ORGS_VIEW, TICKETS_VIEW, TICKETS_HANDLE}),
    Role.RESIDENT: frozenset(),
}

# Roles that make someone "staff" of a compound: they get the staff navigation.
STAFF_ROLES = frozenset(ROLE_PERMISSIONS) - {Role.RESIDENT}


@dataclass
class Scope:
    """Where one permission reaches for one user."""

    everything: bool = False
    compound_ids: set[int] = field(default_factory=set)  # whole compounds
    building_ids: set[int] = field(default_factory=set)  # single buildings
    building_compound_ids: set[int] = field(default_factory=set)  # the compounds of those buildings
    community_ids: set[int] = field(default_factory=set)  # communities of whole compounds

    @property
    def empty(self) -> bool:
        return not (self.everything or self.compound_ids or self.building_ids)

    def covers_compound(self, compound_id: int | None) -> bool:
        return self.everything or compound_id in self.compound_ids


def _grants(user) -> list[RoleGrant]:
    cache = _cache(user)
    if "grants" not in cache:
        cache["grants"] = list(
            RoleGrant.objects.current()
            .filter(user=user)
            .select_related("organisation", "building")
            .order_by("id")
        )
    return cache["grants"]


def _cache(user) -> dict:
    if not hasattr(user, "_mulin_access"):
        user._mulin_access = {}
    return user._mulin_access


def clear_cache(user) -> None:
    if hasattr(user, "_mulin_access"):
        del user._mulin_access


def roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    found = {g.role for g in _grants(user)}
    if user.is_superuser:
        found.add(Role.PLATFORM_ADMIN)
    return found


def is_staff_user(user) -> bool:
    return bool(roles(user) & STAFF_ROLES)


@dataclass
class _Reach:
    """Where each of a user's grants reaches, resolved once per request for all permissions."""

    compounds: dict[int, list[int]]  # grant id -> compound ids (whole compounds)
    buildings: dict[int, tuple[int, int]]  # grant id -> (building id, its compound id)
    community_of: dict[int, int]  # compound id -> community id


def _reach(user) -> _Reach:
    cache = _cache(user)
    if "reach" in cache:
        return cache["reach"]
    from mulin.places.models import Building, Compound

    grants = _grants(user)
    subdistricts, communities, compounds = set(), set(), set()
    for grant in grants:
        if grant.scope == ScopeKind.SUBDISTRICT:
            subdistricts.add(grant.subdistrict_id)
        elif grant.scope == ScopeKind.COMMUNITY:
            communities.add(grant.community_id)
        elif grant.scope == ScopeKind.COMPOUND:
            compounds.add(grant.compound_id)
        elif grant.scope == ScopeKind.ORGANISATION:
            org = grant.organisation
            if org.compound_id:
                compounds.add(org.compound_id)
            else:
                communities.add(org.community_id)
    rows = []
    if subdistricts or communities or compounds:
        rows = list(
            Compound.objects.filter(
                Q(community__subdistrict_id__in=subdistricts)
                | Q(community_id__in=communities)
                | Q(id__in=compounds)
            ).values_list("id", "community_id", "community__subdistrict_id")
        )
    community_of = {cid: community for cid, community, _ in rows}
    building_rows = {}
    building_ids = [g.building_id for g in grants if g.scope == ScopeKind.BUILDING]
    if building_ids:
        building_rows = dict(
            Building.objects.filter(id__in=building_ids).values_list("id", "compound_id")
        )
    reach = _Reach(compounds={}, buildings={}, community_of=community_of)
    for grant in grants:
        if grant.scope == ScopeKind.SUBDISTRICT:
            reach.compounds[grant.id] = [c for c, _, s in rows if s == grant.subdistrict_id]
        elif grant.scope == ScopeKind.COMMUNITY:
            reach.compounds[grant.id] = [c for c, m, _ in rows if m == grant.community_id]
        elif grant.scope == ScopeKind.COMPOUND:
            reach.compounds[grant.id] = [grant.compound_id]
        elif grant.scope == ScopeKind.ORGANISATION:
            org = grant.organisation
            reach.compounds[grant.id] = (
                [org.compound_id]
                if org.compound_id
                else [c for c, m, _ in rows if m == org.community_id]
            )
        elif grant.scope == ScopeKind.BUILDING and grant.building_id in building_rows:
            reach.buildings[grant.id] = (grant.building_id, building_rows[grant.building_id])
    cache["reach"] = reach
    return reach


def scope_for(user, perm: str) -> Scope:
    """Where `user` holds `perm`. Grants are resolved once per request (at most three queries
    however many permissions a page asks about)."""
    if perm not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {perm!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache = _cache(user)
    key = ("scope", perm)
    if key in cache:
        return cache[key]
    scope = Scope(everything=user.is_superuser)
    reach = _reach(user)
    buildings: dict[int, int] = {}
    for grant in _grants(user):
        if perm not in ROLE_PERMISSIONS.get(grant.role, ()):
            continue
        if grant.scope == ScopeKind.PLATFORM:
            scope.everything = True
        elif grant.id in reach.buildings:
            building_id, compound_id = reach.buildings[grant.id]
            buildings[building_id] = compound_id
        else:
            scope.compound_ids.update(reach.compounds.get(grant.id, ()))
    if not scope.everything:
        scope.community_ids = {reach.community_of[c] for c in scope.compound_ids}
        for building_id, compound_id in buildings.items():
            if compound_id not in scope.compound_ids:
                scope.building_ids.add(building_id)
                scope.building_compound_ids.add(compound_id)
    cache[key] = scope
    return scope


def own_unit_ids(user) -> set[int]:
    """The homes a resident lives in or owns now, through their linked registry record."""
    if not getattr(user, "is_authenticated", False) or not user.person_id:
        return set()
    cache = _cache(user)
    if "own_units" not in cache:
        from mulin.people.models import Ownership, Residency

        units = set(
            Residency.objects.current()
            .filter(person_id=user.person_id)
            .values_list("unit_id", flat=True)
        )
        units |= set(
            Ownership.objects.current()
            .filter(person_id=user.person_id)
            .values_list("unit_id", flat=True)
        )
        cache["own_units"] = units
    return cache["own_units"]


def own_unit_ids_in(user, compound) -> list[int]:
    """The homes a resident lives in or owns now in `compound`, lowest id first (the first is
    their default household): one query, once per request."""
    own = own_unit_ids(user)
    if not own:
        return []
    cache = _cache(user)
    key = ("own_units_in", compound.pk)
    if key not in cache:
        from mulin.places.models import Unit

        cache[key] = tuple(
            Unit.objects.filter(id__in=own, compound_id=compound.pk)
            .order_by("id")
            .values_list("id", flat=True)
        )
    return list(cache[key])


def compounds(user, perm: str) -> QuerySet:
    """Compounds where `user` holds `perm`, in whole or for some buildings (the switcher)."""
    from mulin.places.models import Compound

    scope = scope_for(user, perm)
    if scope.everything:
        return Compound.objects.all()
    return Compound.objects.filter(id__in=scope.compound_ids | scope.building_compound_ids)


def _scope_q(model: type[Model], scope: Scope) -> Q:
    """Rows of `model` inside `scope`. Models declare their paths; some build their own Q."""
    custom = getattr(model, "access_q", None)
    if custom is not None:
        return custom(scope)
    q = Q(pk__in=[])
    compound_path = getattr(model, "ACCESS_COMPOUND", None)
    building_path = getattr(model, "ACCESS_BUILDING", None)
    if compound_path is None:
        raise TypeError(f"{model.__name__} declares no ACCESS_COMPOUND path")
    if scope.compound_ids:
        q |= Q(**{f"{compound_path}__in": scope.compound_ids})
    if scope.building_ids and building_path:
        q |= Q(**{f"{building_path}__in": scope.building_ids})
    return q


def visible(user, perm: str, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` on which `user` holds `perm` (residents: their own household)."""
    scope = scope_for(user, perm)
    if scope.everything:
        return queryset
    q = _scope_q(queryset.model, scope) if not scope.empty else Q(pk__in=[])
    if perm in (REGISTRY_VIEW, HOUSEHOLD_VIEW):
        own = _household_q(user, queryset.model)
        if own is not None:
            q |= own
    return queryset.filter(q)


def _household_q(user, model) -> Q | None:
    """A resident's own household, for the models a household page shows."""
    units = own_unit_ids(user)
    if not units:
        return None
    own = getattr(model, "household_q", None)
    return own(units, user) if own is not None else None


def can(user, perm: str, obj: Model) -> bool:
    """May `user` do `perm` on `obj`? One query at most beyond the per-request scope."""
    if obj is None or obj.pk is None:
        return False
    return visible(user, perm, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def can_in_compound(user, perm: str, compound) -> bool:
    """May `user` do `perm` somewhere in `compound` (whole compound or one of its buildings)?"""
    scope = scope_for(user, perm)
    return (
        scope.everything
        or compound.id in scope.compound_ids
        or compound.id in scope.building_compound_ids
    )


def get_or_404(user, perm: str, queryset: QuerySet, **lookup):
    """Fetch one object the user may act on, or raise 404 exactly as if it did not exist."""
    try:
        return visible(user, perm, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned, ValueError) as exc:
        raise Http404 from exc


def require(user, perm: str, obj: Model) -> None:
    if not can(user, perm, obj):
        raise Http404


def permissions_in(user, compound) -> set[str]:
    """Every permission the user holds in the whole of `compound` (for showing buttons)."""
    return {p for p in ALL_PERMISSIONS if scope_for(user, p).covers_compound(compound.id)}


def person_in_units_q(units: Iterable[int]) -> Q:
    from mulin.people.models import Ownership, Residency

    units = list(units)
    return Q(
        Exists(Residency.objects.current().filter(person=OuterRef("pk"), unit_id__in=units))
    ) | Q(Exists(Ownership.objects.current().filter(person=OuterRef("pk"), unit_id__in=units)))


def covers_area(user, perm: str, area) -> bool:
    """Does `user` hold `perm` over the whole of `area` (a Community or a Subdistrict) through a
    grant on it or above it? Grants on single compounds inside it are not enough: a compound's
    staff see their compound, not their neighbours' (the community figures rank them)."""
    from mulin.places.models import Community, Subdistrict

    if perm not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {perm!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    community_id = area.pk if isinstance(area, Community) else None
    subdistrict_id = area.subdistrict_id if isinstance(area, Community) else None
    if isinstance(area, Subdistrict):
        subdistrict_id = area.pk
    for grant in _grants(user):
        if perm not in ROLE_PERMISSIONS.get(grant.role, ()):
            continue
        if grant.scope == ScopeKind.PLATFORM:
            return True
        if grant.scope == ScopeKind.SUBDISTRICT and grant.subdistrict_id == subdistrict_id:
            return True
        if community_id is None:
            continue
        if grant.scope == ScopeKind.COMMUNITY and grant.community_id == community_id:
            return True
        if (
            grant.scope == ScopeKind.ORGANISATION
            and grant.organisation.compound_id is None
            and grant.organisation.community_id == community_id
        ):
            return True
    return False
