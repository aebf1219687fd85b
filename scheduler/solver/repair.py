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
from dataclasses import dataclass, field
from itertools import combinations

from scheduler.domain import (
    DAY,
    Clinician,
    Plan,
    Problem,
    TravelMatrix,
    Visit,
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
NEARBY = 6  # clinicians living nearest a patient, tried first (then every qualified one)
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
    among their kind. Linked visits are left as they are (both or neither).
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
    if not pending:
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
        near = _too_close(problem, visit, care_plan_days(problem, freed))
        options = sorted(
            candidate_insertions(problem, freed, visit, travel),
            key=lambda o: _cost(o, primary, near),
        )
        best_per_day = {o.day: o for o in reversed(options)}  # the cheapest of each day
        for option in sorted(best_per_day.values(), key=lambda o: _cost(o, primary, near)):
            trial = with_insertion(problem, freed, option)
            back = min(
                candidate_insertions(problem, trial, other, travel),
                key=lambda o: _cost(o, primary_clinician(problem, other), lambda day: 0),
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
        near = _too_close(problem, visit, days)
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
                key=lambda o: _cost(o, primary, near),
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
    option: InsertionOption, primary: str | None, near: Callable[[int], int]
) -> tuple[int, int]:
    """What a place costs, in seconds of driving, and its start.

    Added driving, ``AWAY_FROM_PRIMARY`` when another than the primary makes it, and
    ``SPACING_COST`` per visit of the care plan closer than its spacing.
    """
    away = primary is not None and option.clinician_id != primary
    cost = option.added_travel_seconds + AWAY_FROM_PRIMARY * away + SPACING_COST * near(option.day)
    return cost, option.start


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
