"""The fallback of a replan: the current routes as they still hold, with no search.

After an event the published routes, less what can no longer be made (the visits of a
clinician who called out, cancelled visits, visits whose new times no longer fit), are a plan
the clinicians can follow at once. The visits it leaves out are inserted where they fit
(cheapest first, each insertion validated), and that plan is the search's warm start. A
replan is published only if it places at least as many visits (required ones first);
otherwise the fallback is. Pure: the problem is the replanned part of the day (each
clinician resumed from where they are at ``now``), the same problem the solver is given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from scheduler.domain import (
    Clinician,
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
from scheduler.service._reschedule_links import links_among
from scheduler.solver.explain import explain_dropped, screen_visits
from scheduler.solver.insertion import insertion_options
from scheduler.solver.model import list_vehicles
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")

MAX_REPAIRS = 5  # rounds of dropping the visits a validator finding names
INSERT_SECONDS = 1.0  # most time to insert left-out visits into the fallback
INSERT_SHARE = 1 / 3  # of a replan's time limit, at most, to insert them


@dataclass(frozen=True)
class Placed:
    """How many visits a plan places: required ones first, then all (compared in that order)."""

    required: int
    total: int

    def key(self) -> tuple[int, int]:
        """The comparison key: required placed, then placed."""
        return (self.required, self.total)


def count_placed(problem: Problem, plan: Plan) -> Placed:
    """The visits of ``problem`` that ``plan`` places, required ones counted apart."""
    visits = problem.visit_by_id
    placed = [stop.visit_id for route in plan.routes for stop in route.stops]
    return Placed(sum(not visits[v].optional for v in placed if v in visits), len(placed))


def choose_plan(
    problem: Problem,
    replan: Plan,
    fallback: Plan,
    travel: TravelMatrix,
    *,
    notes: Mapping[str, str] | None = None,
) -> tuple[Plan, str]:
    """The replan, unless ``fallback`` places more visits (required first): then the fallback.

    Returns the plan and its source, ``replan`` or ``fallback``. The fallback chosen gets
    the solver's reasons for what it leaves out, after its note (who called out).
    """
    kept, floor = count_placed(problem, replan), count_placed(problem, fallback)
    if kept.key() >= floor.key():
        return replan, "replan"
    log.warning(
        "the replan places %d visits (%d required), fewer than the fallback's %d (%d); "
        "the fallback is the answer",
        kept.total,
        kept.required,
        floor.total,
        floor.required,
    )
    return explain_left_out(problem, fallback, travel, notes=notes), "fallback"


def fallback_plan(
    problem: Problem,
    current: Sequence[Route],
    travel: TravelMatrix,
) -> Plan:
    """The ``current`` routes of ``problem``'s clinicians, timed from where each resumes.

    Each route keeps its order and, where it can, its published starts and lunch; a visit
    that no longer fits (its clinician has no time left, its window moved, a late visit
    pushed it out) is left out, as is any visit the routes do not hold. The plan passes the
    validator; its left-out visits carry a placeholder reason (``explain_left_out`` gives
    the real ones, which costs more, once the plan is chosen).
    """
    clinicians = problem.clinician_by_id
    visits = problem.visit_by_id
    routes = []
    for route in current:
        clinician = clinicians.get(route.clinician_id)
        shift = clinician.shift_on(0) if clinician else None
        keep = [stop for stop in route.stops if stop.visit_id in visits]
        if shift is None or not keep:
            continue
        timed = retime_route(problem, clinician, shift, keep, route.lunch, travel)
        if timed is not None:
            routes.append(timed)
    return _repaired(problem, tuple(routes), travel)


def retime_route(
    problem: Problem,
    clinician: Clinician,
    shift: Shift,
    stops: Sequence[Stop],
    lunch: TimeWindow | None,
    travel: TravelMatrix,
) -> Route | None:
    """``stops`` in order for ``clinician`` on ``shift``, each at its old start where it can be.

    A stop that can no longer start in a window is skipped. The old ``lunch`` is kept where
    it still lies between visits, else taken at the first gap the shift's rule allows. Caps
    and the end of the day are left to the validator (``_repaired`` drops what breaks them).
    """
    visits, homes = problem.visit_by_id, {p.id: p.location.id for p in problem.patients}
    rule = shift.lunch
    pending = rule is not None
    if rule is not None and lunch is not None:
        lunch = lunch if rule.window.start <= lunch.start <= rule.window.end else None
    place, free, leave = clinician.start.id, shift.window.start, None
    taken: TimeWindow | None = None
    made: list[Stop] = []
    for old in stops:
        visit, here = visits[old.visit_id], homes[old.patient_id]
        if leave is None:  # leave as late as the old start allows
            slowest = travel.seconds_leaving(place, here, free, latest=max(free, old.start))
            free = max(free, old.start - slowest)
        drive = travel.seconds_leaving(place, here, free)
        arrival = free + drive
        start = _start(visit, arrival, old.start)
        eat = _lunch_from(lunch, free, rule.window, rule.duration) if pending and rule else None
        if start is not None and eat is not None and eat.start < start + visit.duration:
            later = lunch is None or lunch.start < free  # the old lunch is gone: eat after?
            if later and rule is not None and start + visit.duration <= rule.window.end:
                eat = None
            else:  # eat in this gap, then go on
                arrival = eat.end + drive if eat.start < free + drive else free + drive
                start = _start(visit, max(arrival, eat.end), old.start)
        else:
            eat = None
        if start is None or start + visit.duration > shift.latest_end:
            continue  # no window or no time left from here on: the visit is left out
        if leave is None:
            leave = free
        if eat is not None:
            taken, pending = eat, False
        metres = travel.metres_between(place, here)
        end = start + visit.duration
        made.append(Stop(old.visit_id, old.patient_id, arrival, start, end, drive, metres))
        place, free = here, start + visit.duration
    if not made or leave is None:
        return None
    home = clinician.end_location.id
    drive = travel.seconds_leaving(place, home, free)
    end = free + drive
    if pending and rule is not None and leave <= rule.window.start:
        eat = _lunch_from(lunch, free, rule.window, rule.duration)
        if eat is not None and end >= rule.window.end + rule.duration:
            taken = eat  # the day spans the lunch window: eat before driving home
            end = max(end, eat.end + drive) if eat.start < free + drive else max(end, eat.end)
    return Route(
        clinician.id, 0, leave, end, tuple(made), drive, travel.metres_between(place, home), taken
    )


def _lunch_from(
    lunch: TimeWindow | None, free: int, window: TimeWindow, duration: int
) -> TimeWindow | None:
    """The old lunch if it starts once free, else the first lunch from ``free`` the rule allows."""
    if lunch is not None and lunch.start >= free:
        return lunch
    start = max(free, window.start)
    return TimeWindow(start, start + duration) if start <= window.end else None


def _start(visit: Visit, ready: int, wanted: int) -> int | None:
    """The first start from ``ready`` (and not before ``wanted``) the visit's windows allow."""
    if visit.pinned_start is not None:
        return visit.pinned_start if visit.pinned_start >= ready else None
    earliest = max(ready, wanted)
    for window in visit.windows:
        if window.end >= earliest:
            return max(window.start, earliest)
    return None


