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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from scheduler.domain import (
    DAY,
    Plan,
    Problem,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitLink,
    VisitType,
    compute_kpis,
)
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._placement import (
    IGNORED_RULES,
    care_plan_days,
    extra_costs,
    finding_key,
    findings,
    nearby_clinicians,
    placement_cost,
)
from scheduler.solver._validation import Violation
from scheduler.solver.insertion import (
    InsertionOption,
    candidate_insertions,
    plan_without,
    with_insertion,
)
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")

# Rules that hold for a whole day whoever makes the visit: a refusal then covers the day.
DAY_RULES = frozenset({"one_visit_per_discipline_day", "discharge_last", "period_count"})
PAIR_TRIES = 10  # places of a link's first visit tried with a place of its second
SWAP_OPTIONAL = 20  # optional visits at most tried as room for one required visit


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
    before = findings(problem, plan, travel)
    while pending and time.monotonic() < deadline:
        trial, inserted = _insert_batch(problem, travel, repair, pending, deadline)
        if not inserted:
            break
        fresh = [v for v in validate(problem, trial, travel) if finding_key(v) not in before]
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
        extra = extra_costs(problem, freed, visit, care_plan_days(problem, freed))
        options = sorted(
            candidate_insertions(problem, freed, visit, travel),
            key=lambda o: placement_cost(o, primary, extra),
        )
        best_per_day = {o.day: o for o in reversed(options)}  # the cheapest of each day
        for option in sorted(
            best_per_day.values(), key=lambda o: placement_cost(o, primary, extra)
        ):
            trial = with_insertion(problem, freed, option)
            other_extra = extra_costs(problem, trial, other, care_plan_days(problem, trial))
            back = min(
                candidate_insertions(problem, trial, other, travel),
                key=lambda o: placement_cost(o, primary_clinician(problem, other), other_extra),
                default=None,
            )
            if back is not None:
                trial = with_insertion(problem, trial, back)
            elif not other.optional:
                continue
            fresh = [v for v in validate(problem, trial, travel) if finding_key(v) not in before]
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
    extra = extra_costs(problem, repair.plan, first, days)
    primary = primary_clinician(problem, first)
    options = sorted(
        candidate_insertions(problem, repair.plan, first, travel),
        key=lambda o: placement_cost(o, primary, extra),
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
        other_extra = extra_costs(problem, with_first, second, days)
        best = min(
            found, key=lambda o: placement_cost(o, primary_clinician(problem, second), other_extra)
        )
        trial = with_insertion(problem, with_first, best)
        fresh = [v for v in validate(problem, trial, travel) if finding_key(v) not in before]
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
    nearby = nearby_clinicians(problem, travel, trial)
    for visit in pending:
        if time.monotonic() >= deadline:
            break
        refused = repair.refused.get(visit.id, [])
        primary = primary_clinician(problem, visit)
        extra = extra_costs(problem, trial, visit, days)
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
                key=lambda o: placement_cost(o, primary, extra),
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
