"""Interactive jobs: reschedules, insertion options, left-out visits' places, on workers.

A reschedule, the options for a new visit and the board's places for a left-out visit are
solved where jobs run and answered at once.

An API process never solves one itself: the request's input is stored with a job of the
``interactive`` queue (its own queue, so a long night of planning never delays a call-out),
the broker's task carries the job's id only, and the request waits for the answer the worker
writes beside the job, up to its own time limit plus ``settings.interactive_wait_seconds``.
Past that the job is cancelled (it never writes) and ``WorkerTimeoutError`` is raised.
Without a broker (the embedded demo) the job runs at once in the caller's thread, through the
same function (``run_interactive``, which ``planning_jobs.run_job`` calls for these kinds). A
domain error of the job reaches the caller as the same exception with the same message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
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
from scheduler.service._reschedule_codec import (
    events_from_json,
    events_to_json,
    outcome_from_json,
    outcome_to_json,
)
from scheduler.service.board_edits import Place, left_out_places
from scheduler.service.insertion_options import InsertionChoice, find_insertion_options, visit_row
from scheduler.service.job_queue import INTERACTIVE, JobQueue
from scheduler.service.reschedule import RescheduleOutcome, reschedule_day
from scheduler.service.reschedule_events import Event
from scheduler.settings import Settings
from scheduler.store.batch_runs import ClaimLostError
from scheduler.store.database import transaction
from scheduler.store.job_leases import UNFINISHED, JobClaim, cancel_job, hold_job
from scheduler.store.job_requests import (
    add_interactive_job,
    end_interactive_job,
    job_answer,
    job_request,
)
from scheduler.store.models import JobStatus, utc_now

log = logging.getLogger("scheduler")
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
    return [_option_from_json(InsertionChoice, choice) for choice in answer]


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
    return [_option_from_json(Place, place) for place in answer]


def run_interactive(
    sessions: sessionmaker[Session], claim: JobClaim, *, settings: Settings
) -> None:
    """Run the claimed interactive job and write its answer (or its domain error) beside it.

    A job past its deadline (nobody waits for it any more) fails unrun. Raises
    ``ClaimLostError`` when the job was cancelled or taken over: its work is rolled back.
    """
    with sessions() as session:
        request = job_request(session, job_id=claim.job_id)
    try:
        if utc_now() > datetime.fromisoformat(request["deadline"]):
            raise ConflictError(f"job {claim.job_id} ran after its requester stopped waiting")
        _RUNS[claim.kind](sessions, claim, request, settings)
    except SchedulerError as error:
        _end(sessions, claim, settings, failure=_failure(error))
    except IntegrityError:
        _end(sessions, claim, settings, failure={"error": "IntegrityError", "detail": INTEGRITY})


def _reschedule(
    sessions: sessionmaker[Session], claim: JobClaim, request: dict[str, Any], settings: Settings
) -> None:
    """Replan the job's day; published with the job's end unless a dry run."""

    def work(session: Session) -> dict[str, Any]:
        outcome = reschedule_day(
            session,
            branch_id=claim.branch_id,
            day=date.fromisoformat(request["day"]),
            events=events_from_json(request["events"]),
            now=datetime.fromisoformat(request["now"]),
            settings=settings,
            time_limit=request["time_limit"],
            dry_run=request["dry_run"],
            expected_revision=request["expected_revision"],
        )
        return outcome_to_json(outcome)

    _answer(sessions, claim, settings, work=work, writes=not request["dry_run"])


def _insertion_options(
    sessions: sessionmaker[Session], claim: JobClaim, request: dict[str, Any], settings: Settings
) -> None:
    """The new visit's best places in the branch's published days (nothing written)."""

    def work(session: Session) -> list[dict[str, Any]]:
        choices = find_insertion_options(
            session,
            branch_id=claim.branch_id,
            visit=visit_row(request["visit"]),
            settings=settings,
            limit=request["limit"],
        )
        return [_option_to_json(choice) for choice in choices]

    _answer(sessions, claim, settings, work=work, writes=False)


def _left_out_places(
    sessions: sessionmaker[Session], claim: JobClaim, request: dict[str, Any], settings: Settings
) -> None:
    """Where a visit a published version leaves out fits (nothing written)."""

    def work(session: Session) -> list[dict[str, Any]]:
        places = left_out_places(
            session,
            branch_id=claim.branch_id,
            plan_id=request["plan_id"],
            visit_id=request["visit_id"],
            settings=settings,
        )
        return [_option_to_json(place) for place in places]

    _answer(sessions, claim, settings, work=work, writes=False)


_RUNS = {RESCHEDULE: _reschedule, INSERTION: _insertion_options, LEFT_OUT: _left_out_places}


def _option_to_json(option: InsertionChoice | Place) -> dict[str, Any]:
    """A place or option as JSON (ISO date and instant), kept with its job for the asker."""
    return asdict(option) | {"day": option.day.isoformat(), "start": option.start.isoformat()}


def _option_from_json(kind: type[Option], data: dict[str, Any]) -> Option:
    """The place or option ``_option_to_json`` wrote."""
    day, start = date.fromisoformat(data["day"]), datetime.fromisoformat(data["start"])
    return kind(**data | {"day": day, "start": start})


def _answer(
    sessions: sessionmaker[Session],
    claim: JobClaim,
    settings: Settings,
    *,
    work: Callable[[Session], Any],
    writes: bool,
) -> None:
    """Run ``work`` and end the job with its result: in one transaction if it ``writes``."""
    if writes:
        with transaction(sessions) as session:
            result = work(session)
            _succeed(session, claim, settings, result)
        return
    with sessions() as session:
        result = work(session)
    with transaction(sessions) as session:
        _succeed(session, claim, settings, result)


def _succeed(session: Session, claim: JobClaim, settings: Settings, result: Any) -> None:
    """End the job with ``result`` if the claim still holds it (else ClaimLostError)."""
    _hold(session, claim, settings)
    ended = end_interactive_job(
        session,
        job_id=claim.job_id,
        succeeded=True,
        answer={"result": result},
        error=None,
        now=utc_now(),
    )
    if not ended:
        raise ClaimLostError(f"job {claim.job_id} was cancelled before its answer was written")


def _end(
    sessions: sessionmaker[Session], claim: JobClaim, settings: Settings, *, failure: dict
) -> None:
    """Fail the job with ``failure`` (its error's kind and message) if the claim holds it."""
    log.info("job %s failed: %s", claim.job_id, failure["error"])
    with transaction(sessions) as session:
        _hold(session, claim, settings)
        end_interactive_job(
            session,
            job_id=claim.job_id,
            succeeded=False,
            answer=failure,
            error=failure["detail"],
            now=utc_now(),
        )


def _hold(session: Session, claim: JobClaim, settings: Settings) -> None:
    """Check the claim still holds the job, in the transaction that writes its end."""
    hold_job(session, claim, lease_until=utc_now() + timedelta(seconds=settings.job_lease_seconds))


def _failure(error: SchedulerError) -> dict[str, Any]:
    """A domain error as the job's answer: its kind, message and (outdated plan) stops."""
    failure = {"error": type(error).__name__, "detail": str(error)}
    if isinstance(error, OutdatedPlanError):
        failure["stops"] = error.stops
    return failure


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
