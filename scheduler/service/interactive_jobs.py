"""Interactive jobs: reschedules, insertion options, left-out visits' places, on workers.

A reschedule, the options for a new visit and the board's places for a left-out visit are
solved where jobs run and answered at once.

An API process never solves one itself: the request's input is stored with a job of the
``interactive`` queue (its own queue, so a long night of planning never delays a call-out),
the broker's task carries the job's id only, and the request waits for the answer the worker
writes beside the job, up to its own time limit plus ``settings.interactive_wait_seconds``.
Past that the job is cancelled (it never writes) and ``WorkerTimeoutError`` is raised.
Without a broker (the embedded demo) the job runs at once in the caller's thread, through the
same function (``interactive_runs.run_interactive``, which ``planning_jobs.run_job`` calls for
these kinds). A domain error of the job reaches the caller as the same exception with the same
message. This module asks and waits; ``interactive_runs`` runs the jobs and writes the answers.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import (
    ConflictError,
    NotFoundError,
    OutdatedPlanError,
    ProblemError,
    SchedulerError,
    StaleError,
    TravelError,
    WorkerTimeoutError,
)
from scheduler.service._reschedule_codec import events_to_json, outcome_from_json
from scheduler.service.board_edits import Place
from scheduler.service.insertion_options import InsertionChoice
from scheduler.service.job_queue import INTERACTIVE, JobQueue
from scheduler.service.reschedule import RescheduleOutcome
from scheduler.service.reschedule_events import Event
from scheduler.settings import Settings
from scheduler.store.database import transaction
from scheduler.store.job_leases import UNFINISHED, cancel_job
from scheduler.store.job_requests import add_interactive_job, job_answer
from scheduler.store.models import JobStatus, utc_now

Option = TypeVar("Option", InsertionChoice, Place)

RESCHEDULE = "reschedule"
INSERTION = "insertion"
LEFT_OUT = "left_out"
KINDS = (RESCHEDULE, INSERTION, LEFT_OUT)
INSERTION_SECONDS = 5.0  # the search time an insertion job is given (it does no search)
POLL_SECONDS = 0.05
INTEGRITY = "the change conflicts with stored records (a duplicate, or still in use)"
_ERRORS: dict[str, type[SchedulerError]] = {
    error.__name__: error
    for error in (ProblemError, TravelError, NotFoundError, ConflictError, StaleError)
}


def ask_reschedule(
    sessions: sessionmaker[Session],
    queue: JobQueue,
    *,
    branch_id: str,
    day: date,
    events: tuple[Event, ...],
    now: datetime,
    settings: Settings,
    time_limit: float,
    dry_run: bool,
    expected_revision: int | None,
    requested_by: str | None,
) -> RescheduleOutcome:
    """``reschedule_day`` as a job of the interactive queue: its outcome, or its error.

    Raises
    ------
    WorkerTimeoutError
        When no answer came in time (the job is cancelled: nothing changed).
    ConflictError
        When the job was cancelled before it answered; and as ``reschedule_day`` raises.
    """
    request = {
        "day": day.isoformat(),
        "events": events_to_json(events),
        "now": now.isoformat(),
        "time_limit": time_limit,
        "dry_run": dry_run,
        "expected_revision": expected_revision,
    }
    answer = _ask(
        sessions,
        queue,
        kind=RESCHEDULE,
        branch_id=branch_id,
        day=day,
        time_limit=time_limit,
        request=request,
        requested_by=requested_by,
        settings=settings,
    )
    return outcome_from_json(answer)


def ask_insertion_options(
    sessions: sessionmaker[Session],
    queue: JobQueue,
    *,
    branch_id: str,
    visit: dict[str, Any],
    day: date,
    settings: Settings,
    limit: int,
    requested_by: str | None,
) -> list[InsertionChoice]:
    """``find_insertion_options`` as a job of the interactive queue: its options, or its error.

    ``visit`` holds the new visit's JSON-ready columns; ``day`` is its first (the job's date).

    Raises
    ------
    WorkerTimeoutError
        When no answer came in time (the job is cancelled).
    ConflictError
        When the job was cancelled before it answered; and as ``find_insertion_options``.
    """
    answer = _ask(
        sessions,
        queue,
        kind=INSERTION,
        branch_id=branch_id,
        day=day,
        time_limit=INSERTION_SECONDS,
        request={"visit": visit, "limit": limit},
        requested_by=requested_by,
        settings=settings,
    )
    return [option_from_json(InsertionChoice, choice) for choice in answer]


def ask_left_out_places(
    sessions: sessionmaker[Session],
    queue: JobQueue,
    *,
    branch_id: str,
    plan_id: str,
    visit_id: str,
    day: date,
    settings: Settings,
    requested_by: str | None,
) -> list[Place]:
    """``left_out_places`` as a job of the interactive queue: the board's "who can take it".

    ``day`` is the first of the version that leaves the visit out (the job's date).

    Raises
    ------
    WorkerTimeoutError
        When no answer came in time (the job is cancelled).
    ConflictError
        When the job was cancelled before it answered; and as ``left_out_places`` raises.
    """
    answer = _ask(
        sessions,
        queue,
        kind=LEFT_OUT,
        branch_id=branch_id,
        day=day,
        time_limit=INSERTION_SECONDS,
        request={"plan_id": plan_id, "visit_id": visit_id},
        requested_by=requested_by,
        settings=settings,
    )
    return [option_from_json(Place, place) for place in answer]


def option_to_json(option: InsertionChoice | Place) -> dict[str, Any]:
    """A place or option as JSON (ISO date and instant), kept with its job for the asker."""
    return asdict(option) | {"day": option.day.isoformat(), "start": option.start.isoformat()}


def option_from_json(kind: type[Option], data: dict[str, Any]) -> Option:
    """The place or option ``option_to_json`` wrote."""
    day, start = date.fromisoformat(data["day"]), datetime.fromisoformat(data["start"])
    return kind(**data | {"day": day, "start": start})


def _ask(
    sessions: sessionmaker[Session],
    queue: JobQueue,
    *,
    kind: str,
    branch_id: str,
    day: date,
    time_limit: float,
    request: dict[str, Any],
    requested_by: str | None,
    settings: Settings,
) -> Any:
    """Queue the job, hand it to ``queue`` and wait for its result (raising its error)."""
    wait = time_limit + settings.interactive_wait_seconds
    now = utc_now()
    with transaction(sessions) as session:
        job_id = add_interactive_job(
            session,
            kind=kind,
            branch_id=branch_id,
            day=day,
            time_limit=time_limit,
            requested_by=requested_by,
            request=request | {"deadline": (now + timedelta(seconds=wait)).isoformat()},
            now=now,
        )
    try:
        queue.submit(job_id, INTERACTIVE)  # the embedded queue runs it here and now
    except Exception:  # the broker does not answer: the job must not run later, unseen
        with transaction(sessions) as session:
            cancel_job(session, job_id=job_id, now=utc_now())
        raise
    return _result(sessions, job_id, seconds=wait)


def _result(sessions: sessionmaker[Session], job_id: str, *, seconds: float) -> Any:
    """The job's result once it ended, waiting up to ``seconds``; raises its error."""
    give_up = time.monotonic() + seconds
    while True:
        with sessions() as session:
            state = job_answer(session, job_id=job_id)
        if state.status not in UNFINISHED:
            break
        if time.monotonic() >= give_up:
            with transaction(sessions) as session:
                cancelled = cancel_job(session, job_id=job_id, now=utc_now())
            if cancelled:
                raise WorkerTimeoutError(
                    f"no worker answered within {seconds:g} s (job {job_id}, now cancelled: "
                    "nothing changed); retry, and see `scheduler worker queue`"
                )
            continue  # it ended as it was being cancelled: its answer is there
        time.sleep(POLL_SECONDS)
    if state.status == JobStatus.SUCCEEDED:
        return state.answer["result"]
    if state.status == JobStatus.CANCELLED:
        raise ConflictError(f"job {job_id} was cancelled before it answered; nothing changed")
    raise _error(job_id, state.answer, state.error)


def _error(job_id: str, failure: dict[str, Any] | None, message: str | None) -> Exception:
    """The exception a failed job's answer names (a crash: a SchedulerError, as a 500)."""
    kind = (failure or {}).get("error")
    detail = (failure or {}).get("detail") or message or "failed"
    if kind == "OutdatedPlanError":
        return OutdatedPlanError(detail, failure.get("stops", []))
    if kind == "IntegrityError":
        return ConflictError(INTEGRITY)
    if kind in _ERRORS:
        return _ERRORS[kind](detail)
    return SchedulerError(f"job {job_id} failed: {detail}")
