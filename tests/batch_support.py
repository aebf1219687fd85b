"""Helpers of the nightly-run and batch tests (tests/service, tests/jobs): settings, looks."""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import STATE_PAUSED
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from scheduler.jobs.batch import JOBS_TABLE, build_scheduler, register_branch_jobs
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.nightly import run_nightly
from scheduler.settings import Settings
from scheduler.store import models

WEEK = date(2026, 12, 7)  # the demo week's Monday
DAY = date(2026, 12, 8)  # the night planned in these tests: the Tuesday


@dataclass
class Seeded:
    """A database with the tiny demo branch planned and published for a week."""

    sessions: sessionmaker[Session]
    settings: Settings
    plan_id: str
    start: date


def batch_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings of a test batch: its database and folders, one search process, short solves."""
    values = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "cache_dir": tmp_path / "cache",
        "solve_workers": 1,
        "solve_time_limit": 2.5,
    }
    return Settings(**(values | overrides))


def batch_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a ``scheduler batch`` process on the test database."""
    return os.environ | {
        "SCHEDULER_DATABASE_URL": database_url,
        "SCHEDULER_DATA_DIR": str(tmp_path),
        "SCHEDULER_CACHE_DIR": str(tmp_path / "cache"),
        "SCHEDULER_SOLVE_WORKERS": "1",
        "SCHEDULER_SOLVE_TIME_LIMIT": "2.5",
    }


def published_state(sessions: sessionmaker[Session], branch_id: str = DEMO_BRANCH) -> dict:
    """What the branch's crews see: published plan per day, its stops, the visits' placements."""
    with sessions() as session:
        days = dict(
            session.execute(
                select(models.PublishedDay.day, models.PublishedDay.plan_id).where(
                    models.PublishedDay.branch_id == branch_id
                )
            ).all()
        )
        stops = session.execute(
            select(models.PlanStop.plan_id, models.PlanStop.visit_id, models.PlanStop.clinician_id)
            .where(models.PlanStop.plan_id.in_(set(days.values())))
            .order_by(models.PlanStop.plan_id, models.PlanStop.visit_id)
        ).all()
        visits = session.execute(
            select(models.Visit.id, models.Visit.status, models.Visit.clinician_id)
            .where(models.Visit.branch_id == branch_id)
            .order_by(models.Visit.id)
        ).all()
        plans = session.scalar(
            select(func.count()).select_from(models.Plan).where(models.Plan.branch_id == branch_id)
        )
        revision = session.get(models.Branch, branch_id).schedule_revision
    return {
        "days": days,
        "stops": [tuple(row) for row in stops],
        "visits": [tuple(row) for row in visits],
        "plans": plans,
        "revision": revision,
    }


def run_row(sessions: sessionmaker[Session], day: date, branch_id: str = DEMO_BRANCH):
    """The branch's run row for ``day`` (``None`` when there is none)."""
    with sessions() as session:
        return session.scalar(
            select(models.BatchRun).where(
                models.BatchRun.branch_id == branch_id, models.BatchRun.day == day
            )
        )


def wait_for(check: Callable[[], Any], *, seconds: float, what: str) -> Any:
    """Poll ``check`` until it returns something true, or fail saying ``what`` never came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds:g} s")


def child_processes(pid: int) -> list[int]:
    """Processes forked by ``pid`` (any of its threads): the solver's searches."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return children


def nightly(world: Seeded, **options: Any):
    """Run the demo branch's night of ``DAY`` with short solves."""
    values = {"owner": "test", "time_limit": 2.5} | options
    return run_nightly(
        world.sessions, branch_id=DEMO_BRANCH, day=DAY, settings=world.settings, **values
    )


def register_once(settings: Settings, sessions: sessionmaker[Session]) -> list[str]:
    """Register the branches' jobs as a batch process starting does, then stop (paused)."""
    scheduler, store = build_scheduler(settings)
    job_ids = register_branch_jobs(scheduler, store, sessions)
    runner = threading.Thread(target=scheduler.start, kwargs={"paused": True})
    runner.start()
    wait_for(lambda: scheduler.state == STATE_PAUSED, seconds=30, what="the scheduler start")
    scheduler.shutdown()
    runner.join()
    return job_ids


def stored_jobs(sessions: sessionmaker[Session]) -> dict[str, tuple[datetime, dict]]:
    """The job store's rows: id -> (next fire time, unpickled job state)."""
    with sessions() as session:
        rows = session.execute(text(f"SELECT id, next_run_time, job_state FROM {JOBS_TABLE}")).all()
    return {
        job_id: (datetime.fromtimestamp(at, UTC), pickle.loads(state)) for job_id, at, state in rows
    }
