"""The batch as real processes: racing, restarted, and killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text, update

from scheduler.jobs.batch import JOBS_TABLE, night_to_plan
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.store import models
from scheduler.store.database import session_factory, transaction
from scheduler.store.models import utc_now
from tests.batch_support import (
    DAY,
    batch_env,
    child_processes,
    nightly,
    published_state,
    register_once,
    run_row,
    stored_jobs,
    wait_for,
)

STARTED = "batch scheduler started"


def far_batch_time(zone: str) -> str:
    """A local batch time twelve hours away: no nightly job fires during a test by chance."""
    return f"{(utc_now() + timedelta(hours=12)).astimezone(ZoneInfo(zone)):%H:%M}"


class Batch:
    """Starts ``scheduler batch`` processes in their own sessions; kills leftovers at the end."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        """Start ``scheduler batch *args``, its output going to a log file named by its order."""
        log = self.folder / f"batch-{len(self.processes)}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "scheduler.cli", "batch", *args],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = log  # type: ignore[attr-defined]
        self.processes.append(process)
        return process

    def run_now(self, *args: str) -> subprocess.Popen:
        """Start ``scheduler batch run-now --branch <demo> --date DAY *args``."""
        return self.start("run-now", "--branch", DEMO_BRANCH, "--date", DAY.isoformat(), *args)

    @staticmethod
    def output(process: subprocess.Popen) -> str:
        """What the process printed so far."""
        return process.log.read_text(errors="replace")  # type: ignore[attr-defined]

    def wait_started(self, process: subprocess.Popen) -> None:
        """Wait until a batch scheduler process says it started."""
        wait_for(
            lambda: STARTED in self.output(process) or process.poll() is not None,
            seconds=90,
            what="the batch scheduler's start",
        )
        assert process.poll() is None, self.output(process)

    def stop(self, process: subprocess.Popen) -> int:
        """SIGTERM a batch scheduler and return its exit code."""
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=60)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the process and every process it forked (its solver searches)."""
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL

    def close(self) -> None:
        """Kill whatever a failed test left running."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


# Processes cost seconds each: SQLite's claims between racing processes are shown by the two
# schedulers started together; the other process tests run on PostgreSQL, the production store.
POSTGRESQL_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def batch(database_url: str, tmp_path: Path) -> Iterator[Batch]:
    """A starter of batch processes on the test database."""
    starter = Batch(batch_env(database_url, tmp_path), tmp_path)
    yield starter
    starter.close()


@POSTGRESQL_ONLY
def test_two_run_now_processes_for_one_night_write_one_plan(
    database_url, tmp_path, batch, seed_demo
):
    """Two processes started together for the same night: one plans and publishes, one skips."""
    world = seed_demo(database_url, tmp_path)
    before = published_state(world.sessions)
    racers = [batch.run_now("--time-limit", "3") for _ in range(2)]
    codes = [racer.wait(timeout=120) for racer in racers]
    outputs = [batch.output(racer) for racer in racers]
    assert codes == [0, 0], outputs
    assert sorted("succeeded" in out for out in outputs) == [False, True], outputs
    assert any("skipped" in out for out in outputs), outputs
    run = run_row(world.sessions, DAY)
    assert (run.status, run.attempts) == ("succeeded", 1)
    after = published_state(world.sessions)
    assert after["plans"] == before["plans"] + 1
    assert after["days"][DAY] == run.plan_id


def test_two_batch_processes_started_together_plan_each_night_once(
    database_url, tmp_path, batch, seed_demo
):
    """Two schedulers started together: a missed night and a killed run are each planned once."""
    east, west = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
    world = seed_demo(database_url, tmp_path, start=datetime.now(east).date())
    missed = utc_now().replace(second=0, microsecond=0) - timedelta(minutes=2)
    west_day = datetime.now(west).date() + timedelta(days=1)
    with transaction(world.sessions) as session:
        session.get(models.Branch, DEMO_BRANCH).batch_time = f"{missed.astimezone(east):%H:%M}"
        session.add(
            models.Branch(
                id="b-west",
                agency_id="demo",
                name="W",
                timezone=str(west),
                batch_time=far_batch_time(str(west)),
            )
        )
    register_once(world.settings, world.sessions)
    with transaction(world.sessions) as session:
        session.execute(  # as if no batch process ran at the demo branch's batch time
            text(f"UPDATE {JOBS_TABLE} SET next_run_time = :at WHERE id = :id"),
            {"at": missed.timestamp(), "id": f"nightly:{DEMO_BRANCH}"},
        )
        session.add(  # and as if a process running b-west's night died just now
            models.BatchRun(
                id="killed",
                branch_id="b-west",
                day=west_day,
                status="running",
                owner="dead@host:1",
                attempts=1,
                lease_until=utc_now() + timedelta(seconds=10),
            )
        )
    plans_before = published_state(world.sessions)["plans"]
    schedulers = [batch.start(), batch.start()]
    east_day = night_to_plan(f"{missed.astimezone(east):%H:%M}", str(east), now=utc_now())

    def runs_done() -> list | None:
        with world.sessions() as session:
            runs = session.scalars(select(models.BatchRun)).all()
        return runs if len(runs) == 2 and all(r.status == "succeeded" for r in runs) else None

    runs = wait_for(runs_done, seconds=120, what="both branches' runs")
    for scheduler in schedulers:
        batch.wait_started(scheduler)
    assert [batch.stop(scheduler) for scheduler in schedulers] == [0, 0]
    assert {(r.branch_id, r.day, r.attempts) for r in runs} == {
        (DEMO_BRANCH, east_day, 1),
        ("b-west", west_day, 2),
    }
    with world.sessions() as session:
        plans = dict(
            session.execute(
                select(models.Plan.branch_id, func.count()).group_by(models.Plan.branch_id)
            ).all()
        )
    assert plans == {DEMO_BRANCH: plans_before + 1, "b-west": 1}
    assert published_state(world.sessions)["days"][east_day] == next(
        r.plan_id for r in runs if r.branch_id == DEMO_BRANCH
    )
    west_runs = [
        line.rsplit(": ", 1)[-1].split(" ")[0].rstrip(",")
        for s in schedulers
        for line in batch.output(s).splitlines()
        if f"nightly run of branch b-west for {west_day}:" in line
    ]
    assert sorted(west_runs) == ["skipped", "succeeded"], [batch.output(s) for s in schedulers]


@POSTGRESQL_ONLY
def test_three_restarts_keep_one_job_per_branch(migrated_url, tmp_path, batch, engine_for):
    """Started three times, the batch holds one job per branch; a new batch time is taken up."""
    sessions = session_factory(engine_for(migrated_url))
    with transaction(sessions) as session:
        session.add(models.Agency(id="demo", name="A"))
        session.flush()
        session.add_all(
            models.Branch(
                id=branch_id,
                agency_id="demo",
                name=branch_id,
                timezone=zone,
                batch_time=far_batch_time(zone),
            )
            for branch_id, zone in (
                (DEMO_BRANCH, "America/New_York"),
                ("b-west", "America/Los_Angeles"),
            )
        )
    changed = (
        f"{(utc_now() + timedelta(hours=6)).astimezone(ZoneInfo('America/Los_Angeles')):%H:%M}"
    )
    for start in range(3):
        if start == 2:
            with transaction(sessions) as session:
                session.execute(
                    update(models.Branch)
                    .where(models.Branch.id == "b-west")
                    .values(batch_time=changed)
                )
        process = batch.start()
        batch.wait_started(process)
        assert set(stored_jobs(sessions)) == {f"nightly:{DEMO_BRANCH}", "nightly:b-west"}
        assert batch.stop(process) == 0, batch.output(process)
        assert "batch scheduler stopped" in batch.output(process)
    fire, _state = stored_jobs(sessions)["nightly:b-west"]
    assert f"{fire.astimezone(ZoneInfo('America/Los_Angeles')):%H:%M}" == changed
    with sessions() as session:
        assert session.scalars(select(models.BatchRun)).all() == []


@POSTGRESQL_ONLY
def test_sigkill_during_the_solve_keeps_the_published_plan_and_the_next_start_redoes_it(
    database_url, tmp_path, batch, seed_demo
):
    """Killed while solving: the published plan is untouched; the next start redoes the run."""
    world = seed_demo(database_url, tmp_path)
    with transaction(world.sessions) as session:
        session.get(models.Branch, DEMO_BRANCH).batch_time = far_batch_time("America/New_York")
    before = published_state(world.sessions)
    doomed = batch.run_now("--time-limit", "30", "--lease-seconds", "3")
    wait_for(lambda: run_row(world.sessions, DAY), seconds=90, what="the run's claim")
    wait_for(lambda: child_processes(doomed.pid), seconds=30, what="the solver's search")
    assert doomed.poll() is None
    batch.kill(doomed)
    assert published_state(world.sessions) == before
    killed = run_row(world.sessions, DAY)
    assert (killed.status, killed.attempts, killed.finished_at) == ("running", 1, None)
    scheduler = batch.start()
    redone = wait_for(
        lambda: (run := run_row(world.sessions, DAY)).status == "succeeded" and run,
        seconds=120,
        what="the redo of the killed run",
    )
    assert batch.stop(scheduler) == 0
    assert "1 unfinished run(s) to redo" in batch.output(scheduler)
    assert redone.attempts == 2
    after = published_state(world.sessions)
    assert after["plans"] == before["plans"] + 1
    assert after["days"] == before["days"] | {DAY: redone.plan_id}


@POSTGRESQL_ONLY
def test_sigkill_during_the_write_keeps_the_published_plan_and_a_rerun_completes(
    database_url, tmp_path, batch, seed_demo, engine_for
):
    """Killed inside its write transaction (held on a branch row lock): nothing of it lands."""
    world = seed_demo(database_url, tmp_path)
    before = published_state(world.sessions)
    engine = engine_for(database_url)
    watching = engine.execution_options(isolation_level="AUTOCOMMIT")  # fresh activity each look
    with engine.connect() as holder, watching.connect() as watcher:
        holder.execute(
            text("SELECT 1 FROM branches WHERE id = :id FOR NO KEY UPDATE"), {"id": DEMO_BRANCH}
        )
        doomed = batch.run_now("--time-limit", "1", "--lease-seconds", "3")
        blocked = wait_for(
            lambda: watcher.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE branches SET schedule_revision%'"
                )
            ).scalar(),
            seconds=90,
            what="the run's publication waiting on the branch row",
        )
        assert published_state(world.sessions)["plans"] == before["plans"]  # written, uncommitted
        batch.kill(doomed)
        holder.rollback()
        wait_for(
            lambda: (
                not watcher.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": blocked}
                ).scalar()
            ),
            seconds=30,
            what="the end of the killed run's database session",
        )
    assert published_state(world.sessions) == before
    killed = run_row(world.sessions, DAY)
    assert (killed.status, killed.attempts, killed.plan_id) == ("running", 1, None)
    wait_for(lambda: datetime.now(UTC) > killed.lease_until, seconds=10, what="the lease's end")
    rerun = nightly(world)
    assert (rerun.status, rerun.attempts) == ("succeeded", 2), rerun.detail
    redone = run_row(world.sessions, DAY)
    assert (redone.status, redone.plan_id) == ("succeeded", rerun.plan_id)
    after = published_state(world.sessions)
    assert after["plans"] == before["plans"] + 1
    assert after["days"] == before["days"] | {DAY: redone.plan_id}
