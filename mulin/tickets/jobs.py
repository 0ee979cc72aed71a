"""Periodic jobs of the tickets app: escalation of overdue requests.

An open request past its respond-by (without a response) or its resolve-by goes to level 1, the
team leader of its handling organisation. If it is still overdue `SECOND_LEVEL_AFTER` later, it
goes to level 2, community staff. Paused requests do not escalate.

Each level is reached once, even with two runs at the same time: a batch of rows is claimed with
one conditional UPDATE (`WHERE escalation_level = n` and still overdue, `… RETURNING id`); on
PostgreSQL the rows are locked with `FOR UPDATE SKIP LOCKED`, so a concurrent run skips what this
one holds instead of waiting for it. The claimed batch then gets its timeline events and audit
rows in two INSERTs, in the same transaction, and the people it is for get an "overdue" message in
their inbox once it is committed (`mulin.core.notifications.notify_many`). Per batch the work is a
fixed number of statements whatever its size; 100,000 overdue requests of a district take about
20 s of CPU on PostgreSQL (`bench/tickets.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from mulin.core import audit, bulk, notifications
from mulin.core.models import NotificationKind, Role, RoleGrant, User
from mulin.core.periodic import periodic
from mulin.orgs.models import MemberRole, Membership

from . import dispatch, followups, selectors
from .models import EventKind, Ticket, TicketEvent

SECOND_LEVEL_AFTER = timedelta(hours=2)
BATCH_SIZE = 1000
LEADER_ROLES = (
    MemberRole.LEADER,
    MemberRole.MANAGER,
    MemberRole.DIRECTOR,
    MemberRole.SECRETARY,
)


def _claim(ids: list[int], level: int, now: datetime) -> list[int]:
    """Raise those of `ids` still overdue at `level` to `level + 1`; the ids this run got."""
    since = now - SECOND_LEVEL_AFTER if level >= 1 else None
    candidates = (
        selectors.overdue_at_level(level, now, since=since)
        .filter(pk__in=ids)
        .order_by("pk")
        .values("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True)
    inner, params = candidates.query.get_compiler(connection=connection).as_sql()
    table = connection.ops.quote_name(Ticket._meta.db_table)
    sql = (
        f"UPDATE {table} SET escalation_level = %s, escalated_at = %s "
        f"WHERE id IN ({inner}) AND escalation_level = %s RETURNING id"
    )
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [level + 1, stamp, *params, level])
        return sorted(row[0] for row in cursor.fetchall())


@dataclass(frozen=True)
class Escalated:
    """An escalated ticket as the audit rows and messages need it, read as one row per ticket
    (no model instances); it stands for the ticket as their target."""

    _meta: ClassVar = Ticket._meta
    pk: int
    organisation_id: int | None
    compound_id: int
    community_id: int
    category: str

    def __str__(self) -> str:  # as `Ticket.__str__`
        return f"#{self.pk} {self.category}"


def _recipients(tickets: list[Escalated], level: int) -> dict[int, dict]:
    """Who each escalation is for: the team leaders (level 1) or community staff (level 2) —
    one query for the whole batch."""
    if level == 1:
        leaders: dict[int, set[int]] = defaultdict(set)
        orgs = {t.organisation_id for t in tickets if t.organisation_id}
        rows = (
            Membership.objects.current()
            .filter(organisation_id__in=orgs, role__in=LEADER_ROLES)
            .values_list("organisation_id", "person_id")
        )
        for org_id, person_id in rows:
            leaders[org_id].add(person_id)
        return {t.pk: {"leader_person_ids": sorted(leaders[t.organisation_id])} for t in tickets}
    staff: dict[int, set[int]] = defaultdict(set)
    communities = {t.community_id for t in tickets}
    rows = (
        RoleGrant.objects.current()
        .filter(role=Role.COMMUNITY_STAFF, community_id__in=communities)
        .values_list("community_id", "user_id")
    )
    for community_id, user_id in rows:
        staff[community_id].add(user_id)
    return {t.pk: {"staff_user_ids": sorted(staff[t.community_id])} for t in tickets}


def escalate_batch(ids: Iterable[int], level: int, now: datetime) -> list[int]:
    """Raise a batch of tickets from `level` to `level + 1` in one transaction: claim, timeline
    events, audit rows; the messages go out after commit. Returns the ids this run raised (the
    others were raised by another run, or are no longer overdue)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # Not waiting for the disk at each batch's commit is safe here: the messages are
            # written by a later, ordinary commit, which makes this one durable too; and a batch
            # lost in a crash is simply claimed again by the next run.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        claimed = _claim(list(ids), level, now)
        if not claimed:
            return []
        rows = (
            Ticket.objects.filter(pk__in=claimed)
            .order_by("pk")
            .values_list(
                "pk", "organisation_id", "compound__community_id", "compound_id", "category__name"
            )
        )
        tickets = [
            Escalated(pk, org_id, compound_id, community_id, category)
            for pk, org_id, community_id, compound_id, category in rows
        ]
        recipients = _recipients(tickets, level + 1)
        data = {t.pk: {"level": level + 1, **recipients[t.pk]} for t in tickets}
        bulk.insert(
            TicketEvent,
            [
                {
                    "ticket_id": t.pk,
                    "kind": EventKind.ESCALATION,
                    "data": data[t.pk],
                    "created_at": now,
                }
                for t in tickets
            ],
        )
        changes = {"escalation_level": [level, level + 1]}
        audit.record_many(
            actor=None, action="tickets.escalate", targets=[(t, changes) for t in tickets]
        )
        transaction.on_commit(lambda: notify_escalations(tickets, data))
    return claimed


