"""An independent checker of plans: every hard rule, recomputed travel and KPIs.

It shares no code with the model builder and uses no OR-Tools: each rule is re-derived from
the problem data, so a bug in the model cannot hide behind the same bug here.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, fields

from scheduler.domain import Clinician, Kpis, Plan, Problem, Route, Shift, TravelMatrix


@dataclass(frozen=True)
class Violation:
    """A broken rule: a short code, what it concerns, and a sentence with the numbers."""

    rule: str
    subject: str
    message: str


def validate(problem: Problem, plan: Plan, travel: TravelMatrix) -> list[Violation]:
    """Every hard rule ``plan`` breaks; empty when the plan is valid."""
    found: list[Violation] = []
    found += _check_coverage(problem, plan)
    seen_days: set[tuple[str, int]] = set()
    for route in plan.routes:
        subject = f"route {route.clinician_id} day {route.day}"
        if (route.clinician_id, route.day) in seen_days:
            found.append(Violation("route", subject, "two routes for the same clinician and day"))
        seen_days.add((route.clinician_id, route.day))
        clinician = problem.clinician_by_id.get(route.clinician_id)
        if clinician is None:
            found.append(Violation("route", subject, "unknown clinician"))
            continue
        shift = next((s for s in clinician.shifts if s.day == route.day), None)
        if shift is None:
            found.append(Violation("shift", subject, "the clinician has no shift that day"))
            continue
        found += _check_route_frame(route, shift, subject)
        found += _check_stops(problem, route, clinician, subject)
        found += _check_times(problem, route, clinician, travel, subject)
        found += _check_lunch(route, shift, subject)
        found += _check_limits(problem, route, clinician, subject)
    found += _check_kpis(problem, plan)
    return found


def _check_coverage(problem: Problem, plan: Plan) -> list[Violation]:
    """Each visit exactly once, planned or unassigned; unassigned ones say why."""
    found = []
    counts = Counter(stop.visit_id for route in plan.routes for stop in route.stops)
    counts.update(item.visit_id for item in plan.unassigned)
    for visit_id, count in counts.items():
        if visit_id not in problem.visit_by_id:
            found.append(Violation("coverage", f"visit {visit_id}", "not a visit of the problem"))
        elif count > 1:
            found.append(Violation("coverage", f"visit {visit_id}", f"appears {count} times"))
    for visit in problem.visits:
        if visit.id not in counts:
            found.append(
                Violation("coverage", f"visit {visit.id}", "neither planned nor unassigned")
            )
    for item in plan.unassigned:
        if not item.message.strip():
            found.append(Violation("reason", f"visit {item.visit_id}", "unassigned without why"))
    return found


def _check_route_frame(route: Route, shift: Shift, subject: str) -> list[Violation]:
    """The day has stops and stays inside the shift (overtime included)."""
    found = []
    if not route.stops:
        found.append(Violation("route", subject, "a route without stops"))
    if route.start < shift.window.start:
        found.append(
            Violation(
                "shift", subject, f"leaves at {route.start}, shift starts {shift.window.start}"
            )
        )
    if route.end > shift.window.end + shift.max_overtime:
        limit = shift.window.end + shift.max_overtime
        found.append(Violation("shift", subject, f"ends at {route.end}, after the limit {limit}"))
    return found


def _check_stops(
    problem: Problem, route: Route, clinician: Clinician, subject: str
) -> list[Violation]:
    """The clinician may make each visit: discipline, credential, skills, exclusions, pins."""
    found = []
    for stop in route.stops:
        visit = problem.visit_by_id.get(stop.visit_id)
        if visit is None:
            continue
        where = f"visit {visit.id} in {subject}"
        patient = problem.patient_by_id[visit.patient_id]
        nursing = clinician.credential.value in ("RN", "LPN")
        delivers = "SN" if nursing else clinician.credential.value
        problems = []
        if stop.patient_id != visit.patient_id:
            problems.append(
                f"stop names patient {stop.patient_id}, visit is for {visit.patient_id}"
            )
        if delivers != visit.discipline.value:
            problems.append(f"{clinician.credential} cannot deliver {visit.discipline}")
        if visit.credentials and clinician.credential not in visit.credentials:
            problems.append(f"needs credential {sorted(visit.credentials)}")
        if not visit.required_skills <= clinician.skills:
            problems.append(f"lacks skills {sorted(visit.required_skills - clinician.skills)}")
        if clinician.id in patient.excluded_clinicians:
            problems.append("clinician excluded by the patient")
        if visit.pinned_clinician not in (None, clinician.id):
            problems.append(f"pinned to {visit.pinned_clinician}")
        found += [Violation("qualification", where, text) for text in problems]
        if visit.pinned_start is not None and stop.start != visit.pinned_start:
            found.append(
                Violation("pin", where, f"starts {stop.start}, pinned to {visit.pinned_start}")
            )
    return found


def _check_times(
    problem: Problem, route: Route, clinician: Clinician, travel: TravelMatrix, subject: str
) -> list[Violation]:
    """Travel legs match the matrix; visits start in a window, last their duration, in order."""
    found = []
    place, free_at = clinician.start.id, route.start
    for stop in route.stops:
        visit = problem.visit_by_id.get(stop.visit_id)
        if visit is None:
            continue
        where = f"visit {visit.id} in {subject}"
        here = problem.patient_by_id[visit.patient_id].location.id
        found += _check_leg(travel, place, here, stop.travel_seconds, stop.travel_metres, where)
        needed = stop.travel_seconds + _lunch_inside(route, free_at, stop.start)
        if stop.start - free_at < needed:
            found.append(
                Violation(
                    "travel",
                    where,
                    f"starts {stop.start - free_at} s after the previous event, needs {needed} s",
                )
            )
        if stop.arrival < free_at + stop.travel_seconds or stop.arrival > stop.start:
            found.append(Violation("arrival", where, f"arrival {stop.arrival} is inconsistent"))
        if not any(w.start <= stop.start <= w.end for w in visit.windows):
            found.append(
                Violation("time_window", where, f"starts {stop.start} outside its windows")
            )
        if stop.end != stop.start + visit.duration:
            found.append(
                Violation(
                    "duration", where, f"lasts {stop.end - stop.start} s, not {visit.duration}"
                )
            )
        place, free_at = here, stop.end
    end_place = clinician.end_location.id
    found += _check_leg(
        travel, place, end_place, route.return_travel_seconds, route.return_travel_metres, subject
    )
    needed = route.return_travel_seconds + _lunch_inside(route, free_at, route.end)
    if route.end - free_at < needed:
        found.append(
            Violation(
                "travel",
                subject,
                f"back {route.end - free_at} s after the last visit, needs {needed} s",
            )
        )
    return found


def _check_leg(
    travel: TravelMatrix, origin: str, destination: str, seconds: int, metres: int, where: str
) -> list[Violation]:
    """A leg's recorded travel equals the matrix."""
    row, column = travel.index[origin], travel.index[destination]
    expected = (int(travel.seconds[row, column]), int(travel.metres[row, column]))
    if (seconds, metres) != expected:
        return [
            Violation(
                "travel", where, f"leg recorded as {(seconds, metres)}, matrix says {expected}"
            )
        ]
    return []


