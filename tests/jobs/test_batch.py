"""The batch scheduler in-process: which night a run plans, the stored jobs, redos, the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.jobs.batch import (
    JOBS_TABLE,
    LOCAL,
    MISFIRE_GRACE_SECONDS,
    build_scheduler,
    night_to_plan,
    redo_branch_day,
    run_branch_night,
    schedule_unfinished_runs,
)
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.database import session_factory, transaction
from scheduler.store.models import utc_now
from tests.batch_support import batch_settings, register_once, stored_jobs

BRANCHES = {"b-ny": ("20:00", "America/New_York"), "b-la": ("21:30", "America/Los_Angeles")}


@pytest.fixture
def branches(migrated_url: str, tmp_path: Path, engine_for) -> tuple[Settings, sessionmaker]:
    """Settings and sessions on a database with two branches in two time zones."""
    sessions = session_factory(engine_for(migrated_url))
    with transaction(sessions) as session:
        session.add(models.Agency(id="a1", name="A"))
        session.flush()
        for branch_id, (batch_time, zone) in BRANCHES.items():
            session.add(
                models.Branch(
                    id=branch_id,
                    agency_id="a1",
                    name=branch_id,
                    timezone=zone,
                    batch_time=batch_time,
                )
            )
    return batch_settings(migrated_url, tmp_path), sessions


def next_fire(batch_time: str, zone: str, now: datetime) -> datetime:
    """The next local ``batch_time`` after ``now``, in UTC."""
    local = now.astimezone(ZoneInfo(zone))
    hour, minute = map(int, batch_time.split(":"))
    fire = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if fire <= local:
        fire = datetime.combine(
            local.date() + timedelta(days=1), fire.time(), tzinfo=ZoneInfo(zone)
        )
    return fire.astimezone(UTC)


@pytest.mark.parametrize(
    ("local_now", "planned"),
    [
        ("2026-12-07T19:59", "2026-12-07"),  # before the batch time: last night's run
        ("2026-12-07T20:00", "2026-12-08"),  # the fire time itself
        ("2026-12-07T23:30", "2026-12-08"),
        ("2026-12-08T01:30", "2026-12-08"),  # a late run after midnight, within the grace
        ("2027-03-13T20:05", "2027-03-14"),  # the night the clocks go forward
    ],
)
def test_night_to_plan_is_the_day_after_the_latest_batch_time(local_now: str, planned: str) -> None:
    """A run plans the day after the batch time it stands for, even when it starts late."""
    now = datetime.fromisoformat(local_now).replace(tzinfo=ZoneInfo("America/New_York"))
    assert night_to_plan("20:00", "America/New_York", now=now) == date.fromisoformat(planned)


def test_jobs_fire_at_each_branch_batch_time_in_its_time_zone(branches) -> None:
    """One stored job per branch, by reference, at its local batch time, with the options."""
    settings, sessions = branches
    assert sorted(register_once(settings, sessions)) == ["nightly:b-la", "nightly:b-ny"]
    jobs = stored_jobs(sessions)
    assert set(jobs) == {"nightly:b-la", "nightly:b-ny"}
    for branch_id, (batch_time, zone) in BRANCHES.items():
        fire, state = jobs[f"nightly:{branch_id}"]
        assert fire == next_fire(batch_time, zone, utc_now())
        assert state["func"] == "scheduler.jobs.batch:run_branch_night"
        assert state["args"] == (branch_id,)
        assert (state["coalesce"], state["max_instances"], state["misfire_grace_time"]) == (
            True,
            1,
            MISFIRE_GRACE_SECONDS,
        )
        assert str(state["trigger"].timezone) == zone


def test_registering_again_replaces_jobs_and_drops_those_of_gone_branches(branches) -> None:
    """Three registrations leave one job per branch; a new batch time and a gone branch show."""
    settings, sessions = branches
    for _ in range(3):
        register_once(settings, sessions)
    assert len(stored_jobs(sessions)) == 2
    with transaction(sessions) as session:
        session.execute(
            update(models.Branch).where(models.Branch.id == "b-la").values(batch_time="03:15")
        )
        session.execute(delete(models.Branch).where(models.Branch.id == "b-ny"))
    register_once(settings, sessions)
    jobs = stored_jobs(sessions)
    assert set(jobs) == {"nightly:b-la"}
    assert jobs["nightly:b-la"][0] == next_fire("03:15", "America/Los_Angeles", utc_now())


def test_a_fire_time_missed_while_no_process_ran_is_kept(branches) -> None:
    """A stored fire time in the past survives the restart (it runs within the grace)."""
    settings, sessions = branches
    register_once(settings, sessions)
    missed = utc_now().replace(microsecond=0) - timedelta(hours=1)
    with transaction(sessions) as session:
        session.execute(
            text(f"UPDATE {JOBS_TABLE} SET next_run_time = :at WHERE id = 'nightly:b-ny'"),
            {"at": missed.timestamp()},
        )
    register_once(settings, sessions)
    jobs = stored_jobs(sessions)
    assert jobs["nightly:b-ny"][0] == missed
    assert jobs["nightly:b-ny"][1]["next_run_time"] == missed
    assert jobs["nightly:b-la"][0] == next_fire("21:30", "America/Los_Angeles", utc_now())


def test_runs_left_running_are_redone_after_their_lease(branches) -> None:
    """Only a run still running, for today or later, is scheduled again, after its lease."""
    settings, sessions = branches
    now = utc_now()
    today = now.astimezone(ZoneInfo("America/New_York")).date()
    lease = now + timedelta(seconds=30)
    with transaction(sessions) as session:
        for day, status in (
            (today - timedelta(days=1), "running"),
            (today + timedelta(days=1), "running"),
            (today + timedelta(days=2), "succeeded"),
        ):
            session.add(
                models.BatchRun(
                    id=f"r-{day}",
                    branch_id="b-ny",
                    day=day,
                    status=status,
                    owner="dead@host:1",
                    attempts=1,
                    lease_until=lease,
                )
            )
    scheduler, _store = build_scheduler(settings)
    assert schedule_unfinished_runs(scheduler, sessions, now=now) == 1
    (job,) = scheduler.get_jobs(jobstore=LOCAL)
    assert job.func is redo_branch_day
    assert job.args == ("b-ny", (today + timedelta(days=1)).isoformat())
    assert job.trigger.run_date == lease + timedelta(seconds=1)


def test_job_functions_refuse_to_run_outside_the_batch_process() -> None:
    """The stored job says where it belongs when called outside ``scheduler batch``."""
    with pytest.raises(RuntimeError, match="scheduler batch"):
        run_branch_night("b-ny")


def test_run_now_refuses_an_unknown_branch_and_a_bad_date(branches, database_url) -> None:
    """`scheduler batch run-now` says what is wrong and exits 2, with no traceback."""
    runner = CliRunner()
    env = {"SCHEDULER_DATABASE_URL": database_url, "SCHEDULER_SOLVE_WORKERS": "1"}
    unknown = runner.invoke(
        app, ["batch", "run-now", "--branch", "nowhere", "--date", "2026-12-08"], env=env
    )
    assert unknown.exit_code == 2 and "no branch 'nowhere'" in unknown.output
    bad = runner.invoke(
        app, ["batch", "run-now", "--branch", "b-ny", "--date", "2026-13-08"], env=env
    )
    assert bad.exit_code == 2 and "--date must be a date like" in bad.output
    assert "Traceback" not in unknown.output + bad.output
    _settings, sessions = branches
    with sessions() as session:
        assert session.scalars(select(models.BatchRun)).all() == []
