"""The state of a day being replanned: what is frozen at ``now`` and how each day resumes.

Pure functions over the published day's routes and visits (no store, no solver): which stops
are done or under way, each visit as it is replanned, each clinician from where they are, and
the replanned routes merged back behind the frozen stops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from scheduler.domain import (
    DAY,
    Clinician,
    LunchBreak,
    Plan,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
)

RETIMED_SECONDS = 15 * 60  # a start moved by more than this is worth telling the patient


def frozen_stops(
    routes: Iterable[Route],
    now: int,
    *,
    late: Mapping[str, int],
    away: Mapping[str, int],
    released: set[str],
) -> dict[str, tuple[Stop, ...]]:
    """Each clinician's stops that are done or under way at ``now`` (late ones end later).

    A stop is under way once its visit has started, or once the clinician has left for it
    (the leg to it began before ``now``): a clinician on the road keeps going to that patient
    unless they call out before it ends, or the visit is ``released`` (cancelled, or the
    patient is no longer home then). Resuming such a clinician from their last door at
    ``now`` would make their next visit late and the current routes a plan they cannot follow.
    """
    frozen = {}
    for route in routes:
        until = away.get(route.clinician_id)
        kept = []
        departure = route.start
        for stop in route.stops:
            started = stop.start < now or stop.visit_id in late
            on_the_way = (
                departure < now
                and stop.visit_id not in released
                and (until is None or stop.end <= until)
            )
            if started or on_the_way:
                kept.append(replace(stop, end=late.get(stop.visit_id, stop.end)))
            departure = late.get(stop.visit_id, stop.end)
        frozen[route.clinician_id] = tuple(kept)
    return frozen


def as_made(visit: Visit, stop: Stop) -> Visit:
    """A frozen visit as it is made: its duration is what it takes (a late one runs longer)."""
    return replace(visit, duration=stop.end - stop.start)


def shift_route(route: Route, seconds: int) -> Route:
    """``route`` with every time moved by ``seconds`` and its day set to 0."""
    stops = tuple(
        replace(s, arrival=s.arrival + seconds, start=s.start + seconds, end=s.end + seconds)
        for s in route.stops
    )
    lunch = route.lunch.shifted(seconds) if route.lunch else None
    return replace(
        route, day=0, start=route.start + seconds, end=route.end + seconds, stops=stops, lunch=lunch
    )


def on_day(visit: Visit, offset: int) -> Visit:
    """``visit`` with its windows on the replanned day, in that day's seconds.

    The day is replanned as given visits: the care plan that ordered one is not part of a
    one-day replan (its spacing over the week was settled when the week was planned).
    """
    windows = tuple(
        TimeWindow(max(0, w.start - offset), min(DAY - 1, w.end - offset))
        for w in visit.windows
        if w.end >= offset and w.start < offset + DAY
    )
    pinned = None if visit.pinned_start is None else visit.pinned_start - offset
    due = None if visit.due is None else visit.due - offset
    return replace(visit, windows=windows, pinned_start=pinned, due=due, care_plan_id=None)


def retarget(
    visit: Visit,
    published_start: int | None,
    away: Mapping[str, int],
    home_windows: Mapping[str, tuple[TimeWindow, ...]],
) -> Visit:
    """The visit in today's windows, its pinned clinician dropped if they are away.

    Starting later than published (past the telling threshold) costs lateness, so the patient
    keeps the time they were given where the day allows. Its clinician is kept through the
    replan's incumbent (``freeze_day``), not by changing who the visit prefers.
    """
    windows = visit.windows
    if visit.patient_id in home_windows:
        windows = (
            tuple(
                TimeWindow(w.start, w.end - visit.duration)
                for w in home_windows[visit.patient_id]
                if w.end - visit.duration >= w.start
            )
            or windows
        )
    pinned = visit.pinned_clinician if visit.pinned_clinician not in away else None
    due = visit.due
    if published_start is not None:
        promised = published_start + RETIMED_SECONDS
        due = promised if due is None else min(due, promised)
    return replace(visit, windows=windows, due=due, pinned_clinician=pinned, pinned_start=None)


def until(clinician: Clinician, away_from: int | None) -> Clinician:
    """The clinician's day cut short where they become unavailable."""
    if away_from is None or not clinician.shifts:
        return clinician
    shift = clinician.shifts[0]
    end = min(shift.window.end, max(shift.window.start, away_from))
    window = TimeWindow(shift.window.start, end)
    lunch = shift.lunch if shift.lunch and shift.lunch.window.end <= end else None
    # the visit under way may run past the call-out: up to the day's latest end
    return replace(clinician, shifts=(Shift(0, window, lunch, shift.latest_end - end),))


