"""KPIs of a plan recomputed from its routes, for the independent validator.

Shares no code with ``domain/kpis.py``: a bug there cannot hide behind the same bug here.
"""

from __future__ import annotations

from dataclasses import fields

from scheduler.domain import Clinician, Kpis, Plan, Problem, Visit
from scheduler.solver._validation import Violation, delivers, work_seconds

FLOAT_TOLERANCE = 1e-6


def check_kpis(
    problem: Problem, plan: Plan, visits: dict[str, Visit], clinicians: dict[str, Clinician]
) -> list[Violation]:
    """The plan's KPIs equal a recomputation from its routes (floats within a tolerance)."""
    stops = [stop for route in plan.routes for stop in route.stops]
    planned = len(stops)
    travel = sum(s.travel_seconds for s in stops) + sum(
        r.return_travel_seconds for r in plan.routes
    )
    metres = sum(s.travel_metres for s in stops) + sum(r.return_travel_metres for r in plan.routes)
    service = sum(stop.end - stop.start for stop in stops)
    work = sum(work_seconds(route) for route in plan.routes)
    overtime = 0
    for route in plan.routes:
        clinician = clinicians.get(route.clinician_id)
        for shift in clinician.shifts if clinician is not None else ():
            if shift.day == route.day:
                overtime += max(0, route.end - shift.window.end)
    lateness = [
        max(0, stop.start - due)
        for stop in stops
        if stop.visit_id in visits and (due := visits[stop.visit_id].due) is not None
    ]
    late = sum(1 for seconds in lateness if seconds > 0)
    shift_seconds = sum(s.window.end - s.window.start for c in problem.clinicians for s in c.shifts)
    continuity, per_patient, compliance = _care_kpis(problem, plan, visits, clinicians)
    expected = Kpis(
        visits_planned=planned,
        visits_unassigned=len(plan.unassigned),
        travel_seconds=travel,
        travel_metres=metres,
        travel_seconds_per_visit=travel / planned if planned else 0.0,
        service_seconds=service,
        work_seconds=work,
        idle_seconds=work - travel - service,
        overtime_seconds=overtime,
        lateness_seconds=sum(lateness),
        utilisation=service / shift_seconds if shift_seconds else 0.0,
        on_time_share=(planned - late) / planned if planned else 1.0,
        continuity_share=continuity,
        clinicians_per_patient=per_patient,
        frequency_compliance=compliance,
    )
    found = []
    for field in fields(Kpis):
        got, want = getattr(plan.kpis, field.name), getattr(expected, field.name)
        same = abs(got - want) <= FLOAT_TOLERANCE if isinstance(want, float) else got == want
        if not same:
            message = f"the plan says {got}, its routes give {want}"
            found.append(Violation("kpi", f"kpi {field.name}", message))
    return found


def _care_kpis(
    problem: Problem, plan: Plan, visits: dict[str, Visit], clinicians: dict[str, Clinician]
) -> tuple[float, float, float]:
    """Continuity share, distinct clinicians per patient-discipline, frequency compliance."""
    plans = {care_plan.id: care_plan for care_plan in problem.care_plans}
    patients = {patient.id: patient for patient in problem.patients}
    by_primary = with_primary = 0
    seen: dict[tuple[str, str], set[str]] = {}
    made = set()
    for route in plan.routes:
        for stop in route.stops:
            visit = visits.get(stop.visit_id)
            if visit is None:
                continue
            made.add(visit.id)
            seen.setdefault((visit.patient_id, visit.discipline.value), set()).add(
                route.clinician_id
            )
            primary = plans[visit.care_plan_id].primary_clinician if visit.care_plan_id else None
            primary = primary or visit.preferred_clinician
            if primary is None:
                primary = next(
                    (
                        c
                        for c in patients[visit.patient_id].preferred_clinicians
                        if c in clinicians and delivers(clinicians[c]) == visit.discipline.value
                    ),
                    None,
                )
            if primary is not None:
                with_primary += 1
                by_primary += route.clinician_id == primary
    due = [v.id for v in visits.values() if v.care_plan_id is not None and not v.optional]
    return (
        by_primary / with_primary if with_primary else 1.0,
        sum(len(who) for who in seen.values()) / len(seen) if seen else 0.0,
        sum(v in made for v in due) / len(due) if due else 1.0,
    )
