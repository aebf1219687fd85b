"""Who can take a new visit, and when: the cheapest places to insert it into a plan.

Every qualified clinician's route on every working day the visit has a window is tried at
every position. Times are recomputed with the visit in: earlier stops keep their times, later
ones start when they did or are pushed later (waiting where a window opens later), and the
lunch keeps its interval or moves later, never onto a visit (``_route_timing.py``). Each
option ``insertion_options`` returns has passed the independent validator on the plan with
the visit inserted, so a slip in this simulation can cost an option but never give a wrong
one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

from scheduler.domain import (
    Clinician,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.errors import ProblemError
from scheduler.solver._route_timing import (
    TimedDay,
    earliest_start,
    insert_visit,
    over,
    remove_visit,
)
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
    return valid_insertions(grown, plan, visit, travel, limit=limit)


def valid_insertions(
    problem: Problem, plan: Plan, visit: Visit, travel: TravelMatrix, *, limit: int
) -> list[InsertionOption]:
    """The first ``limit`` candidate insertions of ``visit`` the validator accepts once applied.

    ``problem`` already holds ``visit`` (a new visit added to it, or one the plan leaves out).
    """
    options: list[InsertionOption] = []
    for option in candidate_insertions(problem, plan, visit, travel):
        trial = with_insertion(problem, plan, option)
        violations = validate(problem, trial, travel)
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
    problem: Problem,
    plan: Plan,
    visit: Visit,
    travel: TravelMatrix,
    *,
    clinicians: Collection[str] | None = None,
    wanted: Callable[[int], int | None] | None = None,
) -> list[InsertionOption]:
    """Every place ``visit`` fits in time on an open clinician-day, cheapest first.

    Open means no rule or cap of ``clinician_days`` blocks the day; the options are not yet
    validated. ``visit`` must be a visit of ``problem`` that ``plan`` does not hold.
    ``clinicians`` limits the search to those clinician ids (``None``: every one).
    ``wanted`` gives per day the second before which the visit would rather not start: where
    a position starts it earlier, starting then (or as soon after as it may) is offered too.
    """
    found: list[InsertionOption] = []
    for day in clinician_days(problem, plan, visit, clinicians=clinicians):
        if day.open:
            found += route_insertions(
                problem, day.clinician, day.shift, day.route, visit, travel,
                work_cap=day.work_cap, wanted=wanted(day.shift.day) if wanted else None,
            )  # fmt: skip
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
    wanted: int | None = None,
) -> list[InsertionOption]:
    """Each position of one clinician-day's route where ``visit`` fits in time.

    Windows, the shift (overtime included), the lunch and ``work_cap`` (seconds of work, lunch
    excluded, or ``None``) are kept; rules across days are not looked at. ``route`` is the
    day's route, or ``None`` for a day with no visits yet. Where a position starts the
    visit before ``wanted`` (horizon seconds), the place starting it from then is offered too.
    """
    place = problem.patient_by_id[visit.patient_id].location.id
    return _route_options(
        problem, TimedDay(clinician, shift, route, work_cap), visit, place, travel, wanted
    )


def with_insertion(
    problem: Problem, plan: Plan, option: InsertionOption, *, recount: bool = True
) -> Plan:
    """``plan`` with ``option``'s route in place of the day's route, KPIs recomputed.

    The inserted visit leaves the plan's unassigned visits if it was one of them. With
    ``recount=False`` the old KPIs are kept (for a plan still being built).
    """
    key = (option.clinician_id, option.day)
    routes = tuple(option.route if (r.clinician_id, r.day) == key else r for r in plan.routes)
    if plan.route_of(*key) is None:
        routes += (option.route,)
    inserted = option.route.stops[option.position].visit_id
    unassigned = tuple(u for u in plan.unassigned if u.visit_id != inserted)
    kpis = compute_kpis(problem, routes, unassigned) if recount else plan.kpis
    return Plan(routes, unassigned, kpis)


def plan_without(
    problem: Problem, plan: Plan, visit_id: str, travel: TravelMatrix, *, recount: bool = True
) -> Plan | None:
    """``plan`` with ``visit_id`` taken out of its route, the route timed again.

    The route's other visits keep their order and their times (the lunch may move anywhere
    in its window); a route left with no visits is dropped. The visit joins the unassigned
    ones (the reason "Taken out to make room", to be replaced).
    ``None`` if the route cannot be timed again. With ``recount=False`` the old KPIs are
    kept (for a plan still being built).
    """
    route = next(r for r in plan.routes if any(s.visit_id == visit_id for s in r.stops))
    clinician = problem.clinician_by_id[route.clinician_id]
    shift = next(shift for shift in clinician.shifts if shift.day == route.day)
    position = next(k for k, stop in enumerate(route.stops) if stop.visit_id == visit_id)
    rebuilt = None
    if len(route.stops) > 1:
        rebuilt = remove_visit(problem, TimedDay(clinician, shift, route, None), position, travel)
        if rebuilt is None or over(rebuilt.work_seconds, clinician.max_work_per_day):
            return None
    key = (route.clinician_id, route.day)
    routes = tuple(r for r in plan.routes if (r.clinician_id, r.day) != key)
    if rebuilt is not None:
        routes += (rebuilt,)
    unassigned = (
        *plan.unassigned,
        Unassigned(visit_id, ReasonCode.NOT_SOLVED, "Taken out to make room."),
    )
    kpis = compute_kpis(problem, routes, unassigned) if recount else plan.kpis
    return Plan(routes, unassigned, kpis)


def _rank(option: InsertionOption) -> tuple[int, int, str, int, int]:
    """Cheapest added driving first, then the earliest start (ties in a stable order)."""
    return (
        option.added_travel_seconds,
        option.start,
        option.clinician_id,
        option.day,
        option.position,
    )


def _latest_start(visit: Visit, shift: Shift) -> int:
    """The last second the visit may start on the shift's day (pin, else windows)."""
    if visit.pinned_start is not None:
        return visit.pinned_start
    return max((w.end for w in visit.windows if w.start <= shift.latest_end), default=-1)


