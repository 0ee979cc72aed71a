"""Periodic jobs, run by Celery beat (`core.tick` every minute) or by cron through `mulin tick`.

A job is a function registered with `@periodic("name", every=timedelta(...))`. `run_due()` claims
each due job with one conditional UPDATE, so concurrent tickers never run a job twice in a slot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    func: Callable[[], object]


JOBS: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta):
    def register(func):
        JOBS[name] = Job(name, every, func)
        return func

    return register


def claim(job: Job, now: datetime) -> bool:
    """True if this caller won the job's current slot."""
    JobRun.objects.get_or_create(name=job.name)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every)
    return JobRun.objects.filter(due, name=job.name).update(last_started_at=now) == 1


def run_due(now: datetime | None = None, *, only: str | None = None) -> dict[str, str]:
    """Run every due job (or just `only`); returns {job name: result} for the jobs this call ran."""
    _load_jobs()
    now = now or timezone.now()
    ran: dict[str, str] = {}
    for job in sorted(JOBS.values(), key=lambda j: j.name):
        if only and job.name != only:
            continue
        if not claim(job, now):
            continue
        try:
            result = str(job.func() or "ok")[:200]
        # One failing job must not stop the others; it is logged and recorded.
        except Exception as exc:
            log.exception("periodic job %s failed", job.name)
            result = f"failed: {exc.__class__.__name__}"
        JobRun.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(), last_result=result
        )
        ran[job.name] = result
    return ran


def _load_jobs() -> None:
    """Import every installed app's `jobs` module so that its @periodic functions register."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.jobs"
        if find_spec(module) is not None:
            import_module(module)
