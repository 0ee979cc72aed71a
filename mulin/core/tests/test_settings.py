import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _mulin(*args, **env):
    # The browser tests allow sync ORM calls in-process; a deployment must not inherit that.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "-m", "mulin.manage", *args],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "mulin.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _mulin(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        MULIN_DEBUG="false",
        MULIN_SECRET_KEY="k" * 20 + "-a-long-random-production-secret-value-9876543210",
        MULIN_ALLOWED_HOSTS="mulin.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_is_generated_into_an_untracked_file_when_absent(tmp_path):
    key_file = tmp_path / "secret"
    env = {
        "MULIN_SECRET_KEY_FILE": str(key_file),
        "MULIN_SECRET_KEY": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    assert _mulin("check", **env).returncode == 0
    first = key_file.read_text()
    assert len(first) >= 50
    assert _mulin("check", **env).returncode == 0
    assert key_file.read_text() == first
    tracked = subprocess.run(
        ["git", "check-ignore", ".secret_key"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.returncode == 0, ".secret_key must be ignored by git"


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the setting is what we check there.
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]
