"""How well the day choice's travel estimate matches the routes it leads to.

The day choice reserves, per clinician-day, ``COMMUTE_ALLOWANCE`` for the drives from and back
home plus each visit's typical hop (the mean drive to its three nearest patients). This module
recomputes that estimate for each planned route and divides it by the route's real travel.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain import Plan, Problem, TravelMatrix
from scheduler.solver.day_choice import COMMUTE_ALLOWANCE, _typical_hop


@dataclass(frozen=True)
class TravelEstimate:
    """One clinician-day: the day choice's travel estimate and the route's travel (seconds)."""

    clinician_id: str
    day: int
    estimated: int
    routed: int

    @property
    def ratio(self) -> float | None:
        """Estimated over routed travel; ``None`` for a route that drives nothing."""
        return self.estimated / self.routed if self.routed else None


def estimate_travel_per_day(
    problem: Problem, travel: TravelMatrix, plan: Plan
) -> list[TravelEstimate]:
    """Estimated against routed travel for every route with at least one stop."""
    visits = [problem.visit_by_id[s.visit_id] for r in plan.routes for s in r.stops]
    hop = _typical_hop(problem, travel, visits)
    return [
        TravelEstimate(
            route.clinician_id,
            route.day,
            COMMUTE_ALLOWANCE + sum(hop[stop.visit_id] for stop in route.stops),
            route.travel_seconds,
        )
        for route in plan.routes
        if route.stops
    ]


def calibrated_share(
    estimates: list[TravelEstimate], low: float = 0.75, high: float = 1.33
) -> float:
    """Share of clinician-days whose estimate/routed ratio lies in ``[low, high]``."""
    ratios = [e.ratio for e in estimates if e.ratio is not None]
    return sum(low <= r <= high for r in ratios) / len(ratios) if ratios else 1.0
