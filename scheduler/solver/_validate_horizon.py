"""Rules of a plan across days: weekly caps and clinicians per care plan and week.

Part of the independent validator (``validate.py``): re-derived from the problem data, sharing
no code with the day choice or the routing model. The care-plan rules across days (SOC first,
one visit a discipline and day, period counts, discharge last) are in
``_validate_care_plan.py``.
"""

from __future__ import annotations

from collections import defaultdict

from scheduler.domain import DAY, Plan, Problem, Visit
from scheduler.solver._validation import Violation, work_seconds

Made = tuple[Visit, str, int]  # a planned visit, its clinician, its horizon day


def check_horizon(problem: Problem, plan: Plan, visits: dict[str, Visit]) -> list[Violation]:
    """Violations of the rules that span days and weeks."""
    made: list[Made] = [
        (visits[stop.visit_id], route.clinician_id, stop.start // DAY)
        for route in plan.routes
        for stop in route.stops
        if stop.visit_id in visits
    ]
    return _check_weekly_caps(problem, plan) + _check_clinicians_per_week(problem, made)


def _check_weekly_caps(problem: Problem, plan: Plan) -> list[Violation]:
    """Visits and working time per clinician and week (7-day blocks of the horizon).

    A violation names the clinician's last visit of the week (removing it shortens the week).
    """
    clinicians = {clinician.id: clinician for clinician in problem.clinicians}
    visits: dict[tuple[str, int], int] = defaultdict(int)
    work: dict[tuple[str, int], int] = defaultdict(int)
    last: dict[tuple[str, int], tuple[int, str]] = {}
    for route in plan.routes:
        key = (route.clinician_id, route.day // 7)
        visits[key] += len(route.stops)
        work[key] += work_seconds(route)
        for stop in route.stops:
            last[key] = max(last.get(key, (stop.start, stop.visit_id)), (stop.start, stop.visit_id))
    found = []
    for rule, totals, cap_of in (
        ("max_visits_week", visits, lambda c: c.max_visits_per_week),
        ("max_work_week", work, lambda c: c.max_work_per_week),
    ):
        for (clinician_id, week), total in totals.items():
            clinician = clinicians.get(clinician_id)
            cap = cap_of(clinician) if clinician else None
            if cap is not None and total > cap:
                message = f"{total} in week {week}, the weekly cap is {cap}"
                latest = last.get((clinician_id, week))
                dropped = (latest[1],) if latest else ()
                found.append(Violation(rule, f"clinician {clinician_id}", message, dropped))
    return found


def _check_clinicians_per_week(problem: Problem, made: list[Made]) -> list[Violation]:
    """Distinct clinicians per care plan (else patient and discipline) and week.

    A violation names the visits of the clinicians beyond the limit who make the fewest.
    """
    seen: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for visit, clinician_id, day in made:
        group = visit.care_plan_id or f"{visit.patient_id}/{visit.discipline.value}"
        seen[group, day // 7][clinician_id].append(visit.id)
    limit = problem.rules.max_clinicians_per_week
    found = []
    for (group, week), who in seen.items():
        if len(who) > limit:
            fewest = sorted(who, key=lambda c: (len(who[c]), c))[: len(who) - limit]
            dropped = tuple(visit_id for c in fewest for visit_id in who[c])
            message = f"{len(who)} clinicians in week {week} > {limit}"
            found.append(Violation("clinicians_per_week", group, message, dropped))
    return found
