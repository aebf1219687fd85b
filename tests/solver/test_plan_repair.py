"""No plan the validator rejects leaves the solver: offending visits are left out, with the rule."""

import importlib
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from scheduler.domain import (
    HOUR,
    MINUTE,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    VisitType,
    compute_kpis,
)
from scheduler.solver import SolveParams, solve
from scheduler.solver._plan_repair import drop_violations
from scheduler.solver.routing import Routing
from scheduler.solver.validate import validate
from tests.builders import clock

STEP = 600  # seconds between neighbouring places on the line office, a, b, c


@pytest.fixture
def line() -> tuple[Problem, TravelMatrix, Plan]:
    """One RN leaves the office at 08:00 for a, b, c (10 minutes apart), back at 11:30."""
    places = [Location(name, 40.0 + 0.01 * k, -83.0) for k, name in enumerate(("office", *"abc"))]
    nurse = Clinician(
        "rn", "RN", Credential.RN, places[0], (Shift(0, TimeWindow(clock(8), clock(17))),)
    )
    patients = tuple(Patient(f"p-{n}", n, places[k + 1]) for k, n in enumerate("abc"))
    anytime = (TimeWindow(clock(8), clock(16)),)
    visits = tuple(Visit(f"v-{n}", f"p-{n}", Discipline.SN, 50 * MINUTE, anytime) for n in "abc")
    problem = Problem(Horizon(date(2026, 12, 7)), (nurse,), patients, visits)
    steps = np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    travel = TravelMatrix(tuple(p.id for p in places), STEP * steps, 5000 * steps)
    stops = tuple(
        Stop(
            f"v-{n}",
            f"p-{n}",
            clock(8, 10 + 60 * k),
            clock(8, 10 + 60 * k),
            clock(9, 60 * k),
            STEP,
            5000,
        )
        for k, n in enumerate("abc")
    )
    route = Route("rn", 0, clock(8), clock(11, 30), stops, 3 * STEP, 15000)
    plan = Plan((route,), (), compute_kpis(problem, (route,), ()))
    assert validate(problem, plan, travel) == []
    return problem, travel, plan


def test_a_valid_plan_comes_back_unchanged(line) -> None:
    """A plan the validator accepts is returned as it is."""
    problem, travel, plan = line
    assert drop_violations(problem, plan, travel) == plan


def test_a_visit_breaking_its_window_is_left_out_and_the_next_leg_recomputed(line) -> None:
    """Visit b's window moved to the afternoon: b is left out naming the rule; a -> c is 20 min."""
    problem, travel, plan = line
    late = replace(problem.visits[1], windows=(TimeWindow(clock(13), clock(14)),))
    problem = replace(problem, visits=(problem.visits[0], late, problem.visits[2]))
    repaired = drop_violations(problem, plan, travel)
    assert validate(problem, repaired, travel) == []
    (left,) = repaired.unassigned
    assert left.visit_id == "v-b" and left.reason == ReasonCode.RULE_VIOLATION
    assert "time_window" in left.message
    (route,) = repaired.routes
    assert [s.visit_id for s in route.stops] == ["v-a", "v-c"]
    assert route.stops[1].travel_seconds == 2 * STEP
    assert route.stops[1].start == plan.routes[0].stops[2].start  # nothing re-timed


def test_dropping_the_last_visit_ends_the_day_back_home(line) -> None:
    """A cap of two visits a day drops c; the day ends when the nurse is back from b."""
    problem, travel, plan = line
    capped = replace(problem.clinicians[0], max_visits_per_day=2)
    problem = replace(problem, clinicians=(capped,))
    repaired = drop_violations(problem, plan, travel)
    assert validate(problem, repaired, travel) == []
    (route,) = repaired.routes
    assert [s.visit_id for s in route.stops] == ["v-a", "v-b"]
    assert route.end == route.stops[-1].end + 2 * STEP
    assert repaired.unassigned[0].visit_id == "v-c"


def test_visits_without_their_soc_wait_for_it(line) -> None:
    """A SOC of patient a left out: a's routed visit is left out too, waiting for the SOC."""
    problem, travel, plan = line
    soc = Visit(
        "soc-a", "p-a", Discipline.SN, HOUR, (TimeWindow(clock(8), clock(9)),), VisitType.SOC
    )
    problem = replace(problem, visits=(*problem.visits, soc))
    left = Unassigned("soc-a", ReasonCode.CAPACITY, "No room.")
    plan = Plan(plan.routes, (left,), compute_kpis(problem, plan.routes, (left,)))
    repaired = drop_violations(problem, plan, travel)
    assert validate(problem, repaired, travel) == []
    reasons = {u.visit_id: u for u in repaired.unassigned}
    assert reasons["v-a"].reason == ReasonCode.WAITS_FOR_SOC and "soc-a" in reasons["v-a"].message


def test_solve_never_returns_a_plan_the_validator_rejects(line, monkeypatch, caplog) -> None:
    """A routing that breaks b's window comes out of solve clean, b left out with the rule."""
    problem, travel, plan = line
    late = replace(problem.visits[1], windows=(TimeWindow(clock(13), clock(14)),))
    problem = replace(problem, visits=(problem.visits[0], late, problem.visits[2]))
    broken = Routing(plan.routes, (), 0, "injected")
    solve_module = importlib.import_module("scheduler.solver.solve")
    monkeypatch.setattr(solve_module, "route_visits", lambda *args, **kwargs: broken)
    result = solve(problem, travel, SolveParams(time_limit=1.0))
    assert validate(problem, result.plan, travel) == []
    assert {u.visit_id: u.reason for u in result.plan.unassigned} == {
        "v-b": ReasonCode.RULE_VIOLATION
    }
    assert "time_window" in caplog.text and "v-b" in caplog.text