def resume(
    clinician: Clinician,
    route: Route | None,
    frozen: tuple[Stop, ...],
    today: Problem,
    now: int,
    away_from: int | None,
) -> Clinician:
    """The clinician from where they are at ``now``: after their frozen visits, until away.

    A clinician with no time left keeps no shift (a day off for the replan).
    """
    shift = clinician.shift_on(0)
    if shift is None:
        return clinician
    start = clinician.start
    available = max(now, shift.window.start)
    if frozen:
        start = today.patient_by_id[frozen[-1].patient_id].location
        available = max(now, frozen[-1].end)
    end = shift.window.end if away_from is None else min(shift.window.end, away_from)
    overtime = shift.max_overtime if away_from is None else 0
    if available >= end + overtime:
        return replace(clinician, shifts=())
    lunch = shift.lunch
    taken = route is not None and route.lunch is not None and route.lunch.start < now
    if lunch is not None and (taken or lunch.window.end < available):
        lunch = None
    elif lunch is not None:
        lunch = LunchBreak(
            TimeWindow(max(lunch.window.start, available), lunch.window.end), lunch.duration
        )
    cap = clinician.max_visits_per_day
    work = clinician.max_work_per_day
    if route is not None and frozen:
        work = None if work is None else max(0, work - (available - route.start))
    return replace(
        clinician,
        start=start,
        end=clinician.end_location,
        shifts=(Shift(0, TimeWindow(available, max(available, end)), lunch, overtime),),
        max_visits_per_day=None if cap is None else max(0, cap - len(frozen)),
        max_work_per_day=work,
    )


def without(route: Route, visit_ids: set[str]) -> Route:
    return replace(route, stops=tuple(s for s in route.stops if s.visit_id not in visit_ids))


def merge(
    record: Problem,
    routes: Sequence[Route],
    frozen: Mapping[str, tuple[Stop, ...]],
    replanned: Plan,
    travel: TravelMatrix,
) -> tuple[Route, ...]:
    """Each clinician's frozen visits followed by their replanned ones."""
    before = {r.clinician_id: r for r in routes}
    after = {r.clinician_id: r for r in replanned.routes}
    merged = []
    for clinician in record.clinicians:
        done, new = frozen.get(clinician.id, ()), after.get(clinician.id)
        if not done and new is None:
            continue
        if new is None:
            last = record.patient_by_id[done[-1].patient_id].location
            seconds = travel.seconds_leaving(last.id, clinician.end_location.id, done[-1].end)
            metres = travel.metres_between(last.id, clinician.end_location.id)
            merged.append(
                Route(
                    clinician.id,
                    0,
                    before[clinician.id].start,
                    done[-1].end + seconds,
                    done,
                    seconds,
                    metres,
                    lunch_before(before[clinician.id], done[-1].end),
                )
            )
            continue
        start = before[clinician.id].start if done else new.start
        lunch = new.lunch
        if lunch is None and done:
            lunch = lunch_before(before[clinician.id], new.start) or lunch_between(
                clinician, done[-1].end, new.start
            )
        merged.append(replace(new, start=start, stops=done + new.stops, lunch=lunch))
    return tuple(merged)


def lunch_between(clinician: Clinician, free: int, leave: int) -> TimeWindow | None:
    """The lunch taken while waiting between the frozen visits and leaving again, if it fits.

    A resumed day may leave its last frozen visit late and eat before going on; the solver
    sees that lunch before its route starts.
    """
    shift = clinician.shift_on(0)
    if shift is None or shift.lunch is None:
        return None
    start = max(shift.lunch.window.start, free)
    end = start + shift.lunch.duration
    return TimeWindow(start, end) if start <= shift.lunch.window.end and end <= leave else None


def lunch_before(route: Route, instant: int) -> TimeWindow | None:
    """The route's lunch if it was taken before ``instant``."""
    return route.lunch if route.lunch is not None and route.lunch.end <= instant else None
