"""Stability of a replan: the published plan as its incumbent, and what the replan kept.

A nightly replan starts from the plan clinicians and patients were told. Each published visit
is kept on its clinician-day unless moving it saves more than ``STABILITY_SECONDS`` of
driving (the solver's incumbent), and the run reports how many it kept, moved or dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.domain import DAY, Assignment, Incumbent, Plan, Problem, Visit

STABILITY_SECONDS = 3600  # seconds of driving worth keeping a published visit where it is


@dataclass(frozen=True)
class PublishedVisit:
    """A visit the published plan gives to a clinician on one of the days being planned."""

    visit_id: str
    care_plan_id: str | None
    clinician_id: str
    day: int  # of the horizon being planned


def keep_published(problem: Problem, published: Sequence[PublishedVisit]) -> Problem:
    """``problem`` with the published plan as its incumbent, worth ``STABILITY_SECONDS`` each.

    Visits given one by one are matched by id; care plan visits (whose ids are made afresh for
    each horizon) by their care plan and day: each published one claims a visit of its care
    plan that may be made that day. The patients' and care plans' own preferences stay as
    they are. Clinicians no longer in the problem, and visits with no match, are ignored.
    """
    known = problem.clinician_by_id
    unclaimed: dict[str, list[Visit]] = {}
    for visit in problem.visits_to_plan:
        if visit.care_plan_id is not None:
            unclaimed.setdefault(visit.care_plan_id, []).append(visit)
    assignments = []
    for p in published:
        if p.clinician_id not in known:
            continue
        if p.care_plan_id is None:
            if p.visit_id in problem.visit_by_id:
                assignments.append(Assignment(p.visit_id, p.clinician_id, p.day))
            continue
        pool = unclaimed.get(p.care_plan_id, [])
        match = next((v for v in pool if any(w.start // DAY == p.day for w in v.windows)), None)
        if match is not None:
            pool.remove(match)
            assignments.append(Assignment(match.id, p.clinician_id, p.day))
    if not assignments:
        return problem
    return replace(problem, incumbent=Incumbent(tuple(assignments), STABILITY_SECONDS))


def stability_counts(
    problem: Problem, plan: Plan, published: Sequence[PublishedVisit]
) -> dict[str, int]:
    """How many published visits the plan keeps with their clinician, moves, or leaves out.

    Care plan visits count as kept when the plan gives one of the care plan's visits on these
    days to the same clinician.
    """
    made_by = {stop.visit_id: route.clinician_id for route in plan.routes for stop in route.stops}
    by_care_plan: dict[str, list[str]] = {}
    for visit_id, clinician_id in made_by.items():
        care_plan_id = problem.visit_by_id[visit_id].care_plan_id
        if care_plan_id is not None:
            by_care_plan.setdefault(care_plan_id, []).append(clinician_id)
    counts = Counter(kept=0, changed=0, dropped=0)
    waiting = []
    for p in published:
        if p.care_plan_id is None:
            now_with = made_by.get(p.visit_id)
            if now_with is None:
                counts["dropped"] += 1
            else:
                counts["kept" if now_with == p.clinician_id else "changed"] += 1
        elif p.clinician_id in (pool := by_care_plan.get(p.care_plan_id, [])):
            pool.remove(p.clinician_id)
            counts["kept"] += 1
        else:
            waiting.append(p)
    for p in waiting:
        pool = by_care_plan.get(p.care_plan_id or "", [])
        counts["changed" if pool else "dropped"] += 1
        if pool:
            pool.pop()
    return {
        "published_visits": len(published),
        "published_kept": counts["kept"],
        "published_changed": counts["changed"],
        "published_dropped": counts["dropped"],
    }
