"""Linked visits left out together, put back as a pair: both visits, or neither.

Part of the repair of left-out visits (``repair.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from scheduler.domain import Plan, Problem, TimeWindow, TravelMatrix, Visit, VisitLink
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._making_room import cheapest_places, in_the_way, put_back
from scheduler.solver._placement import (
    IGNORED_RULES,
    Placed,
    extra_costs,
    finding_key,
    placement_cost,
)
from scheduler.solver.insertion import candidate_insertions, plan_without, with_insertion
from scheduler.solver.validate import validate

if TYPE_CHECKING:
    from scheduler.solver.repair import Repair

log = logging.getLogger("scheduler")

PAIR_TRIES = 10  # places of a link's first visit tried with a place of its second


def insert_pair(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    link: VisitLink,
    before: set[tuple[str, str]],
    deadline: float,
) -> bool:
    """Place both visits of a link, or neither, moving a visit in its way if need be.

    One visit of the pair (the first, then the second) goes where it is cheapest, the other
    on another clinician's route that day at the start the link's gap then allows: anchoring
    either matters, the earliest start of one may be one its partner's clinician cannot
    reach. When the routes have no such room and the pair is required, the visits in its way
    (``in_the_way``) are taken out one at a time and put back where they fit then (an
    optional one that fits nowhere is left out). The first plan the validator accepts is
    kept; the tries stop at ``deadline``.
    """
    first, second = problem.visit_by_id[link.first], problem.visit_by_id[link.second]
    forward = (first, second, (link.min_gap, link.max_gap))
    backward = (second, first, (-link.max_gap, -link.min_gap))
    for freed, moved in _room_for_pair(problem, travel, repair.plan, first, second):
        for anchor, partner, gap in (forward, backward):
            for trial in _pair_trials(problem, travel, freed, anchor, partner, gap):
                if time.monotonic() >= deadline:
                    return False
                if _keep_pair(problem, travel, repair, trial, moved, (first, second), before):
                    return True
    return False


def _keep_pair(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    trial: Plan,
    moved: Visit | None,
    pair: tuple[Visit, Visit],
    before: set[tuple[str, str]],
) -> bool:
    """Keep ``trial`` (``moved`` put back where it fits) if the validator accepts it."""
    if moved is not None:
        back = put_back(problem, travel, trial, moved)
        if back is None and not moved.optional:
            return False
        trial = back or trial
    fresh = [v for v in validate(problem, trial, travel) if finding_key(v) not in before]
    if any(v.rule not in IGNORED_RULES for v in fresh):
        return False
    repair.plan = trial
    repair.placed += [visit.id for visit in pair]
    if moved is not None and any(u.visit_id == moved.id for u in trial.unassigned):
        repair.bumped.append(moved.id)
    log.info("repair: linked visits %s and %s placed", *(visit.id for visit in pair))
    return True


def _room_for_pair(
    problem: Problem, travel: TravelMatrix, plan: Plan, first: Visit, second: Visit
) -> Iterator[tuple[Plan, Visit | None]]:
    """``plan`` as it is, then (for a required pair) without each visit in its way."""
    yield plan, None
    if first.optional and second.optional:
        return
    seen = set()
    for other in in_the_way(problem, plan, first) + in_the_way(problem, plan, second):
        if other.id not in seen:
            seen.add(other.id)
            freed = plan_without(problem, plan, other.id, travel, recount=False)
            if freed is not None:
                yield freed, other


def _pair_trials(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    anchor: Visit,
    partner: Visit,
    gap: tuple[int, int],
) -> Iterator[Plan]:
    """``plan`` with ``anchor`` at one of its cheapest places and ``partner`` ``gap`` after it.

    ``gap`` bounds the partner's start minus the anchor's; the partner goes on another
    clinician's route the same day, at its cheapest place there. One plan per place of the
    anchor that leaves the partner one, cheapest first.
    """
    placed = Placed.of(problem, plan)
    for option in cheapest_places(problem, travel, plan, anchor)[:PAIR_TRIES]:
        with_anchor = with_insertion(problem, plan, option, recount=False)
        allowed = TimeWindow(option.start + gap[0], option.start + gap[1])
        windows = tuple(w for w in (allowed.intersection(w) for w in partner.windows) if w)
        if not windows:
            continue
        timed = replace(partner, windows=windows, pinned_start=None)
        found = [
            o
            for o in candidate_insertions(problem, with_anchor, timed, travel)
            if o.clinician_id != option.clinician_id and o.day == option.day
        ]
        if not found:
            continue
        partner_extra = extra_costs(problem, with_anchor, partner, placed)
        best = min(
            found,
            key=lambda o: placement_cost(o, primary_clinician(problem, partner), partner_extra),
        )
        yield with_insertion(problem, with_anchor, best)
