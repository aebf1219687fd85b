"""Timing one clinician-day with a visit more or less: the simulation insertion relies on.

Earlier stops keep their times, later ones start when they did or are pushed later (waiting
where a window opens later), and the lunch keeps its interval or moves later, never onto a
visit. Legs are priced at their departure (rush hours), the first at the slowest the shift
allows.
"""

from __future__ import annotations

from typing import NamedTuple

from scheduler.domain import (
    Clinician,
    LunchBreak,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
)


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


class TimedDay(NamedTuple):
    """A clinician's working day, what it holds so far, and the most it may work."""

    clinician: Clinician
    shift: Shift
    route: Route | None
    work_cap: int | None


def over(value: int, cap: int | None) -> bool:
    """Whether ``value`` breaks an optional cap."""
    return cap is not None and value > cap


def earliest_start(visit: Visit, ready: int) -> int | None:
    """The first second from ``ready`` on that the visit may start (pin and windows)."""
    if visit.pinned_start is not None:
        return visit.pinned_start if visit.pinned_start >= ready else None
    for window in visit.windows:
        if window.end >= ready:
            return max(window.start, ready)
    return None


def insert_visit(
    problem: Problem, day: TimedDay, visit: Visit, place: str, position: int, travel: TravelMatrix
) -> Route | None:
    """The day's route with ``visit`` at ``position``, timed; ``None`` if it does not fit."""
    stops = day.route.stops if day.route else ()
    patients = problem.patient_by_id
    items = [_Item(visit, place, 0)]
    items += [
        _Item(problem.visit_by_id[s.visit_id], patients[s.patient_id].location.id, s.start)
        for s in stops[position:]
    ]
    return _retime(problem, day, position, items, travel, old_from=position)


def remove_visit(
    problem: Problem, day: TimedDay, position: int, travel: TravelMatrix
) -> Route | None:
    """The day's route without its stop at ``position``, the later ones when they were.

    Their times of day are kept (the patient's preferred hours, the same time each visit);
    the lunch may move anywhere in its window. ``None`` if the route cannot be timed so, or
    if no stop is left.
    """
    assert day.route is not None
    patients = problem.patient_by_id
    items = [
        _Item(problem.visit_by_id[s.visit_id], patients[s.patient_id].location.id, s.start)
        for s in day.route.stops[position + 1 :]
    ]
    if not items and position == 0:
        return None
    rule = day.shift.lunch
    return _retime(
        problem, day, position, items, travel, lunch_from=rule.window.start if rule else 0
    )


def _retime(
    problem: Problem,
    day: TimedDay,
    position: int,
    items: list[_Item],
    travel: TravelMatrix,
    *,
    lunch_from: int | None = None,
    old_from: int | None = None,
) -> Route | None:
    """The day's first ``position`` stops as they are, then ``items`` timed in order.

    The lunch starts no earlier than ``lunch_from`` (default: where the route has it). With
    ``old_from``, ``items[1:]`` are the route's stops from that index on, unchanged: once one
    of them starts and ends as before with the lunch where it was, the rest of the route is
    kept as it is (``_same_tail``).
    """
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
        first = earliest_start(
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
    if lunch_from is None:
        lunch_from = (
            route.lunch.start if route and route.lunch else rule.window.start if rule else 0
        )
    states = [state]
    for number, item in enumerate(items):
        lunch_here = not (position == 0 and number == 0)  # never before leaving home
        states = _step(states, item, travel, rule, lunch_from, lunch_here=lunch_here)
        if not states:
            return None
        if old_from is not None and number > 0 and number < len(items) - 1:
            kept = _same_tail(day, states, old_from + number - 1, leave)
            if kept is not None:
                return kept
    return _close(day, states, leave, travel, lunch_from)


def _same_tail(day: TimedDay, states: list[_State], index: int, leave: int) -> Route | None:
    """The route finished as it was after its stop ``index``, if a state allows it.

    A state allows it when that stop starts and ends as before and the lunch is taken (or
    still owed) as before; the working-time cap is checked again.
    """
    route, rule = day.route, day.shift.lunch
    assert route is not None
    old = route.stops[index]
    eaten_before = route.lunch is not None and route.lunch.end <= old.start
    for state in states:
        last = state.stops[-1]
        if (last.start, last.end) != (old.start, old.end):
            continue
        if rule is not None:
            if state.lunch_pending and (eaten_before or route.lunch is None):
                continue
            if not state.lunch_pending and not eaten_before:
                continue
        lunch = route.lunch if state.lunch_pending else state.lunch
        work = route.end - leave - (lunch.length if lunch else 0)
        if over(work, day.work_cap):
            continue
        return Route(
            route.clinician_id,
            route.day,
            leave,
            route.end,
            (*state.stops, *route.stops[index + 1 :]),
            route.return_travel_seconds,
            route.return_travel_metres,
            lunch,
        )
    return None


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
        start = earliest_start(visit, max(state.free + drive, item.not_before))
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
            start = earliest_start(visit, max(ready, item.not_before))
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
    day: TimedDay,
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
            if end > shift.latest_end or over(work, cap):
                continue
            if best is None or end < best.end:
                best = Route(clinician.id, shift.day, leave, end, state.stops, drive, metres, lunch)
    return best