def _lunch_inside(route: Route, start: int, end: int) -> int:
    """Lunch seconds taken inside ``[start, end]``."""
    lunch = route.lunch
    return lunch.end - lunch.start if lunch and start <= lunch.start and lunch.end <= end else 0


def _check_lunch(route: Route, shift: Shift, subject: str) -> list[Violation]:
    """A lunch lies in its window, lasts its length, sits between visits; a full day has one."""
    found = []
    rule = shift.lunch
    lunch = route.lunch
    if lunch is None:
        if (
            rule
            and route.start <= rule.window.start
            and route.end >= rule.window.end + rule.duration
        ):
            found.append(
                Violation("lunch", subject, "works through the lunch window without lunch")
            )
        return found
    if rule is None:
        return [Violation("lunch", subject, "a lunch on a shift that has none")]
    if lunch.end - lunch.start != rule.duration:
        found.append(
            Violation(
                "lunch", subject, f"lunch lasts {lunch.end - lunch.start} s, not {rule.duration}"
            )
        )
    if not rule.window.start <= lunch.start <= rule.window.end:
        found.append(Violation("lunch", subject, f"lunch starts {lunch.start}, outside its window"))
    if lunch.start < route.start or lunch.end > route.end:
        found.append(Violation("lunch", subject, "lunch outside the working day"))
    for stop in route.stops:
        if lunch.start < stop.end and stop.start < lunch.end:
            found.append(Violation("lunch", subject, f"lunch overlaps visit {stop.visit_id}"))
    return found


def _check_limits(
    problem: Problem, route: Route, clinician: Clinician, subject: str
) -> list[Violation]:
    """Daily caps on visits, points and working time."""
    found = []
    count = len(route.stops)
    if clinician.max_visits_per_day is not None and count > clinician.max_visits_per_day:
        found.append(
            Violation("max_visits", subject, f"{count} visits > {clinician.max_visits_per_day}")
        )
    points = sum(
        problem.visit_by_id[s.visit_id].points
        for s in route.stops
        if s.visit_id in problem.visit_by_id
    )
    if clinician.max_points_per_day is not None and points > clinician.max_points_per_day:
        found.append(
            Violation("max_points", subject, f"{points} points > {clinician.max_points_per_day}")
        )
    lunch = route.lunch.end - route.lunch.start if route.lunch else 0
    work = route.end - route.start - lunch
    if clinician.max_work_per_day is not None and work > clinician.max_work_per_day:
        found.append(
            Violation("max_work", subject, f"works {work} s > {clinician.max_work_per_day}")
        )
    return found


def _check_kpis(problem: Problem, plan: Plan) -> list[Violation]:
    """The plan's KPIs equal a recomputation from its routes."""
    stops = [stop for route in plan.routes for stop in route.stops]
    planned = len(stops)
    travel = sum(s.travel_seconds for s in stops) + sum(
        r.return_travel_seconds for r in plan.routes
    )
    metres = sum(s.travel_metres for s in stops) + sum(r.return_travel_metres for r in plan.routes)
    service = sum(s.end - s.start for s in stops)
    work = sum(
        r.end - r.start - (r.lunch.end - r.lunch.start if r.lunch else 0) for r in plan.routes
    )
    overtime = 0
    for route in plan.routes:
        clinician = problem.clinician_by_id.get(route.clinician_id)
        for shift in clinician.shifts if clinician else ():
            if shift.day == route.day:
                overtime += max(0, route.end - shift.window.end)
    late = []
    for stop in stops:
        visit = problem.visit_by_id.get(stop.visit_id)
        if visit is not None and visit.due is not None:
            late.append(max(0, stop.start - visit.due))
    paid = sum(s.window.end - s.window.start for c in problem.clinicians for s in c.shifts)
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
        lateness_seconds=sum(late),
        utilisation=service / paid if paid else 0.0,
        on_time_share=(planned - sum(1 for x in late if x > 0)) / planned if planned else 1.0,
    )
    found = []
    for field in fields(Kpis):
        got, want = getattr(plan.kpis, field.name), getattr(expected, field.name)
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
            found.append(Violation("kpi", field.name, f"plan says {got}, routes give {want}"))
    return found
