"""A care plan's stored return home becomes a resumption of care while no visit is made since."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from scheduler.demo.week import generate_agency_week
from scheduler.domain import VisitType
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.settings import Settings
from scheduler.store import models
from scheduler.store.branch_problem import load_branch_problem
from scheduler.store.database import make_engine, session_factory, upgrade_schema

TUESDAY = date(2026, 12, 8)


def test_a_return_home_is_a_resumption_of_care_until_a_visit_is_made(tmp_path) -> None:
    """Back home Tuesday 10:00: the week's problem holds its ROC; a visit made since ends it."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", solve_workers=1)
    engine = make_engine(settings.database_url)
    upgrade_schema(engine)
    sessions = session_factory(engine)
    week = generate_agency_week(clinicians=4, patients=20)
    seed_demo_branch(sessions, week, settings=settings, time_limit=5)
    zone = week.horizon.datetime_of(0).tzinfo
    with sessions.begin() as session:
        row = session.scalars(
            select(models.CarePlan).where(models.CarePlan.discipline == "SN").limit(1)
        ).one()
        plan_id = row.id
        row.resumed_at = datetime(2026, 12, 8, 10, tzinfo=zone)
        row.visits_made = []
    with sessions() as session:
        problem = load_branch_problem(
            session, branch_id=DEMO_BRANCH, start_date=week.horizon.start_date, days=7
        )
    roc = problem.visit_by_id[f"{plan_id}-roc"]
    assert roc.visit_type == VisitType.ROC
    assert problem.horizon.date_of(roc.earliest_start // 86_400) == TUESDAY
    with sessions.begin() as session:
        session.get(models.CarePlan, (row.agency_id, plan_id)).visits_made = ["2026-12-09"]
    with sessions() as session:
        problem = load_branch_problem(
            session, branch_id=DEMO_BRANCH, start_date=week.horizon.start_date, days=7
        )
    assert f"{plan_id}-roc" not in problem.visit_by_id
    engine.dispose()
