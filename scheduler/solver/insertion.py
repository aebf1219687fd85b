"""Who can take a new visit, and when: the cheapest places to insert it into a plan.

Every qualified clinician's route on every working day the visit has a window is tried at
every position. Times are recomputed with the visit in: earlier stops keep their times, later
ones start when they did or are pushed later (waiting where a window opens later), and the
lunch keeps its interval or moves later, never onto a visit. Each option returned has passed
the independent validator on the plan with the visit inserted, so a slip in this simulation
can cost an option but never give a wrong one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from scheduler.domain import (
    Clinician,
    LunchBreak,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.errors import ProblemError
from scheduler.solver.clinician_days import clinician_days
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")


@dataclass(frozen=True)
class InsertionOption:
    """One place a new visit fits: who, which day, where in the route, when, at what cost.

    Parameters
    ----------
    clinician_id, day
        The route (horizon day index) that takes the visit.
    position
        0-based index of the visit among the route's stops once inserted.
    start
        When the visit starts, in horizon seconds.
    added_travel_seconds, added_travel_metres
        Driving the route gains (the way home included).
    route
        The route with the visit in: later stops pushed as needed, the lunch kept or later.
    """

    clinician_id: str
    day: int
    position: int
    start: int
    added_travel_seconds: int
    added_travel_metres: int
    route: Route = field(repr=False, compare=False)


class _Item(NamedTuple):
    """A visit still to time: where it is and the earliest second it may start."""

    visit: Visit
    place: str
    not_before: int


class _State(NamedTuple):
    """A partly timed route: free from ``free`` at ``place``, lunch taken or still owed."""

    free: int
    place: str
    stops: tuple[Stop, ...]
    lunch: TimeWindow | None
    lunch_pending: bool


class _Day(NamedTuple):
    """A clinician's working day, what it holds so far, and the most it may work."""

    clinician: Clinician
    shift: Shift
    route: Route | None
    work_cap: int | None


def insertion_options(
    problem: Problem, plan: Plan, visit: Visit, travel: TravelMatrix, *, limit: int = 5
) -> list[InsertionOption]:
    """The best few places to add ``visit`` to ``plan``, cheapest added driving first.

    Parameters
    ----------
    problem, plan
        What was planned and the (valid) plan to add to.
    visit
        The new visit; its patient must be one of the problem's.
    travel
        Travel between the problem's locations.
    limit
        How many options at most.

    Returns
    -------
    list of InsertionOption
        Sorted by added travel seconds, then start; each one valid when applied.

    Raises
    ------
    ProblemError
        For a visit id already in the problem, an unknown patient, a limit below 1, or a plan
        that already breaks rules (nothing could then be checked).
    """
    if limit < 1:
        raise ProblemError(f"limit must be at least 1, got {limit}")
    if visit.id in problem.visit_by_id:
        raise ProblemError(
            f"visit {visit.id!r} is already in the problem; give the new visit a new id"
        )
    patient = problem.patient_by_id.get(visit.patient_id)
    if patient is None:
        raise ProblemError(f"visit {visit.id!r} names unknown patient {visit.patient_id!r}")
    travel.require([place.id for place in problem.locations()])
    broken = validate(problem, plan, travel)
    if broken:
        first = broken[0]
        raise ProblemError(
            f"the plan breaks {len(broken)} rule(s) already, e.g. {first.rule}: {first.subject} "
            f"{first.message}; insertion options are only given for a valid plan"
        )
    grown = replace(problem, visits=(*problem.visits, visit))
    options: list[InsertionOption] = []
    for option in candidate_insertions(grown, plan, visit, travel):
        trial = with_insertion(grown, plan, option)
        violations = validate(grown, trial, travel)
        if violations:
            log.warning(
                "insertion of visit %s at %s day %d position %d fails validation: %s",
                visit.id,
                option.clinician_id,
                option.day,
                option.position,
                violations[0].rule,
            )
            continue
        options.append(option)
        if len(options) == limit:
            break
    return options


def candidate_insertions(
    problem: Problem, plan: Plan, visit: Visit, travel: TravelMatrix
) -> list[InsertionOption]:
    """Every place ``visit`` fits in time on an open clinician-day, cheapest first.

    Open means no rule or cap of ``clinician_days`` blocks the day; the options are not yet
    validated. ``visit`` must be a visit of ``problem`` that ``plan`` does not hold.
    """
    found: list[InsertionOption] = []
    for day in clinician_days(problem, plan, visit):
        if day.open:
            found += route_insertions(
                problem, day.clinician, day.shift, day.route, visit, travel, work_cap=day.work_cap
            )
    found.sort(key=_rank)
    return found


def route_insertions(
    problem: Problem,
    clinician: Clinician,
    shift: Shift,
    route: Route | None,
    visit: Visit,
    travel: TravelMatrix,
    *,
    work_cap: int | None,
) -> list[InsertionOption]:
    """Each position of one clinician-day's route where ``visit`` fits in time.

    Windows, the shift (overtime included), the lunch and ``work_cap`` (seconds of work, lunch
    excluded, or ``None``) are kept; rules across days are not looked at. ``route`` is the
    day's route, or ``None`` for a day with no visits yet.
    """
    place = problem.patient_by_id[visit.patient_id].location.id
    return _route_options(problem, _Day(clinician, shift, route, work_cap), visit, place, travel)


