"""A demo week's reference plan: the clinician-days the generator built the agency around.

A day is a sequence of visit ids with one ``LUNCH`` token; it is timed from the shift start,
each visit as early as its windows allow (the windows the generator chose for it, inside the
visit's own), lunch as soon as its window opens after the previous visit. The same timing
serves the generator (with its geodesic estimate) and the plan (with the real matrix).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scheduler.domain import (
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    compute_kpis,
)

LUNCH = "LUNCH"
Drive = Callable[[str, str], int]  # seconds between two location ids


@dataclass(frozen=True)
class TimedDay:
    """A timed clinician-day: when it leaves and is back, each visit's arrival and start."""

    start: int
    end: int
    lunch: TimeWindow | None
    visits: tuple[tuple[str, int, int], ...]  # visit id, arrival, start
    travel: int
    service: int

    @property
    def work(self) -> int:
        """Seconds from leaving to arriving back, lunch excluded."""
        return self.end - self.start - (self.lunch.length if self.lunch else 0)


@dataclass(frozen=True)
class VisitSlot:
    """What the timing needs of a visit: where, how long, and its allowed start windows."""

    place: str
    duration: int
    windows: tuple[TimeWindow, ...]


@dataclass
class Reference:
    """The generator's plan: token sequences per clinician and day, and each visit's slot."""

    days: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    slots: dict[str, VisitSlot] = field(default_factory=dict)


def time_day(
    tokens: Sequence[str],
    shift: Shift,
    home: str,
    slots: Mapping[str, VisitSlot],
    drive: Drive,
) -> TimedDay | None:
    """Time a day's tokens as early as possible; ``None`` when a window, lunch or the end fails."""
    place, free = home, shift.window.start
    lunch: TimeWindow | None = None
    visits: list[tuple[str, int, int]] = []
    travel = service = 0
    leave: int | None = None
    for token in tokens:
        if token == LUNCH:
            if shift.lunch is None:
                continue
            begin = max(free, shift.lunch.window.start)
            if begin > shift.lunch.window.end:
                return None
            lunch = TimeWindow(begin, begin + shift.lunch.duration)
            if leave is None:
                leave = begin
            free = lunch.end
            continue
        slot = slots[token]
        leg = drive(place, slot.place)
        arrival = free + leg
        start = next(
            (max(arrival, w.start) for w in sorted(slot.windows) if max(arrival, w.start) <= w.end),
            None,
        )
        if start is None:
            return None
        if leave is None:  # leave home just in time for the first visit
            leave, arrival = start - leg, start
        visits.append((token, arrival, start))
        travel += leg
        service += slot.duration
        place, free = slot.place, start + slot.duration
    if not visits:
        return None
    back = drive(place, home)
    end = free + back
    if end > shift.window.end:
        return None
    start = leave if leave is not None else shift.window.start
    return TimedDay(start, end, lunch, tuple(visits), travel + back, service)


def reference_plan(problem: Problem, reference: Reference, travel: TravelMatrix) -> Plan:
    """The reference as a plan timed with ``travel``; visits it leaves out are optional ones.

    Raises
    ------
    ValueError
        When a day no longer fits with this matrix (the generator's estimate was geodesic).
    """
    clinicians = problem.clinician_by_id
    routes = []
    for (clinician_id, day), tokens in sorted(reference.days.items()):
        if not any(token != LUNCH for token in tokens):
            continue
        clinician = clinicians[clinician_id]
        shift = clinician.shift_on(day)
        assert shift is not None
        home = clinician.start.id
        timed = time_day(tokens, shift, home, reference.slots, travel.seconds_between)
        if timed is None:
            raise ValueError(f"reference day {clinician_id}/{day} does not fit this matrix")
        stops, place = [], home
        for visit_id, arrival, start in timed.visits:
            slot = reference.slots[visit_id]
            stops.append(
                Stop(
                    visit_id,
                    problem.visit_by_id[visit_id].patient_id,
                    arrival,
                    start,
                    start + slot.duration,
                    travel.seconds_between(place, slot.place),
                    travel.metres_between(place, slot.place),
                )
            )
            place = slot.place
        routes.append(
            Route(
                clinician_id,
                day,
                timed.start,
                timed.end,
                tuple(stops),
                travel.seconds_between(place, home),
                travel.metres_between(place, home),
                timed.lunch,
            )
        )
    planned = {stop.visit_id for route in routes for stop in route.stops}
    unassigned = tuple(
        Unassigned(
            visit.id,
            ReasonCode.DEFERRED,
            "optional visit, not made by the reference plan (it makes the required visits only)",
        )
        for visit in problem.visits_to_plan
        if visit.id not in planned
    )
    routes_tuple = tuple(routes)
    return Plan(routes_tuple, unassigned, compute_kpis(problem, routes_tuple, unassigned))
