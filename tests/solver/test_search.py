"""The wall-clock limit holds, a stopped search still returns its best plan, a crash is a status."""

from datetime import date

import numpy as np
import pytest

import scheduler.solver._search as search_module
from scheduler.domain import (
    HOUR,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from scheduler.solver import SolveParams, SolveStatus, solve
from scheduler.solver.validate import validate
from tests.builders import straight_travel


def random_day(visits: int, clinicians: int, seed: int = 5) -> tuple[Problem, TravelMatrix]:
    """Random patients in a 20 km square, nurses at its centre, straight-line travel at 30 km/h."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 20_000, size=(visits + 1, 2))
    points[0] = (10_000, 10_000)
    places, travel = straight_travel(points)
    shift = Shift(0, TimeWindow(8 * HOUR, 17 * HOUR))
    nurses = tuple(
        Clinician(f"c{k}", f"C{k}", Credential.RN, places[0], (shift,)) for k in range(clinicians)
    )
    patients = tuple(Patient(f"p{k}", f"P{k}", places[k]) for k in range(1, visits + 1))
    window = (TimeWindow(8 * HOUR, 16 * HOUR),)
    day = tuple(Visit(f"v{k}", f"p{k}", Discipline.SN, 1800, window) for k in range(1, visits + 1))
    return Problem(Horizon(date(2026, 12, 7)), nurses, patients, day), travel


def test_wall_clock_limit_holds_on_a_large_day() -> None:
    """400 visits and 25 nurses with a 2 s limit: back within the limit, with a valid plan."""
    problem, travel = random_day(400, 25)
    result = solve(problem, travel, SolveParams(time_limit=2.0, workers=2))
    assert result.seconds <= 2.0 + 0.5
    assert result.status in (SolveStatus.SOLVED, SolveStatus.PARTIAL, SolveStatus.NO_SOLUTION)
    assert validate(problem, result.plan, travel) == []


def test_search_killed_at_the_deadline_returns_its_last_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A child that ignores its own deadline is killed; its last reported plan comes back."""
    monkeypatch.setattr(search_module, "SEARCH_SHARE", 5.0)  # the child searches past the kill
    problem, travel = random_day(60, 5)
    result = solve(problem, travel, SolveParams(time_limit=2.0, workers=1))
    assert "wall-clock limit" in result.message
    assert result.seconds <= 2.0 + 0.5
    assert result.plan.kpis.visits_planned > 0
    assert validate(problem, result.plan, travel) == []


def test_crash_in_the_search_is_a_failed_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error inside the search process comes back as FAILED with the error, not a hang."""

    def broken(*_args: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(search_module, "build_model", broken)
    problem, travel = random_day(10, 2)
    result = solve(problem, travel, SolveParams(time_limit=2.0, workers=1))
    assert result.status == SolveStatus.FAILED and "model exploded" in result.message
    assert len(result.plan.unassigned) == 10


def test_warm_start_keeps_a_good_plan_and_inserts_a_new_visit() -> None:
    """Started from a plan, a short search keeps its routes and fits the one visit added."""
    problem, travel = random_day(40, 4)
    first = solve(problem, travel, SolveParams(time_limit=3.0, workers=1))
    assert first.status == SolveStatus.SOLVED
    extra = Visit("v-new", "p1", Discipline.SN, 600, (TimeWindow(8 * HOUR, 16 * HOUR),))
    grown = Problem(problem.horizon, problem.clinicians, problem.patients, (*problem.visits, extra))
    again = solve(grown, travel, SolveParams(time_limit=1.0, workers=1), start_from=first.plan)
    assert validate(grown, again.plan, travel) == []
    assert again.status == SolveStatus.SOLVED
    before = {s.visit_id: r.clinician_id for r in first.plan.routes for s in r.stops}
    after = {s.visit_id: r.clinician_id for r in again.plan.routes for s in r.stops}
    kept = sum(after[visit] == clinician for visit, clinician in before.items())
    assert kept >= 0.9 * len(before)
    assert again.plan.kpis.travel_seconds <= first.plan.kpis.travel_seconds * 1.1
