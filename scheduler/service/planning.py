"""Plan a problem end to end: travel times, then the solver."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain import Problem, TravelMatrix
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver import Result, SolveParams, solve


@dataclass(frozen=True)
class PlanningOutcome:
    """A solve result and the travel matrix it was computed on."""

    result: Result
    travel: TravelMatrix


def plan_problem(
    problem: Problem,
    *,
    settings: Settings,
    provider: str | None = None,
    params: SolveParams | None = None,
) -> PlanningOutcome:
    """Build travel times for the problem's places and solve it.

    ``provider=None`` uses the settings' travel provider; ``params=None`` uses
    ``SolveParams`` with the settings' time limit and workers.
    """
    travel = travel_matrix(problem.locations(), provider=provider, settings=settings)
    params = params or SolveParams(
        time_limit=settings.solve_time_limit, workers=settings.solve_workers
    )
    return PlanningOutcome(solve(problem, travel, params), travel)