def _may_fit(
    problem: Problem, day: TimedDay, visit: Visit, place: str, position: int, travel: TravelMatrix
) -> bool:
    """A quick test that can only rule a position out: the visit and the stop after it.

    Drives are taken at their plainest (rush hours and lunch only add), so a position ruled
    out here cannot fit; one that passes is timed in full.
    """
    stops = day.route.stops if day.route else ()
    patients = problem.patient_by_id
    if position:
        before = stops[position - 1]
        ready = before.end + travel.seconds_between(patients[before.patient_id].location.id, place)
    else:
        ready = day.shift.window.start + travel.seconds_between(day.clinician.start.id, place)
    start = earliest_start(visit, ready)
    if start is None:
        return False
    if position == len(stops):
        return True
    after = stops[position]
    following = problem.visit_by_id[after.visit_id]
    there = travel.seconds_between(place, patients[after.patient_id].location.id)
    return start + visit.duration + there <= _latest_start(following, day.shift)


def _route_options(
    problem: Problem,
    day: TimedDay,
    visit: Visit,
    place: str,
    travel: TravelMatrix,
    wanted: int | None,
) -> list[InsertionOption]:
    """Each position of the day's route the visit fits, also from ``wanted`` on if later."""
    later = _from(visit, wanted) if wanted is not None else None
    before = day.route
    stops = before.stops if before else ()
    old_seconds = before.travel_seconds if before else 0
    old_metres = before.travel_metres if before else 0
    found = []
    latest = _latest_start(visit, day.shift)
    for position in range(len(stops) + 1):
        if position and stops[position - 1].end > latest:
            break  # the stop before ends after the visit's last start: so do the later ones
        if not _may_fit(problem, day, visit, place, position, travel):
            continue
        route = insert_visit(problem, day, visit, place, position, travel)
        if route is None:
            continue
        routes: list[Route | None] = [route]
        if later is not None and wanted is not None and route.stops[position].start < wanted:
            routes.append(insert_visit(problem, day, later, place, position, travel))
        found += [
            InsertionOption(
                clinician_id=day.clinician.id,
                day=day.shift.day,
                position=position,
                start=route.stops[position].start,
                added_travel_seconds=route.travel_seconds - old_seconds,
                added_travel_metres=route.travel_metres - old_metres,
                route=route,
            )
            for route in routes
            if route is not None
        ]
    return found


def _from(visit: Visit, second: int) -> Visit | None:
    """``visit`` with its windows cut to start no earlier than ``second`` (``None``: none left).

    A pinned visit keeps its pin: ``None``.
    """
    if visit.pinned_start is not None:
        return None
    windows = tuple(
        TimeWindow(max(window.start, second), window.end)
        for window in visit.windows
        if window.end >= second
    )
    return replace(visit, windows=windows) if windows else None
