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
from dataclasses import dataclass, field

from scheduler.domain import (
    Plan,
    Problem,
    TravelMatrix,
    Visit,
    VisitType,
    compute_kpis,
)
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._making_room import cheapest_places, in_the_way, put_back
from scheduler.solver._pair_repair import insert_pair
from scheduler.solver._placement import (
    IGNORED_RULES,
    OPTIONAL_WORTH,
    Placed,
    extra_costs,
    finding_key,
    findings,
    nearby_clinicians,
    placement_cost,
    wanted_from,
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

    Start of care visits go first (the patient's other visits wait for them), then
    discharges (priced to come as late as they may: the others fit before them). A required
    visit with no open place, whether a batch reached it or not, then gets room by moving
    one visit out of its way (``_swap_in``). Linked visits left out together go in pairs at
    the end (both or neither).
    """
    pending = sorted(
        (visit for visit in visits if visit.id not in problem.link_by_visit),
        key=lambda visit: (
            visit.optional,
            not visit.admits,
            visit.visit_type != VisitType.DC,
            -visit.priority,
            visit.id,
        ),
    )
    order = list(pending)
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
            # A visit with no place now has none later either: the routes only fill up.
            done = set(inserted) | repair.tried
            pending = [visit for visit in pending if visit.id not in done]
            continue
        _refuse(repair, inserted, fresh)
    # Required visits with no open place, tried or not, get room made for them.
    placed = set(repair.placed)
    homeless = [visit for visit in order if not visit.optional and visit.id not in placed]
    if homeless:
        log.info("repair: room to make for %d required visit(s)", len(homeless))
    for visit in homeless:
        if time.monotonic() >= deadline:
            break
        if _swap_in(problem, travel, repair, visit, before, deadline) and visit in pending:
            pending.remove(visit)
    for link in links:
        if time.monotonic() < deadline:
            insert_pair(problem, travel, repair, link, before, deadline)
    log.info("repair: %d of %d left-out visits placed", len(repair.placed), len(visits))
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
    a day), the optional visits of the routes that could hold the visit and the required ones
    starting in its windows there. An optional visit that fits nowhere else is left out: a
    required visit weighs more. The first exchange the validator accepts is kept.
    """
    for other in in_the_way(problem, repair.plan, visit):
        if time.monotonic() >= deadline:
            return False
        freed = plan_without(problem, repair.plan, other.id, travel)
        if freed is None:
            continue
        days: set[int] = set()
        for option in cheapest_places(problem, travel, freed, visit):
            if option.day in days:
                continue  # the cheapest of each day only
            days.add(option.day)
            trial = with_insertion(problem, freed, option)
            back = put_back(problem, travel, trial, other)
            if back is not None:
                trial = back
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


def _insert_batch(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    pending: Sequence[Visit],
    deadline: float,
) -> tuple[Plan, dict[str, InsertionOption]]:
    """Insert each pending visit at its cheapest place not refused, one after the other.

    A visit its order's period can still hold later is inserted only where it costs less
    than ``OPTIONAL_WORTH`` per priority level.
    """
    trial = repair.plan
    inserted: dict[str, InsertionOption] = {}
    tried = set()
    placed = Placed.of(problem, trial)
    nearby = nearby_clinicians(problem, travel, trial)
    for visit in pending:
        if time.monotonic() >= deadline:
            break
        refused = repair.refused.get(visit.id, [])
        primary = primary_clinician(problem, visit)
        extra = extra_costs(problem, trial, visit, placed)
        wanted = wanted_from(problem, visit, placed)
        option = None
        for clinicians in (nearby(visit), None):
            option = min(
                (
                    option
                    for option in candidate_insertions(
                        problem, trial, visit, travel, clinicians=clinicians, wanted=wanted
                    )
                    if not any(_covers(r, option) for r in refused)
                ),
                key=lambda o: placement_cost(o, primary, extra),
                default=None,
            )
            if option is not None:
                break
        worth = OPTIONAL_WORTH * visit.priority
        if option and _deferrable(visit) and placement_cost(option, primary, extra)[0] > worth:
            option = None  # it costs more than it is worth; its period goes on
        tried.add(visit.id)
        if option is not None:
            trial = with_insertion(problem, trial, option, recount=False)
            inserted[visit.id] = option
            placed.add(visit, option.start)
    repair.tried = (repair.tried | tried) - set(inserted)
    trial = Plan(
        trial.routes, trial.unassigned, compute_kpis(problem, trial.routes, trial.unassigned)
    )
    return trial, inserted


def _deferrable(visit: Visit) -> bool:
    """Whether the visit is optional here because its order's period goes on after it."""
    return visit.optional and visit.care_plan_id is not None


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
