"""A plan written as a UHHC solution: each caregiver's services in time order, lunches, costs.

Each route lists its services with ``start_service_time`` and ``end_service_time`` in the
instance's minutes; the official validator derives when the caregiver leaves (just in time
for the first location) and returns. An entitled caregiver's lunch is a location of service
``lunch_break`` at the home of a patient of the route, taken between two visits (at the
first one's home before the leg, or at the second one's after it), before the first visit
or, when nothing else holds it, after the last, wherever it leaves the least waiting. It
lasts at least the instance's minimum and runs on until the caregiver must leave (the rest
of that gap is the break, not waiting), inside the lunch window. The solution carries its
``cost_components`` (unweighted values, whole numbers only: the schema holds integers) for
the validator to compare.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scheduler.bench.uhhc import UhhcInstance, sequential_gap
from scheduler.bench.uhhc_costs import COMPONENTS, LUNCH
from scheduler.domain import Plan, Route, Stop

Location = dict[str, Any]
START, END = "start_service_time", "end_service_time"
FLOAT_SLACK = 1e-6  # minutes: the most a float sum can miss by, far above its last digits


def solution_json(instance: UhhcInstance, plan: Plan) -> dict[str, Any]:
    """The plan as a UHHC solution, without its cost components."""
    clinicians = instance.problem.clinician_by_id
    routes = []
    for route in sorted(plan.routes, key=lambda route: route.clinician_id):
        if not route.stops:
            continue
        locations = [_visit(instance, stop) for stop in route.stops]
        shift = clinicians[route.clinician_id].shift_on(route.day)
        if shift is not None and shift.lunch is not None:
            locations = _with_lunch(instance, route, locations)
        routes.append({"caregiver_id": route.clinician_id, "locations": locations})
    _settle_float_sums(instance, routes)
    return {"instance": instance.name, "routes": routes}


def with_cost_components(solution: dict[str, Any], values: Mapping[str, float]) -> dict[str, Any]:
    """The solution with the whole-number component values the schema can hold."""
    whole = {name: int(values[name]) for name in COMPONENTS if float(values[name]).is_integer()}
    return {**solution, "cost_components": whole}


def write_solution(solution: Mapping[str, Any], path: Path) -> None:
    """Write a UHHC solution JSON file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(solution, indent=1))


def _minutes(instance: UhhcInstance, units: int) -> float | int:
    """Model units as the instance's minutes."""
    return _number(units / instance.scale)


def _visit(instance: UhhcInstance, stop: Stop) -> Location:
    """One service of a route."""
    return {
        "patient": stop.patient_id,
        "service": instance.service_of[stop.visit_id],
        "start_service_time": _minutes(instance, stop.start),
        "end_service_time": _minutes(instance, stop.end),
    }


def _with_lunch(instance: UhhcInstance, route: Route, locations: list[Location]) -> list[Location]:
    """The route's locations with the lunch where it leaves the least waiting.

    The day's visits keep their times; the lunch goes in a gap that holds it, after the last
    visit only when no gap does. A route where nothing holds it is written without one (a
    missed lunch).
    """
    rule = instance.data["lunch_breaks"]
    minimum = rule["min_duration"]
    latest_start = rule["end"] - (minimum if instance.at_service_end else 0)
    latest_end = rule["end"] if instance.at_service_end else math.inf
    placements = []
    for position, patient, free_from, must_end in _lunch_gaps(instance, route, locations):
        start = max(free_from, rule["start"])
        if start > latest_start or start + minimum > must_end:
            continue
        # the break runs on until the caregiver must leave, inside the lunch window
        end = start + minimum if must_end == math.inf else min(must_end, latest_end)
        waiting = start - free_from + (must_end - end if must_end != math.inf else 0)
        placements.append((must_end == math.inf, waiting, position, patient, start, end))
    if not placements:
        return locations
    *_, position, patient, start, end = min(placements)
    lunch = {
        "patient": patient,
        "service": LUNCH,
        "start_service_time": _number(start),
        "end_service_time": _number(end),
    }
    return [*locations[:position], lunch, *locations[position:]]


