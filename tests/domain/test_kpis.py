"""KPIs: repricing a plan's legs under its own travel matrix gives back its travel."""

from scheduler.demo.agency import generate_agency
from scheduler.domain.kpis import clinician_kpis, reprice_travel
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver import SolveParams, solve


def test_reprice_with_the_same_matrix_and_per_clinician_totals() -> None:
    """Repriced travel equals the plan's KPI, and per-clinician visits add up to the plan's."""
    problem = generate_agency(patients=20, clinicians=4)
    travel = travel_matrix(problem.locations(), settings=Settings())
    plan = solve(problem, travel, SolveParams(time_limit=1.0, workers=1)).plan
    assert reprice_travel(problem, plan.routes, travel) == (
        plan.kpis.travel_seconds,
        plan.kpis.travel_metres,
    )
    rows = clinician_kpis(problem, plan.routes)
    assert sum(row.visits for row in rows) == plan.kpis.visits_planned
