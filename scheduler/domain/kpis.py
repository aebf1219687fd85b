"""KPIs of a set of routes against the problem they answer."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from scheduler.domain.continuity import primary_clinician
from scheduler.domain.plan import Kpis, Route, Unassigned
from scheduler.domain.problem import Problem
from scheduler.domain.travel import TravelMatrix


def compute_kpis(
    problem: Problem, routes: tuple[Route, ...], unassigned: tuple[Unassigned, ...]
) -> Kpis:
    """Summarise routes: travel, idle time, overtime, lateness, utilisation, on-time share.

    Utilisation is time with patients over the regular shift time of every shift in the
    problem (days without a route included); a visit is on time when it starts no later than
    its ``due`` second.
    """
    visits = problem.visit_by_id
    stops = [stop for route in routes for stop in route.stops]
    planned = len(stops)
    travel = sum(route.travel_seconds for route in routes)
    service = sum(route.service_seconds for route in routes)
    work = sum(route.work_seconds for route in routes)
    overtime = 0
    for route in routes:
        shift = problem.clinician_by_id[route.clinician_id].shift_on(route.day)
        if shift is not None:
            overtime += max(0, route.end - shift.window.end)
    lateness = [
        max(0, stop.start - due) for stop in stops if (due := visits[stop.visit_id].due) is not None
    ]
    shift_seconds = sum(shift.window.length for c in problem.clinicians for shift in c.shifts)
    made_by = {stop.visit_id: route.clinician_id for route in routes for stop in route.stops}
    primaries = {v: p for v in made_by if (p := primary_clinician(problem, visits[v])) is not None}
    seen: dict[tuple[str, str], set[str]] = {}
    for visit_id, clinician_id in made_by.items():
        visit = visits[visit_id]
        seen.setdefault((visit.patient_id, visit.discipline), set()).add(clinician_id)
    required = [v.id for v in problem.visits_to_plan if v.care_plan_id and not v.optional]
    return Kpis(
        visits_planned=planned,
        visits_unassigned=len(unassigned),
        travel_seconds=travel,
        travel_metres=sum(route.travel_metres for route in routes),
        travel_seconds_per_visit=travel / planned if planned else 0.0,
        service_seconds=service,
        work_seconds=work,
        idle_seconds=work - travel - service,
        overtime_seconds=overtime,
        lateness_seconds=sum(lateness),
        utilisation=service / shift_seconds if shift_seconds else 0.0,
        on_time_share=(planned - sum(1 for late in lateness if late > 0)) / planned
        if planned
        else 1.0,
        continuity_share=(
            sum(made_by[v] == p for v, p in primaries.items()) / len(primaries)
            if primaries
            else 1.0
        ),
        clinicians_per_patient=(
            sum(len(clinicians) for clinicians in seen.values()) / len(seen) if seen else 0.0
        ),
        frequency_compliance=(
            sum(v in made_by for v in required) / len(required) if required else 1.0
        ),
    )


@dataclass(frozen=True)
class ClinicianKpis:
    """One clinician's figures over a plan (seconds; shares in 0..1)."""

    clinician_id: str
    days: int
    visits: int
    travel_seconds: int
    work_seconds: int
    overtime_seconds: int
    utilisation: float
    primary_share: float

    @property
    def travel_seconds_per_visit(self) -> float:
        """Mean drive per visit."""
        return self.travel_seconds / self.visits if self.visits else 0.0


def clinician_kpis(problem: Problem, routes: tuple[Route, ...]) -> list[ClinicianKpis]:
    """Per clinician: days worked, visits, travel, work, overtime and utilisation.

    ``primary_share`` is the share of their visits made as the patient's primary clinician.
    """
    rows = []
    for clinician in problem.clinicians:
        own = [route for route in routes if route.clinician_id == clinician.id]
        stops = [stop for route in own for stop in route.stops]
        shifts = {shift.day: shift for shift in clinician.shifts}
        paid = sum(shift.window.length for shift in clinician.shifts)
        as_primary = sum(
            primary_clinician(problem, problem.visit_by_id[stop.visit_id]) == clinician.id
            for stop in stops
        )
        rows.append(
            ClinicianKpis(
                clinician_id=clinician.id,
                days=len(own),
                visits=len(stops),
                travel_seconds=sum(route.travel_seconds for route in own),
                work_seconds=sum(route.work_seconds for route in own),
                overtime_seconds=sum(
                    max(0, route.end - shifts[route.day].window.end) for route in own
                ),
                utilisation=sum(route.service_seconds for route in own) / paid if paid else 0.0,
                primary_share=as_primary / len(stops) if stops else 0.0,
            )
        )
    return rows


def reprice_travel(
    problem: Problem, routes: tuple[Route, ...], travel: TravelMatrix
) -> tuple[int, int]:
    """Seconds and metres the routes' legs take under another travel matrix (same order)."""
    seconds = metres = 0
    for route in routes:
        clinician = problem.clinician_by_id[route.clinician_id]
        places = [clinician.start.id]
        places += [problem.patient_by_id[stop.patient_id].location.id for stop in route.stops]
        places.append(clinician.end_location.id)
        for origin, destination in pairwise(places):
            seconds += travel.seconds_between(origin, destination)
            metres += travel.metres_between(origin, destination)
    return seconds, metres
