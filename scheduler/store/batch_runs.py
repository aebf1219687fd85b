"""Claims on nightly runs: one ``batch_runs`` row per branch and day, held with a lease.

A run is claimed with an INSERT (the unique key on branch and day lets one claimant win) and
taken over, one attempt more, only when it failed or its lease ran out (its process died); a
succeeded run is never claimed again. The attempt number is the fencing token: every later
write of the claimant checks it still holds the row, so an attempt whose lease ran out cannot
overwrite the one that took over.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Any, NamedTuple

from sqlalchemy import and_, null, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import SchedulerError
from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import BatchRunStatus, utc_now

log = logging.getLogger("scheduler")

DEFAULT_LEASE_SECONDS = 120.0

Clock = Callable[[], datetime]


class ClaimLostError(SchedulerError):
    """The run's claim was taken over (its lease ran out): this attempt must not write."""


@dataclass(frozen=True)
class Claim:
    """A held claim: the run's row and the attempt that holds it (the fencing token)."""

    run_id: str
    attempts: int


def claim_batch_run(
    sessions: sessionmaker[Session],
    *,
    branch_id: str,
    day: date,
    owner: str,
    lease_seconds: float,
    now: datetime,
) -> Claim | None:
    """Claim the run of ``branch_id`` for ``day``, committed; ``None`` when someone else has it.

    A new run is inserted (the unique key on branch and day lets one claimant win); an existing
    one is taken over, one attempt more, only when it failed or its lease ran out before
    ``now``. A succeeded run is never claimed again.
    """
    lease_until = now + timedelta(seconds=lease_seconds)
    run_id = uuid.uuid4().hex
    try:
        with transaction(sessions) as session:
            session.add(
                models.BatchRun(
                    id=run_id,
                    branch_id=branch_id,
                    day=day,
                    status=BatchRunStatus.RUNNING,
                    owner=owner,
                    attempts=1,
                    lease_until=lease_until,
                    started_at=now,
                )
            )
        return Claim(run_id, 1)
    except IntegrityError:
        pass  # the run exists: take it over below if it may be
    run = models.BatchRun
    this_run = (run.branch_id == branch_id, run.day == day)
    with transaction(sessions) as session:
        taken = session.execute(
            update(run)
            .where(
                *this_run,
                or_(
                    run.status == BatchRunStatus.FAILED,
                    and_(run.status == BatchRunStatus.RUNNING, run.lease_until < now),
                ),
            )
            .values(
                status=BatchRunStatus.RUNNING,
                owner=owner,
                attempts=run.attempts + 1,
                lease_until=lease_until,
                started_at=now,
                finished_at=None,
                plan_id=None,
                kpis=null(),
                error=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            return None
        held = session.execute(select(run.id, run.attempts).where(*this_run)).one()
    return Claim(held.id, held.attempts)


def batch_run(session: Session, *, branch_id: str, day: date) -> models.BatchRun | None:
    """The run of ``branch_id`` for ``day``, if any."""
    return session.scalar(
        select(models.BatchRun).where(
            models.BatchRun.branch_id == branch_id, models.BatchRun.day == day
        )
    )


class RunningRun(NamedTuple):
    """A run still marked running: its branch, day and lease end, and the branch's time zone."""

    branch_id: str
    day: date
    lease_until: datetime
    timezone: str


def running_runs(session: Session) -> list[RunningRun]:
    """Every run still marked running (finished or not by a live process), by day and branch."""
    run, branch = models.BatchRun, models.Branch
    rows = session.execute(
        select(run.branch_id, run.day, run.lease_until, branch.timezone)
        .join(branch, branch.id == run.branch_id)
        .where(run.status == BatchRunStatus.RUNNING)
        .order_by(run.day, run.branch_id)
    ).all()
    return [RunningRun(*row) for row in rows]


def hold_claim(session: Session, claim: Claim, *, lease_until: datetime) -> None:
    """Extend the claim's lease in the caller's transaction (which then holds the row).

    Raises
    ------
    ClaimLostError
        When another attempt took the run over.
    """
    _write_while_held(session, claim, lease_until=lease_until)


def finish_run(
    session: Session,
    claim: Claim,
    status: BatchRunStatus,
    *,
    now: datetime,
    plan_id: str | None = None,
    kpis: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record the end of the claimed run in the caller's transaction.

    Raises
    ------
    ClaimLostError
        When another attempt took the run over.
    """
    _write_while_held(
        session,
        claim,
        status=status,
        finished_at=now,
        plan_id=plan_id,
        kpis=null() if kpis is None else kpis,
        error=error,
    )


def _write_while_held(session: Session, claim: Claim, **values: Any) -> None:
    """Write ``values`` on the run if ``claim`` still holds it (the fencing check).

    Raises
    ------
    ClaimLostError
        When another attempt took the run over.
    """
    run = models.BatchRun
    written = session.execute(
        update(run)
        .where(
            run.id == claim.run_id,
            run.attempts == claim.attempts,
            run.status == BatchRunStatus.RUNNING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not written:
        raise ClaimLostError(
            f"run {claim.run_id} attempt {claim.attempts} lost its claim (its lease ran out "
            "and another attempt took it over)"
        )


class LeaseKeeper:
    """Renews a claim's lease from a background thread while the ``with`` block runs.

    Renewals come every quarter of the lease; a renewal that finds the claim taken over
    stops renewing (the final write then fails its own check). ``hold`` renews the claim in a
    session, raising ``ClaimLostError`` when it is lost: a run's (``hold_claim``) by default,
    or a planning job's.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        claim: Any,
        *,
        lease_seconds: float,
        clock: Clock = utc_now,
        hold: Callable[..., None] = hold_claim,
    ) -> None:
        self._sessions = sessions
        self._claim = claim
        self._hold = hold
        self._lease = timedelta(seconds=lease_seconds)
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="lease", daemon=True)
        self.lost = False

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        interval = self._lease.total_seconds() / 4
        while not self._stop.wait(interval):
            try:
                with transaction(self._sessions) as session:
                    self._hold(session, self._claim, lease_until=self._clock() + self._lease)
            except ClaimLostError as error:
                self.lost = True
                log.warning("%s", error)
                return
            except Exception as error:  # a missed renewal is retried at the next interval
                log.warning("lease renewal of %s failed: %s", self._claim, describe_error(error))


def describe_error(error: BaseException) -> str:
    """A message for the run's row and the log: the domain message, else only the error's kind.

    Database errors are not quoted (their text carries statement parameters: names,
    addresses).
    """
    if isinstance(error, SchedulerError):
        return str(error)
    if isinstance(error, DBAPIError):
        return f"database error ({type(error.orig).__name__}); the log has the details"
    return f"internal error ({type(error).__name__}); the log has the details"
