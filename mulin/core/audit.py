"""Audit trail: every service that changes data calls `record()` inside its transaction."""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from .bulk import insert
from .models import AuditChainHead, AuditEvent

# Set by RequestIdMiddleware for the duration of a request (or by a task for its run).
current_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "mulin_request", default=None
)


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The values of `fields` (default: all concrete fields) as JSON-safe values."""
    names = list(fields) if fields is not None else [f.attname for f in obj._meta.concrete_fields]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: dict, after: dict) -> dict:
    """`{"field": [old, new]}` for every field whose value changed."""
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def _target_compound_id(target) -> int | None:
    for path in ("compound_id", "unit__compound_id"):
        if "__" not in path and hasattr(target, path):
            return getattr(target, path)
    unit = getattr(target, "unit", None)
    if unit is not None and hasattr(unit, "compound_id"):
        return unit.compound_id
    organisation = getattr(target, "organisation", None)
    if organisation is not None:
        return organisation.compound_id
    return None


def record(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: dict | None = None,
    on_behalf_of=None,
    subject_person=None,
    compound_id: int | None = None,
    chain: str = "",
) -> AuditEvent:
    """Write one audit event. Call it inside the service's atomic block.

    `chain` names a hash-chained stream (ballots, tallies, publications, payments): each event's
    hash covers the previous one, so any edit or deletion breaks `mulin audit verify`.
    """
    context = current_request.get() or {}
    from mulin.people.models import Person

    if subject_person is None and isinstance(target, Person):
        subject_person = target
    event = AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        on_behalf_of=on_behalf_of,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        subject_person=subject_person,
        compound_id=compound_id if compound_id is not None else _target_compound_id(target),
        changes=json.loads(json.dumps(changes or {}, default=str)),
        request_id=context.get("request_id", ""),
        ip=context.get("ip"),
        chain=chain,
    )
    if chain:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("chained audit events must be written inside a transaction")
        head = _chain_head(chain)
        event.prev_hash = head.last_hash
        event.hash = chain_hash(event)
        event.save()
        AuditChainHead.objects.filter(pk=head.pk).update(last_hash=event.hash)
        return event
    event.save()
    return event


def _chain_head(chain: str) -> AuditChainHead:
    """The chain's head row, locked until the transaction ends. Locking the newest event instead
    would let two writers that waited on it both chain onto it (PostgreSQL re-reads the locked
    row, not the query), forking the chain."""
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is not None:
        return head
    last = (
        AuditEvent.objects.filter(chain=chain)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    )
    # Two first writers may race here: one insert wins, both then lock the same row.
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(chain=chain, last_hash=last or "")], ignore_conflicts=True
    )
    return AuditChainHead.objects.select_for_update().get(chain=chain)


def record_many(*, actor, action: str, targets: Iterable[tuple[models.Model, dict]]) -> int:
    """`record()` for many targets at once, in one INSERT (periodic jobs acting on thousands of
    rows); returns how many were written. Never for hash-chained streams: each chained event
    covers the one before it, so those are written one by one with `record(chain=…)`."""
    context = current_request.get() or {}
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    # JSON-safe copies, made once per `changes` object (callers often pass one for all); the
    # object is kept with its copy so that its id cannot be reused by another while we run.
    plain: dict[int, tuple[dict, dict]] = {}

    def json_safe(changes) -> dict:
        key = id(changes)
        if key not in plain:
            plain[key] = (changes, json.loads(json.dumps(changes or {}, default=str)))
        return plain[key][1]

    rows = [
        {
            "created_at": now,
            "actor_id": actor_id,
            "action": action,
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk),
            "target_repr": str(target)[:200],
            "compound_id": _target_compound_id(target),
            "changes": json_safe(changes),
            "request_id": context.get("request_id", ""),
            "ip": context.get("ip"),
        }
        for target, changes in targets
    ]
    insert(AuditEvent, rows)
    return len(rows)


def chain_hash(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.created_at.isoformat(),
            event.actor_id,
            event.on_behalf_of_id,
            event.action,
            event.target_type,
            event.target_id,
            event.changes,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# Checks that compare sealed rows (ballots, frozen tallies) with what their chained events say
# they were; apps register theirs with `@seal_check` in their AppConfig.ready().
SEAL_CHECKS: list = []


def seal_check(func):
    SEAL_CHECKS.append(func)
    return func


def verify_chains() -> list[str]:
    """Problems found in every hash chain and in every sealed row; an empty list means the
    chains are intact and no sealed row was changed behind Mulin's back."""
    problems: list[str] = []
    chains = AuditEvent.objects.exclude(chain="").values_list("chain", flat=True).distinct()
    heads = dict(AuditChainHead.objects.values_list("chain", "last_hash"))
    for name in sorted(set(chains) | set(heads)):
        previous = ""
        for event in AuditEvent.objects.filter(chain=name).order_by("id").iterator():
            if event.prev_hash != previous:
                problems.append(
                    f"{name}: event {event.id} does not follow the previous event (missing or reordered)"
                )
            if chain_hash(event) != event.hash:
                problems.append(f"{name}: event {event.id} was changed after it was written")
            previous = event.hash
        if name in heads and heads[name] != previous:
            problems.append(f"{name}: the newest events of the chain are missing")
    for check in SEAL_CHECKS:
        problems.extend(check())
    return problems
