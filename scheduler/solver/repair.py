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

from scheduler.domain import Plan, Problem, TravelMatrix, Visit, VisitType
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._validation import Violation
from scheduler.solver.insertion import InsertionOption, candidate_insertions, with_insertion
from scheduler.solver.validate import validate

log = logging.getLogger("scheduler")

# Rules that hold for a whole day whoever makes the visit: a refusal then covers the day.
DAY_RULES = frozenset({"one_visit_per_discipline_day", "discharge_last", "period_count"})
IGNORED_RULES = frozenset({"kpi"})  # bookkeeping, recomputed with every plan
AWAY_FROM_PRIMARY = 1800  # seconds of driving worth keeping a visit with its primary clinician


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

    ``tried`` are the visits whose every open place was looked at in the final plan (the
    others were not reached before the deadline); ``refused`` the places the validator
    refused, per visit.
    """

    plan: Plan
    placed: list[str] = field(default_factory=list)
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
    log.info(
        "repair: %d of %d left-out visits placed",
        len(repair.placed),
        len(repair.placed) + len(pending),
    )
    return repair


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
    for visit in pending:
        if time.monotonic() >= deadline:
            break
        refused = repair.refused.get(visit.id, [])
        primary = primary_clinician(problem, visit)
        option = min(
            (
                option
                for option in candidate_insertions(problem, trial, visit, travel)
                if not any(_covers(r, option) for r in refused)
            ),
            key=lambda o: _cost(o, primary),
            default=None,
        )
        tried.add(visit.id)
        if option is not None:
            trial = with_insertion(problem, trial, option)
            inserted[visit.id] = option
    repair.tried = tried - set(inserted)
    return trial, inserted


def _cost(option: InsertionOption, primary: str | None) -> tuple[int, int]:
    """Added driving, plus ``AWAY_FROM_PRIMARY`` when another than the primary makes it."""
    away = primary is not None and option.clinician_id != primary
    return option.added_travel_seconds + AWAY_FROM_PRIMARY * away, option.start


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
