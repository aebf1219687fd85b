"""A branch's stored records as a problem: visits booked on other days count as made."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from scheduler.service.branch_problem import load_branch_problem
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.service.demo_week import generate_agency_week
from scheduler.settings import Settings
from scheduler.store import models
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
