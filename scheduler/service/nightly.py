"""The nightly run of a branch for a day: claim it, plan, publish whole, record how it went.

The run's row (``store/batch_runs.py``) guards against planning a night twice. The claimant renews
its lease while it works, then writes the plan, its publication and the run's success in one
transaction that first checks it still holds the claim: a run killed at any moment leaves the
last published plan as it was, and the next claimant redoes it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain import (
    DAY,
    CareRules,
    Problem,
    compute_kpis,
)
from scheduler.errors import NotFoundError, SchedulerError, StaleError
from scheduler.service.planning import plan_problem
from scheduler.service.publishing import save_and_publish
from scheduler.service.stability import (
    PublishedVisit,
    keep_published,
    stability_counts,
)
from scheduler.settings import Settings
from scheduler.solver import SolveParams, SolveStatus
from scheduler.store import models
from scheduler.store.batch_runs import (
    DEFAULT_LEASE_SECONDS,
    Claim,
    ClaimLostError,
    Clock,
    LeaseKeeper,
    batch_run,
    claim_batch_run,
    describe_error,
    finish_run,
    hold_claim,
)
from scheduler.store.branch_problem import load_branch_problem
from scheduler.store.database import transaction
from scheduler.store.models import BatchRunStatus, utc_now
from scheduler.store.plan_versions import published_assignments

log = logging.getLogger("scheduler")

SKIPPED = "skipped"
STALE_RETRIES = 2  # a run made stale by a publication during it plans again, this many times
STALE_MESSAGE = (
    "schedule changed during the run (revision {revision} moved on): the published plan is "
    "kept; run it again to plan from the new schedule"
)


@dataclass(frozen=True)
class NightlyOutcome:
    """How a nightly run ended: ``succeeded``, ``failed``, or ``skipped`` (not claimed).

    ``detail`` says why a run was skipped or failed; ``kpis`` holds a succeeded run's plan
    KPIs and stability figures; ``stale`` marks a failure caused by a publication during the
    run (planning again from the new schedule may succeed).
    """

    branch_id: str
    day: date
    status: str
    run_id: str | None
    attempts: int
    plan_id: str | None = None
    kpis: dict[str, Any] | None = None
    detail: str | None = None
    stale: bool = False


def run_nightly(
    sessions: sessionmaker[Session],
    *,
    branch_id: str,
    day: date,
    settings: Settings,
    owner: str,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    time_limit: float | None = None,
    stale_retries: int = 0,
    now: datetime | None = None,
) -> NightlyOutcome:
    """Plan and publish ``branch_id`` from ``day`` for the branch's ``batch_days`` days.

    Visits the published plan already gives to a clinician on those days keep that
    clinician-day unless changing it pays (``STABILITY_SECONDS`` of driving per change).

    Parameters
    ----------
    sessions
        Sessions on the branch's database.
    branch_id, day
        The run: one per branch and day, succeeded at most once.
    settings
        Travel, solver workers and the default time limit.
    owner
        Who runs it (host and process), recorded on the run.
    lease_seconds
        How long the claim holds unrenewed; it is renewed while the run works, so a killed
        run may be taken over this long after it died.
    time_limit
        Solver seconds; ``None`` uses ``settings.solve_time_limit`` (see
        ``Settings.resolve_time_limit``).
    stale_retries
        Attempts more, each from the new schedule, when a publication during the run made it
        stale (each attempt is recorded: the run's ``attempts`` counts them).
    now
        The clock of the run (tests); ``None`` is the real time.

    Returns
    -------
    NightlyOutcome
        A failed run is an outcome (and its row says why), not an exception.

    Raises
    ------
    NotFoundError
        For an unknown branch (no run is recorded).
    ProblemError
        For a time limit out of range (no run is recorded).
    """
    limit = settings.resolve_time_limit(time_limit)
    offset = (now - utc_now()) if now is not None else timedelta(0)

    def clock() -> datetime:
        return utc_now() + offset

    with sessions() as session:
        if session.get(models.Branch, branch_id) is None:
            raise NotFoundError(f"no branch {branch_id!r}; check the branch id")
    for _ in range(stale_retries + 1):
        claim = claim_batch_run(
            sessions,
            branch_id=branch_id,
            day=day,
            owner=owner,
            lease_seconds=lease_seconds,
            now=clock(),
        )
        if claim is None:
            return _skipped(sessions, branch_id, day)
        log.info(
            "nightly run %s: branch %s, %s, attempt %d",
            claim.run_id,
            branch_id,
            day,
            claim.attempts,
        )
        outcome = _attempt(
            sessions,
            claim,
            branch_id=branch_id,
            day=day,
            settings=settings,
            lease_seconds=lease_seconds,
            time_limit=limit,
            clock=clock,
        )
        if not outcome.stale:
            break
    return outcome


def _attempt(
    sessions: sessionmaker[Session],
    claim: Claim,
    *,
    branch_id: str,
    day: date,
    settings: Settings,
    lease_seconds: float,
    time_limit: float,
    clock: Clock,
) -> NightlyOutcome:
    """Plan, then publish and record the run in one transaction, holding ``claim``."""
    revision: int | None = None
    try:
        with LeaseKeeper(sessions, claim, lease_seconds=lease_seconds, clock=clock):
            revision, problem, published = read_night(
                sessions, branch_id=branch_id, day=day, rules=settings.care_rules()
            )
            params = SolveParams(
                time_limit=time_limit,
                workers=settings.solve_workers,
                metaheuristic=settings.solve_metaheuristic,
            )
            stable = keep_published(problem, published)
            result = plan_problem(stable, settings=settings, params=params).result
        if result.status in (SolveStatus.FAILED, SolveStatus.NO_SOLUTION):
            raise SchedulerError(
                f"the solver found no plan ({result.status.value}); the published plan is kept"
            )
        # KPIs against the branch's own records (continuity by the real primary clinician).
        plan = replace(
            result.plan,
            kpis=compute_kpis(problem, result.plan.routes, result.plan.unassigned),
        )
        kpis = asdict(plan.kpis) | stability_counts(problem, plan, published)
        kpis |= {"solver_status": result.status.value, "solve_seconds": round(result.seconds, 2)}
        with transaction(sessions) as session:
            hold_claim(session, claim, lease_until=clock() + timedelta(seconds=lease_seconds))
            row = save_and_publish(
                session,
                branch_id=branch_id,
                problem=problem,
                plan=plan,
                solver_status=result.status.value,
                now=clock(),
                expected_revision=revision,
            )
            finish_run(
                session, claim, BatchRunStatus.SUCCEEDED, now=clock(), plan_id=row.id, kpis=kpis
            )
            plan_id = row.id
    except ClaimLostError as error:
        log.warning("nightly run %s stopped: %s", claim.run_id, error)
        return NightlyOutcome(
            branch_id, day, SKIPPED, claim.run_id, claim.attempts, detail=str(error)
        )
    except StaleError:
        failed = _fail(
            sessions, branch_id, day, claim, STALE_MESSAGE.format(revision=revision), clock
        )
        return replace(failed, stale=failed.status == BatchRunStatus.FAILED)
    except Exception as error:  # the run's row must say how it ended, whatever happened
        return _fail(sessions, branch_id, day, claim, describe_error(error), clock, error=error)
    log.info("nightly run %s published plan %s (%s)", claim.run_id, plan_id, result.status.value)
    return NightlyOutcome(
        branch_id, day, BatchRunStatus.SUCCEEDED.value, claim.run_id, claim.attempts, plan_id, kpis
    )


def read_night(
    sessions: sessionmaker[Session], *, branch_id: str, day: date, rules: CareRules | None = None
) -> tuple[int, Problem, list[PublishedVisit]]:
    """The branch's schedule revision, its problem from ``day``, and its published visits.

    The revision is read first: any publication after it makes this run's publication stale.
    ``rules`` are the agency's care plan rules (``None``: the defaults).
    """
    with sessions() as session:
        branch = session.get(models.Branch, branch_id)
        if branch is None:
            raise NotFoundError(f"no branch {branch_id!r}")
        revision = branch.schedule_revision
        problem = load_branch_problem(
            session, branch_id=branch_id, start_date=day, days=branch.batch_days, rules=rules
        )
        horizon = problem.horizon
        rows = published_assignments(
            session,
            branch_id=branch_id,
            start=horizon.datetime_of(0),
            end=horizon.datetime_of(horizon.days * DAY),
        )
    return (
        revision,
        problem,
        [
            PublishedVisit(visit_id, care_plan_id, clinician_id, horizon.second_of(start) // DAY)
            for visit_id, care_plan_id, clinician_id, start in rows
        ],
    )


def _fail(
    sessions: sessionmaker[Session],
    branch_id: str,
    day: date,
    claim: Claim,
    message: str,
    clock: Clock,
    *,
    error: BaseException | None = None,
) -> NightlyOutcome:
    """Record the claimed run as failed with ``message`` and return that outcome."""
    trace = error is not None and not isinstance(error, SchedulerError | DBAPIError)
    log.error("nightly run %s failed: %s", claim.run_id, message, exc_info=error if trace else None)
    try:
        with transaction(sessions) as session:
            finish_run(session, claim, BatchRunStatus.FAILED, now=clock(), error=message)
    except ClaimLostError as lost:
        return NightlyOutcome(
            branch_id, day, SKIPPED, claim.run_id, claim.attempts, detail=str(lost)
        )
    except Exception as recording:  # the lease runs out; the next claimant redoes the run
        log.error(
            "nightly run %s: recording the failure failed: %s",
            claim.run_id,
            describe_error(recording),
        )
    return NightlyOutcome(
        branch_id, day, BatchRunStatus.FAILED.value, claim.run_id, claim.attempts, detail=message
    )


def _skipped(sessions: sessionmaker[Session], branch_id: str, day: date) -> NightlyOutcome:
    """The outcome of a run someone else holds or already succeeded."""
    with sessions() as session:
        run = batch_run(session, branch_id=branch_id, day=day)
    if run is None:  # deleted in between: nothing to say but that it was not ours
        return NightlyOutcome(branch_id, day, SKIPPED, None, 0, detail="the run vanished")
    if run.status == BatchRunStatus.SUCCEEDED:
        detail = (
            f"already succeeded at {run.finished_at:%Y-%m-%d %H:%M:%S} UTC with plan "
            f"{run.plan_id}; a succeeded night is never planned again"
        )
    else:
        detail = (
            f"{run.status} by {run.owner} (attempt {run.attempts}), lease until "
            f"{run.lease_until:%Y-%m-%d %H:%M:%S} UTC"
        )
    return NightlyOutcome(
        branch_id, day, SKIPPED, run.id, run.attempts, run.plan_id, run.kpis, detail
    )
