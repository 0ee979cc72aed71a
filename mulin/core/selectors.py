"""Reads for accounts, the binding queue, the resident home and the audit history."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import capfirst

from . import access
from .models import AuditEvent, BindingRequest, BindingStatus, User
from .privacy import mask_id_number, mask_phone, normalise_phone

# --- Sign-in lockout -----------------------------------------------------------------------


def _login_q(login: str) -> Q:
    login = (login or "").strip()
    return Q(username=login) | Q(phone=normalise_phone(login) or login)


def login_exists(login: str) -> bool:
    return User.objects.filter(_login_q(login)).exists()


def unknown_login_key(login: str) -> str:
    """Cache key for failures on a login that matches no account (hashed: no phone in the cache)."""
    digest = hashlib.sha256((normalise_phone(login.strip()) or login.strip()).encode()).hexdigest()
    return f"mulin:login-unknown:{digest}"


def lockout_minutes_left(login: str, now=None) -> int:
    """Whole minutes until `login` may try again, 0 when it may try now.

    Real accounts lock in the database (`PhoneOrUsernameBackend`); logins that match no account
    lock in the cache after as many failures, so the answer never tells whether an account exists.
    """
    now = now or timezone.now()
    until = (
        User.objects.filter(_login_q(login), locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    if until is None:
        state = cache.get(unknown_login_key(login)) or {}
        until = state.get("locked_until")
        if until is None or until <= now:
            return 0
    return max(1, math.ceil((until - now).total_seconds() / 60))


# --- Compounds ------------------------------------------------------------------------------

SWITCHER_LIMIT = 12


def switcher_compounds(user) -> list:
    """The compounds a staff user works in, for the switcher: at most SWITCHER_LIMIT + 1 rows
    (one more than shown tells the layout to offer "all compounds"). One query."""
    return list(
        access.compounds(user, access.REGISTRY_VIEW)
        .only("id", "code", "name")
        .order_by("name", "id")[: SWITCHER_LIMIT + 1]
    )


def public_compounds(query: str = "", limit: int = 20) -> list:
    """Compounds a resident may pick when asking to bind a home (names are public)."""
    from mulin.places.models import Compound

    rows = Compound.objects.select_related("community").order_by("name", "id")
    query = query.strip()
    if query:
        rows = rows.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query)
        )
    return list(rows[:limit])


def unit_by_code(compound, code) -> object | None:
    """The unit in `compound` a parsed `UnitCode` names, by its stored code or its parts."""
    from mulin.places.models import Unit

    parts = Q(building__number__iexact=code.building, number__iexact=code.number)
    if code.entrance:
        parts &= Q(entrance__number__iexact=code.entrance)
    else:
        parts &= Q(entrance__isnull=True)
    return (
        Unit.objects.filter(compound=compound)
        .filter(Q(code__iexact=code.short) | parts)
        .select_related("building", "entrance", "compound")
        .order_by("id")
        .first()
    )


# --- Binding requests -----------------------------------------------------------------------


def registry_match(binding: BindingRequest, residencies, ownerships):
    """The registry person in the unit this request is about: same phone first, else same name.

    People already linked to another account are skipped: one person, one login.
    """
    people = []
    seen = set()
    for row in [*residencies, *ownerships]:
        if row.person_id and row.person_id not in seen:
            seen.add(row.person_id)
            people.append(row.person)
    free = [p for p in people if not _linked_to_other(p, binding.user_id)]
    phone = normalise_phone(binding.user.phone or "")
    if phone:
        for person in free:
            if normalise_phone(person.phone) == phone:
                return person
    name = binding.name.strip()
    for person in free:
        if person.name.strip() == name:
            return person
    return None


def _linked_to_other(person, user_id: int) -> bool:
    try:
        linked = person.user
    except User.DoesNotExist:
        return False
    return linked.pk != user_id


def binding_queue(user, *, status: str | None = BindingStatus.PENDING) -> QuerySet:
    """Binding requests `user` may decide, with everything one row shows. Constant queries.

    `status`: "pending" (oldest first), "decided" (newest decision first) or None (all)."""
    from mulin.people.models import Ownership, Residency

    rows = access.visible(user, access.BINDING_DECIDE, BindingRequest.objects.all())
    if status == BindingStatus.PENDING:
        rows = rows.filter(status=BindingStatus.PENDING).order_by("created_at", "id")
    elif status is not None:
        rows = rows.exclude(status=BindingStatus.PENDING).order_by("-decided_at", "-id")
    return rows.select_related(
        "user", "unit", "unit__building", "unit__entrance", "unit__compound", "decided_by"
    ).prefetch_related(
        Prefetch(
            "unit__residencies",
            queryset=Residency.objects.current()
            .select_related("person", "person__user")
            .order_by("id"),
            to_attr="current_residencies",
        ),
        Prefetch(
            "unit__ownerships",
            queryset=Ownership.objects.current()
            .filter(person__isnull=False)
            .select_related("person", "person__user")
            .order_by("id"),
            to_attr="current_ownerships",
        ),
    )


def with_matches(rows) -> list[BindingRequest]:
    """Attach `registry_person` (the record approval would link) and the masked phone."""
    rows = list(rows)
    for row in rows:
        row.applicant_phone = mask_phone(row.user.phone or "")
        row.registry_person = registry_match(
            row,
            getattr(row.unit, "current_residencies", []),
            getattr(row.unit, "current_ownerships", []),
        )
    return rows


def user_bindings(user) -> list[BindingRequest]:
    return list(
        BindingRequest.objects.filter(user=user)
        .select_related("unit", "unit__compound")
        .order_by("-created_at", "-id")[:20]
    )


# --- Resident home --------------------------------------------------------------------------


@dataclass
class Household:
    unit: object
    members: list = field(default_factory=list)
    responsible: list = field(default_factory=list)


def responsible_for_unit(unit) -> list:
    """Who answers for this home (包楼包户), nearest first: the orgs app's selector when present."""
    try:
        from mulin.orgs.selectors import responsible_for_unit as orgs_responsible
    except ImportError:
        orgs_responsible = None
    if orgs_responsible is not None:
        return orgs_responsible(unit)
    from mulin.orgs.models import Membership, ResponsibilityArea

    place = Q(unit_id=unit.pk) | Q(building_id=unit.building_id)
    if unit.entrance_id:
        place |= Q(entrance_id=unit.entrance_id)
    areas = (
        ResponsibilityArea.objects.filter(place, membership__in=Membership.objects.current())
        .select_related("membership__person", "membership__organisation")
        .order_by("id")
    )
    return sorted(areas, key=lambda a: 0 if a.unit_id else 1 if a.entrance_id else 2)


