"""The validator accepts a valid plan and names each broken rule of a tampered one."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from scheduler.domain import (
    HOUR,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Plan,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
    compute_kpis,
)
from scheduler.solver.validate import validate

MINUTES_20 = 1200


@pytest.fixture
def two_visit_day() -> tuple[Problem, TravelMatrix, Plan]:
    """A nurse visits two patients 20 minutes apart and takes lunch between them."""
    home = Location("home", 40.0, -83.0)
    places = [Location(f"h{k}", 40.0 + 0.01 * k, -83.0) for k in (1, 2)]
    shift = Shift(
        0,
        TimeWindow(8 * HOUR, 17 * HOUR),
        LunchBreak(TimeWindow(12 * HOUR, 13 * HOUR), 1800),
        max_overtime=HOUR,
    )
    nurse = Clinician("rn", "Nurse", Credential.RN, home, (shift,), max_visits_per_day=2)
    patients = tuple(Patient(f"p{k}", f"P{k}", places[k]) for k in range(2))
    visits = (
        Visit(
            "v0", "p0", Discipline.SN, 3 * HOUR, (TimeWindow(8 * HOUR, 10 * HOUR),), due=9 * HOUR
        ),
        Visit("v1", "p1", Discipline.SN, HOUR, (TimeWindow(12 * HOUR, 15 * HOUR),)),
    )
    problem = Problem(Horizon(date(2026, 12, 7)), (nurse,), patients, visits)
    seconds = np.array([[0, 1, 2], [1, 0, 1], [2, 1, 0]], dtype=np.int64) * MINUTES_20
    travel = TravelMatrix(("home", "h1", "h2"), seconds, seconds * 10)
    stops = (
        Stop("v0", "p0", 8 * HOUR + 1200, 8 * HOUR + 1200, 11 * HOUR + 1200, 1200, 12000),
        Stop("v1", "p1", 11 * HOUR + 2400, 12 * HOUR + 1800, 13 * HOUR + 1800, 1200, 12000),
    )
    route = Route(
        "rn",
        0,
        8 * HOUR,
        13 * HOUR + 4200,
        stops,
        2400,
        24000,
        lunch=TimeWindow(12 * HOUR, 12 * HOUR + 1800),
    )
    return problem, travel, _plan(problem, (route,))


def _plan(problem: Problem, routes: tuple[Route, ...]) -> Plan:
    """A plan whose KPIs match its routes."""
    return Plan(routes, (), compute_kpis(problem, routes, ()))


def _rules(problem: Problem, travel: TravelMatrix, plan: Plan) -> set[str]:
    """The rule codes the validator reports."""
    return {violation.rule for violation in validate(problem, plan, travel)}


def _tamper_stop(plan: Plan, problem: Problem, index: int, **changes: object) -> Plan:
    """The plan with one stop changed (KPIs recomputed)."""
    route = plan.routes[0]
    stops = list(route.stops)
    stops[index] = replace(stops[index], **changes)
    return _plan(problem, (replace(route, stops=tuple(stops)),))


def test_valid_plan_has_no_violation(two_visit_day) -> None:
    """A hand-checked plan passes every rule."""
    problem, travel, plan = two_visit_day
    assert validate(problem, plan, travel) == []


def test_missing_visit_is_a_coverage_violation(two_visit_day) -> None:
    """A visit neither planned nor unassigned is reported."""
    problem, travel, plan = two_visit_day
    route = replace(plan.routes[0], stops=plan.routes[0].stops[:1])
    assert "coverage" in _rules(problem, travel, _plan(problem, (route,)))


def test_start_outside_window_is_reported(two_visit_day) -> None:
    """A visit starting after its window closes is reported."""
    problem, travel, plan = two_visit_day
    late = 15 * HOUR + 60
    tampered = _tamper_stop(plan, problem, 1, start=late, end=late + HOUR, arrival=late)
    assert "time_window" in _rules(problem, travel, tampered)


def test_wrong_leg_travel_is_reported(two_visit_day) -> None:
    """Travel recorded differently from the matrix is reported."""
    problem, travel, plan = two_visit_day
    assert "travel" in _rules(problem, travel, _tamper_stop(plan, problem, 1, travel_seconds=5))


def test_too_little_time_between_visits_is_reported(two_visit_day) -> None:
    """A visit that starts before the clinician can have driven there is reported."""
    problem, travel, plan = two_visit_day
    early = 11 * HOUR + 1300
    tampered = _tamper_stop(plan, problem, 1, start=early, end=early + HOUR, arrival=early)
    assert "travel" in _rules(problem, travel, tampered)


def test_wrong_duration_is_reported(two_visit_day) -> None:
    """A visit shorter than ordered is reported."""
    problem, travel, plan = two_visit_day
    assert "duration" in _rules(problem, travel, _tamper_stop(plan, problem, 0, end=9 * HOUR))


def test_unqualified_clinician_is_reported(two_visit_day) -> None:
    """A PT making a nursing visit is reported."""
    problem, travel, plan = two_visit_day
    pt = replace(problem.clinicians[0], credential=Credential.PT)
    other = replace(problem, clinicians=(pt,))
    assert "qualification" in _rules(other, travel, plan)


def test_excluded_clinician_is_reported(two_visit_day) -> None:
    """A clinician the patient excludes is reported."""
    problem, travel, plan = two_visit_day
    patient = replace(problem.patients[0], excluded_clinicians=frozenset({"rn"}))
    other = replace(problem, patients=(patient, problem.patients[1]))
    assert "qualification" in _rules(other, travel, plan)


def test_lunch_overlapping_a_visit_is_reported(two_visit_day) -> None:
    """A lunch during a visit is reported."""
    problem, travel, plan = two_visit_day
    route = replace(plan.routes[0], lunch=TimeWindow(12 * HOUR + 1800, 12 * HOUR + 3600))
    assert "lunch" in _rules(problem, travel, _plan(problem, (route,)))


def test_missing_lunch_on_a_full_day_is_reported(two_visit_day) -> None:
    """A day that works through the whole lunch window without lunch is reported."""
    problem, travel, plan = two_visit_day
    route = replace(plan.routes[0], lunch=None)
    assert "lunch" in _rules(problem, travel, _plan(problem, (route,)))


def test_day_past_overtime_limit_is_reported(two_visit_day) -> None:
    """A day ending after the shift end plus allowed overtime is reported."""
    problem, travel, plan = two_visit_day
    route = replace(plan.routes[0], end=18 * HOUR + 1)
    assert "shift" in _rules(problem, travel, _plan(problem, (route,)))


def test_daily_visit_cap_is_reported(two_visit_day) -> None:
    """More visits than the clinician's daily cap is reported."""
    problem, travel, plan = two_visit_day
    capped = replace(problem.clinicians[0], max_visits_per_day=1)
    assert "max_visits" in _rules(replace(problem, clinicians=(capped,)), travel, plan)


def test_work_cap_is_reported(two_visit_day) -> None:
    """A working day longer than the cap (lunch excluded) is reported."""
    problem, travel, plan = two_visit_day
    capped = replace(problem.clinicians[0], max_work_per_day=4 * HOUR)
    assert "max_work" in _rules(replace(problem, clinicians=(capped,)), travel, plan)


def test_pinned_start_is_checked(two_visit_day) -> None:
    """A visit pinned to a start made at another time is reported."""
    problem, travel, plan = two_visit_day
    pinned = replace(problem.visits[1], pinned_start=13 * HOUR)
    assert "pin" in _rules(replace(problem, visits=(problem.visits[0], pinned)), travel, plan)


def test_stale_kpis_are_reported(two_visit_day) -> None:
    """KPIs that do not match the routes are reported."""
    problem, travel, plan = two_visit_day
    stale = replace(plan, kpis=replace(plan.kpis, travel_seconds=1))
    assert "kpi" in _rules(problem, travel, stale)
