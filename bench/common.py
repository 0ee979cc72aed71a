"""Shared setup for the benchmarks: Django, the bench users, timing helpers."""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# A bench run never touches the development database: without DATABASE_URL it uses its own file.
DEFAULT_DATABASE = f"sqlite:///{RESULTS / 'bench.sqlite3'}"
PAGE_P95_MS = 100.0
IMPORT_SECONDS = 20.0
EXPORT_PEAK_MB = 300.0
SEED_SECONDS = 600.0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mulin.settings")
    RESULTS.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.conf import settings

    # The test client talks to "testserver" over plain HTTP, whatever production settings say.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    # Measure as in production: no per-query logging or template debug information (set before
    # the template engine is first built). Query counts use CaptureQueriesContext regardless.
    settings.DEBUG = False


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist yet."""
    import dj_database_url
    import psycopg

    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE)
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def bench_user(username: str, *, superuser: bool = False):
    from mulin.core.models import User

    user, _ = User.objects.get_or_create(
        username=username, defaults={"first_name": username, "is_superuser": superuser}
    )
    return user


def grant_once(user, role: str, scope_obj) -> None:
    from mulin.core.models import RoleGrant

    kind = type(scope_obj).__name__.lower()
    RoleGrant.objects.get_or_create(user=user, role=role, scope=kind, **{kind: scope_obj})


@dataclass
class Result:
    name: str
    value: str  # the figure as shown in the table
    target: str
    ok: bool | None  # None: not measured
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(samples: list[float], p: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1]


def timed(func, repeat: int, warmup: int = 3) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds for each of `repeat` calls after `warmup`
    calls. CPU time shows what a request costs when other work shares the machine (it leaves
    out the database server's own time on PostgreSQL)."""
    for _ in range(warmup):
        func()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu
