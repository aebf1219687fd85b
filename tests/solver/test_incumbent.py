"""The incumbent: the published assignment kept at its weight, apart from preferences.

A replan keeps each visit on the clinician-day the published plan has it when that costs
less than the weight, in one day's routing, in a week's insertion and moves, and in the day
choice; and moves it when the clinician cannot make it.
"""

from dataclasses import replace

import pytest

from scheduler.domain import Assignment, Incumbent, Problem
from scheduler.errors import ProblemError
from tests.builders import line_problem, nurse, solve_valid, stop_of, visit
from tests.solver.support import plan_of, week_problem
from tests.solver.support import solve_valid as solve_week


def next_to_b() -> Problem:
    """Nurses a (place 0) and b (place 4); visit v at place 3, nearer b."""
    return line_problem([nurse("a", 0), nurse("b", 4)], [visit("v", 3)])


def test_without_an_incumbent_the_nearer_nurse_goes() -> None:
    """No published plan: b, one step away, makes v."""
    assert stop_of(solve_valid(next_to_b()), "v")[0] == "b"


def test_a_day_keeps_the_published_clinician_at_the_incumbents_weight() -> None:
    """Published with a, worth an hour of driving: a keeps v (four more steps of driving)."""
    kept = Incumbent((Assignment("v", "a", 0),), weight=3600)
    assert stop_of(solve_valid(replace(next_to_b(), incumbent=kept)), "v")[0] == "a"


def test_a_light_incumbent_gives_way_to_much_shorter_driving() -> None:
    """Published with a, worth one minute: b takes v, saving 40 minutes of driving."""
    kept = Incumbent((Assignment("v", "a", 0),), weight=60)
    assert stop_of(solve_valid(replace(next_to_b(), incumbent=kept)), "v")[0] == "b"


def test_a_visit_leaves_its_incumbent_when_the_clinician_cannot_make_it() -> None:
    """Published with a, but the patient now excludes a: b makes it, the visit is kept."""
    kept = Incumbent((Assignment("v", "a", 0),), weight=3600)
    problem = line_problem(
        [nurse("a", 0), nurse("b", 4)],
        [visit("v", 3)],
        p3={"excluded_clinicians": frozenset({"a"})},
    )
    result = solve_valid(replace(problem, incumbent=kept))
    assert stop_of(result, "v")[0] == "b"


def test_a_week_keeps_each_visit_on_its_published_clinician_day() -> None:
    """Three visits published with rn-b (not the primary) on Mon, Wed, Fri: all stay."""
    problem, travel = week_problem([plan_of("cp1", "p0", "3W1")])
    ids = sorted(v.id for v in problem.visits_to_plan)
    kept = Incumbent(
        tuple(Assignment(v, "rn-b", day) for v, day in zip(ids, (0, 2, 4), strict=True)),
        weight=7200,
    )
    result = solve_week(replace(problem, incumbent=kept), travel)
    where = {s.visit_id: (r.clinician_id, r.day) for r in result.plan.routes for s in r.stops}
    assert where == {v: ("rn-b", day) for v, day in zip(ids, (0, 2, 4), strict=True)}


def test_an_incumbent_with_a_negative_weight_or_a_visit_twice_is_refused() -> None:
    """A weight below 0, or two assignments of one visit, are data errors."""
    with pytest.raises(ProblemError, match="weight"):
        Incumbent((), weight=-1)
    with pytest.raises(ProblemError, match="twice"):
        Incumbent((Assignment("v", "a", 0), Assignment("v", "b", 0)), weight=1)


def test_an_incumbent_naming_an_unknown_clinician_is_refused() -> None:
    """The published plan must name clinicians of the problem."""
    with pytest.raises(ProblemError, match="unknown clinician 'z'"):
        replace(next_to_b(), incumbent=Incumbent((Assignment("v", "z", 0),), weight=1))