def with_insertion(problem: Problem, plan: Plan, option: InsertionOption) -> Plan:
    """``plan`` with ``option``'s route in place of the day's route, KPIs recomputed.

    The inserted visit leaves the plan's unassigned visits if it was one of them.
    """
    key = (option.clinician_id, option.day)
    routes = tuple(option.route if (r.clinician_id, r.day) == key else r for r in plan.routes)
    if plan.route_of(*key) is None:
        routes += (option.route,)
    inserted = option.route.stops[option.position].visit_id
    unassigned = tuple(u for u in plan.unassigned if u.visit_id != inserted)
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))


def plan_without(problem: Problem, plan: Plan, visit_id: str, travel: TravelMatrix) -> Plan | None:
    """``plan`` with ``visit_id`` taken out of its route, the route timed again.

    The route's other visits keep their order and times (or move later, e.g. past a lunch
    that can no longer be taken where it was); a route left with no visits is dropped. The
    visit joins the unassigned ones (the reason "Taken out to make room", to be replaced).
    ``None`` if the route cannot be timed again.
    """
    route = next(r for r in plan.routes if any(s.visit_id == visit_id for s in r.stops))
    clinician = problem.clinician_by_id[route.clinician_id]
    shift = next(shift for shift in clinician.shifts if shift.day == route.day)
    position = next(k for k, stop in enumerate(route.stops) if stop.visit_id == visit_id)
    rebuilt = None
    if len(route.stops) > 1:
        rebuilt = _remove(problem, _Day(clinician, shift, route, None), position, travel)
        if rebuilt is None or _over(rebuilt.work_seconds, clinician.max_work_per_day):
            return None
    key = (route.clinician_id, route.day)
    routes = tuple(r for r in plan.routes if (r.clinician_id, r.day) != key)
    if rebuilt is not None:
        routes += (rebuilt,)
    unassigned = (
        *plan.unassigned,
        Unassigned(visit_id, ReasonCode.NOT_SOLVED, "Taken out to make room."),
    )
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))


def _rank(option: InsertionOption) -> tuple[int, int, str, int, int]:
    """Cheapest added driving first, then the earliest start (ties in a stable order)."""
    return (
        option.added_travel_seconds,
        option.start,
        option.clinician_id,
        option.day,
        option.position,
    )


def _over(value: int, cap: int | None) -> bool:
    """Whether ``value`` breaks an optional cap."""
    return cap is not None and value > cap


def _route_options(
    problem: Problem, day: _Day, visit: Visit, place: str, travel: TravelMatrix
) -> list[InsertionOption]:
    """Each position of the day's route the visit fits."""
    before = day.route
    stops = before.stops if before else ()
    old_seconds = before.travel_seconds if before else 0
    old_metres = before.travel_metres if before else 0
    found = []
    for position in range(len(stops) + 1):
        route = _insert(problem, day, visit, place, position, travel)
        if route is None:
            continue
        option = InsertionOption(
            clinician_id=day.clinician.id,
            day=day.shift.day,
            position=position,
            start=route.stops[position].start,
            added_travel_seconds=route.travel_seconds - old_seconds,
            added_travel_metres=route.travel_metres - old_metres,
            route=route,
        )
        found.append(option)
    return found


def _earliest_start(visit: Visit, ready: int) -> int | None:
    """The first second from ``ready`` on that the visit may start (pin and windows)."""
    if visit.pinned_start is not None:
        return visit.pinned_start if visit.pinned_start >= ready else None
    for window in visit.windows:
        if window.end >= ready:
            return max(window.start, ready)
    return None


def _insert(
    problem: Problem, day: _Day, visit: Visit, place: str, position: int, travel: TravelMatrix
) -> Route | None:
    """The day's route with ``visit`` at ``position``, timed; ``None`` if it does not fit."""
    stops = day.route.stops if day.route else ()
    patients = problem.patient_by_id
    items = [_Item(visit, place, 0)]
    items += [
        _Item(problem.visit_by_id[s.visit_id], patients[s.patient_id].location.id, s.start)
        for s in stops[position:]
    ]
    return _retime(problem, day, position, items, travel)


def _remove(problem: Problem, day: _Day, position: int, travel: TravelMatrix) -> Route | None:
    """The day's route without its stop at ``position``, the later ones kept or moved later.

    ``None`` if the route cannot be timed so, or if no stop is left.
    """
    assert day.route is not None
    patients = problem.patient_by_id
    items = [
        _Item(problem.visit_by_id[s.visit_id], patients[s.patient_id].location.id, s.start)
        for s in day.route.stops[position + 1 :]
    ]
    if not items and position == 0:
        return None
    if not items:
        return _retime(problem, day, position, [], travel)
    if position == 0:  # the first stop left is timed from home, as early as it was
        items[0] = items[0]._replace(not_before=0)
    return _retime(problem, day, position, items, travel)


