"""KPIs of a set of routes against the problem they answer."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from scheduler.domain.clinician import Clinician
from scheduler.domain.continuity import primary_clinician
from scheduler.domain.plan import Kpis, Route, Unassigned
from scheduler.domain.problem import Problem
from scheduler.domain.time_window import DAY
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


@dataclass(frozen=True)
class WeekKpis:
    """What issue 12 asks of a week's plan, over paid time (shift hours less unpaid lunch).

    Parameters
    ----------
    paid_seconds
        Shift seconds of every clinician, lunch breaks excluded.
    utilisation
        Route time (leaving to arriving back, lunch excluded) over paid time.
    service_share, service_travel_share
        Time with patients, and time with patients or driving, over paid time.
    fairness
        Per discipline, the worst max/min weekly work (service + travel) among clinicians
        with the same paid hours that week (``inf`` when one of them has none); disciplines
        without two such clinicians, or where none of them works, are absent.
    start_spread_minutes
        Median over patients and disciplines with at least two visits in a week of the
        latest minus the earliest local start time; ``None`` when there are none.
    preferred_met_share
        Planned visits of patients with preferred hours that start inside them, over all
        such visits; ``None`` when there are none.
    """

    paid_seconds: int
    utilisation: float
    service_share: float
    service_travel_share: float
    fairness: dict[str, float]
    start_spread_minutes: float | None
    preferred_met_share: float | None


def paid_seconds(clinician: Clinician, *, week: int | None = None) -> int:
    """Seconds of the clinician's shifts (in horizon week ``week``, or all), lunch excluded."""
    return sum(
        shift.window.length - (shift.lunch.duration if shift.lunch else 0)
        for shift in clinician.shifts
        if week is None or shift.day // 7 == week
    )


def week_kpis(problem: Problem, routes: tuple[Route, ...]) -> WeekKpis:
    """Utilisation over paid time, fairness, same time each visit, preferred part of the day."""
    paid = sum(paid_seconds(clinician) for clinician in problem.clinicians)
    service = sum(route.service_seconds for route in routes)
    travel = sum(route.travel_seconds for route in routes)
    work = sum(route.work_seconds for route in routes)
    return WeekKpis(
        paid_seconds=paid,
        utilisation=work / paid if paid else 0.0,
        service_share=service / paid if paid else 0.0,
        service_travel_share=(service + travel) / paid if paid else 0.0,
        fairness=fairness_by_discipline(problem, routes),
        start_spread_minutes=median_start_spread(problem, routes),
        preferred_met_share=preferred_hours_met(problem, routes),
    )


def work_load(route: Route) -> int:
    """A day's work as fairness counts it: service plus travel (waiting and lunch not)."""
    return route.service_seconds + route.travel_seconds


def distances_from_mean(loads: list[float]) -> list[float]:
    """How far each load is from the mean load (the UHHC prices balance as their sum)."""
    mean = sum(loads) / len(loads) if loads else 0.0
    return [abs(load - mean) for load in loads]


def fairness_by_discipline(problem: Problem, routes: tuple[Route, ...]) -> dict[str, float]:
    """Per discipline, the worst max/min weekly work among clinicians with equal paid hours.

    Work is service plus travel; clinicians are grouped per horizon week by discipline and
    paid seconds that week (a clinician without a shift that week is in no group).
    """
    work: dict[tuple[str, int], int] = defaultdict(int)
    for route in routes:
        work[route.clinician_id, route.day // 7] += work_load(route)
    groups: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for clinician in problem.clinicians:
        for week in sorted({shift.day // 7 for shift in clinician.shifts}):
            hours = paid_seconds(clinician, week=week)
            groups[str(clinician.discipline), week, hours].append(work[clinician.id, week])
    worst: dict[str, float] = {}
    for (discipline, _, _), loads in groups.items():
        if len(loads) < 2 or max(loads) == 0:
            continue  # nobody to compare, or nobody in the group works
        ratio = max(loads) / min(loads) if min(loads) else math.inf
        worst[discipline] = max(worst.get(discipline, 0.0), ratio)
    return worst


def median_start_spread(problem: Problem, routes: tuple[Route, ...]) -> float | None:
    """Median minutes between a patient's earliest and latest visit start time of day.

    Over each patient, discipline and horizon week with at least two planned visits; times
    are local wall-clock (horizon seconds modulo a day).
    """
    clocks: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for route in routes:
        for stop in route.stops:
            visit = problem.visit_by_id[stop.visit_id]
            clocks[visit.patient_id, str(visit.discipline), stop.start // DAY // 7].append(
                stop.start % DAY
            )
    spreads = [max(times) - min(times) for times in clocks.values() if len(times) >= 2]
    return statistics.median(spreads) / 60 if spreads else None


def preferred_hours_met(problem: Problem, routes: tuple[Route, ...]) -> float | None:
    """Share of planned visits of patients with preferred hours that start inside them."""
    met = total = 0
    for route in routes:
        for stop in route.stops:
            wish = problem.patient_by_id[stop.patient_id].preferred_hours
            if wish is None:
                continue
            total += 1
            met += wish.contains(stop.start % DAY)
    return met / total if total else None
