"""The day choice's fair-weeks rule: equal weekly work among clinicians with equal hours."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.solver._day_model import DayModel

FAIR_WEEK_WEIGHT = 1  # per second of spread (max - min estimated weekly work) in a group


def add_fair_weeks(day: DayModel) -> None:
    """Charge the spread of estimated weekly work (visits plus drives) in each group.

    A group is the clinicians of one discipline with the same paid hours in a week; the
    spread is the largest minus the smallest estimated work of its members.
    """
    work: dict[tuple[str, int], list[cp_model.LinearExprT]] = defaultdict(list)
    for (visit_id, number), chosen in day.chosen.items():
        vehicle = day.vehicles[number]
        visit = day.problem.visit_by_id[visit_id]
        load = day.load_of(visit, vehicle.clinician)
        work[vehicle.clinician.id, vehicle.shift.day // 7].append(load * chosen)
    groups: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for vehicle in {(v.clinician.id, v.shift.day // 7): v for v in day.vehicles}.values():
        week = vehicle.shift.day // 7
        clinician = vehicle.clinician
        hours = sum(s.window.length for s in clinician.shifts if s.day // 7 == week)
        groups[str(clinician.discipline), hours, week].append(clinician.id)
    for (discipline, hours, week), members in groups.items():
        if len(members) < 2 or hours == 0:
            continue
        top = day.model.new_int_var(0, 7 * 86_400, f"fair_max[{discipline},{hours},{week}]")
        low = day.model.new_int_var(0, 7 * 86_400, f"fair_min[{discipline},{hours},{week}]")
        for clinician_id in members:
            total = sum(work.get((clinician_id, week), []))
            day.model.add(top >= total)
            day.model.add(low <= total)
        day.costs.append(FAIR_WEEK_WEIGHT * (top - low))