def households(user) -> list[Household]:
    """The resident's homes with the people living there and who is responsible for each.

    Queries: own units (cached per request), units, residencies, one per home for the
    responsible people (a resident has one or two homes).
    """
    from mulin.people.models import Residency
    from mulin.places.models import Unit

    unit_ids = access.own_unit_ids(user)
    if not unit_ids:
        return []
    units = list(
        access.visible(user, access.HOUSEHOLD_VIEW, Unit.objects.filter(id__in=unit_ids))
        .select_related("building", "entrance", "compound")
        .order_by("compound__name", "code")
    )
    members = (
        access.visible(
            user,
            access.HOUSEHOLD_VIEW,
            Residency.objects.current().filter(unit_id__in=[u.id for u in units]),
        )
        .select_related("person")
        .order_by("-is_head", "person__name", "id")
    )
    by_unit: dict[int, list] = {}
    for row in members:
        by_unit.setdefault(row.unit_id, []).append(row)
    return [
        Household(unit=u, members=by_unit.get(u.id, []), responsible=responsible_for_unit(u))
        for u in units
    ]


# --- Audit history --------------------------------------------------------------------------


def audit_events(
    user, *, target_type: str | None = None, target_id: str | None = None, person=None
) -> QuerySet:
    """Audit events `user` may read (AUDIT_VIEW on the event's compound), newest first."""
    rows = access.visible(user, access.AUDIT_VIEW, AuditEvent.objects.all())
    if target_type is not None:
        rows = rows.filter(target_type=target_type, target_id=target_id)
    if person is not None:
        rows = rows.filter(Q(subject_person=person) | Q(on_behalf_of=person))
    return rows.select_related("actor", "on_behalf_of", "compound").order_by("-created_at", "-id")


_MASKERS = {"phone": mask_phone, "id_number": mask_id_number}

# Models whose `__str__` needs no query, so references to them can be shown by name.
_NAMED_MODELS = {
    "core.user",
    "people.person",
    "people.company",
    "places.district",
    "places.subdistrict",
    "places.community",
    "places.compound",
    "places.building",
    "places.entrance",
    "places.unit",
    "orgs.organisation",
}


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: object
    new: object


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def with_changes(events) -> list[AuditEvent]:
    """Attach `change_rows` and `target_label` to each event of a page, showing references to
    people, homes and places by name. One query per kind of referenced record, however many
    events the page has."""
    events = list(events)
    wanted: dict[type, set] = {}
    for event in events:
        model = _model(event.target_type)
        changes = event.changes if isinstance(event.changes, dict) else {}
        for name, values in changes.items():
            field = _field(model, name)
            if field is None or (not field.many_to_one and not field.one_to_one):
                continue
            related = field.related_model
            if related._meta.label_lower not in _NAMED_MODELS:
                continue
            pair = values if isinstance(values, list) else [None, values]
            wanted.setdefault(related, set()).update(v for v in pair if v not in (None, ""))
    names: dict[tuple[type, str], str] = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, str(obj.pk))] = str(obj)
    for event in events:
        event.change_rows = _change_rows(event, names)
        event.target_label = _target_label(event)
    return events


def _target_label(event: AuditEvent) -> str:
    model = _model(event.target_type)
    kind = capfirst(str(model._meta.verbose_name)) if model is not None else event.target_type
    repr_ = event.target_repr or ""
    if not repr_ or repr_.endswith(f"object ({event.target_id})"):
        return kind
    return f"{kind} · {repr_}"


def _change_rows(event: AuditEvent, names: dict) -> list[Change]:
    model = _model(event.target_type)
    rows = []
    changes = event.changes if isinstance(event.changes, dict) else {}
    for name, values in changes.items():
        old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)
        field = _field(model, name)
        label = capfirst(str(field.verbose_name)) if field is not None else name
        if field is not None and (field.many_to_one or field.one_to_one):
            related = field.related_model
            old = names.get((related, str(old)), old)
            new = names.get((related, str(new)), new)
        elif field is not None and field.choices:
            shown = {str(k): v for k, v in field.flatchoices}
            old = shown.get(str(old), old) if old is not None else old
            new = shown.get(str(new), new) if new is not None else new
        for key, mask in _MASKERS.items():
            if key in name:
                old = mask(str(old)) if old else old
                new = mask(str(new)) if new else new
        rows.append(Change(name, label, old, new))
    return rows


def audit_changes(event: AuditEvent) -> list[Change]:
    """`changes` as rows with readable field names; phones and ID numbers stay masked."""
    return getattr(event, "change_rows", None) or _change_rows(event, {})