def escalate_one(ticket_id: int, level: int, now: datetime) -> bool:
    """Raise one ticket from `level` to `level + 1`; False if another run got there first."""
    return bool(escalate_batch([ticket_id], level, now))


def notify_escalations(tickets: list[Escalated], data: dict[int, dict]) -> None:
    """Tell the team leaders (level 1) or community staff (level 2) about each escalation: one
    query for the users, one INSERT for the messages."""
    person_ids = {p for d in data.values() for p in d.get("leader_person_ids", ())}
    user_ids = {u for d in data.values() for u in d.get("staff_user_ids", ())}
    users = User.objects.filter(Q(person_id__in=person_ids) | Q(pk__in=user_ids), is_active=True)
    by_person, by_pk = defaultdict(list), {}
    for user in users.only("pk", "person_id"):
        by_pk[user.pk] = user
        if user.person_id:
            by_person[user.person_id].append(user)
    # Translated once for the batch; a link made once and filled in per ticket.
    title = gettext("Request #%(number)s is overdue")
    body = gettext(
        "The %(category)s request #%(number)s is past its deadline and has been escalated to you."
    )
    link = _ticket_link()
    messages = []
    for ticket in tickets:
        d = data[ticket.pk]
        if d["level"] == 1:
            recipients = [u for p in d["leader_person_ids"] for u in by_person.get(p, ())]
        else:
            recipients = [by_pk[u] for u in d["staff_user_ids"] if u in by_pk]
        if not recipients:
            continue
        names = {"number": ticket.pk, "category": ticket.category}
        messages.append(
            notifications.Message(
                recipients=tuple(recipients),
                kind=NotificationKind.OVERDUE,
                title=title % names,
                body=body % names,
                target=ticket,
                url=link(ticket.pk),
            )
        )
    if messages:
        notifications.notify_many(messages)


def _ticket_link():
    """`dispatch.ticket_url` for any number of tickets with one `reverse()`."""
    marker = 987654321
    before, after = dispatch.ticket_url(Ticket(pk=marker)).split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def escalate_overdue(
    now: datetime | None = None, *, batch_size: int = BATCH_SIZE, tickets=None
) -> dict[int, int]:
    """Escalate every overdue request by one level, `batch_size` at a time; returns
    {new level: count}. `tickets` narrows the candidates (a queryset of tickets)."""
    now = now or timezone.now()
    done = {1: 0, 2: 0}
    for level, since in ((1, now - SECOND_LEVEL_AFTER), (0, None)):
        # Level 1 first, so a request is never raised twice in one run.
        candidates = selectors.overdue_at_level(level, now, since=since)
        if tickets is not None:
            candidates = candidates.filter(pk__in=tickets.values("pk"))
        ids = list(candidates.order_by("id").values_list("id", flat=True))
        for chunk in _chunks(ids, batch_size):
            done[level + 1] += len(escalate_batch(chunk, level, now))
    return done


# Registered here so `mulin tick` and beat find it with the other jobs of this app.
after_resolution_job = followups.after_resolution_job


@periodic("tickets.escalate_overdue", every=timedelta(minutes=5))
def escalate_overdue_job() -> str:
    done = escalate_overdue()
    return f"{done[1]} to team leaders, {done[2]} to community staff"
