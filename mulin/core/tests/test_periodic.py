from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from mulin.core import periodic
from mulin.core.models import JobRun


def _expired_session():
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )


def test_tick_runs_a_due_job_once_per_slot(db):
    _expired_session()
    now = timezone.now()
    # Other apps register jobs too; this test follows the core one.
    job = "core.clear_expired_sessions"
    assert periodic.run_due(now, only=job) == {job: "1 expired sessions removed"}
    assert not Session.objects.exists()
    # A second ticker in the same hour finds nothing due.
    assert periodic.run_due(now + timedelta(minutes=5), only=job) == {}
    # After the interval the job is due again.
    assert job in periodic.run_due(now + timedelta(hours=1, seconds=1), only=job)


def test_two_tickers_cannot_claim_the_same_slot(db):
    job = periodic.JOBS.get("core.clear_expired_sessions") or (
        periodic._load_jobs() or periodic.JOBS["core.clear_expired_sessions"]
    )
    now = timezone.now()
    assert periodic.claim(job, now) is True
    assert periodic.claim(job, now) is False
    assert JobRun.objects.get(name=job.name).last_started_at == now


def test_a_failing_job_is_recorded_and_does_not_stop_others(db, monkeypatch):
    periodic._load_jobs()

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(
        periodic.JOBS, "aaa.broken", periodic.Job("aaa.broken", timedelta(minutes=1), broken)
    )
    ran = periodic.run_due()
    assert ran["aaa.broken"] == "failed: RuntimeError"
    assert "core.clear_expired_sessions" in ran


def test_mulin_tick_command(db, capsys):
    call_command("tick")
    assert "core.clear_expired_sessions" in capsys.readouterr().out
    call_command("tick")
    assert "No job was due." in capsys.readouterr().out
