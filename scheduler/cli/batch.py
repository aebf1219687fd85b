"""``scheduler batch``: the nightly batch, served or run now for one branch."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

import typer

from scheduler.cli import _console
from scheduler.cli._console import console, fail
from scheduler.errors import SchedulerError
from scheduler.jobs.batch import run_batch_now, serve_batch
from scheduler.settings import get_settings
from scheduler.store.batch_runs import DEFAULT_LEASE_SECONDS

NIGHTLY_KPIS = (
    "visits_planned",
    "visits_unassigned",
    "published_kept",
    "published_changed",
    "published_dropped",
    "solver_status",
    "solve_seconds",
)

TimeLimit = Annotated[
    float | None, typer.Option(min=0.5, help="Solver seconds (default: the settings').")
]
LeaseSeconds = Annotated[
    float, typer.Option(min=2.0, help="Seconds after which a killed run is redone.")
]


def batch(
    ctx: typer.Context,
    workers: Annotated[int, typer.Option(min=1, help="Runs that may go at once.")] = 1,
    time_limit: TimeLimit = None,
    lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
) -> None:
    """Run the nightly batch in this process until SIGTERM or Ctrl+C (never in API workers).

    Each branch is planned at its batch time in its time zone; jobs live in the database
    (``SCHEDULER_DATABASE_URL``), so any number of batch processes may run: each night of each
    branch is planned once. With ``SCHEDULER_BROKER_URL`` set, each night is only sent to the
    workers (``scheduler worker``, on any host).
    """
    if ctx.invoked_subcommand is not None:
        return
    logging.getLogger("scheduler").setLevel(logging.INFO)
    try:
        serve_batch(
            get_settings(), workers=workers, lease_seconds=lease_seconds, time_limit=time_limit
        )
    except SchedulerError as error:
        raise fail(error) from error


def batch_run_now(
    branch: Annotated[str, typer.Option(help="Branch id.")],
    day: Annotated[str, typer.Option("--date", help="First local date to plan, YYYY-MM-DD.")],
    time_limit: TimeLimit = None,
    lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
) -> None:
    """Run a branch's nightly run for a date now, in the foreground, and print how it went.

    A night already planned is not planned again; one another process holds is left to it.
    Exit code 1 when the run failed.
    """
    settings = get_settings()
    try:
        try:
            first_day = date.fromisoformat(day)
        except ValueError:
            raise SchedulerError(f"--date must be a date like 2026-12-08, not {day!r}") from None
        outcome = _console.run_with_progress(
            f"planning {branch} from {first_day}",
            settings.resolve_time_limit(time_limit),
            lambda: run_batch_now(
                settings,
                branch_id=branch,
                day=first_day,
                lease_seconds=lease_seconds,
                time_limit=time_limit,
            ),
        )
    except SchedulerError as error:
        raise fail(error) from error
    kpis = outcome.kpis or {}
    rows = [
        ("status", outcome.status),
        ("attempt", outcome.attempts),
        ("run", outcome.run_id or "-"),
        ("plan", outcome.plan_id or "-"),
        *((name, kpis[name]) for name in NIGHTLY_KPIS if name in kpis),
        ("detail", outcome.detail or "-"),
    ]
    console.print(
        _console.rows_table(f"Nightly run of {branch} for {first_day}", ("field", "value"), rows)
    )
    if outcome.status == "failed":
        raise typer.Exit(code=1)
