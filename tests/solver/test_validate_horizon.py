"""The validator's rules across days catch each broken weekly rule (care plans: elsewhere)."""

from dataclasses import replace

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    CarePlan,
    CareRules,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Plan,
    Problem,
    Route,
    Stop,
)
from scheduler.solver._validate_horizon import check_horizon
from tests.builders import MONDAY, ZERO_KPIS, weekday_shifts

HOME = Location("home", 40.0, -83.0)


@pytest.fixture
def week() -> Problem:
    """Two RNs, one patient with a 3W2 order from Monday (visits cp-w1-1..3)."""
    shifts = weekday_shifts()
    nurses = tuple(Clinician(c, c, Credential.RN, HOME, shifts) for c in ("a", "b"))
    patient = Patient("p", "P", Location("p-home", 40.01, -83.0))
    plan = CarePlan("cp", "p", Discipline.SN, "3W2", MONDAY, 3600)
    return Problem(Horizon(MONDAY, 7), nurses, (patient,), (), care_plans=(plan,))


def plan_with(*visits: tuple[str, str, int]) -> Plan:
    """A plan with one-stop routes: (visit id, clinician, day), the visit at 09:00."""
    routes = []
    for visit_id, clinician, day in visits:
        nine = day * DAY + 9 * HOUR
        stop = Stop(visit_id, "p", nine, nine, nine + HOUR, 0, 0)
        routes.append(Route(clinician, day, nine - HOUR, nine + 2 * HOUR, (stop,), 0, 0))
    return Plan(tuple(routes), (), ZERO_KPIS)


def rules(problem: Problem, plan: Plan) -> set[str]:
    """Rule codes found."""
    return {v.rule for v in check_horizon(problem, plan, problem.visit_by_id)}


def test_spread_week_passes(week: Problem) -> None:
    """Monday, Wednesday, Friday by one nurse breaks no rule across days."""
    plan = plan_with(("cp-w1-1", "a", 0), ("cp-w1-2", "a", 2), ("cp-w1-3", "a", 4))
    assert rules(week, plan) == set()


def test_weekly_caps(week: Problem) -> None:
    """Visits and working time over a clinician's weekly caps are reported."""
    capped = replace(week.clinicians[0], max_visits_per_week=2, max_work_per_week=5 * HOUR)
    problem = replace(week, clinicians=(capped, week.clinicians[1]))
    plan = plan_with(("cp-w1-1", "a", 0), ("cp-w1-2", "a", 2), ("cp-w1-3", "a", 4))
    assert rules(problem, plan) == {"max_visits_week", "max_work_week"}


def test_too_many_clinicians_in_a_week(week: Problem) -> None:
    """Two nurses for one care plan's week break a one-clinician rule."""
    problem = replace(week, rules=CareRules(max_clinicians_per_week=1))
    plan = plan_with(("cp-w1-1", "a", 0), ("cp-w1-2", "b", 2), ("cp-w1-3", "a", 4))
    assert rules(problem, plan) == {"clinicians_per_week"}
