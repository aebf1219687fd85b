"""Interactive jobs run where jobs run: the request's work, its answer or error beside the job.

A worker (or, without a broker, the asker's own thread) claims an interactive job and runs it
here; the request waiting in ``interactive_jobs`` reads the answer written beside the job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import ConflictError, OutdatedPlanError, SchedulerError
from scheduler.service._reschedule_codec import events_from_json, outcome_to_json
from scheduler.service.board_edits import left_out_places
from scheduler.service.insertion_options import find_insertion_options, visit_row
from scheduler.service.interactive_jobs import (
    INSERTION,
    INTEGRITY,
    LEFT_OUT,
    RESCHEDULE,
    option_to_json,
)
from scheduler.service.reschedule import reschedule_day
from scheduler.settings import Settings
from scheduler.store.batch_runs import ClaimLostError
from scheduler.store.database import transaction
from scheduler.store.job_leases import JobClaim, hold_job
from scheduler.store.job_requests import end_interactive_job, job_request
from scheduler.store.models import utc_now

log = logging.getLogger("scheduler")


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
        return [option_to_json(choice) for choice in choices]

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
        return [option_to_json(place) for place in places]

    _answer(sessions, claim, settings, work=work, writes=False)


_RUNS = {RESCHEDULE: _reschedule, INSERTION: _insertion_options, LEFT_OUT: _left_out_places}


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
