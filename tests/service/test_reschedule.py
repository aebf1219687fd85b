"""The reschedule use case on a stored week: added visits, a dry run, what is written."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import ConflictError, NotFoundError, ProblemError
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.reschedule import reschedule_day
from scheduler.service.reschedule_events import VisitAdded, VisitCancelled
from scheduler.store.database import transaction
from scheduler.store.published_days import published_version
from scheduler.store.visits import visit_statuses
from tests.batch_support import DAY, WEEK

NOON = datetime.combine(DAY, datetime.min.time(), ZoneInfo("America/New_York")).replace(hour=12)


def urgent(patient_id: str, day: str = DAY.isoformat(), visit_id: str = "urgent-1") -> VisitAdded:
    """A 30-minute nursing visit for the patient, startable 13:00 to 16:00 on ``day``.

    Its fields are all given, as the API gives them: a what-if row is never flushed, so the
    columns' defaults do not fill it.
    """
    return VisitAdded(
        {
            "id": visit_id,
            "patient_id": patient_id,
            "discipline": "SN",
            "visit_type": "ROUTINE",
            "minutes": 30,
            "windows": [{"start": f"{day}T13:00:00-05:00", "end": f"{day}T16:00:00-05:00"}],
            "first_day": day,
            "credentials": [],
            "required_skills": [],
            "priority": 3,
            "optional": False,
        }
    )


@pytest.fixture
def seeded(seed_demo, tmp_path):
    """The demo branch's week planned and published, SQLite only (the use case, not the SQL)."""
    return seed_demo(f"sqlite:///{tmp_path / 'r.db'}", tmp_path, start=WEEK)


def replan(seeded, *events, dry_run: bool = False):
    """Reschedule the Tuesday at noon after ``events`` in one transaction."""
    with transaction(seeded.sessions) as session:
        return reschedule_day(
            session,
            branch_id=DEMO_BRANCH,
            day=DAY,
            events=events,
            now=NOON,
            settings=seeded.settings,
            time_limit=1.0,
            dry_run=dry_run,
        )


def tuesday(seeded):
    """The problem and plan published for the Tuesday."""
    with seeded.sessions() as session:
        return published_version(session, branch_id=DEMO_BRANCH, day=DAY)


def test_a_dry_run_adds_and_cancels_nothing_and_publishes_nothing(seeded):
    """A what-if with an added and a cancelled visit answers the diff and writes no row."""
    before = tuesday(seeded)
    stop = next(s for r in before.plan.routes if r.day == 1 for s in r.stops)
    patient = stop.patient_id
    outcome = replan(seeded, urgent(patient), VisitCancelled(stop.visit_id), dry_run=True)
    kinds = {change.visit_id: change.kind for change in outcome.changes}
    assert kinds[stop.visit_id] == "cancelled" and outcome.plan_id is None
    assert tuesday(seeded).plan_id == before.plan_id
    with seeded.sessions() as session:
        statuses = visit_statuses(
            session, branch_id=DEMO_BRANCH, visit_ids=["urgent-1", stop.visit_id]
        )
    assert "urgent-1" not in statuses and statuses.get(stop.visit_id) != "cancelled"


def test_an_added_visit_is_stored_and_a_second_one_with_its_id_is_a_conflict(seeded):
    """Published: the new visit is a row; adding it again is a ConflictError, nothing moves."""
    patient = tuesday(seeded).problem.patients[0].id
    outcome = replan(seeded, urgent(patient))
    assert outcome.plan_id == tuesday(seeded).plan_id
    with seeded.sessions() as session:
        assert "urgent-1" in visit_statuses(session, branch_id=DEMO_BRANCH, visit_ids=["urgent-1"])
    with pytest.raises(ConflictError, match="visit 'urgent-1' exists"):
        replan(seeded, urgent(patient))
    assert tuesday(seeded).plan_id == outcome.plan_id


def test_an_added_visit_with_no_window_on_the_day_is_a_problem_and_nothing_is_kept(seeded):
    """A visit for Wednesday added to Tuesday's replan is a ProblemError; its row rolls back."""
    patient = tuesday(seeded).problem.patients[0].id
    wednesday = urgent(patient, day="2026-12-09", visit_id="later")
    with pytest.raises(ProblemError, match="visit 'later' has no window on 2026-12-08"):
        replan(seeded, wednesday)
    with seeded.sessions() as session:
        assert visit_statuses(session, branch_id=DEMO_BRANCH, visit_ids=["later"]) == {}


def test_an_event_naming_no_visit_of_the_day_is_not_found(seeded):
    """Cancelling a visit the day does not hold is a NotFoundError."""
    with pytest.raises(NotFoundError, match="visit 'nope' is not in the day's published plan"):
        replan(seeded, VisitCancelled("nope"))