def insert_left_out(
    problem: Problem,
    plan: Plan,
    travel: TravelMatrix,
    *,
    deadline: float,
) -> Plan:
    """``plan`` with each visit it leaves out put where it is cheapest to add, while time lasts.

    Required visits go first, those with the earliest window end first among them; linked
    visits are left as they are (both or neither: one alone never fits). Each insertion is
    checked by the validator (``insertion_options``). ``deadline`` is a ``time.monotonic()``
    instant.
    """
    visits = problem.visit_by_id
    waiting = sorted(
        (
            visits[item.visit_id]
            for item in plan.unassigned
            if item.visit_id in visits and item.visit_id not in problem.link_by_visit
        ),
        key=lambda v: (v.optional, min((w.end for w in v.windows), default=0), v.id),
    )
    routes = list(plan.routes)
    placed: set[str] = set()
    for visit in waiting:
        if time.monotonic() > deadline:
            log.info("insertion into the fallback stopped at its time limit")
            break
        others = tuple(v for v in problem.visits if v.id != visit.id)
        without = replace(problem, visits=others, links=links_among(problem.links, others))
        unplaced = tuple(u for u in plan.unassigned if u.visit_id not in placed | {visit.id})
        current = Plan(tuple(routes), unplaced, compute_kpis(without, tuple(routes), unplaced))
        try:
            options = insertion_options(without, current, visit, travel, limit=1)
        except ProblemError as error:  # a plan the validator refuses: insert nothing more
            log.warning("no insertion into the fallback: %s", error)
            break
        if not options:
            continue
        option = options[0]
        routes = [r for r in routes if r.clinician_id != option.clinician_id] + [option.route]
        placed.add(visit.id)
    if not placed:
        return plan
    return _repaired(problem, tuple(routes), travel)


