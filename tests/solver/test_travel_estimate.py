"""The day choice's travel estimate is reported per clinician-day against the routed travel."""

from scheduler.solver.travel_estimate import (
    ROUND_TRIP_SHARE,
    calibrated_share,
    estimate_travel_per_day,
)
from tests.builders import STEP, nurse, solve_valid, visit
from tests.builders import line_problem as problem
from tests.builders import line_travel as travel


def test_one_estimate_per_working_clinician_day_with_its_ratio() -> None:
    """Two visits two and three steps from home: the estimate is a share of their round trips."""
    tiny = problem([nurse("a", 0)], [visit("v1", 2), visit("v2", 3)])
    result = solve_valid(tiny)
    (estimate,) = estimate_travel_per_day(tiny, travel(), result.plan)
    assert estimate.clinician_id == "a" and estimate.day == 0
    assert estimate.routed == 6 * STEP  # out to l2, on to l3, back to l0
    assert estimate.estimated == round(ROUND_TRIP_SHARE * 4 * STEP) + round(
        ROUND_TRIP_SHARE * 6 * STEP
    )
    assert estimate.ratio == estimate.estimated / estimate.routed
    assert calibrated_share([estimate]) == 1.0
