"""Time of day: preferred hours and the same time each visit, in insertion and in routing.

The repair (``repair.py``), which builds busy weeks, prices a place's start against the
patient's preferred hours and against the patient's other visits of the discipline that week,
and also what it does to the later stops it pushes. The routing model (``time_of_day.py``)
prices the same: a day routed again (``polish_days``) keeps a patient's visits at about the
time of their visits on the week's other days.
"""

from __future__ import annotations

import time
from dataclasses import replace

from scheduler.domain import (
    DAY,
    HOUR,
    Horizon,
    Plan,
    Problem,
    TimeWindow,
    TravelMatrix,
    compute_kpis,
)
from scheduler.solver import SolveParams
from scheduler.solver._day_routing import polish_days
from scheduler.solver._placement import SAME_TIME_SPREAD, same_time_bands
from scheduler.solver.constraints import build_model
from scheduler.solver.explain import screen_visits
from scheduler.solver.horizon import _checkable
from scheduler.solver.insertion import plan_without
from scheduler.solver.model import list_vehicles
from scheduler.solver.repair import repair_left_out
from scheduler.solver.routing import route_visits
from scheduler.solver.time_of_day import PREFERRED_HOURS_WEIGHT
from scheduler.solver.validate import validate
from tests.builders import (
    MONDAY,
    ZERO_KPIS,
    line_problem,
    line_travel,
    nurse,
    visit,
    weekday_shifts,
)


def insert_all(problem: Problem, travel: TravelMatrix, plan: Plan | None = None) -> Plan:
    """Every visit the plan does not hold inserted by the repair, the result validated."""
    plan = plan or _checkable(problem, (), set())
    held = {stop.visit_id for route in plan.routes for stop in route.stops}
    left = [v for v in problem.visits_to_plan if v.id not in held]
    repaired = repair_left_out(problem, travel, plan, left, deadline=time.monotonic() + 30)
    assert validate(problem, repaired.plan, travel) == []
    return repaired.plan


def start_of(plan: Plan, visit_id: str) -> tuple[str, int]:
    """Who makes ``visit_id`` and when it starts."""
    return next(
        (route.clinician_id, stop.start)
        for route in plan.routes
        for stop in route.stops
        if stop.visit_id == visit_id
    )


def test_insertion_starts_an_afternoon_wish_in_the_afternoon() -> None:
    """The route could start the visit at 08:10; the patient prefers 14:00-16:00."""
    wish = {"p1": {"preferred_hours": TimeWindow(14 * HOUR, 16 * HOUR)}}
    problem = line_problem([nurse("a", 0)], [visit("v", 1)], **wish)
    plan = insert_all(problem, line_travel())
    assert 14 * HOUR <= start_of(plan, "v")[1] <= 16 * HOUR


def test_a_wish_the_windows_never_meet_still_places_the_visit() -> None:
    """Preferred hours are soft: a visit startable 09:00-10:00 only is made then."""
    wish = {"p1": {"preferred_hours": TimeWindow(18 * HOUR, 20 * HOUR)}}
    problem = line_problem([nurse("a", 0)], [visit("v", 1, 9, 10)], **wish)
    plan = insert_all(problem, line_travel())
    assert 9 * HOUR <= start_of(plan, "v")[1] <= 10 * HOUR


def test_a_visit_goes_elsewhere_rather_than_push_another_out_of_its_wish() -> None:
    """Visit w (p2) prefers 08:00-08:30 and a starts it at 08:20; v (p1) must start by 08:45.

    With a, v costs no added driving but pushes w to 09:05; b (living at place 4) drives an
    hour more for it. The pushed minutes outside w's wish weigh more.
    """
    wish = {"p2": {"preferred_hours": TimeWindow(8 * HOUR, 8 * HOUR + 1800)}}
    v = visit("v", 1, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 2700),))
    problem = line_problem([nurse("a", 0), nurse("b", 4)], [visit("w", 2), v], **wish)
    travel = line_travel()
    only_w = replace(problem, visits=(problem.visit_by_id["w"],))
    first = insert_all(only_w, travel)
    assert start_of(first, "w") == ("a", 8 * HOUR + 1200)
    plan = insert_all(problem, travel, Plan(first.routes, (), ZERO_KPIS))
    assert start_of(plan, "v")[0] == "b"
    assert start_of(plan, "w") == ("a", 8 * HOUR + 1200)


def test_a_patients_second_visit_starts_near_the_first_ones_time() -> None:
    """Monday's visit is pinned at 14:00; Wednesday's, startable from 08:00, starts near 14:00."""
    monday = visit("mon", 1, pinned_start=14 * HOUR)
    wednesday = visit("wed", 1, windows=(TimeWindow(2 * DAY + 8 * HOUR, 2 * DAY + 16 * HOUR),))
    problem = replace(
        line_problem([nurse("a", 0, shift=weekday_shifts()[0])], [monday, wednesday]),
        horizon=Horizon(MONDAY, 3),
    )
    problem = replace(
        problem,
        clinicians=(replace(problem.clinicians[0], shifts=weekday_shifts(range(3))),),
    )
    plan = insert_all(problem, line_travel())
    clock = start_of(plan, "wed")[1] - 2 * DAY
    assert abs(clock - 14 * HOUR) <= SAME_TIME_SPREAD


