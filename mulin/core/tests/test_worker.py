"""A real Celery worker against the local Redis completes a task (CI requires Redis)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("MULIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[3]


def _redis_up() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError:
        return False


@pytest.mark.worker
def test_real_worker_completes_a_task(tmp_path):
    if not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Redis at {REDIS_URL} for the worker test")
        pytest.skip("Redis is not running")
    from celery import Celery

    env = os.environ | {
        "MULIN_BROKER_URL": REDIS_URL,
        "MULIN_RESULT_BACKEND": REDIS_URL,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "mulin.settings",
    }
    queue = f"test-{os.getpid()}-{time.time_ns()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mulin",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Celery(broker=REDIS_URL, backend=REDIS_URL)
        result = client.send_task("core.ping", args=["hello from the test"], queue=queue)
        assert result.get(timeout=60) == "hello from the test"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
