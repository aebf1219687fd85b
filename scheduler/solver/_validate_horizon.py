"""Rules of a plan across days: care plan visits alone on their day, spacing, orders, caps.

Part of the independent validator (``validate.py``): re-derived from the problem data, sharing
no code with the day choice or the routing model.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from scheduler.domain import DAY, CarePlan, Plan, Problem, Visit, VisitType
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
    return (
        _check_one_per_day(made)
        + _check_care_plans(problem, made)
        + _check_weekly_caps(problem, plan, made)
        + _check_clinicians_per_week(problem, made)
    )


def _check_one_per_day(made: list[Made]) -> list[Violation]:
    """A care plan visit shares its day with no other visit of the patient's discipline."""
    planned: dict[tuple[str, str, int], int] = defaultdict(int)
    given: dict[tuple[str, str, int], int] = defaultdict(int)
    for visit, _, day in made:
        key = (visit.patient_id, visit.discipline.value, day)
        if visit.care_plan_id is None:
            given[key] += 1
        else:
            planned[key] += 1
    return [
        Violation(
            "one_per_day",
            f"patient {patient}",
            f"{count} care plan and {given[patient, discipline, day]} other {discipline} visits "
            f"on day {day}",
        )
        for (patient, discipline, day), count in planned.items()
        if count + given[patient, discipline, day] > 1
    ]


def _check_care_plans(problem: Problem, made: list[Made]) -> list[Violation]:
    """Spacing between a plan's visits, discharge last, and never more than ordered."""
    plans = {care_plan.id: care_plan for care_plan in problem.care_plans}
    by_plan: dict[str, list[tuple[Visit, int]]] = defaultdict(list)
    for visit, _, day in made:
        if visit.care_plan_id in plans:
            by_plan[visit.care_plan_id].append((visit, day))
    found = []
    for plan_id, items in by_plan.items():
        care_plan = plans[plan_id]
        days = sorted(day for _, day in items)
        densest = max(s.max_visits / s.period_days for s in care_plan.order.segments)
        spacing = 2 if densest * 7 <= 3 else 1
        for first, second in pairwise(days):
            if second - first < spacing:
                message = f"visits on days {first} and {second}; the order needs {spacing} apart"
                found.append(Violation("spacing", f"care plan {plan_id}", message))
        discharge = [day for visit, day in items if visit.visit_type == VisitType.DC]
        if discharge and days[-1] > discharge[0]:
            found.append(Violation("discharge", f"care plan {plan_id}", "a visit after discharge"))
        found += _check_order(problem, care_plan, days)
    return found


def _check_order(problem: Problem, care_plan: CarePlan, days: list[int]) -> list[Violation]:
    """Visits made plus planned in each period of the order stay within its maximum."""
    found = []
    first = care_plan.start_of_care
    for segment in care_plan.order.segments:
        for _ in range(segment.periods):
            last = first + timedelta(days=segment.period_days - 1)
            made = sum(first <= day <= last for day in care_plan.visits_made)
            dates = (problem.horizon.start_date + timedelta(days=day) for day in days)
            planned = sum(first <= when <= last for when in dates)
            if made + planned > segment.max_visits:
                message = (
                    f"{made} made and {planned} planned in the period from {first}; "
                    f"the order allows {segment.max_visits}"
                )
                found.append(Violation("frequency", f"care plan {care_plan.id}", message))
            first = last + timedelta(days=1)
    return found


def _check_weekly_caps(problem: Problem, plan: Plan, made: list[Made]) -> list[Violation]:
    """Visits and working time per clinician and week (7-day blocks of the horizon)."""
    clinicians = {clinician.id: clinician for clinician in problem.clinicians}
    visits: dict[tuple[str, int], int] = defaultdict(int)
    for _, clinician_id, day in made:
        visits[clinician_id, day // 7] += 1
    work: dict[tuple[str, int], int] = defaultdict(int)
    for route in plan.routes:
        work[route.clinician_id, route.day // 7] += work_seconds(route)
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
                found.append(Violation(rule, f"clinician {clinician_id}", message))
    return found


def _check_clinicians_per_week(problem: Problem, made: list[Made]) -> list[Violation]:
    """Distinct clinicians per care plan (else patient and discipline) and week."""
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for visit, clinician_id, day in made:
        group = visit.care_plan_id or f"{visit.patient_id}/{visit.discipline.value}"
        seen[group, day // 7].add(clinician_id)
    limit = problem.rules.max_clinicians_per_week
    return [
        Violation("clinicians_per_week", group, f"{len(who)} clinicians in week {week} > {limit}")
        for (group, week), who in seen.items()
        if len(who) > limit
    ]
