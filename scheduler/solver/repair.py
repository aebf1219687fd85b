"""Put left-out visits back: each into the cheapest place any qualified clinician has.

After the days are routed, a visit left out of its day may still fit another day its order
allows, or another clinician's route that day. The visits are tried required first, then
optional ones by priority; each goes to the cheapest open place, its primary clinician
preferred (``insertion.py``: every qualified clinician-day, every position, the care-plan
rules and caps of ``clinician_days.py``). The plan with a batch of insertions is then checked
by the independent validator; an insertion named by a violation is undone, its place
refused, and the batch is tried again without it. A plan the validator accepted is never
made worse.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from scheduler.domain import (
    DAY,
    Clinician,
    Plan,
    Problem,
    Route,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitLink,
    VisitType,
    compute_kpis,
)
from scheduler.domain.care_plan import visit_spacing_days
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._validation import Violation
from scheduler.solver.insertion import (
    InsertionOption,
    candidate_insertions,
    plan_without,
    with_insertion,
)
from scheduler.solver.params import SolveParams
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")

# Rules that hold for a whole day whoever makes the visit: a refusal then covers the day.
DAY_RULES = frozenset({"one_visit_per_discipline_day", "discharge_last", "period_count"})
IGNORED_RULES = frozenset({"kpi"})  # bookkeeping, recomputed with every plan
AWAY_FROM_PRIMARY = 1800  # seconds of driving worth keeping a visit with its primary clinician
OVERTIME_FACTOR = 2.0  # a second of overtime weighs two of driving (as in SolveParams)
WORK_FACTOR = 0.1  # a second of working time weighs a tenth of one of driving
MIN_GAIN = 60  # seconds of driving a move must save
MOVES_PER_CHECK = 25  # moves checked by the validator at once
NEARBY = 6  # clinicians living nearest a patient, tried first (then every qualified one)
PAIR_TRIES = 10  # places of a link's first visit tried with a place of its second
SWAP_OPTIONAL = 20  # optional visits at most tried as room for one required visit
SPACING_COST = 2400  # seconds of driving worth keeping a care plan's visits spaced apart


@dataclass(frozen=True)
class Refusal:
    """A place the validator refused for a visit: clinician (``None``: any), day, the rule."""

    clinician_id: str | None
    day: int
    rule: str
    message: str


@dataclass
class Repair:
    """The repaired plan, the visits put back, and what was learnt about the others.

    ``bumped`` are planned optional visits taken out to make room for required ones.

    ``tried`` are the visits whose every open place was looked at in the final plan (the
    others were not reached before the deadline); ``refused`` the places the validator
    refused, per visit.
    """

    plan: Plan
    placed: list[str] = field(default_factory=list)
    bumped: list[str] = field(default_factory=list)  # optional visits left out for required ones
    tried: set[str] = field(default_factory=set)
    refused: dict[str, list[Refusal]] = field(default_factory=lambda: defaultdict(list))


def repair_left_out(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visits: Sequence[Visit],
    *,
    deadline: float,
) -> Repair:
    """Insert as many of ``visits`` (left out of ``plan``) as fit, required ones first.

    Start of care visits go first (the patient's other visits wait for them), discharges last
    among their kind. Linked visits left out together go in pairs at the end (both or
    neither).
    """
    pending = sorted(
        (visit for visit in visits if visit.id not in problem.link_by_visit),
        key=lambda visit: (
            visit.optional,
            visit.visit_type != VisitType.SOC,
            visit.visit_type == VisitType.DC,
            -visit.priority,
            visit.id,
        ),
    )
    repair = Repair(plan)
    left = {visit.id for visit in visits}
    links = [link for link in problem.links if link.first in left and link.second in left]
    if not pending and not links:
        return repair
    before = _findings(problem, plan, travel)
    while pending and time.monotonic() < deadline:
        trial, inserted = _insert_batch(problem, travel, repair, pending, deadline)
        if not inserted:
            break
        fresh = [v for v in validate(problem, trial, travel) if _key(v) not in before]
        fresh = [v for v in fresh if v.rule not in IGNORED_RULES]
        if not fresh:
            repair.plan = trial
            repair.placed += list(inserted)
            done = set(inserted)
            pending = [visit for visit in pending if visit.id not in done]
            continue
        _refuse(repair, inserted, fresh)
    for visit in [visit for visit in pending if not visit.optional]:
        if time.monotonic() >= deadline:
            break
        if _swap_in(problem, travel, repair, visit, before, deadline):
            pending.remove(visit)
    for link in links:
        if time.monotonic() < deadline:
            _insert_pair(problem, travel, repair, link, before)
    log.info(
        "repair: %d of %d left-out visits placed",
        len(repair.placed),
        len(repair.placed) + len(pending),
    )
    return repair


def _swap_in(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    visit: Visit,
    before: set[tuple[str, str]],
    deadline: float,
) -> bool:
    """Place a required visit by moving one visit out of its way, to another place or out.

    The visits tried are the patient's own (one a day, the discharge last: moving one frees
    a day) and the optional visits of the routes that could hold the visit. An optional visit
    that fits nowhere else is left out: a required visit weighs more. The first exchange the
    validator accepts is kept.
    """
    for other in _in_the_way(problem, repair.plan, visit):
        if time.monotonic() >= deadline:
            return False
        freed = plan_without(problem, repair.plan, other.id, travel)
        if freed is None:
            continue
        primary = primary_clinician(problem, visit)
        extra = _extras(problem, freed, visit, care_plan_days(problem, freed))
        options = sorted(
            candidate_insertions(problem, freed, visit, travel),
            key=lambda o: _cost(o, primary, extra),
        )
        best_per_day = {o.day: o for o in reversed(options)}  # the cheapest of each day
        for option in sorted(best_per_day.values(), key=lambda o: _cost(o, primary, extra)):
            trial = with_insertion(problem, freed, option)
            other_extra = _extras(problem, trial, other, care_plan_days(problem, trial))
            back = min(
                candidate_insertions(problem, trial, other, travel),
                key=lambda o: _cost(o, primary_clinician(problem, other), other_extra),
                default=None,
            )
            if back is not None:
                trial = with_insertion(problem, trial, back)
            elif not other.optional:
                continue
            fresh = [v for v in validate(problem, trial, travel) if _key(v) not in before]
            if any(v.rule not in IGNORED_RULES for v in fresh):
                continue
            repair.plan = trial
            repair.placed.append(visit.id)
            if back is None:
                if other.id in repair.placed:
                    repair.placed.remove(other.id)
                repair.bumped.append(other.id)
            log.info("repair: %s placed by moving %s", visit.id, other.id)
            return True
    return False


def _nearby(problem: Problem, travel: TravelMatrix, plan: Plan) -> Callable[[Visit], set[str]]:
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


def _insert_pair(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    link: VisitLink,
    before: set[tuple[str, str]],
) -> bool:
    """Place both visits of a link, or neither.

    The first goes where it is cheapest, the second on another clinician's route that day at
    the link's gap; the first pair the validator accepts is kept.
    """
    first, second = problem.visit_by_id[link.first], problem.visit_by_id[link.second]
    days = care_plan_days(problem, repair.plan)
    extra = _extras(problem, repair.plan, first, days)
    primary = primary_clinician(problem, first)
    options = sorted(
        candidate_insertions(problem, repair.plan, first, travel),
        key=lambda o: _cost(o, primary, extra),
    )
    for option in options[:PAIR_TRIES]:
        with_first = with_insertion(problem, repair.plan, option, recount=False)
        gap = TimeWindow(option.start + link.min_gap, option.start + link.max_gap)
        windows = tuple(w for w in (gap.intersection(w) for w in second.windows) if w)
        if not windows:
            continue
        timed = replace(second, windows=windows, pinned_start=None)
        found = [
            o
            for o in candidate_insertions(problem, with_first, timed, travel)
            if o.clinician_id != option.clinician_id and o.day == option.day
        ]
        if not found:
            continue
        other_extra = _extras(problem, with_first, second, days)
        best = min(found, key=lambda o: _cost(o, primary_clinician(problem, second), other_extra))
        trial = with_insertion(problem, with_first, best)
        fresh = [v for v in validate(problem, trial, travel) if _key(v) not in before]
        if any(v.rule not in IGNORED_RULES for v in fresh):
            continue
        repair.plan = trial
        repair.placed += [first.id, second.id]
        log.info("repair: linked visits %s and %s placed", first.id, second.id)
        return True
    return False


def _in_the_way(problem: Problem, plan: Plan, visit: Visit) -> list[Visit]:
    """Planned visits whose move could make room: the patient's, then optional ones nearby."""
    own = []
    optional = []
    days = {window.start // DAY for window in visit.windows}
    for route in plan.routes:
        for stop in route.stops:
            other = problem.visit_by_id[stop.visit_id]
            if other.id in problem.link_by_visit:
                continue
            if other.patient_id == visit.patient_id and other.discipline == visit.discipline:
                own.append(other)
            elif (
                other.optional
                and not visit.optional
                and other.discipline == visit.discipline
                and route.day in days
            ):
                optional.append(other)
    optional.sort(key=lambda other: (other.priority, other.id))
    return own + optional[:SWAP_OPTIONAL]


def _insert_batch(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    pending: Sequence[Visit],
    deadline: float,
) -> tuple[Plan, dict[str, InsertionOption]]:
    """Insert each pending visit at its cheapest place not refused, one after the other."""
    trial = repair.plan
    inserted: dict[str, InsertionOption] = {}
    tried = set()
    days = care_plan_days(problem, trial)
    nearby = _nearby(problem, travel, trial)
    for visit in pending:
        if time.monotonic() >= deadline:
            break
        refused = repair.refused.get(visit.id, [])
        primary = primary_clinician(problem, visit)
        extra = _extras(problem, trial, visit, days)
        option = None
        for clinicians in (nearby(visit), None):
            option = min(
                (
                    option
                    for option in candidate_insertions(
                        problem, trial, visit, travel, clinicians=clinicians
                    )
                    if not any(_covers(r, option) for r in refused)
                ),
                key=lambda o: _cost(o, primary, extra),
                default=None,
            )
            if option is not None:
                break
        tried.add(visit.id)
        if option is not None:
            trial = with_insertion(problem, trial, option, recount=False)
            inserted[visit.id] = option
            if visit.care_plan_id is not None:
                days[visit.care_plan_id].append(option.day)
    repair.tried = tried - set(inserted)
    trial = Plan(
        trial.routes, trial.unassigned, compute_kpis(problem, trial.routes, trial.unassigned)
    )
    return trial, inserted


def _cost(
    option: InsertionOption, primary: str | None, extra: Callable[[InsertionOption], float]
) -> tuple[float, int]:
    """What a place costs, in seconds of driving, and its start.

    Added driving, ``AWAY_FROM_PRIMARY`` when another than the primary makes it, and what
    ``extra`` adds (``_extras``: spacing, overtime, working time).
    """
    away = primary is not None and option.clinician_id != primary
    return option.added_travel_seconds + AWAY_FROM_PRIMARY * away + extra(option), option.start


def _extras(
    problem: Problem, plan: Plan, visit: Visit, days: dict[str, list[int]]
) -> Callable[[InsertionOption], float]:
    """The costs of a place beyond driving, in seconds of driving.

    ``SPACING_COST`` per visit of the care plan closer than its spacing, and the change in
    the route's ``_time_cost`` (overtime and working time, weighed as the routing does).
    """
    near = _too_close(problem, visit, days)
    routes = {(route.clinician_id, route.day): route for route in plan.routes}

    def extra(option: InsertionOption) -> float:
        old = routes.get((option.clinician_id, option.day))
        grown = _time_cost(problem, option.route) - (_time_cost(problem, old) if old else 0)
        return SPACING_COST * near(option.day) + grown

    return extra


def _time_cost(problem: Problem, route: Route) -> float:
    """Overtime and working time of a route, in seconds of driving (the routing's weights)."""
    shift = next(
        s for s in problem.clinician_by_id[route.clinician_id].shifts if s.day == route.day
    )
    overtime = max(0, route.end - shift.window.end)
    return OVERTIME_FACTOR * overtime + WORK_FACTOR * route.work_seconds


def care_plan_days(problem: Problem, plan: Plan) -> dict[str, list[int]]:
    """Per care plan, the horizon days of its visits made before and planned in ``plan``."""
    days: dict[str, list[int]] = defaultdict(list)
    start = problem.horizon.start_date
    for care_plan in problem.care_plans:
        days[care_plan.id] += [(when - start).days for when in care_plan.visits_made]
    for route in plan.routes:
        for stop in route.stops:
            visit = problem.visit_by_id.get(stop.visit_id)
            if visit is not None and visit.care_plan_id is not None:
                days[visit.care_plan_id].append(stop.start // DAY)
    return days


def _too_close(problem: Problem, visit: Visit, days: dict[str, list[int]]) -> Callable[[int], int]:
    """How many of the visit's care plan visits a day would be closer to than its spacing."""
    if visit.care_plan_id is None:
        return lambda day: 0
    spacing = visit_spacing_days(problem.care_plan_by_id[visit.care_plan_id])
    taken = days[visit.care_plan_id]
    return lambda day: sum(0 < abs(day - other) < spacing for other in taken)


def _refuse(repair: Repair, inserted: dict[str, InsertionOption], fresh: list[Violation]) -> None:
    """Refuse the places of the insertions the new violations name (all, if none is named)."""
    named = {visit_id for v in fresh for visit_id in v.visit_ids if visit_id in inserted}
    for visit_id in named or inserted:
        option = inserted[visit_id]
        for violation in fresh:
            if named and visit_id not in violation.visit_ids:
                continue
            who = None if violation.rule in DAY_RULES else option.clinician_id
            refusal = Refusal(who, option.day, violation.rule, violation.message)
            if refusal not in repair.refused[visit_id]:
                repair.refused[visit_id].append(refusal)
    log.info("repair: validator refused %d insertion(s)", len(named or inserted))


def _covers(refusal: Refusal, option: InsertionOption) -> bool:
    """Whether a refusal rules out ``option``'s clinician-day."""
    return refusal.day == option.day and refusal.clinician_id in (None, option.clinician_id)


def _findings(problem: Problem, plan: Plan, travel: TravelMatrix) -> set[tuple[str, str]]:
    """The (rule, subject) of each violation ``plan`` already has."""
    return {_key(v) for v in validate(problem, plan, travel)}


def _key(violation: Violation) -> tuple[str, str]:
    """What identifies a finding across plans (its numbers may change)."""
    return violation.rule, violation.subject


def plan_score(problem: Problem, plan: Plan, params: SolveParams) -> tuple[int, int, int]:
    """How good a plan is, lower better.

    Required visits left out, then the summed priority of optional ones left out, then its
    cost in objective units: driving, visits away from their primary clinician, and pairs of
    a care plan's visits closer than its spacing.
    """
    planned = {stop.visit_id: route.clinician_id for route in plan.routes for stop in route.stops}
    left = [visit for visit in problem.visits_to_plan if visit.id not in planned]
    required = sum(not visit.optional for visit in left)
    optional = sum(visit.priority for visit in left if visit.optional)
    away = 0
    for visit_id, clinician_id in planned.items():
        primary = primary_clinician(problem, problem.visit_by_id[visit_id])
        away += primary is not None and primary != clinician_id
    close = 0
    for plan_id, days in care_plan_days(problem, plan).items():
        spacing = visit_spacing_days(problem.care_plan_by_id[plan_id])
        close += sum(0 < b - a < spacing for a, b in combinations(sorted(days), 2))
    travel = sum(route.travel_seconds for route in plan.routes)
    cost = params.travel_weight * (travel + SPACING_COST * close) + params.preference_penalty * away
    return required, optional, cost


def improve_by_moves(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    *,
    deadline: float,
) -> tuple[Plan, int]:
    """Move planned visits to cheaper places (another position, clinician or day).

    Each visit in turn is taken out and put back at its cheapest open place (the costs of
    ``repair_left_out``: driving, the primary clinician, the care plan's spacing) when that
    saves at least ``MIN_GAIN``. Moves are checked by the validator ``MOVES_PER_CHECK`` at a
    time; a group it finds fault with is undone. Returns the plan and the number of moves.
    """
    before = _findings(problem, plan, travel)
    start = plan
    moved = 0
    order = [
        stop.visit_id
        for route in plan.routes
        for stop in route.stops
        if stop.visit_id not in problem.link_by_visit
    ]
    group: list[str] = []
    nearby = _nearby(problem, travel, plan)
    for visit_id in order:
        if time.monotonic() >= deadline:
            break
        trial = _move(problem, travel, start, problem.visit_by_id[visit_id], nearby)
        if trial is None:
            continue
        start = trial
        group.append(visit_id)
        if len(group) == MOVES_PER_CHECK:
            plan, start, moved = _check_moves(problem, travel, plan, start, group, before, moved)
            group = []
    plan, start, moved = _check_moves(problem, travel, plan, start, group, before, moved)
    log.info("improve: %d visits moved to cheaper places", moved)
    return plan, moved


def _move(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visit: Visit,
    nearby: Callable[[Visit], set[str]],
) -> Plan | None:
    """``plan`` with ``visit`` at a cheaper place, or ``None`` when none saves enough."""
    route = next(r for r in plan.routes if any(s.visit_id == visit.id for s in r.stops))
    freed = plan_without(problem, plan, visit.id, travel, recount=False)
    if freed is None:
        return None
    left = next(
        (r for r in freed.routes if (r.clinician_id, r.day) == (route.clinician_id, route.day)),
        None,
    )
    primary = primary_clinician(problem, visit)
    days = care_plan_days(problem, freed)
    near = _too_close(problem, visit, days)
    extra = _extras(problem, freed, visit, days)
    away = primary is not None and route.clinician_id != primary
    saved = route.travel_seconds - (left.travel_seconds if left else 0)
    saved += _time_cost(problem, route) - (_time_cost(problem, left) if left else 0)
    old = saved + AWAY_FROM_PRIMARY * away + SPACING_COST * near(route.day)
    option = min(
        candidate_insertions(problem, freed, visit, travel, clinicians=nearby(visit)),
        key=lambda o: _cost(o, primary, extra),
        default=None,
    )
    if option is None or _cost(option, primary, extra)[0] > old - MIN_GAIN:
        return None
    return with_insertion(problem, freed, option, recount=False)


def _check_moves(
    problem: Problem,
    travel: TravelMatrix,
    kept: Plan,
    trial: Plan,
    group: list[str],
    before: set[tuple[str, str]],
    moved: int,
) -> tuple[Plan, Plan, int]:
    """Keep ``trial`` if the validator finds nothing new, else go back to ``kept``."""
    if not group:
        return kept, kept, moved
    trial = Plan(
        trial.routes, trial.unassigned, compute_kpis(problem, trial.routes, trial.unassigned)
    )
    fresh = [v for v in validate(problem, trial, travel) if _key(v) not in before]
    if any(v.rule not in IGNORED_RULES for v in fresh):
        log.info("improve: validator refused a group of %d moves", len(group))
        return kept, kept, moved
    return trial, trial, moved + len(group)
