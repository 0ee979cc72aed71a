"""Account services: registration, binding a home, password resets, preferences, API tokens.

Every service here is the only writer of what it changes and records an audit event in the
same transaction.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mulin.people.models import Ownership, Person, Residency
from mulin.places.codes import UnitCodeError, parse_unit_code

from . import access, audit, selectors
from .models import ApiToken, BindingRequest, BindingStatus, Role, RoleGrant, ScopeKind, User
from .privacy import PHONE_RE, mask_phone, normalise_phone

# --- Sign-in --------------------------------------------------------------------------------


def login_failure_record_unknown(*, login: str) -> None:
    """Count a failed sign-in for a login that matches no account, locking it like a real one.

    Kept in the cache (no account row exists to write to); nothing is audited because nothing
    in the registry changed.
    """
    key = selectors.unknown_login_key(login)
    state = cache.get(key) or {"failures": 0}
    state["failures"] += 1
    timeout = settings.LOCKOUT_MINUTES * 60
    if state["failures"] >= settings.LOCKOUT_FAILURES:
        state = {
            "failures": 0,
            "locked_until": timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES),
        }
    cache.set(key, state, timeout)


# --- Accounts -------------------------------------------------------------------------------


def registration_phone_error(phone: str) -> str | None:
    """Why `phone` cannot open a resident account, or None. Residents sign in with a mobile."""
    phone = normalise_phone((phone or "").strip())
    if not PHONE_RE.match(phone):
        return _("Enter an 11-digit mobile phone number, for example 13812345678.")
    if User.objects.filter(Q(phone=phone) | Q(username=phone)).exists():
        return _(
            "An account with this phone number already exists. Sign in, or ask the community "
            "office to reset its password."
        )
    return None


@transaction.atomic
def user_register(*, phone: str, name: str, password: str) -> User:
    """A resident creates their own account: phone (which is also the username), name, password.

    The account has no roles; the resident then asks to bind a home.
    """
    phone = normalise_phone((phone or "").strip())
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if message := registration_phone_error(phone):
        errors["phone"] = [message]
    if not name:
        errors["name"] = [_("Enter your name.")]
    candidate = User(username=phone, phone=phone, first_name=name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:  # a double submit racing itself
        raise ValidationError(
            {"phone": _("An account with this phone number already exists.")}
        ) from exc
    audit.record(
        actor=candidate,
        action="account.registered",
        target=candidate,
        changes={"username": [None, mask_phone(phone)], "first_name": [None, name]},
    )
    return candidate


def _temporary_password() -> str:
    # Easy to read aloud or copy down: no 0/O, 1/l/I.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def may_reset_password(*, actor: User, user: User) -> bool:
    """Staff reset residents' passwords only: never their own (they change it themselves), a
    platform admin's or another staff member's, which would hand over that account's powers."""
    if actor.pk == user.pk:
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser or access.is_staff_user(user):
        return False
    return access.can(actor, access.ACCOUNT_RESET, user)


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Staff set a temporary password for a resident who forgot theirs; returns it once.

    The account is unlocked and must choose a new password at its next sign-in.
    """
    if not may_reset_password(actor=actor, user=user):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    before = audit.snapshot(user, ["must_change_password", "failed_logins", "locked_until"])
    raw = _temporary_password()
    user.set_password(raw)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
    after = audit.snapshot(user, ["must_change_password", "failed_logins", "locked_until"])
    audit.record(
        actor=actor,
        action="account.password_reset",
        target=user,
        changes=audit.diff(before, after),
        subject_person=user.person,
        compound_id=user.person.compound_id if user.person_id else None,
    )
    return raw


@transaction.atomic
def user_change_password(*, actor: User, old_password: str, new_password: str) -> User:
    """A signed-in user replaces their password (also after a staff reset)."""
    errors: dict[str, list[str]] = {}
    if not actor.check_password(old_password):
        errors["old_password"] = [_("The current password is not correct.")]
    try:
        validate_password(new_password, actor)
    except ValidationError as exc:
        errors["new_password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(actor, ["must_change_password"])
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.save(update_fields=["password", "must_change_password"])
    audit.record(
        actor=actor,
        action="account.password_changed",
        target=actor,
        changes=audit.diff(before, audit.snapshot(actor, ["must_change_password"])),
        subject_person=actor.person,
        compound_id=actor.person.compound_id if actor.person_id else None,
    )
    return actor


@transaction.atomic
def user_preferences_update(
    *, actor: User, language: str | None = None, elder_mode: bool | None = None
) -> User:
    """Save a signed-in user's interface language and/or large-text mode."""
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of the offered languages.")})
        fields.append("language")
    if elder_mode is not None:
        fields.append("elder_mode")
    if not fields:
        return actor
    before = audit.snapshot(actor, fields)
    if language is not None:
        actor.language = language
    if elder_mode is not None:
        actor.elder_mode = elder_mode
    changes = audit.diff(before, audit.snapshot(actor, fields))
    if not changes:
        return actor
    actor.save(update_fields=fields)
    audit.record(
        actor=actor,
        action="account.preferences_changed",
        target=actor,
        changes=changes,
        subject_person=actor.person,
        compound_id=actor.person.compound_id if actor.person_id else None,
    )
    return actor


