"""Claims on nightly runs: one winner per branch and day, takeover only after a death."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.store import models
from scheduler.store.batch_runs import (
    Claim,
    ClaimLostError,
    LeaseKeeper,
    claim_batch_run,
    finish_run,
    hold_claim,
)
from scheduler.store.database import transaction
from scheduler.store.models import BatchRunStatus, utc_now

DAY = date(2026, 12, 8)


@pytest.fixture
def sessions(migrated: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on a migrated database holding agency ``a1`` with branch ``b1``."""
    with transaction(migrated) as session:
        session.add(models.Agency(id="a1", name="A"))
        session.flush()
        session.add(models.Branch(id="b1", agency_id="a1", name="B", timezone="America/New_York"))
    return migrated


def claim(sessions: sessionmaker[Session], owner: str, *, day: date = DAY, **when) -> Claim | None:
    """Claim ``b1`` for ``day`` with a 60 s lease at ``now`` (plus ``when`` as a timedelta)."""
    now = utc_now() + timedelta(**when)
    return claim_batch_run(
        sessions, branch_id="b1", day=day, owner=owner, lease_seconds=60, now=now
    )


def run_row(sessions: sessionmaker[Session], day: date = DAY) -> models.BatchRun:
    """The run row of ``b1`` for ``day``."""
    with sessions() as session:
        return session.scalars(select(models.BatchRun).where(models.BatchRun.day == day)).one()


def test_first_claim_wins_and_a_held_run_is_not_claimed_again(sessions) -> None:
    """The first claimant gets attempt 1; a second one gets nothing while the lease holds."""
    first = claim(sessions, "p1")
    assert first is not None and first.attempts == 1
    assert claim(sessions, "p2") is None
    row = run_row(sessions)
    assert (row.status, row.owner, row.attempts) == ("running", "p1", 1)


def test_claims_racing_from_threads_give_one_winner_per_day(sessions) -> None:
    """Four threads claiming the same ten days at once: each day has exactly one winner."""
    days = [DAY + timedelta(days=k) for k in range(10)]
    wins: list[tuple[str, date]] = []
    barrier = threading.Barrier(4)

    def race(owner: str) -> None:
        barrier.wait()
        for day in days:
            if claim(sessions, owner, day=day) is not None:
                wins.append((owner, day))

    threads = [threading.Thread(target=race, args=(f"t{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(day for _, day in wins) == days
    with sessions() as session:
        assert len(session.scalars(select(models.BatchRun)).all()) == len(days)


def test_expired_or_failed_run_is_taken_over_and_the_old_attempt_is_fenced_off(sessions) -> None:
    """A run past its lease is taken over (attempt 2); the dead attempt can no longer write."""
    dead = claim(sessions, "dead")
    assert claim(sessions, "early", seconds=59) is None
    heir = claim(sessions, "heir", seconds=61)
    assert heir is not None and heir.attempts == 2 and heir.run_id == dead.run_id
    with pytest.raises(ClaimLostError), transaction(sessions) as session:
        hold_claim(session, dead, lease_until=utc_now())
    with transaction(sessions) as session:
        finish_run(session, heir, BatchRunStatus.FAILED, now=utc_now(), error="boom")
    again = claim(sessions, "again")
    assert again is not None and again.attempts == 3
    row = run_row(sessions)
    assert (row.status, row.owner, row.error, row.finished_at) == ("running", "again", None, None)


def test_succeeded_run_is_never_claimed_again(sessions) -> None:
    """Once succeeded, a run stays so: no claim takes it, however late."""
    won = claim(sessions, "p1")
    with transaction(sessions) as session:
        finish_run(session, won, BatchRunStatus.SUCCEEDED, now=utc_now(), kpis={"x": 1})
    assert claim(sessions, "p2", days=30) is None
    row = run_row(sessions)
    assert (row.status, row.kpis, row.attempts) == ("succeeded", {"x": 1}, 1)


def test_lease_keeper_renews_the_lease_while_work_goes_on(sessions) -> None:
    """A 0.4 s lease renewed in the background outlives 1 s of work, then renewals stop."""
    won = claim_batch_run(
        sessions, branch_id="b1", day=DAY, owner="p1", lease_seconds=0.4, now=utc_now()
    )
    first = run_row(sessions).lease_until
    with LeaseKeeper(sessions, won, lease_seconds=0.4) as keeper:
        time.sleep(1.0)
        assert run_row(sessions).lease_until > first + timedelta(seconds=0.4)
    assert not keeper.lost
    ended = run_row(sessions).lease_until
    time.sleep(0.3)
    assert run_row(sessions).lease_until == ended
