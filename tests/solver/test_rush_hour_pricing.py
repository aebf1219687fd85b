"""Rush hours in the solver: legs priced at the slowest departure, timed at the real one.

Tiny named instances of ``tests/builders.py``: places on a line 10 minutes apart, a nurse at
``l0`` working 08:00-17:00, 45-minute visits. Rush hour here is 08:00-09:00 at x1.5.
"""

from dataclasses import replace

from scheduler.domain import HOUR, MINUTE, ReasonCode, RushHour, RushHours, TimeWindow
from scheduler.solver import SolveParams, solve
from scheduler.solver.constraints import build_model
from scheduler.solver.model import list_vehicles
from scheduler.solver.validate import validate
from tests.builders import line_problem as problem
from tests.builders import line_travel, nurse, visit
from tests.solver.support import options_checked

RUSH = RushHours((RushHour(8 * HOUR, 9 * HOUR, 1.5),))


def rush_travel():
    """The line's travel with the 08:00-09:00 rush hour."""
    return replace(line_travel(), rush_hours=RUSH)


def test_legs_are_priced_at_the_slowest_departure_they_may_have() -> None:
    """Start place and a visit that may end in rush hour: x1.5; a visit ending after it: x1."""
    tiny = problem(
        [nurse("n1", 0)],
        [
            visit("early", 1, windows=(TimeWindow(8 * HOUR, 8 * HOUR),)),
            visit("late", 2, windows=(TimeWindow(12 * HOUR, 13 * HOUR),)),
        ],
    )
    vehicles = list_vehicles(tiny)
    model = build_model(
        tiny, rush_travel(), SolveParams(), list(tiny.visits), vehicles, {"early": [0], "late": [0]}
    )
    early, late, home = 0, 1, 2  # node numbers: visits first, then the start place
    assert model.seconds[home, early] == 900 and model.seconds[early, late] == 900
    assert model.seconds[late, early] == 600 and model.seconds[late, home] == 1200


def test_a_leg_leaving_in_rush_hour_takes_longer_in_the_plan() -> None:
    """Leaving home at 08:00 takes 15 min, not 10; the next leg, after 09:00, its usual 10."""
    tiny = problem(
        [nurse("n1", 0)],
        [
            visit("first", 1, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 15 * MINUTE),)),
            visit("second", 2, windows=(TimeWindow(10 * HOUR, 11 * HOUR),)),
        ],
    )
    travel = rush_travel()
    result = solve(tiny, travel, SolveParams(time_limit=1.0))
    assert validate(tiny, result.plan, travel) == []
    (route,) = result.plan.routes
    first, second = route.stops
    assert (first.travel_seconds, first.arrival - route.start) == (900, 900)
    assert second.travel_seconds == 600 and route.return_travel_seconds == 1200
    off_peak = validate(tiny, result.plan, line_travel())
    assert [v.rule for v in off_peak] == ["travel"] and "900 s" in off_peak[0].message


def test_a_visit_reachable_only_off_peak_is_left_out_as_unreachable() -> None:
    """30 min off peak, 45 in rush hour: a visit that must start by 08:40 cannot be made."""
    by_0840 = (TimeWindow(8 * HOUR, 8 * HOUR + 40 * MINUTE),)
    tiny = problem([nurse("n1", 0)], [visit("tight", 3, windows=by_0840)])
    assert len(solve(tiny, line_travel(), SolveParams(time_limit=1.0)).plan.routes) == 1
    travel = rush_travel()
    result = solve(tiny, travel, SolveParams(time_limit=1.0))
    assert validate(tiny, result.plan, travel) == []
    assert result.plan.routes == ()
    assert [u.reason for u in result.plan.unassigned] == [ReasonCode.UNREACHABLE_IN_WINDOW]


def test_inserted_visits_time_their_legs_at_departure() -> None:
    """Each insertion option into a rush-hour plan validates with legs at their departures."""
    tiny = problem([nurse("n1", 0)], [visit("a", 2, windows=(TimeWindow(11 * HOUR, 12 * HOUR),))])
    travel = rush_travel()
    plan = solve(tiny, travel, SolveParams(time_limit=1.0)).plan
    new = visit("new", 4, windows=(TimeWindow(8 * HOUR, 9 * HOUR),))
    options = options_checked(tiny, plan, new, travel)
    assert options and options[0].route.stops[0].travel_seconds == 3600
