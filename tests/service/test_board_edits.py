"""Board edits per published day, on a stored week a call-out has partly replaced."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from scheduler.errors import ConflictError, StaleError
from scheduler.service.board_edits import left_out_places, place_visit
from scheduler.service.demo_service import DEMO_BRANCH
from scheduler.service.reschedule import reschedule_day
from scheduler.service.reschedule_events import ClinicianUnavailable
from scheduler.store import models
from scheduler.store.board_week import published_stop_times
from scheduler.store.database import transaction
from scheduler.store.published_days import published_plan_days
from tests.batch_support import WEEK

ZONE = ZoneInfo("America/New_York")
DAYS = [WEEK + timedelta(days=k) for k in range(5)]


@pytest.fixture
def seeded(seed_demo, tmp_path):
    """The demo week published, then its Tuesday replanned after c03's call-out (SQLite)."""
    seeded = seed_demo(f"sqlite:///{tmp_path / 'e.db'}", tmp_path, start=WEEK)
    with transaction(seeded.sessions) as session:
        reschedule_day(
            session, branch_id=DEMO_BRANCH, day=DAYS[1],
            events=(ClinicianUnavailable("c03", None),),
            now=datetime.combine(DAYS[1], time(), ZONE), settings=seeded.settings, time_limit=1.0,
        )  # fmt: skip
    return seeded


def versions(seeded) -> dict[date, str]:
    """The version published for each weekday of the week."""
    with seeded.sessions() as session:
        published = published_plan_days(session, branch_id=DEMO_BRANCH, days=DAYS)
    return {day: plan for plan, days in published.items() for day in days}


def stops(seeded) -> dict[str, tuple[str, datetime]]:
    """Who makes each published visit of the week, and when."""
    with seeded.sessions() as session:
        return published_stop_times(session, branch_id=DEMO_BRANCH, days=DAYS)


def place(seeded, visit_id: str, clinician_id: str, start: datetime, revision: int | None):
    """Place the visit in one transaction (``None``: whatever the revision)."""
    with transaction(seeded.sessions) as session:
        return place_visit(
            session, branch_id=DEMO_BRANCH, visit_id=visit_id, clinician_id=clinician_id,
            start=start, settings=seeded.settings, expected_revision=revision,
        )  # fmt: skip


def revision(seeded) -> int:
    """The branch's schedule revision."""
    with seeded.sessions() as session:
        return session.get(models.Branch, DEMO_BRANCH).schedule_revision


def test_a_visit_moved_between_two_days_of_a_partly_replaced_version(seeded):
    """Wednesday to Thursday: those two days alone get one-day versions; the visit moved."""
    before, placed = versions(seeded), stops(seeded)
    assert before[DAYS[1]] != before[DAYS[2]] == before[DAYS[3]]
    wednesday = sorted(
        v for v, (_, start) in placed.items() if start.astimezone(ZONE).date() == DAYS[2]
    )
    for visit_id in wednesday:
        clinician, start = placed[visit_id]
        thursday = start.astimezone(ZONE) + timedelta(days=1)
        try:
            plan = place(seeded, visit_id, clinician, thursday, revision(seeded))
            break
        except ConflictError:
            continue
    else:
        pytest.fail("no Wednesday visit may move to Thursday at its time")
    after, now = versions(seeded), stops(seeded)
    assert after[DAYS[3]] == plan.id and plan.days == 1
    assert after[DAYS[2]] not in before.values() and after[DAYS[2]] != plan.id
    assert {d: after[d] for d in (DAYS[0], DAYS[1], DAYS[4])} == {
        d: before[d] for d in (DAYS[0], DAYS[1], DAYS[4])
    }
    assert now[visit_id][0] == clinician
    assert now[visit_id][1].astimezone(ZONE).date() == DAYS[3]
    assert {v for v in now if v != visit_id} == {v for v in placed if v != visit_id}


def test_a_per_day_edit_is_guarded_by_the_revision_and_refuses_unpublished_days(seeded):
    """A stale revision writes nothing; a day nobody published is refused saying so."""
    before, placed = versions(seeded), stops(seeded)
    visit_id, (clinician, start) = next(
        (v, slot)
        for v, slot in sorted(placed.items())
        if slot[1].astimezone(ZONE).date() == DAYS[2]
    )
    with pytest.raises(StaleError):
        place(seeded, visit_id, clinician, start.astimezone(ZONE), revision(seeded) - 1)
    with pytest.raises(ConflictError, match="no plan is published on"):
        place(seeded, visit_id, clinician, start.astimezone(ZONE) + timedelta(days=21), None)
    assert versions(seeded) == before and stops(seeded) == placed


def test_who_can_take_a_left_out_visit_is_offered_only_the_versions_own_days(seeded):
    """The week's version no longer publishes Tuesday: no place is offered there."""
    week = versions(seeded)[DAYS[0]]
    with seeded.sessions() as session:
        left_out = session.scalars(
            select(models.PlanUnassigned.visit_id).where(models.PlanUnassigned.plan_id == week)
        ).all()
        offered = [
            left_out_places(
                session,
                branch_id=DEMO_BRANCH,
                plan_id=week,
                visit_id=visit_id,
                settings=seeded.settings,
                limit=10,
            )
            for visit_id in left_out
        ]
    assert DAYS[1] not in {place.day for places in offered for place in places}
