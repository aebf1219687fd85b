"""What placing a visit costs (in seconds of driving), and the findings a place must not add.

Shared by the repair of left-out visits (``repair.py``) and the moves that improve a plan
(``improve.py``): driving, the primary clinician, the care plan's spacing, overtime and working
time, weighed as the routing weighs them, and the time of day: the patient's preferred hours
and the same time as the patient's other visits of the discipline that week.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scheduler.domain import (
    DAY,
    Clinician,
    Plan,
    Problem,
    Route,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitType,
)
from scheduler.domain.care_plan import visit_spacing_days
from scheduler.domain.continuity import primary_clinician
from scheduler.domain.kpis import paid_seconds
from scheduler.solver._validation import Violation
from scheduler.solver.insertion import InsertionOption
from scheduler.solver.time_of_day import (  # weighed as the routing weighs them
    PREFERRED_HOURS_WEIGHT,
    SAME_TIME_WEIGHT,
)
from scheduler.solver.validate import validate

IGNORED_RULES = frozenset({"kpi"})  # bookkeeping, recomputed with every plan
AWAY_FROM_PRIMARY = 1800  # seconds of driving worth keeping a visit with its primary clinician
OPTIONAL_WORTH = 3600  # seconds of driving a deferrable visit is worth per priority level
OVERTIME_FACTOR = 2.0  # a second of overtime weighs two of driving (as in SolveParams)
WORK_FACTOR = 0.1  # a second of working time weighs a tenth of one of driving
SPACING_COST = 2400  # seconds of driving worth keeping a care plan's visits spaced apart
FAIR_WEEK_WEIGHT = 1.0  # per second of a clinician's week's work past the peers' least and:
FAIR_WEEK_SLACK = 3600  # the seconds of work a week it may pass it by freely
END_DAY_COST = 1800  # seconds of driving worth a start of care a day earlier, a discharge later
NEARBY = 6  # clinicians living nearest a patient, tried first (then every qualified one)
SAME_TIME_SPREAD = 3600  # the spread of a week's start times of a patient's discipline kept free


@dataclass
class Placed:
    """When a plan's visits are: what spacing and the time of day of a new place compare with.

    ``days``: per care plan, the horizon days of its visits made before and planned.
    ``clocks``: per patient, discipline and horizon week, the planned start times of day.
    """

    days: dict[str, list[int]]
    clocks: dict[tuple[str, str, int], list[int]]

    @classmethod
    def of(cls, problem: Problem, plan: Plan) -> Placed:
        """Where ``plan``'s visits are (and its care plans' visits made before the horizon)."""
        placed = cls(defaultdict(list), defaultdict(list))
        start = problem.horizon.start_date
        for care_plan in problem.care_plans:
            placed.days[care_plan.id] += [(when - start).days for when in care_plan.visits_made]
        for route in plan.routes:
            for stop in route.stops:
                visit = problem.visit_by_id.get(stop.visit_id)
                if visit is not None:
                    placed.add(visit, stop.start)
        return placed

    def add(self, visit: Visit, start: int) -> None:
        """Count ``visit`` as starting at ``start`` (horizon seconds)."""
        if visit.care_plan_id is not None:
            self.days[visit.care_plan_id].append(start // DAY)
        self.clocks[_week_key(visit, start)].append(start % DAY)


def same_time_band(clocks: list[int]) -> TimeWindow | None:
    """The times of day that keep ``clocks`` within ``SAME_TIME_SPREAD`` (``None``: no clocks).

    Where they are spread wider already, their midpoint.
    """
    if not clocks:
        return None
    low, high = max(clocks) - SAME_TIME_SPREAD, min(clocks) + SAME_TIME_SPREAD
    if low > high:
        low = high = (min(clocks) + max(clocks)) // 2
    return TimeWindow(low, high)


def same_time_bands(problem: Problem, routes: Iterable[Route]) -> dict[str, TimeWindow]:
    """Per planned visit, the same-time band of its patient's visits of the discipline.

    Those on the week's other days (``same_time_band``); a visit alone in its week has none.
    """
    starts: dict[tuple[str, str, int], list[tuple[str, int]]] = defaultdict(list)
    for route in routes:
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit_id)
            if visit is not None:
                starts[_week_key(visit, stop.start)].append((visit.id, stop.start))
    bands = {}
    for week in starts.values():
        for visit_id, start in week:
            others = [other % DAY for _, other in week if other // DAY != start // DAY]
            band = same_time_band(others)
            if band is not None:
                bands[visit_id] = band
    return bands


def timing_cost(problem: Problem, visit: Visit, start: int, placed: Placed) -> float:
    """What starting ``visit`` at ``start`` costs in time of day, in seconds of driving.

    Seconds outside the patient's preferred hours, and outside the same-time band of the
    patient's other planned visits of the discipline that week, each at its weight.
    """
    clock = start % DAY
    cost = 0.0
    wish = problem.patient_by_id[visit.patient_id].preferred_hours
    if wish is not None:
        cost += PREFERRED_HOURS_WEIGHT * _outside(clock, wish)
    band = same_time_band(placed.clocks.get(_week_key(visit, start), []))
    if band is not None:
        cost += SAME_TIME_WEIGHT * _outside(clock, band)
    return cost


def timing_penalty(problem: Problem, plan: Plan) -> float:
    """The time-of-day costs of a whole plan, in seconds of driving.

    Seconds outside preferred hours, and per patient, discipline and week the spread of
    start times past ``SAME_TIME_SPREAD``, each at its weight.
    """
    placed = Placed.of(problem, plan)
    spread = sum(
        max(0, max(clocks) - min(clocks) - SAME_TIME_SPREAD) for clocks in placed.clocks.values()
    )
    outside = sum(
        _outside(stop.start % DAY, wish)
        for route in plan.routes
        for stop in route.stops
        if (wish := problem.patient_by_id[stop.patient_id].preferred_hours) is not None
    )
    return SAME_TIME_WEIGHT * spread + PREFERRED_HOURS_WEIGHT * outside


def wanted_from(problem: Problem, visit: Visit, placed: Placed) -> Callable[[int], int | None]:
    """Per horizon day, the second before which ``visit`` would rather not start (or ``None``).

    The start of the patient's preferred hours and of the same-time band, the later of the
    two where they overlap, else the preferred hours.
    """
    wish = problem.patient_by_id[visit.patient_id].preferred_hours

    def wanted(day: int) -> int | None:
        band = same_time_band(placed.clocks.get(_week_key(visit, day * DAY), []))
        if band is not None and (wish is None or wish.intersection(band) is not None):
            return day * DAY + max(band.start, wish.start if wish else band.start)
        return None if wish is None else day * DAY + wish.start

    return wanted


def _outside(clock: int, window: TimeWindow) -> int:
    """Seconds from ``clock`` to ``window`` (0 inside it)."""
    return max(0, window.start - clock, clock - window.end)


def _week_key(visit: Visit, start: int) -> tuple[str, str, int]:
    """The patient, discipline and horizon week a start counts in for the same time."""
    return visit.patient_id, str(visit.discipline), start // DAY // 7


def nearby_clinicians(
    problem: Problem, travel: TravelMatrix, plan: Plan
) -> Callable[[Visit], set[str]]:
    """Per visit, the clinicians to try first.

    The ``NEARBY`` living nearest the patient, the primary and those already seeing the
    patient; the others only when none of these has a place.
    """
    seeing: dict[str, set[str]] = defaultdict(set)
    for route in plan.routes:
        for stop in route.stops:
            seeing[stop.patient_id].add(route.clinician_id)
    by_discipline: dict[str, list[Clinician]] = defaultdict(list)
    for clinician in problem.clinicians:
        by_discipline[clinician.discipline].append(clinician)

    def clinicians(visit: Visit) -> set[str]:
        place = problem.patient_by_id[visit.patient_id].location.id
        near = sorted(
            by_discipline[visit.discipline],
            key=lambda c: travel.seconds_between(c.start.id, place),
        )[:NEARBY]
        primary = primary_clinician(problem, visit)
        return {c.id for c in near} | seeing[visit.patient_id] | ({primary} if primary else set())

    return clinicians


def placement_cost(
    option: InsertionOption, primary: str | None, extra: Callable[[InsertionOption], float]
) -> tuple[float, int]:
    """What a place costs, in seconds of driving, and its start.

    Added driving, ``AWAY_FROM_PRIMARY`` when another than the primary makes it, and what
    ``extra`` adds (``extra_costs``: spacing, overtime, working time, time of day).
    """
    away = primary is not None and option.clinician_id != primary
    return option.added_travel_seconds + AWAY_FROM_PRIMARY * away + extra(option), option.start


def extra_costs(
    problem: Problem, plan: Plan, visit: Visit, placed: Placed, *, fair_weeks: bool = False
) -> Callable[[InsertionOption], float]:
    """The costs of a place beyond driving, in seconds of driving.

    ``SPACING_COST`` per visit of the care plan closer than its spacing, the change in the
    route's ``time_cost`` (overtime and working time, weighed as the routing does), the
    change in ``timing_cost`` of the visit and of the later stops it pushes, and
    ``END_DAY_COST`` per day a start of care waits past its first possible day (the
    patient's other visits wait for it) or a discharge comes before its last (the others
    come before it), and ``off_incumbent``. With ``fair_weeks`` (a whole plan, not one
    being built: the peers' least work is then known), also the clinician's ``week_load``.
    """
    near = too_close(problem, visit, placed)
    routes = {(route.clinician_id, route.day): route for route in plan.routes}
    loaded = week_load(problem, plan) if fair_weeks else lambda clinician_id, day, added: 0.0
    first_day = min(window.start // DAY for window in visit.windows)
    last_day = max(window.end // DAY for window in visit.windows)

    def off_its_end(day: int) -> int:
        if visit.admits:
            return END_DAY_COST * (day - first_day)
        return END_DAY_COST * (last_day - day) if visit.visit_type == VisitType.DC else 0

    def extra(option: InsertionOption) -> float:
        old = routes.get((option.clinician_id, option.day))
        grown = time_cost(problem, option.route) - (time_cost(problem, old) if old else 0)
        timing = timing_cost(problem, visit, option.start, placed)
        for before, after in zip(
            old.stops[option.position :] if old else (),
            option.route.stops[option.position + 1 :],
            strict=True,
        ):
            if after.start != before.start:  # pushed later by the visit
                pushed = problem.visit_by_id[after.visit_id]
                timing += timing_cost(problem, pushed, after.start, placed)
                timing -= timing_cost(problem, pushed, before.start, placed)
        added = route_work(option.route) - route_work(old)
        fair = loaded(option.clinician_id, option.day, added)
        fair += off_incumbent(problem, visit, option.clinician_id, option.day)
        return SPACING_COST * near(option.day) + grown + timing + off_its_end(option.day) + fair

    return extra


def off_incumbent(problem: Problem, visit: Visit, clinician_id: str, day: int) -> int:
    """The incumbent's weight when the clinician-day is not where the published plan has it."""
    incumbent = problem.incumbent
    return incumbent.weight if incumbent.moves(visit.id, clinician_id, day) else 0


def week_load(problem: Problem, plan: Plan) -> Callable[[str, int, int], float]:
    """What giving a clinician more work in a day's week costs, for fair weeks.

    Work is service and travel in the horizon week. Past the least work among their peers
    (same discipline and paid time that week) by more than ``FAIR_WEEK_SLACK``, each second
    costs ``FAIR_WEEK_WEIGHT`` (in seconds of driving). The function answers for a
    clinician, a day and the seconds of work added.
    """
    work: dict[tuple[str, int], int] = defaultdict(int)
    for route in plan.routes:
        work[route.clinician_id, route.day // 7] += route_work(route)
    group_of: dict[tuple[str, int], tuple[str, int, int]] = {}
    least: dict[tuple[str, int, int], int] = {}
    for clinician in problem.clinicians:
        for week in {shift.day // 7 for shift in clinician.shifts}:
            group = (str(clinician.discipline), week, paid_seconds(clinician, week=week))
            group_of[clinician.id, week] = group
            least[group] = min(least.get(group, work[clinician.id, week]), work[clinician.id, week])

    def cost(clinician_id: str, day: int, added: int) -> float:
        key = (clinician_id, day // 7)
        free = least.get(group_of.get(key, ("", 0, 0)), work[key]) + FAIR_WEEK_SLACK
        above = max(0, work[key] + added - free) - max(0, work[key] - free)
        return FAIR_WEEK_WEIGHT * above

    return cost


def route_work(route: Route | None) -> int:
    """Service and travel seconds of a route (0 for none)."""
    return route.service_seconds + route.travel_seconds if route else 0


def time_cost(problem: Problem, route: Route) -> float:
    """Overtime and working time of a route, in seconds of driving (the routing's weights)."""
    shift = next(
        s for s in problem.clinician_by_id[route.clinician_id].shifts if s.day == route.day
    )
    overtime = max(0, route.end - shift.window.end)
    return OVERTIME_FACTOR * overtime + WORK_FACTOR * route.work_seconds


def too_close(problem: Problem, visit: Visit, placed: Placed) -> Callable[[int], int]:
    """How many of the visit's care plan visits a day would be closer to than its spacing."""
    if visit.care_plan_id is None:
        return lambda day: 0
    spacing = visit_spacing_days(problem.care_plan_by_id[visit.care_plan_id])
    taken = placed.days[visit.care_plan_id]
    return lambda day: sum(0 < abs(day - other) < spacing for other in taken)


def findings(problem: Problem, plan: Plan, travel: TravelMatrix) -> set[tuple[str, str]]:
    """The (rule, subject) of each violation ``plan`` already has."""
    return {finding_key(v) for v in validate(problem, plan, travel)}


def finding_key(violation: Violation) -> tuple[str, str]:
    """What identifies a finding across plans (its numbers may change)."""
    return violation.rule, violation.subject
