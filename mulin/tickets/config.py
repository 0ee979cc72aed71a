"""Writes of a compound's request settings: categories, their deadlines per priority, and routing
rules. Each service checks that the actor manages requests in the whole compound, validates
everything before writing anything, and audits what changed in the same transaction.

Deadlines apply to requests submitted after the change; a routing rule sends new requests of its
category to its organisation, overriding the category's own (open requests keep their team until
someone reroutes them)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext

from mulin.core import access, audit
from mulin.orgs.models import Organisation
from mulin.orgs.selectors import serving_compound_q

from . import queues
from .models import Category, Deadline, DispatchMode, Priority, RoutingRule

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_MINUTES = 365 * 24 * 60  # a deadline of more than a year is a typing mistake


def _require_manage(actor, compound) -> None:
    """Settings belong to the whole compound: staff of one building do not change them."""
    if not access.scope_for(actor, access.TICKETS_MANAGE).covers_compound(compound.id):
        raise Http404


def _priority_label(priority: str) -> str:
    return str(Priority(priority).label)


def _clean_deadlines(deadlines: dict[str, tuple[int | None, int | None]], errors: dict) -> None:
    """Respond within more than zero minutes, resolve no sooner than respond (the
    `tickets_deadline_sensible` constraint), for every priority."""
    for priority in queues.PRIORITIES:
        respond, resolve = deadlines.get(priority, (None, None))
        names = {"priority": _priority_label(priority)}
        if respond is None or respond <= 0:
            errors[f"{priority}_respond"] = (
                gettext("%(priority)s: the time to respond must be more than zero.") % names
            )
        elif respond > MAX_MINUTES:
            errors[f"{priority}_respond"] = (
                gettext("%(priority)s: the time to respond must be under a year.") % names
            )
        if resolve is None or resolve <= 0:
            errors[f"{priority}_resolve"] = (
                gettext("%(priority)s: the time to resolve must be more than zero.") % names
            )
        elif resolve > MAX_MINUTES:
            errors[f"{priority}_resolve"] = (
                gettext("%(priority)s: the time to resolve must be under a year.") % names
            )
        elif respond is not None and respond > 0 and resolve < respond:
            errors[f"{priority}_resolve"] = (
                gettext(
                    "%(priority)s: the time to resolve cannot be shorter than the time to respond."
                )
                % names
            )


def _clean_common(compound, *, name: str, organisation, dispatch_mode: str, errors: dict) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = gettext("Give the category a name.")
    elif len(name) > 80:
        errors["name"] = gettext("Keep the name under 80 characters.")
    if organisation is not None and not (
        Organisation.objects.active()
        .filter(pk=organisation.pk)
        .filter(serving_compound_q(compound))
        .exists()
    ):
        errors["organisation"] = gettext("Choose an organisation that serves this compound.")
    if dispatch_mode not in DispatchMode.values:
        errors["dispatch_mode"] = gettext("Choose how requests reach a handler.")
    return name


def _write_deadlines(category: Category, deadlines: dict) -> dict:
    """Store the deadlines that differ from what the category has now; returns the changes
    as `{"<priority>": [[respond, resolve] before, [respond, resolve] after]}`."""
    own = {d.priority: d for d in Deadline.objects.filter(category=category)}
    changes = {}
    for priority in queues.PRIORITIES:
        respond, resolve = deadlines[priority]
        row = own.get(priority)
        before = (
            (row.respond_minutes, row.resolve_minutes)
            if row is not None
            else queues.default_minutes(category, priority)
        )
        if before == (respond, resolve):
            continue
        Deadline.objects.update_or_create(
            category=category,
            priority=priority,
            defaults={"respond_minutes": respond, "resolve_minutes": resolve},
        )
        changes[f"deadline_{priority}"] = [list(before), [respond, resolve]]
    return changes


@transaction.atomic
def category_create(
    *,
    actor,
    compound,
    code: str,
    name: str,
    organisation=None,
    dispatch_mode: str = DispatchMode.MANUAL,
    chargeable: bool = False,
    deadlines: dict[str, tuple[int | None, int | None]],
) -> Category:
    """Add a category to a compound, at the end of its list, with its deadlines."""
    _require_manage(actor, compound)
    errors: dict[str, str] = {}
    code = (code or "").strip().lower()
    if not code:
        errors["code"] = gettext("Give the category a short code, such as “bicycle_shed”.")
    elif len(code) > 40 or not CODE_RE.match(code):
        errors["code"] = gettext(
            "Use only lower-case letters, digits, “-” and “_” in the code (at most 40)."
        )
    elif Category.objects.filter(compound=compound, code=code).exists():
        errors["code"] = gettext("This compound already has a category with this code.")
    name = _clean_common(
        compound, name=name, organisation=organisation, dispatch_mode=dispatch_mode, errors=errors
    )
    _clean_deadlines(deadlines, errors)
    if errors:
        raise ValidationError(errors)
    last = Category.objects.filter(compound=compound).order_by("-position").first()
    category = Category.objects.create(
        compound=compound,
        code=code,
        name=name,
        organisation=organisation,
        dispatch_mode=dispatch_mode,
        chargeable=bool(chargeable),
        position=(last.position + 1) if last else 0,
    )
    changes = audit.snapshot(
        category, ["code", "name", "organisation_id", "dispatch_mode", "chargeable"]
    )
    changes.update(_write_deadlines(category, deadlines))
    audit.record(actor=actor, action="tickets.category_create", target=category, changes=changes)
    return category


_CATEGORY_FIELDS = ["name", "organisation_id", "dispatch_mode", "chargeable", "active"]


@transaction.atomic
def category_update(
    *,
    actor,
    category: Category,
    name: str,
    organisation=None,
    dispatch_mode: str,
    chargeable: bool,
    active: bool,
    deadlines: dict[str, tuple[int | None, int | None]],
) -> Category:
    """Change a category's name, handling organisation, dispatch, charging, whether residents
    may choose it, and its deadlines. Nothing changes unless everything is valid."""
    category = Category.objects.select_for_update().select_related("compound").get(pk=category.pk)
    compound = category.compound
    _require_manage(actor, compound)
    errors: dict[str, str] = {}
    name = _clean_common(
        compound, name=name, organisation=organisation, dispatch_mode=dispatch_mode, errors=errors
    )
    _clean_deadlines(deadlines, errors)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(category, _CATEGORY_FIELDS)
    category.name = name
    category.organisation = organisation
    category.dispatch_mode = dispatch_mode
    category.chargeable = bool(chargeable)
    category.active = bool(active)
    category.save()
    changes = audit.diff(before, audit.snapshot(category, _CATEGORY_FIELDS))
    changes.update(_write_deadlines(category, deadlines))
    if changes:
        audit.record(
            actor=actor, action="tickets.category_update", target=category, changes=changes
        )
    return category


@transaction.atomic
def routing_rule_set(*, actor, compound, category: Category, organisation) -> RoutingRule:
    """Send the compound's new requests of `category` to `organisation` (one rule per
    category: setting it again changes it)."""
    _require_manage(actor, compound)
    errors = {}
    if category is None or category.compound_id != compound.id:
        errors["category"] = gettext("Choose one of this compound's request categories.")
    if organisation is None:
        errors["organisation"] = gettext("Choose the organisation the requests go to.")
    elif not (
        Organisation.objects.active()
        .filter(pk=organisation.pk)
        .filter(serving_compound_q(compound))
        .exists()
    ):
        errors["organisation"] = gettext("Choose an organisation that serves this compound.")
    if errors:
        raise ValidationError(errors)
    rule = (
        RoutingRule.objects.select_for_update().filter(compound=compound, category=category).first()
    )
    before = rule.organisation_id if rule else None
    if rule is None:
        rule = RoutingRule.objects.create(
            compound=compound, category=category, organisation=organisation
        )
    elif before != organisation.pk:
        rule.organisation = organisation
        rule.save(update_fields=["organisation", "updated_at"])
    else:
        return rule
    audit.record(
        actor=actor,
        action="tickets.route_set",
        target=rule,
        changes={"category_id": category.pk, "organisation_id": [before, organisation.pk]},
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    """Remove a routing rule: the category's own organisation handles new requests again."""
    _require_manage(actor, rule.compound)
    audit.record(
        actor=actor,
        action="tickets.route_delete",
        target=rule,
        changes={"category_id": rule.category_id, "organisation_id": [rule.organisation_id, None]},
    )
    rule.delete()
