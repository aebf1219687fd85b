"""`scheduler worker` and its commands: the queues shown, a job cancelled, a broker required."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import utc_now
from scheduler.store.planning_jobs import add_planning_job

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
runner = CliRunner()


def test_the_queue_is_shown_and_a_job_cancelled_once(migrated_url, migrated, tmp_path, monkeypatch):
    """Two jobs wait (the oldest 2 h); cancelling it leaves one (1 h); cancelling again fails."""
    monkeypatch.setenv("SCHEDULER_DATABASE_URL", migrated_url)
    monkeypatch.setenv("SCHEDULER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCHEDULER_BROKER_URL", raising=False)
    with transaction(migrated) as session:
        session.add(models.Agency(id="a", name="A"))
        session.add(models.Branch(id="b", agency_id="a", name="B", timezone="UTC"))
        session.flush()
        jobs = [
            add_planning_job(
                session,
                branch_id="b",
                start_date=date(2026, 12, 7),
                days=1,
                time_limit=5.0,
                requested_by=None,
                now=utc_now() - timedelta(hours=hours),
            ).id
            for hours in (2, 1)
        ]
    shown = runner.invoke(app, ["worker", "queue"])
    assert shown.exit_code == 0, shown.output
    assert "│ planning    │ 2       │ 0       │ 2:00:0" in shown.output
    cancelled = runner.invoke(app, ["worker", "cancel", jobs[0]])
    assert cancelled.exit_code == 0, cancelled.output
    assert (
        "│ planning    │ 1       │ 0       │ 1:00:0"
        in runner.invoke(app, ["worker", "queue"]).output
    )
    again = runner.invoke(app, ["worker", "cancel", jobs[0]])
    assert again.exit_code == 2 and "already ended (cancelled)" in again.output
    refused = runner.invoke(app, ["worker"])
    assert refused.exit_code == 2 and "SCHEDULER_BROKER_URL" in refused.output
