"""Care-plan rules of a plan: SOC first, recertification window, discharge last, counts.

Part of the independent validator (``validate.py``): re-derived here from the problem data,
sharing no code with the day choice, the routing model or the care plan expansion.

Rule codes: ``soc_order`` (no visit of a patient starts before the patient's SOC or ROC visit
ends, and none is planned while one of the problem is left out), ``recert_window`` (a care plan's
recertification in the last 5 days of its 60-day episode), ``discharge_last`` (no visit of a
care plan starts after its discharge visit), ``one_visit_per_discipline_day`` (a care plan
visit shares its day with no other visit of the patient's discipline), ``period_count`` (no
more visits in a frequency period than the order allows, counting visits already made).
Each violation names the visits whose removal resolves it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain import DAY, CarePlan, Plan, Problem, Visit
from scheduler.solver._validation import Violation

EPISODE_LENGTH = 60  # days of a home health episode
RECERT_LAST_DAYS = 5  # the recertification falls in the episode's last five days
ADMITTING = frozenset({"SOC", "ROC"})  # visit types every other visit of the patient waits for


@dataclass(frozen=True)
class _Made:
    """A planned visit: the visit, its clinician, and when it runs."""

    visit: Visit
    clinician_id: str
    start: int
    end: int

    @property
    def day(self) -> int:
        """Horizon day of the start."""
        return self.start // DAY


def check_care_plans(problem: Problem, plan: Plan, visits: dict[str, Visit]) -> list[Violation]:
    """Violations of the care-plan rules (see the module docstring)."""
    made = [
        _Made(visits[stop.visit_id], route.clinician_id, stop.start, stop.end)
        for route in plan.routes
        for stop in route.stops
        if stop.visit_id in visits
    ]
    return (
        check_soc_order(problem, made)
        + check_recert_window(problem, made)
        + check_discharge_last(made)
        + check_one_visit_per_discipline_day(made)
        + check_period_count(problem, made)
    )


def check_soc_order(problem: Problem, made: list[_Made]) -> list[Violation]:
    """No visit of a patient before the end of the patient's SOC or ROC, nor while one is left out.

    A start of care admits the patient; a resumption of care admits them again after an
    inpatient stay.
    """
    socs: dict[str, list[str]] = defaultdict(list)
    for visit in problem.visits_to_plan:
        if visit.visit_type.value in ADMITTING:
            socs[visit.patient_id].append(visit.id)
    planned = {item.visit.id: item for item in made}
    found = []
    for item in made:
        visit = item.visit
        if visit.visit_type.value in ADMITTING:
            continue
        for soc_id in socs.get(visit.patient_id, ()):
            soc = planned.get(soc_id)
            if soc is None:
                message = (
                    f"is planned while the admission visit {soc_id} of patient "
                    f"{visit.patient_id} is left out"
                )
            elif item.start < soc.end:
                message = (
                    f"starts at {item.start}, before the admission visit {soc_id} of patient "
                    f"{visit.patient_id} ends at {soc.end}"
                )
            else:
                continue
            found.append(Violation("soc_order", f"visit {visit.id}", message, (visit.id,)))
    return found


def check_recert_window(problem: Problem, made: list[_Made]) -> list[Violation]:
    """A care plan's recertification falls in the last five days of its 60-day episode."""
    plans = {care_plan.id: care_plan for care_plan in problem.care_plans}
    found = []
    for item in made:
        care_plan = plans.get(item.visit.care_plan_id or "")
        if item.visit.visit_type.value != "RECERT" or care_plan is None:
            continue
        first_day = care_plan.episode_start or care_plan.start_of_care
        low = first_day + timedelta(days=EPISODE_LENGTH - RECERT_LAST_DAYS)
        high = first_day + timedelta(days=EPISODE_LENGTH - 1)
        when = problem.horizon.start_date + timedelta(days=item.day)
        if not low <= when <= high:
            message = (
                f"is made on {when}, outside the last {RECERT_LAST_DAYS} days of the episode "
                f"from {first_day} ({low} to {high})"
            )
            found.append(
                Violation("recert_window", f"visit {item.visit.id}", message, (item.visit.id,))
            )
    return found


