"""An independent checker of plans: every hard rule, recomputed travel and KPIs.

It shares no code with the model builder and uses no OR-Tools, nor the domain's helper
properties: each rule is re-derived here from the problem data, so a bug in the model (or in a
shared helper) cannot hide behind the same bug in the check.

Rule codes: ``coverage``, ``reason``, ``route``, ``shift``, ``qualification``, ``pin``,
``travel``, ``order``, ``arrival``, ``time_window``, ``duration``, ``lunch``, ``max_visits``,
``max_work``, ``max_points``, ``link``, ``kpi``; across days (``_validate_horizon.py``):
``max_visits_week``, ``max_work_week``, ``clinicians_per_week``; care plans
(``_validate_care_plan.py``): ``soc_order``, ``recert_window``, ``discharge_last``,
``one_visit_per_discipline_day``, ``period_count``. Each violation names the planned visits
whose removal resolves it (a route-wide fault names all the route's visits).
"""

from __future__ import annotations

from collections import Counter

from scheduler.domain import (
    DAY,
    Clinician,
    Plan,
    Problem,
    Route,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from scheduler.solver._validate_care_plan import check_care_plans
from scheduler.solver._validate_horizon import check_horizon
from scheduler.solver._validate_kpis import check_kpis
from scheduler.solver._validation import Violation, delivers, work_seconds


def validate(problem: Problem, plan: Plan, travel: TravelMatrix) -> list[Violation]:
    """Every hard rule ``plan`` breaks; empty when the plan is valid.

    Parameters
    ----------
    problem
        What was to be planned.
    plan
        The answer to check.
    travel
        Travel seconds and metres between the problem's locations.

    Returns
    -------
    list of Violation
        In a stable order: coverage, then route by route, then KPIs.
    """
    visits = {visit.id: visit for visit in problem.visits_to_plan}
    clinicians = {clinician.id: clinician for clinician in problem.clinicians}
    found = _check_coverage(problem, plan, visits)
    seen: set[tuple[str, int]] = set()
    for route in plan.routes:
        if (route.clinician_id, route.day) in seen:
            found.append(_route_violation("route", route, "has another route on the same day"))
        seen.add((route.clinician_id, route.day))
    for route in plan.routes:
        clinician = clinicians.get(route.clinician_id)
        if clinician is None:
            found.append(_route_violation("route", route, "names an unknown clinician"))
            continue
        shift = next((s for s in clinician.shifts if s.day == route.day), None)
        if shift is None:
            found.append(_route_violation("shift", route, "is on a day off (no shift)"))
            continue
        found += _check_frame(route, shift)
        if any(stop.visit_id not in visits for stop in route.stops):
            continue  # reported as coverage; the times of a route of unknown visits mean nothing
        found += _check_qualification(problem, route, clinician, visits)
        found += _check_times(problem, route, clinician, visits, travel)
        found += _check_lunch(route, shift)
        found += _check_limits(route, clinician, visits)
    found += _check_links(problem, plan)
    found += check_horizon(problem, plan, visits)
    found += check_care_plans(problem, plan, visits)
    found += check_kpis(problem, plan, visits, clinicians)
    return found


def _check_links(problem: Problem, plan: Plan) -> list[Violation]:
    """Linked visits: both made or neither, by two clinicians the same day, at the set gap."""
    made = {
        stop.visit_id: (route.clinician_id, route.day, stop.start)
        for route in plan.routes
        for stop in route.stops
    }
    found = []
    for link in problem.links:
        subject = f"link {link.first}-{link.second}"
        first, second = made.get(link.first), made.get(link.second)
        if first is None and second is None:
            continue
        both = (link.first, link.second)
        if first is None or second is None:
            made_one = (link.first,) if second is None else (link.second,)
            found.append(Violation("link", subject, "only one of the two visits is made", made_one))
            continue
        if first[0] == second[0]:
            found.append(Violation("link", subject, f"both visits are made by {first[0]}", both))
        if first[1] != second[1]:
            found.append(Violation("link", subject, "the visits are on different days", both))
            continue
        gap = second[2] - first[2]
        low, high = (0, 0) if link.kind == "simultaneous" else (link.min_gap, link.max_gap)
        if not low <= gap <= high:
            message = f"second starts {gap} s after first, not {low}..{high}"
            found.append(Violation("link", subject, message, both))
    return found


def _route_violation(rule: str, route: Route, message: str, *, last: bool = False) -> Violation:
    """A violation about ``route``, resolved by removing its last visit or else all of them."""
    stops = route.stops[-1:] if last else route.stops
    subject = f"route {route.clinician_id} day {route.day}"
    return Violation(rule, subject, message, tuple(stop.visit_id for stop in stops))


def _check_coverage(problem: Problem, plan: Plan, visits: dict[str, Visit]) -> list[Violation]:
    """Each visit once, planned or unassigned, at its own patient; each leftover says why."""
    found = []
    stops = [stop for route in plan.routes for stop in route.stops]
    counts = Counter(stop.visit_id for stop in stops)
    counts.update(item.visit_id for item in plan.unassigned)
    for visit_id, count in counts.items():
        subject, ids = f"visit {visit_id}", (visit_id,)
        if visit_id not in visits:
            found.append(Violation("coverage", subject, "is not a visit of the problem", ids))
        elif count > 1:
            found.append(Violation("coverage", subject, f"appears {count} times, not once", ids))
    for visit in problem.visits_to_plan:
        if visit.id not in counts:
            message = "is neither planned nor unassigned"
            found.append(Violation("coverage", f"visit {visit.id}", message, (visit.id,)))
    for stop in stops:
        stopped = visits.get(stop.visit_id)
        if stopped is not None and stop.patient_id != stopped.patient_id:
            message = f"stop names patient {stop.patient_id}, the visit is for {stopped.patient_id}"
            found.append(Violation("coverage", f"visit {stopped.id}", message, (stopped.id,)))
    for item in plan.unassigned:
        if not item.message.strip():
            message = "is unassigned without a message"
            found.append(Violation("reason", f"visit {item.visit_id}", message, (item.visit_id,)))
    return found


def _check_frame(route: Route, shift: Shift) -> list[Violation]:
    """The day has stops, leaves no earlier than the shift and ends by its overtime limit."""
    found = []
    if not route.stops:
        found.append(_route_violation("route", route, "has no stops"))
    if route.start < shift.window.start:
        message = f"leaves at {route.start}, before the shift starts at {shift.window.start}"
        found.append(_route_violation("shift", route, message))
    limit = shift.window.end + shift.max_overtime
    if route.end > limit:
        message = (
            f"ends at {route.end}, after the shift end {shift.window.end} "
            f"plus {shift.max_overtime} s overtime ({limit})"
        )
        found.append(_route_violation("shift", route, message, last=True))
    return found


def _check_qualification(
    problem: Problem, route: Route, clinician: Clinician, visits: dict[str, Visit]
) -> list[Violation]:
    """The clinician may make each visit: discipline, credential, skills, exclusions, pins."""
    found = []
    excluded = {patient.id: patient.excluded_clinicians for patient in problem.patients}
    for stop in route.stops:
        visit = visits[stop.visit_id]
        subject = f"visit {visit.id}"
        who = f"{clinician.id} ({clinician.credential.value})"
        wrong = []
        if delivers(clinician) != visit.discipline.value:
            wrong.append(
                f"{who} delivers {delivers(clinician)}, the visit needs {visit.discipline}"
            )
        if visit.credentials and clinician.credential not in visit.credentials:
            allowed = "/".join(sorted(c.value for c in visit.credentials))
            wrong.append(f"{who} lacks a required credential ({allowed})")
        missing = visit.required_skills - clinician.skills
        if missing:
            wrong.append(f"{clinician.id} lacks skills {', '.join(sorted(missing))}")
        if clinician.id in excluded[visit.patient_id]:
            wrong.append(f"patient {visit.patient_id} excludes {clinician.id}")
        ids = (visit.id,)
        found += [Violation("qualification", subject, message, ids) for message in wrong]
        if visit.pinned_clinician is not None and visit.pinned_clinician != clinician.id:
            message = f"is made by {clinician.id}, pinned to {visit.pinned_clinician}"
            found.append(Violation("pin", subject, message, ids))
        if visit.pinned_start is not None and stop.start != visit.pinned_start:
            message = f"starts at {stop.start}, pinned to start at {visit.pinned_start}"
            found.append(Violation("pin", subject, message, ids))
    return found


def _lunch_within(lunch: TimeWindow | None, start: int, end: int) -> int:
    """Seconds of ``lunch`` when it lies wholly inside ``[start, end]``, else 0."""
    if lunch is not None and start <= lunch.start and lunch.end <= end:
        return lunch.end - lunch.start
    return 0


def _rush_factor(travel: TravelMatrix, departure: int) -> float:
    """How many times longer a leg leaving at ``departure`` takes (1 outside rush hours)."""
    clock = departure % DAY
    bands = travel.rush_hours.bands
    return max([1.0, *(band.factor for band in bands if band.start <= clock < band.end)])


def _leg(
    travel: TravelMatrix,
    origin: str,
    destination: str,
    departure: int,
    recorded: tuple[int, int],
    subject: str,
    culprit: tuple[str, ...],
) -> tuple[int, list[Violation]]:
    """Matrix seconds of a leg leaving at ``departure`` (recorded if unknown), and any mismatch."""
    missing = [place for place in (origin, destination) if place not in travel.index]
    if missing:
        message = f"travel matrix lacks location(s) {', '.join(missing)}"
        return recorded[0], [Violation("travel", subject, message, culprit)]
    row, column = travel.index[origin], travel.index[destination]
    factor = _rush_factor(travel, departure)
    expected = (round(int(travel.seconds[row, column]) * factor), int(travel.metres[row, column]))
    if recorded != expected:
        at = f" leaving at {departure} (x{factor})" if factor != 1.0 else ""
        message = (
            f"leg {origin} -> {destination} recorded as {recorded[0]} s / {recorded[1]} m, "
            f"the matrix says {expected[0]} s / {expected[1]} m{at}"
        )
        return expected[0], [Violation("travel", subject, message, culprit)]
    return expected[0], []


def _check_times(
    problem: Problem,
    route: Route,
    clinician: Clinician,
    visits: dict[str, Visit],
    travel: TravelMatrix,
) -> list[Violation]:
    """Legs match the matrix; each visit starts in a window, lasts its duration, in order."""
    found: list[Violation] = []
    homes = {patient.id: patient.location.id for patient in problem.patients}
    lunch = route.lunch
    place, free_at = clinician.start.id, route.start
    for stop in route.stops:
        visit = visits[stop.visit_id]
        subject, ids = f"visit {visit.id}", (visit.id,)
        here = homes[visit.patient_id]
        recorded = (stop.travel_seconds, stop.travel_metres)
        drive, wrong = _leg(travel, place, here, free_at, recorded, subject, ids)
        found += wrong
        if stop.start < free_at:
            message = f"starts at {stop.start}, before the previous event ends at {free_at}"
            found.append(Violation("order", subject, message, ids))
        else:
            needed = drive + _lunch_within(lunch, free_at, stop.start)
            if stop.start - free_at < needed:
                message = (
                    f"starts {stop.start - free_at} s after the previous event ends at {free_at}, "
                    f"needs {needed} s (drive and lunch)"
                )
                found.append(Violation("travel", subject, message, ids))
            # Driving happens outside lunch: the time before arrival, lunch removed, must cover it.
            overlap = 0
            if lunch is not None:
                overlap = max(0, min(lunch.end, stop.arrival) - max(lunch.start, free_at))
            if stop.arrival - free_at - overlap < drive:
                message = (
                    f"arrives at {stop.arrival}, {stop.arrival - free_at - overlap} s of driving "
                    f"after leaving at {free_at}, the leg takes {drive} s"
                )
                found.append(Violation("travel", subject, message, ids))
        if stop.arrival > stop.start:
            message = f"starts at {stop.start}, before arriving at {stop.arrival}"
            found.append(Violation("arrival", subject, message, ids))
        if not any(window.start <= stop.start <= window.end for window in visit.windows):
            spans = ", ".join(f"[{w.start}, {w.end}]" for w in visit.windows)
            message = f"starts at {stop.start}, outside its start windows {spans}"
            found.append(Violation("time_window", subject, message, ids))
        if stop.end != stop.start + visit.duration:
            message = f"lasts {stop.end - stop.start} s, the visit takes {visit.duration} s"
            found.append(Violation("duration", subject, message, ids))
        place, free_at = here, max(free_at, stop.end)
    end_place = (clinician.end or clinician.start).id
    subject = f"route {route.clinician_id} day {route.day}"
    recorded = (route.return_travel_seconds, route.return_travel_metres)
    last = tuple(stop.visit_id for stop in route.stops[-1:])
    drive, wrong = _leg(travel, place, end_place, free_at, recorded, subject, last)
    found += wrong
    needed = drive + _lunch_within(lunch, free_at, route.end)
    if route.end - free_at < needed:
        message = (
            f"ends at {route.end}, {route.end - free_at} s after the last event ends at "
            f"{free_at}, needs {needed} s (drive and lunch)"
        )
        found.append(Violation("travel", subject, message, last))
    return found


def _check_lunch(route: Route, shift: Shift) -> list[Violation]:
    """A lunch fits its shift's rule and sits between visits; a day spanning the window has one."""
    rule, lunch = shift.lunch, route.lunch
    if lunch is None:
        if (
            rule is not None
            and route.start <= rule.window.start
            and route.end >= rule.window.end + rule.duration
        ):
            message = (
                f"works from {route.start} to {route.end} across the whole lunch window "
                f"[{rule.window.start}, {rule.window.end}] without a lunch"
            )
            return [_route_violation("lunch", route, message)]
        return []
    if rule is None:
        message = f"takes a lunch at {lunch.start}; the shift has none"
        return [_route_violation("lunch", route, message)]
    found = []
    length = lunch.end - lunch.start
    if length != rule.duration:
        message = f"lunch lasts {length} s, not {rule.duration} s"
        found.append(_route_violation("lunch", route, message))
    if not rule.window.start <= lunch.start <= rule.window.end:
        message = (
            f"lunch starts at {lunch.start}, outside its window "
            f"[{rule.window.start}, {rule.window.end}]"
        )
        found.append(_route_violation("lunch", route, message))
    if lunch.start < route.start or lunch.end > route.end:
        message = (
            f"lunch [{lunch.start}, {lunch.end}] is outside the day [{route.start}, {route.end}]"
        )
        found.append(_route_violation("lunch", route, message))
    for stop in route.stops:
        if lunch.start < stop.end and stop.start < lunch.end:
            message = (
                f"lunch [{lunch.start}, {lunch.end}] overlaps visit {stop.visit_id} "
                f"[{stop.start}, {stop.end}]"
            )
            found.append(Violation("lunch", f"visit {stop.visit_id}", message, (stop.visit_id,)))
    return found


def _check_limits(route: Route, clinician: Clinician, visits: dict[str, Visit]) -> list[Violation]:
    """Daily caps on visits, working seconds and points."""
    found = []
    count, work = len(route.stops), work_seconds(route)
    points = sum(visits[stop.visit_id].points for stop in route.stops)
    for rule, value, cap, unit in (
        ("max_visits", count, clinician.max_visits_per_day, "visits"),
        ("max_work", work, clinician.max_work_per_day, "working seconds"),
        ("max_points", points, clinician.max_points_per_day, "points"),
    ):
        if cap is not None and value > cap:
            message = f"has {value} {unit}, the daily cap is {cap}"
            found.append(_route_violation(rule, route, message, last=True))
    return found
