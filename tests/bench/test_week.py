"""The week bench: several solver runs, the baseline, the 3x run, and their summary."""

import pytest
from typer.testing import CliRunner

import scheduler.bench.week as week_bench
from scheduler.bench.week import WeekRow, bench_week, plan_day_by_day, summarise_runs
from scheduler.cli import _console, app
from scheduler.demo.week import generate_agency_week
from scheduler.domain import (
    Kpis,
    Plan,
    Problem,
    ReasonCode,
    TravelMatrix,
    Unassigned,
    compute_kpis,
)
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver import Result, SolveParams, SolveStatus
from scheduler.solver.validate import validate


def _row(travel_per_visit: float, placed: int) -> WeekRow:
    kpis = Kpis(10, 0, 0, 0, travel_per_visit * 60, 0, 0, 0, 0, 0, 0.0, 1.0)
    return WeekRow("x", kpis, 10 - placed, 1.0, 0, required_visits=10)


def test_summary_gives_min_median_max_of_each_figure() -> None:
    """Three runs at 8, 10 and 9 min of travel per visit: 8, 9, 10; placed 90/100/100 %."""
    summary = {
        label: rest for label, *rest in summarise_runs([_row(8, 9), _row(10, 10), _row(9, 10)])
    }
    assert summary["travel per visit (min)"] == [8.0, 9.0, 10.0]
    assert summary["required placed (%)"] == [90.0, 100.0, 100.0]


def test_bench_week_runs_the_solver_n_times_the_baseline_and_3x() -> None:
    """Two solver runs, the baseline and a 3x run; each row has week KPIs and rules counted."""
    problem = generate_agency_week(clinicians=5, patients=14, load="busy")
    travel = travel_matrix(problem.locations(), settings=Settings())
    rows = bench_week(problem, travel, time_limit=1.0, workers=1, runs=2, compare_3x=True)
    assert [row.method for row in rows] == [
        "horizon solver #1",
        "horizon solver #2",
        "day-by-day baseline",
        "horizon solver, 3x time",
    ]
    for row in rows:
        assert row.week is not None and row.week.paid_seconds > 0
        assert sum(row.violation_rules.values()) == row.violations
        assert row.required_visits == sum(not v.optional for v in problem.visits_to_plan)


def test_bench_week_command_prints_rules_kpis_and_the_runs_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`bench week --runs 2` prints the week KPIs per method and the min/median/max table."""
    monkeypatch.setattr(_console.console, "_width", 300)  # no wrapped labels
    options = ["--clinicians", "5", "--patients", "12", "--time-limit", "1", "--runs", "2"]
    result = CliRunner().invoke(app, ["bench", "week", *options])
    assert result.exit_code == 0, result.output
    for text in (
        "service + travel / paid",
        "median start spread",
        "Horizon solver over 2 runs",
        "generator's reference",
    ):
        assert text in result.output


def test_baseline_places_visits_on_a_busy_week_at_a_short_limit() -> None:
    """A busy 8-clinician week at 2 s in all (0.4 s a day): the baseline still places visits."""
    problem = generate_agency_week(clinicians=8, load="busy")
    travel = travel_matrix(problem.locations(), settings=Settings())
    routes, unassigned, seconds = plan_day_by_day(problem, travel, time_limit=2.0, workers=1)
    placed = sum(len(route.stops) for route in routes)
    assert placed > 0
    assert placed + len(unassigned) == len(problem.visits_to_plan)
    assert seconds > 0


def test_a_day_solve_with_no_plan_falls_back_to_greedy_insertion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Day solves end with no plan: insertion places half the visits; only cross-day rules break."""

    def no_plan(problem: Problem, travel: TravelMatrix, params: SolveParams) -> Result:
        left = tuple(
            Unassigned(v.id, ReasonCode.NOT_SOLVED, "stopped") for v in problem.visits_to_plan
        )
        plan = Plan((), left, compute_kpis(problem, (), left))
        return Result(SolveStatus.NO_SOLUTION, plan, None, params.time_limit, "no first solution")

    monkeypatch.setattr(week_bench, "solve", no_plan)
    problem = generate_agency_week(clinicians=6, load="busy")
    travel = travel_matrix(problem.locations(), settings=Settings())
    routes, unassigned, _ = plan_day_by_day(problem, travel, time_limit=5.0, workers=1)
    placed = sum(len(route.stops) for route in routes)
    assert placed >= len(problem.visits_to_plan) // 2
    plan = Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
    across_days = {"max_work_week", "soc_order"}  # rules a day planned alone cannot see
    assert {v.rule for v in validate(problem, plan, travel)} <= across_days
