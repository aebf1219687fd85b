"""The day choice's estimate of a clinician-day's driving, and how well it matches the routes.

Before routes exist, the day choice needs each clinician-day's driving. A day's route drives
about ``ROUND_TRIP_SHARE`` of the summed round trips from the clinician's start place to each
of its visits (least squares, no constant, on the routes of generated busy weeks of 20 and 30
clinicians: 80-88 % of clinician-days within 0.75-1.33 of their routed travel). The estimate is
linear in the visits a day holds, as the CP-SAT model needs, and uses the clinician's own start
place and area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scheduler.domain import Clinician, Plan, Problem, TravelMatrix, Visit

ROUND_TRIP_SHARE = 0.65  # of a visit's round trip from the clinician's start place


def drive_estimate(problem: Problem, travel: TravelMatrix) -> Callable[[Visit, Clinician], int]:
    """The seconds of driving a visit adds to a clinician's day, estimated (memoised)."""
    known: dict[tuple[str, str], int] = {}

    def drive(visit: Visit, clinician: Clinician) -> int:
        place = problem.patient_by_id[visit.patient_id].location.id
        key = (place, clinician.start.id)
        if key not in known:
            there = travel.seconds_between(clinician.start.id, place)
            back = travel.seconds_between(place, clinician.start.id)
            known[key] = round(ROUND_TRIP_SHARE * (there + back))
        return known[key]

    return drive


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
    drive = drive_estimate(problem, travel)
    by_id = problem.visit_by_id
    return [
        TravelEstimate(
            route.clinician_id,
            route.day,
            sum(
                drive(by_id[stop.visit_id], problem.clinician_by_id[route.clinician_id])
                for stop in route.stops
            ),
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