def check_discharge_last(made: list[_Made]) -> list[Violation]:
    """No visit of a care plan starts after the plan's discharge visit."""
    by_plan: dict[str, list[_Made]] = defaultdict(list)
    for item in made:
        if item.visit.care_plan_id is not None:
            by_plan[item.visit.care_plan_id].append(item)
    found = []
    for plan_id, items in by_plan.items():
        for discharge in (i for i in items if i.visit.visit_type.value == "DC"):
            later = sorted(i.visit.id for i in items if i.start > discharge.start)
            if later:
                message = (
                    f"visits {', '.join(later)} come after the discharge visit "
                    f"{discharge.visit.id} (day {discharge.day})"
                )
                found.append(
                    Violation("discharge_last", f"care plan {plan_id}", message, tuple(later))
                )
    return found


def check_one_visit_per_discipline_day(made: list[_Made]) -> list[Violation]:
    """A care plan visit shares its day with no other visit of the patient's discipline.

    Visits given one by one may share a day among themselves (insulin twice a day).
    """
    by_day: dict[tuple[str, str, int], list[_Made]] = defaultdict(list)
    for item in made:
        by_day[item.visit.patient_id, item.visit.discipline.value, item.day].append(item)
    found = []
    for (patient, discipline, day), items in by_day.items():
        planned = [i for i in items if i.visit.care_plan_id is not None]
        if not planned or len(items) < 2:
            continue
        keep = min(items, key=_keep_first)
        extra = tuple(i.visit.id for i in sorted(items, key=_keep_first) if i is not keep)
        message = (
            f"{len(planned)} care plan and {len(items) - len(planned)} other {discipline} "
            f"visits on day {day}"
        )
        found.append(
            Violation("one_visit_per_discipline_day", f"patient {patient}", message, extra)
        )
    return found


def check_period_count(problem: Problem, made: list[_Made]) -> list[Violation]:
    """Visits made before plus planned in each period of an order stay within its maximum."""
    by_plan: dict[str, list[_Made]] = defaultdict(list)
    for item in made:
        if item.visit.care_plan_id is not None:
            by_plan[item.visit.care_plan_id].append(item)
    found = []
    for care_plan in problem.care_plans:
        items = by_plan.get(care_plan.id, [])
        if not items:
            continue
        for first, last, allowed in _periods(care_plan):
            earlier = sum(first <= day <= last for day in care_plan.visits_made)
            inside = [
                i
                for i in items
                if first <= problem.horizon.start_date + timedelta(days=i.day) <= last
            ]
            excess = earlier + len(inside) - allowed
            if excess > 0:
                dropped = tuple(i.visit.id for i in sorted(inside, key=_keep_first)[-excess:])
                message = (
                    f"{earlier} made and {len(inside)} planned in the period {first} to {last}; "
                    f"the order allows {allowed}"
                )
                found.append(
                    Violation("period_count", f"care plan {care_plan.id}", message, dropped)
                )
    return found


def _periods(care_plan: CarePlan) -> list[tuple[date, date, int]]:
    """Each period of the order: first day, last day, most visits allowed."""
    periods = []
    first = care_plan.start_of_care
    for segment in care_plan.order.segments:
        for _ in range(segment.periods):
            last = first + timedelta(days=segment.period_days - 1)
            periods.append((first, last, segment.max_visits))
            first = last + timedelta(days=1)
    return periods


def _keep_first(item: _Made) -> tuple[bool, bool, int]:
    """Which of competing visits to keep first: a SOC, then required ones, then the earliest."""
    return (item.visit.visit_type.value not in ADMITTING, item.visit.optional, item.start)