def _repaired(problem: Problem, routes: tuple[Route, ...], travel: TravelMatrix) -> Plan:
    """A valid plan of ``routes``: visits named by validator findings leave, timed again."""
    for _ in range(MAX_REPAIRS):
        findings = validate(problem, _unexplained(problem, routes), travel)
        leaving = {v for finding in findings for v in finding.visit_ids}
        if not findings:
            return _unexplained(problem, routes)
        if not leaving:
            log.warning("fallback plan breaks %s without visits to remove", findings[0].rule)
            break
        log.info("fallback plan: %d visit(s) leave for %s", len(leaving), findings[0].rule)
        clinicians = problem.clinician_by_id
        routes = tuple(
            timed
            for route in routes
            if (
                timed := _retimed_without(
                    problem, clinicians[route.clinician_id], route, leaving, travel
                )
            )
            is not None
        )
    return _unexplained(problem, ())  # nothing else is surely valid


def _retimed_without(
    problem: Problem, clinician: Clinician, route: Route, leaving: set[str], travel: TravelMatrix
) -> Route | None:
    """``route`` without the ``leaving`` visits, timed again (unchanged if none leave)."""
    if not leaving & {stop.visit_id for stop in route.stops}:
        return route
    shift = clinician.shift_on(route.day)
    stops = [stop for stop in route.stops if stop.visit_id not in leaving]
    if shift is None or not stops:
        return None
    return retime_route(problem, clinician, shift, stops, route.lunch, travel)


def _unexplained(problem: Problem, routes: tuple[Route, ...]) -> Plan:
    """``routes`` as a plan whose left-out visits carry a placeholder reason (to validate)."""
    routed = {stop.visit_id for route in routes for stop in route.stops}
    unassigned = tuple(
        Unassigned(visit.id, ReasonCode.NOT_SOLVED, "Not in the fallback routes.")
        for visit in problem.visits_to_plan
        if visit.id not in routed
    )
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))


def explain_left_out(
    problem: Problem, plan: Plan, travel: TravelMatrix, *, notes: Mapping[str, str] | None = None
) -> Plan:
    """``plan`` whose left-out visits carry the solver's reasons for its routes, after ``notes``.

    The reasons are those the solver gives its own left-out visits (``explain_dropped``),
    checked against these routes; a note (e.g. who called out) goes before the reason.
    """
    notes = notes or {}
    routes = plan.routes
    routed = {stop.visit_id for route in routes for stop in route.stops}
    vehicles = list_vehicles(problem)
    screening = screen_visits(problem, vehicles)
    screened = {item.visit_id: item for item in screening.unassigned}
    dropped = [
        visit
        for visit in problem.visits_to_plan
        if visit.id not in routed and visit.id not in screened
    ]
    reasons = list(screened[v] for v in screened if v not in routed)
    reasons += explain_dropped(problem, travel, vehicles, screening.candidates, dropped, routes)
    unassigned = tuple(
        replace(item, message=f"{notes[item.visit_id]} {item.message}")
        if item.visit_id in notes
        else item
        for item in reasons
    )
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
