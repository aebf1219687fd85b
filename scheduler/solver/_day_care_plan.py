"""The care-plan rules of the day choice (``day_choice.py``), one named function each.

Hard: a care plan visit alone on its day among the patient's visits of its discipline; each
period's ordered count; the discharge last; the recertification in the episode's last five
days; the start of care (SOC) before every other visit of the patient, on an earlier day, and
none of them without it. Soft: a care plan's visits at least its spacing apart (visits made
just before the horizon count), and the SOC on its earliest possible day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduler.domain import Visit, VisitType
from scheduler.domain.care_plan import EPISODE_DAYS, RECERT_DAYS, visit_spacing_days
from scheduler.domain.frequency import order_periods
from scheduler.solver._day_model import DayModel

SPACING_COST = 2400  # two visits of a care plan closer than its spacing
SOC_DAY_COST = 3600  # each day a start of care waits after its first possible day


def add_care_plan_rules(day: DayModel) -> None:
    """Every care-plan rule of the day choice."""
    add_one_visit_a_day(day)
    add_period_counts(day)
    add_spacing(day)
    add_equal_visits_in_order(day)
    add_discharge_last(day)
    add_recert_window(day)
    add_soc_first(day)
    prefer_early_soc(day)


def add_one_visit_a_day(day: DayModel) -> None:
    """A care plan visit shares its day with no other visit of the patient's discipline.

    Visits given one by one may share a day (insulin twice a day).
    """
    per_day: dict[tuple[str, str, int], tuple[list, list]] = defaultdict(lambda: ([], []))
    for visit in day.visits:
        for number in day.options[visit.id]:
            key = (visit.patient_id, visit.discipline, day.vehicles[number].shift.day)
            per_day[key][visit.care_plan_id is None].append(day.chosen[visit.id, number])
    for planned, given in per_day.values():
        if not planned:
            continue
        day.model.add_at_most_one(planned)
        for other in given:
            day.model.add(sum(planned) + other <= 1)


def add_period_counts(day: DayModel) -> None:
    """Visits made plus placed in each period of an order stay within its ordered count."""
    horizon = day.problem.horizon
    for plan_id, plan_visits in _by_care_plan(day).items():
        plan = day.problem.care_plan_by_id[plan_id]
        for period in order_periods(plan.order, plan.start_of_care):
            inside = [
                day.chosen[visit.id, number]
                for visit in plan_visits
                for number in day.options[visit.id]
                if period.first <= horizon.date_of(day.vehicles[number].shift.day) <= period.last
            ]
            if inside:
                made = sum(period.first <= when <= period.last for when in plan.visits_made)
                day.model.add(sum(inside) <= max(0, period.max_visits - made))


def add_spacing(day: DayModel) -> None:
    """Cost each pair of a care plan's visits closer than its spacing (soft).

    Visits already made count: one made yesterday makes a visit today cost the same.
    """
    start = day.problem.horizon.start_date
    for plan_id, plan_visits in _by_care_plan(day).items():
        plan = day.problem.care_plan_by_id[plan_id]
        spacing = visit_spacing_days(plan)
        if spacing < 2:
            continue
        on_day: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for visit in plan_visits:
            for horizon_day, variables in day.on_days(visit.id).items():
                on_day[horizon_day] += variables
        made = {(when - start).days for when in plan.visits_made}
        for first, variables in on_day.items():
            for gap in range(1, spacing):
                if first - gap in made or first + gap in made:
                    day.costs.append(SPACING_COST * sum(variables))
                if first + gap in on_day:
                    close = day.model.new_bool_var(f"close[{plan_id},{first},{first + gap}]")
                    day.model.add(close >= sum(variables) + sum(on_day[first + gap]) - 1)
                    day.costs.append(SPACING_COST * close)


def add_equal_visits_in_order(day: DayModel) -> None:
    """Of a care plan's interchangeable visits (same windows and type), place the first first."""
    for plan_visits in _by_care_plan(day).values():
        interchangeable: dict[tuple, list[Visit]] = defaultdict(list)
        for visit in plan_visits:
            interchangeable[visit.windows, visit.visit_type].append(visit)
        for group in interchangeable.values():
            for first, second in pairwise(group):
                day.model.add(day.placed[first.id] >= day.placed[second.id])


def add_discharge_last(day: DayModel) -> None:
    """The discharge visit comes on a later day than every other visit of its care plan."""
    for plan_visits in _by_care_plan(day).values():
        for discharge in (v for v in plan_visits if v.visit_type == VisitType.DC):
            for other in plan_visits:
                if other is not discharge:
                    both = [day.placed[other.id], day.placed[discharge.id]]
                    later = day.day_of(discharge.id) >= day.day_of(other.id) + 1
                    day.model.add(later).OnlyEnforceIf(both)


def add_recert_window(day: DayModel) -> None:
    """A care plan's recertification falls in the last five days of its 60-day episode."""
    horizon = day.problem.horizon
    for plan_id, plan_visits in _by_care_plan(day).items():
        plan = day.problem.care_plan_by_id[plan_id]
        first = plan.episode_first_day + timedelta(days=EPISODE_DAYS - RECERT_DAYS)
        last = plan.episode_first_day + timedelta(days=EPISODE_DAYS - 1)
        for recert in (v for v in plan_visits if v.visit_type == VisitType.RECERT):
            for number in day.options[recert.id]:
                if not first <= horizon.date_of(day.vehicles[number].shift.day) <= last:
                    day.model.add(day.chosen[recert.id, number] == 0)


def add_soc_first(day: DayModel) -> None:
    """The SOC comes before every other visit of the patient (all disciplines).

    Another visit is placed only with the SOC, and on a later day (the day routes do not order
    visits of different clinicians); with the SOC not in the choice at all, it waits.
    """
    socs: dict[str, list[str]] = defaultdict(list)
    for visit in day.problem.visits_to_plan:
        if visit.admits:
            socs[visit.patient_id].append(visit.id)
    for visit in day.visits:
        if visit.admits:
            continue
        for soc_id in socs.get(visit.patient_id, ()):
            if soc_id not in day.placed:
                day.model.add(day.placed[visit.id] == 0)
                continue
            day.model.add_implication(day.placed[visit.id], day.placed[soc_id])
            later = day.day_of(visit.id) >= day.day_of(soc_id) + 1
            day.model.add(later).OnlyEnforceIf(day.placed[visit.id])


def prefer_early_soc(day: DayModel) -> None:
    """Cost each day a SOC waits after the first day it could be made."""
    for visit in day.visits:
        if not visit.admits or not day.options[visit.id]:
            continue
        days = day.on_days(visit.id)
        first = min(days)
        for horizon_day, variables in days.items():
            if horizon_day > first:
                day.costs.append(SOC_DAY_COST * (horizon_day - first) * sum(variables))


def _by_care_plan(day: DayModel) -> dict[str, list[Visit]]:
    """The visits of the choice per care plan of the problem, in their given order."""
    by_plan: dict[str, list[Visit]] = defaultdict(list)
    for visit in day.visits:
        if visit.care_plan_id in day.problem.care_plan_by_id:
            by_plan[visit.care_plan_id].append(visit)
    return dict(by_plan)