def _retime(
    problem: Problem, day: _Day, position: int, items: list[_Item], travel: TravelMatrix
) -> Route | None:
    """The day's first ``position`` stops as they are, then ``items`` timed in order."""
    clinician, shift, route, _ = day
    stops = route.stops if route else ()
    patients = problem.patient_by_id
    rule = shift.lunch
    if position == 0:
        # Leave by the slowest drive the shift allows; the leg is then timed when it leaves.
        first_item = items[0]
        drive = travel.seconds_leaving(
            clinician.start.id, first_item.place, shift.window.start, latest=shift.latest_end
        )
        first = _earliest_start(
            first_item.visit, max(shift.window.start + drive, first_item.not_before)
        )
        if first is None:
            return None
        leave = first - drive
        state = _State(leave, clinician.start.id, (), None, rule is not None)
    else:
        assert route is not None  # a later position needs stops
        leave = route.start
        last = stops[position - 1]
        eaten = route.lunch if route.lunch and route.lunch.end <= last.start else None
        pending = rule is not None and eaten is None
        state = _State(
            last.end, patients[last.patient_id].location.id, stops[:position], eaten, pending
        )
    lunch_from = route.lunch.start if route and route.lunch else rule.window.start if rule else 0
    states = [state]
    for number, item in enumerate(items):
        lunch_here = not (position == 0 and number == 0)  # never before leaving home
        states = _step(states, item, travel, rule, lunch_from, lunch_here=lunch_here)
        if not states:
            return None
    return _close(day, states, leave, travel, lunch_from)


def _step(
    states: list[_State],
    item: _Item,
    travel: TravelMatrix,
    rule: LunchBreak | None,
    lunch_from: int,
    *,
    lunch_here: bool,
) -> list[_State]:
    """Time the next visit from each state, with or without lunch in the gap before it.

    Of the states that end alike (lunch still owed, or not), only the earliest is kept: a
    route free earlier can do anything one free later can.
    """
    best: dict[bool, _State] = {}
    for state in states:
        drive = travel.seconds_leaving(state.place, item.place, state.free)
        metres = travel.metres_between(state.place, item.place)
        visit = item.visit
        start = _earliest_start(visit, max(state.free + drive, item.not_before))
        if start is not None:
            stop = Stop(
                visit.id,
                visit.patient_id,
                state.free + drive,
                start,
                start + visit.duration,
                drive,
                metres,
            )
            _keep(best, state._replace(free=stop.end, place=item.place, stops=(*state.stops, stop)))
        if state.lunch_pending and lunch_here and rule is not None:
            lunch = _lunch_after(state.free, rule, lunch_from)
            if lunch is None:
                continue
            ready = max(state.free + drive, lunch.start) + lunch.length
            start = _earliest_start(visit, max(ready, item.not_before))
            if start is None:
                continue
            arrival = state.free + drive
            if lunch.start < arrival:  # lunch on the way delays the arrival
                arrival += lunch.length
            stop = Stop(
                visit.id, visit.patient_id, arrival, start, start + visit.duration, drive, metres
            )
            _keep(
                best,
                _State(stop.end, item.place, (*state.stops, stop), lunch, lunch_pending=False),
            )
    return list(best.values())


def _keep(best: dict[bool, _State], state: _State) -> None:
    """Keep ``state`` if it is the earliest of its kind (lunch owed or not) so far."""
    known = best.get(state.lunch_pending)
    if known is None or state.free < known.free:
        best[state.lunch_pending] = state


def _lunch_after(free: int, rule: LunchBreak, lunch_from: int) -> TimeWindow | None:
    """The earliest lunch from ``free`` (and not before ``lunch_from``) the rule allows."""
    start = max(free, lunch_from, rule.window.start)
    if start > rule.window.end:
        return None
    return TimeWindow(start, start + rule.duration)


def _close(
    day: _Day,
    states: list[_State],
    leave: int,
    travel: TravelMatrix,
    lunch_from: int,
) -> Route | None:
    """Drive home from the best state: the earliest end within the shift and the caps.

    A lunch still owed is taken on the way home when the day now spans the lunch window (a
    day that does not may skip it).
    """
    clinician, shift, _, cap = day
    rule, home = shift.lunch, clinician.end_location.id
    best: Route | None = None
    for state in states:
        drive = travel.seconds_leaving(state.place, home, state.free)
        metres = travel.metres_between(state.place, home)
        endings: list[tuple[int, TimeWindow | None]] = []
        if not state.lunch_pending or rule is None:
            endings.append((state.free + drive, state.lunch))
        else:
            end = state.free + drive
            if leave > rule.window.start or end < rule.window.end + rule.duration:
                endings.append((end, None))
            lunch = _lunch_after(state.free, rule, lunch_from)
            if lunch is not None:
                endings.append((max(end, lunch.start) + lunch.length, lunch))
        for end, lunch in endings:
            work = end - leave - (lunch.length if lunch else 0)
            if end > shift.latest_end or _over(work, cap):
                continue
            if best is None or end < best.end:
                best = Route(clinician.id, shift.day, leave, end, state.stops, drive, metres, lunch)
    return best
