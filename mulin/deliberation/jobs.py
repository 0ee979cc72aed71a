"""Periodic jobs of deliberation: a daily reminder to the owner of each overdue task."""

from __future__ import annotations

from datetime import timedelta

from mulin.core.periodic import periodic

from .services_meetings import tasks_remind_overdue


# Hourly: the claim on Task.reminded_on keeps it to one reminder per task and day, and a
# ticker that was down at 8:00 still reminds later that day.
@periodic("deliberation.task_reminders", every=timedelta(hours=1))
def task_reminders() -> str:
    return f"reminded {tasks_remind_overdue()}"