# --- Binding a home -------------------------------------------------------------------------


@transaction.atomic
def binding_request_create(
    *,
    actor: User,
    compound,
    unit_code: str,
    relation: str,
    name: str,
    note: str = "",
) -> BindingRequest:
    """A signed-in resident asks to be linked to a home in `compound`; staff decide later."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    unit = None
    try:
        code = parse_unit_code(unit_code)
    except UnitCodeError as exc:
        errors["unit_code"] = [str(exc)]
    else:
        unit = selectors.unit_by_code(compound, code)
        if unit is None:
            errors["unit_code"] = [
                _(
                    "There is no home %(code)s in %(compound)s. Check the building, entrance "
                    "and room number, or ask the community office."
                )
                % {"code": code.short, "compound": compound.name}
            ]
    if relation not in BindingRequest.Relation.values:
        errors["relation"] = [_("Choose whether you are the owner, a family member or a tenant.")]
    if not name:
        errors["name"] = [_("Enter your name.")]
    if unit is not None and not errors:
        if unit.id in access.own_unit_ids(actor):
            errors["unit_code"] = [_("This home is already linked to your account.")]
        elif BindingRequest.objects.filter(
            user=actor, unit=unit, status=BindingStatus.PENDING
        ).exists():
            errors["unit_code"] = [
                _("You have already asked to bind this home; the staff will answer soon.")
            ]
    if errors:
        raise ValidationError(errors)
    binding = BindingRequest.objects.create(
        user=actor, unit=unit, relation=relation, name=name, note=(note or "").strip()
    )
    audit.record(
        actor=actor,
        action="binding.requested",
        target=binding,
        changes=audit.diff({}, audit.snapshot(binding, ["unit_id", "relation", "name", "status"])),
        subject_person=actor.person,
    )
    return binding


_BINDING_FIELDS = ["status", "decided_by_id", "decided_at", "reason"]


@transaction.atomic
def binding_decide(
    *, actor: User, binding: BindingRequest, approve: bool, reason: str = ""
) -> BindingRequest:
    """Approve or reject a request to bind a home. Rejecting needs a reason the resident sees.

    Approving links the account to the registry: to the person in that home with the same
    phone (else the same name), or to a new person in the compound living there with the
    requested relation; and grants the resident role on the compound.
    """
    if not access.can(actor, access.BINDING_DECIDE, binding):
        raise PermissionDenied
    binding = (
        BindingRequest.objects.select_for_update()
        .select_related("user", "unit", "unit__compound")
        .get(pk=binding.pk)
    )
    reason = (reason or "").strip()
    if binding.status != BindingStatus.PENDING:
        raise ValidationError(
            _("This request was already decided (%(status)s).")
            % {"status": binding.get_status_display()}
        )
    if not approve and not reason:
        raise ValidationError({"reason": _("Give a reason for rejecting; the resident sees it.")})
    before = audit.snapshot(binding, _BINDING_FIELDS)
    binding.status = BindingStatus.APPROVED if approve else BindingStatus.REJECTED
    binding.decided_by = actor
    binding.decided_at = timezone.now()
    binding.reason = reason
    binding.save(update_fields=[*_BINDING_FIELDS, "updated_at"])

    user = User.objects.select_for_update().get(pk=binding.user_id)
    unit = binding.unit
    person = None
    if approve:
        person = _bind_person(actor=actor, binding=binding, user=user, unit=unit)
        _grant_resident(actor=actor, user=user, compound=unit.compound, person=person)
    audit.record(
        actor=actor,
        action="binding.approved" if approve else "binding.rejected",
        target=binding,
        changes=audit.diff(before, audit.snapshot(binding, _BINDING_FIELDS)),
        subject_person=person or user.person,
    )
    return binding


def _bind_person(*, actor, binding, user, unit):
    """Link `user` to their registry record for `unit`, creating the record when there is none."""
    residencies = list(
        Residency.objects.current()
        .filter(unit=unit)
        .select_related("person", "person__user")
        .order_by("id")
    )
    ownerships = list(
        Ownership.objects.current()
        .filter(unit=unit, person__isnull=False)
        .select_related("person", "person__user")
        .order_by("id")
    )
    in_unit = {r.person_id for r in residencies} | {o.person_id for o in ownerships}
    if user.person_id:
        # Already in the registry (e.g. a second home): add a residency here if they have none.
        person = user.person
        if person.id not in in_unit:
            _create_residency(actor=actor, unit=unit, person=person, binding=binding)
        return person
    person = selectors.registry_match(binding, residencies, ownerships)
    if person is None:
        person = Person.objects.create(
            compound=unit.compound, name=binding.name, phone=user.phone or ""
        )
        audit.record(
            actor=actor,
            action="person.created",
            target=person,
            changes=audit.diff({}, audit.snapshot(person, ["name", "compound_id"])),
            compound_id=unit.compound_id,
        )
        _create_residency(actor=actor, unit=unit, person=person, binding=binding)
    user.person = person
    user.save(update_fields=["person"])
    audit.record(
        actor=actor,
        action="account.linked_to_person",
        target=user,
        changes={"person": [None, person.pk]},
        subject_person=person,
        compound_id=unit.compound_id,
    )
    access.clear_cache(user)
    return person


def _create_residency(*, actor, unit, person, binding):
    residency = Residency.objects.create(
        unit=unit, person=person, relation=binding.relation, is_head=False
    )
    audit.record(
        actor=actor,
        action="residency.created",
        target=residency,
        changes=audit.diff({}, audit.snapshot(residency, ["unit_id", "person_id", "relation"])),
        subject_person=person,
        compound_id=unit.compound_id,
    )
    return residency


def _grant_resident(*, actor, user, compound, person) -> RoleGrant:
    existing = (
        RoleGrant.objects.current()
        .filter(user=user, role=Role.RESIDENT, scope=ScopeKind.COMPOUND, compound=compound)
        .first()
    )
    if existing is not None:
        return existing
    grant = RoleGrant.objects.create(
        user=user,
        role=Role.RESIDENT,
        scope=ScopeKind.COMPOUND,
        compound=compound,
        granted_by=actor,
    )
    audit.record(
        actor=actor,
        action="role.granted",
        target=grant,
        changes={"role": [None, Role.RESIDENT], "compound": [None, compound.pk]},
        subject_person=person,
        compound_id=compound.pk,
    )
    return grant


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`; returns the row and the raw token, which is never stored.

    `actor` is None when an operator runs `mulin token create` on the server.
    """
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError({"user": _("This account is disabled.")})
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        user=user, name=(name or "").strip()[:100], key_hash=ApiToken.hash(raw), hint=raw[-4:]
    )
    audit.record(
        actor=actor,
        action="api_token.created",
        target=token,
        changes={"user": [None, user.pk], "name": [None, token.name]},
        subject_person=user.person,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit.record(
        actor=actor,
        action="api_token.revoked",
        target=token,
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token
