"""A branch's stored records as a problem: visits booked on other days count as made.

Linked visits join the problem as pairs; a visit whose partner is closed plans alone, one whose
open partner is outside the days waits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select, update

from scheduler.demo.agency import generate_agency
from scheduler.demo.week import generate_agency_week
from scheduler.domain import DAY, HOUR, LinkKind, Problem, TimeWindow, Visit, VisitLink
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.branch_problem import load_branch_problem
from scheduler.store.database import make_engine, session_factory, upgrade_schema


def test_replanning_one_day_of_a_published_week_keeps_the_other_days_bookings(tmp_path):
    """Tuesday's problem neither re-orders visits booked on other days nor reuses their ids."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", solve_workers=1)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    week = generate_agency_week(clinicians=4, patients=20)
    seed_demo_branch(sessions, week, settings=settings, time_limit=5)
    tuesday = date(2026, 12, 8)
    with sessions() as session:
        booked = session.execute(
            select(models.Visit.id, models.Visit.care_plan_id, models.Visit.start_at).where(
                models.Visit.status == models.VisitStatus.PUBLISHED
            )
        ).all()
        day = load_branch_problem(session, branch_id=DEMO_BRANCH, start_date=tuesday, days=1)
    engine.dispose()
    zone = week.horizon.datetime_of(0).tzinfo
    elsewhere = {v for v, _, start in booked if start.astimezone(zone).date() != tuesday}
    clash = {visit.id for visit in day.visits_to_plan} & elsewhere
    assert not clash
    per_plan_week = {}
    for _, plan_id, _ in booked:
        per_plan_week[plan_id] = per_plan_week.get(plan_id, 0) + 1
    for plan in day.care_plans:
        ordered_max = max(segment.max_visits for segment in plan.order.segments)
        due_today = sum(v.care_plan_id == plan.id and not v.optional for v in day.visits_to_plan)
        booked_elsewhere = sum(
            1
            for v, p, start in booked
            if p == plan.id and v in elsewhere and start.date() < tuesday + timedelta(days=6)
        )
        assert due_today + booked_elsewhere <= ordered_max + 1


def linked_problem() -> Problem:
    """Two demo days; patient 0 has pairs ``a`` (day 0), ``b`` (day 0), ``c`` (days 0 and 1)."""
    agency = generate_agency(clinicians=3, patients=4, days=2)
    patient = agency.patients[0].id

    def extra(visit_id: str, day: int) -> Visit:
        window = TimeWindow(day * DAY + 9 * HOUR, day * DAY + 12 * HOUR)
        return replace(agency.visits[0], id=visit_id, patient_id=patient, windows=(window,))

    pairs = [("a", 0, 0), ("b", 0, 0), ("c", 0, 1)]
    visits = [extra(f"{name}{side}", day) for name, *days in pairs for side, day in enumerate(days)]
    links = tuple(VisitLink(f"{name}0", f"{name}1", LinkKind.SIMULTANEOUS) for name, *_ in pairs)
    return replace(agency, visits=agency.visits + tuple(visits), links=links)


def test_links_join_the_problem_only_with_both_visits_open_and_in_the_days(tmp_path):
    """Pair a stays linked; b1 plans alone once b0 is cancelled; c0 waits for c1 (next day)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", solve_workers=1)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    problem = linked_problem()
    seed_demo_branch(sessions, problem, settings=settings, time_limit=1)
    with sessions.begin() as session:
        session.execute(
            update(models.Visit)
            .where(models.Visit.id == "b0")
            .values(status=models.VisitStatus.CANCELLED)
        )
    with sessions() as session:
        both = load_branch_problem(
            session, branch_id=DEMO_BRANCH, start_date=problem.horizon.start_date, days=2
        )
        first = load_branch_problem(
            session, branch_id=DEMO_BRANCH, start_date=problem.horizon.start_date, days=1
        )
    engine.dispose()
    assert [link.first for link in both.links] == ["a0", "c0"]
    assert [link.first for link in first.links] == ["a0"]
    planned = {visit.id for visit in first.visits}
    assert {"a0", "a1", "b1"} <= planned and not {"b0", "c0", "c1"} & planned
