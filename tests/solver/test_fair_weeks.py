"""Fair weeks: equal-hours clinicians of a discipline get similar weekly work."""

from collections import Counter
from dataclasses import replace

from tests.solver.support import plan_of, solve_valid, week_problem


def test_two_equal_nurses_split_ten_visits_evenly() -> None:
    """Five patients with 2 visits each and no primary: two equal RNs take 4-6 visits each."""
    plans = [plan_of(f"cp{k}", f"p{k}", "2W1", primary_clinician=None) for k in range(5)]
    problem, travel = week_problem(plans, patients=5)
    result = solve_valid(problem, travel)
    per_nurse = Counter({"rn-a": 0, "rn-b": 0})
    per_nurse.update(
        route.clinician_id
        for route in result.plan.routes
        for _ in route.stops
        if route.clinician_id.startswith("rn")
    )
    assert sum(per_nurse.values()) == 10
    assert max(per_nurse.values()) - min(per_nurse.values()) <= 2, (per_nurse, result.message)


def test_fairness_gives_way_when_only_one_nurse_may_go() -> None:
    """Every patient excludes rn-b: rn-a makes all ten visits, fair weeks are soft."""
    plans = [plan_of(f"cp{k}", f"p{k}", "2W1", primary_clinician=None) for k in range(5)]
    problem, travel = week_problem(plans, patients=5)
    problem = replace(
        problem,
        patients=tuple(
            replace(patient, excluded_clinicians=frozenset({"rn-b"}))
            for patient in problem.patients
        ),
    )
    result = solve_valid(problem, travel)
    assert {route.clinician_id for route in result.plan.routes} == {"rn-a"}
    assert result.plan.kpis.visits_planned == 10