def _lunch_gaps(
    instance: UhhcInstance, route: Route, locations: list[Location]
) -> list[tuple[int, str, float, float]]:
    """Where a lunch may go: position, whose home, free from, must end by (``inf``: any).

    Between two visits the caregiver lunches at the first one's home, leaving time for the
    leg, or at the second one's, after the leg; before the first visit at its home (reached
    from the departing point after the shift starts); after the last at its home.
    """
    caregiver = instance.caregiver(route.clinician_id)
    minutes = instance.minutes
    rows = [instance.row_of(location["patient"]) for location in locations]
    first, last = locations[0], locations[-1]
    first_leg = minutes[instance.row_of(caregiver["departing_point"])][rows[0]]
    leave = caregiver["working_shift"]["start"]
    gaps = [(0, first["patient"], leave + first_leg, first["start_service_time"])]
    for number in range(1, len(locations)):
        previous, following = locations[number - 1], locations[number]
        leg = minutes[rows[number - 1]][rows[number]]
        ended, starts = previous["end_service_time"], following["start_service_time"]
        gaps.append((number, previous["patient"], ended, starts - leg))
        gaps.append((number, following["patient"], ended + leg, starts))
    gaps.append((len(locations), last["patient"], last["end_service_time"], math.inf))
    return gaps


def _settle_float_sums(instance: UhhcInstance, routes: list[dict[str, Any]]) -> None:
    """Nudge times up by a float's last digit where the validator's float sums need it.

    Minutes with decimals (the Mankowska distances) are not exact in binary floating point,
    so a start exactly at the previous end plus the leg can come out a last digit short of
    the validator's own sum, and so can the first start against the departure it derives
    (start minus leg, plus leg), an end minus its start against the duration, or a
    sequential gap. Whole-minute times already hold exactly.
    """
    at = {
        (location["patient"], location["service"]): location
        for route in routes
        for location in route["locations"]
    }
    pairs = [
        (at[patient["id"], first["service"]], at[patient["id"], second["service"]], gap)
        for patient in instance.data["patients"]
        if (gap := sequential_gap(patient.get("synchronization") or {})) is not None
        for first, second in [patient["required_services"]]
        if (patient["id"], first["service"]) in at and (patient["id"], second["service"]) in at
    ]
    for _ in range(100):
        changed = False
        for route in routes:
            changed |= _settle_route(instance, route)
        for one, two, (low, high) in pairs:
            # only a float's last digits: a real breach stays for the validator to report
            if one[START] + low <= two[START] + FLOAT_SLACK:
                changed |= _raise(two, START, one[START] + low)
            while one[START] + high < two[START] <= one[START] + high + FLOAT_SLACK:
                changed = _step_up(one, START)
        if not changed:
            return


def _settle_route(instance: UhhcInstance, route: dict[str, Any]) -> bool:
    """Settle one route's legs and durations as the validator adds them; whether one moved."""
    lunch = (instance.data.get("lunch_breaks") or {}).get("min_duration", 0)
    place = instance.row_of(instance.caregiver(route["caregiver_id"])["departing_point"])
    previous: Location | None = None
    changed = False
    for location in route["locations"]:
        row = instance.row_of(location["patient"])
        leg = float(instance.minutes[place][row])
        if previous is None:  # the validator leaves at start - leg and arrives at that + leg
            while location[START] < location[START] - leg + leg:
                changed = _step_up(location, START)
        else:
            changed |= _raise(location, START, previous[END] + leg)
        length = (
            lunch
            if location["service"] == LUNCH
            else instance.durations[location["patient"], location["service"]]
        )
        changed |= _raise(location, END, location[START] + length)
        while location[END] - location[START] < length:
            changed = _step_up(location, END)
        previous, place = location, row
    return changed


def _raise(location: Location, key: str, floor: float) -> bool:
    """Raise ``location[key]`` to ``floor`` when below it; whether it moved."""
    if location[key] >= floor:
        return False
    location[key] = floor
    return True


def _step_up(location: Location, key: str) -> bool:
    """Move ``location[key]`` up to the next float; always ``True`` (it moved)."""
    location[key] = math.nextafter(location[key], math.inf)
    return True


def _number(minutes: float) -> float | int:
    """Minutes as written: an integer when whole (the validator sums them as they come)."""
    value = float(minutes)
    return int(value) if value.is_integer() else round(value, 6)