def test_taking_a_visit_out_keeps_the_later_stops_times() -> None:
    """Without the first stop, the second still starts at its preferred 14:00."""
    wish = {"p2": {"preferred_hours": TimeWindow(14 * HOUR, 16 * HOUR)}}
    problem = line_problem([nurse("a", 0)], [visit("v", 1, 8, 9), visit("w", 2)], **wish)
    travel = line_travel()
    plan = insert_all(problem, travel)
    assert start_of(plan, "w") == ("a", 14 * HOUR)
    smaller = plan_without(problem, plan, "v", travel)
    assert smaller is not None and start_of(smaller, "w") == ("a", 14 * HOUR)


# the routing model ---------------------------------------------------------------------------


def route_day(problem: Problem, bands: dict[str, TimeWindow]) -> Plan:
    """The one-day ``problem`` routed with same-time ``bands``, the plan validated."""
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    routing = route_visits(
        problem, line_travel(), SolveParams(time_limit=2.0), problem.visits, vehicles,
        candidates, deadline=time.monotonic() + 2.0, same_time=bands,
    )  # fmt: skip
    assert routing.routes is not None and not routing.unassigned
    plan = Plan(routing.routes, (), compute_kpis(problem, routing.routes, ()))
    assert validate(problem, plan, line_travel()) == []
    return plan


def test_routing_starts_a_visit_inside_its_same_time_band() -> None:
    """The patient's other visits this week start 14:00-15:00: so does this one, not at 08:10."""
    problem = line_problem([nurse("a", 0)], [visit("v", 1)])
    plan = route_day(problem, {"v": TimeWindow(14 * HOUR, 15 * HOUR)})
    assert 14 * HOUR <= start_of(plan, "v")[1] <= 15 * HOUR


def test_a_band_the_windows_never_meet_starts_the_visit_nearest_it() -> None:
    """A band of 14:00-15:00 for a visit startable 08:00-10:00 only: it is made, at 10:00."""
    problem = line_problem([nurse("a", 0)], [visit("v", 1, 8, 10)])
    plan = route_day(problem, {"v": TimeWindow(14 * HOUR, 15 * HOUR)})
    assert start_of(plan, "v")[1] == 10 * HOUR


def test_a_band_gives_way_to_a_pinned_visit() -> None:
    """A pinned visit fills 13:00-16:00: the band's visit comes after it, still made."""
    pinned = visit("pin", 1, duration=3 * HOUR, pinned_start=13 * HOUR)
    problem = line_problem([nurse("a", 0)], [pinned, visit("v", 1, 8, 16)])
    plan = route_day(problem, {"v": TimeWindow(14 * HOUR, 15 * HOUR)})
    assert start_of(plan, "v")[1] >= 16 * HOUR


def test_band_preferred_hours_and_due_time_share_the_soft_bounds() -> None:
    """Due by 10:00, wished 09:00-12:00, band 08:30-11:00: 09:00 to 10:00, every weight summed.

    OR-Tools holds one soft lower and one soft upper bound per start: none of the three
    rules may overwrite another's.
    """
    wish = {"p1": {"preferred_hours": TimeWindow(9 * HOUR, 12 * HOUR)}}
    problem = line_problem([nurse("a", 0)], [visit("v", 1, due=10 * HOUR)], **wish)
    vehicles = list_vehicles(problem)
    params = SolveParams()
    band = {"v": TimeWindow(8 * HOUR + 1800, 11 * HOUR)}
    model = build_model(problem, line_travel(), params, list(problem.visits), vehicles,
                        {"v": [0]}, same_time=band)  # fmt: skip
    index = model.visit_index(0)
    wished = PREFERRED_HOURS_WEIGHT * params.travel_weight
    assert model.time.GetCumulVarSoftLowerBound(index) == 9 * HOUR
    assert model.time.GetCumulVarSoftLowerBoundCoefficient(index) == wished + params.travel_weight
    assert model.time.GetCumulVarSoftUpperBound(index) == 10 * HOUR
    assert model.time.GetCumulVarSoftUpperBoundCoefficient(index) == (
        params.lateness_weight + wished + params.travel_weight
    )


def test_routing_a_day_again_brings_a_visit_to_the_weeks_time() -> None:
    """Monday's visit is pinned at 14:00; Tuesday's was planned at 08:10: polished, near 14:00.

    Routing the day again without the band would find nothing better (the same driving).
    """
    monday = visit("mon", 1, pinned_start=14 * HOUR)
    tuesday = visit("tue", 1, windows=(TimeWindow(DAY + 8 * HOUR, DAY + 16 * HOUR),))
    problem = replace(line_problem([nurse("a", 0)], [monday, tuesday]), horizon=Horizon(MONDAY, 2))
    problem = replace(
        problem, clinicians=(replace(problem.clinicians[0], shifts=weekday_shifts(range(2))),)
    )
    travel = line_travel()
    early = replace(tuesday, windows=(TimeWindow(DAY + 8 * HOUR, DAY + 9 * HOUR),))
    first = insert_all(replace(problem, visits=(monday, early)), travel)
    assert start_of(first, "tue")[1] < DAY + 9 * HOUR
    assert same_time_bands(problem, first.routes)["tue"] == TimeWindow(13 * HOUR, 15 * HOUR)
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    polished = polish_days(
        problem, travel, SolveParams(time_limit=4.0, workers=2), first, vehicles, candidates,
        deadline=time.monotonic() + 4.0,
    )  # fmt: skip
    assert validate(problem, polished, travel) == []
    assert abs(start_of(polished, "tue")[1] - DAY - 14 * HOUR) <= SAME_TIME_SPREAD
