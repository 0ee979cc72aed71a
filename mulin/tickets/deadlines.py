"""Deadlines: respond-by and resolve-by from the category × priority at submission.

Defaults (DESIGN §9, 接诉即办 practice), overridden per category by `Deadline` rows:

| priority  | respond within | resolve within |
| --------- | -------------- | -------------- |
| emergency | 30 minutes     | 2 hours        |
| urgent    | 2 hours        | 24 hours       |
| normal    | 24 hours       | 7 days         |

Complex categories (major house repair) resolve normal requests within 15 days. Time paused
(waiting for parts) does not count: resuming moves resolve-by later by the paused duration.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import Category, Deadline, Priority

MINUTE = 1
HOUR = 60
DAY = 24 * HOUR

DEFAULT_MINUTES: dict[str, tuple[int, int]] = {
    Priority.EMERGENCY: (30 * MINUTE, 2 * HOUR),
    Priority.URGENT: (2 * HOUR, 24 * HOUR),
    Priority.NORMAL: (24 * HOUR, 7 * DAY),
}
COMPLEX_RESOLVE_MINUTES = 15 * DAY
COMPLEX_CATEGORIES = frozenset({"major_repair"})


def minutes_for(category: Category, priority: str) -> tuple[int, int]:
    """(respond, resolve) minutes for a category × priority."""
    row = Deadline.objects.filter(category=category, priority=priority).first()
    if row is not None:
        return row.respond_minutes, row.resolve_minutes
    return default_minutes(category, priority)


def default_minutes(category: Category, priority: str) -> tuple[int, int]:
    """(respond, resolve) minutes when no `Deadline` row overrides them (no query: lists of
    categories fetch their rows once and fall back to this)."""
    respond, resolve = DEFAULT_MINUTES[priority]
    if category.code in COMPLEX_CATEGORIES and priority == Priority.NORMAL:
        resolve = COMPLEX_RESOLVE_MINUTES
    return respond, resolve


def due_times(category: Category, priority: str, start: datetime) -> tuple[datetime, datetime]:
    """(respond_by, resolve_by) for a request submitted at `start`."""
    respond, resolve = minutes_for(category, priority)
    return start + timedelta(minutes=respond), start + timedelta(minutes=resolve)


def extend_for_pause(resolve_by: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """Resolve-by after a pause: the paused time is not counted against the handler."""
    return resolve_by + max(resumed_at - paused_at, timedelta(0))


def is_overdue(ticket, now: datetime) -> bool:
    """Past respond-by without a response, or past resolve-by while still open."""
    if ticket.responded_at is None and ticket.respond_by < now:
        return True
    return ticket.resolve_by < now
