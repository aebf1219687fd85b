"""The wall-clock limit holds, a stopped search still returns its best plan, a crash is a status."""

from dataclasses import replace
from multiprocessing.connection import Connection

import pytest

import scheduler.solver._search as search_module
from scheduler.domain import (
    HOUR,
    Discipline,
    LinkKind,
    LunchBreak,
    Problem,
    TimeWindow,
    Visit,
    VisitLink,
)
from scheduler.solver import SolveParams, SolveStatus, solve
from scheduler.solver.validate import validate
from tests.builders import random_day


def test_wall_clock_limit_holds_on_a_large_day() -> None:
    """400 visits and 25 nurses with a 2 s limit: back within the limit, with a valid plan.

    The margin is for the validation after the deadline and for a machine shared with the
    other test worker (the search children and the reasons stop at the deadline).
    """
    problem, travel = random_day(400, 25)
    result = solve(problem, travel, SolveParams(time_limit=2.0, workers=2))
    assert result.seconds <= 2.0 + 1.0
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

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(search_module, "build_model", broken)
    problem, travel = random_day(10, 2)
    result = solve(problem, travel, SolveParams(time_limit=2.0, workers=1))
    assert result.status == SolveStatus.FAILED and "model exploded" in result.message
    assert len(result.plan.unassigned) == 10


def test_a_search_out_of_time_before_any_plan_still_gives_a_plan_by_insertion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No plan from the search (a busy machine, a short limit): insertion places the visits."""

    def no_plan(_search: object, _strategy: str, _deadline: float, sender: Connection) -> None:
        sender.send(("final", None, None, "no plan found (ROUTING_FAIL_TIMEOUT)"))

    monkeypatch.setattr(search_module, "_search_and_report", no_plan)
    problem, travel = random_day(12, 3)
    result = solve(problem, travel, SolveParams(time_limit=3.0, workers=1))
    assert result.status in (SolveStatus.SOLVED, SolveStatus.PARTIAL)
    assert "placed by insertion" in result.message
    assert result.plan.kpis.visits_planned > 0
    assert validate(problem, result.plan, travel) == []


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


def test_a_lunch_day_search_improves_on_its_first_routes() -> None:
    """A day with lunch breaks and a linked pair: the search moves off its first routes.

    The first routes are built in time order (a linked pair) and timed once; the search that
    follows times each move by propagation, not by a linear program per move, and must
    still keep every rule, lunches included.
    """
    problem, travel = random_day(30, 4)
    lunch = LunchBreak(TimeWindow(12 * HOUR, 14 * HOUR), 1800)
    clinicians = tuple(
        replace(c, shifts=tuple(replace(s, lunch=lunch) for s in c.shifts))
        for c in problem.clinicians
    )
    visits = tuple(replace(v, patient_id="p1") if v.id == "v2" else v for v in problem.visits)
    link = VisitLink("v1", "v2", LinkKind.SIMULTANEOUS)
    problem = replace(problem, clinicians=clinicians, visits=visits, links=(link,))
    result = solve(problem, travel, SolveParams(time_limit=3.0, workers=1))
    assert result.status == SolveStatus.SOLVED
    assert validate(problem, result.plan, travel) == []
    assert result.objective < result.first_objective
