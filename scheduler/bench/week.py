"""The week benchmark: our horizon planning against a day-by-day greedy baseline.

The baseline is what a scheduler does by hand: give each care plan visit the least busy day its
order's spacing and one-visit-a-day allow, then route every day on its own (patients' primary
clinicians preferred, as in a single-day solve). Both run on the same generated agency with
the same total time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from scheduler.domain import (
    DAY,
    Horizon,
    Kpis,
    Plan,
    Problem,
    ReasonCode,
    Route,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.domain.care_plan import visit_spacing_days
from scheduler.domain.continuity import primary_clinician
from scheduler.solver import SolveParams, solve
from scheduler.solver.oracle import check_reasons
from scheduler.solver.validate import validate


@dataclass(frozen=True)
class WeekRow:
    """One method's outcome on the week.

    ``reasons_checked`` counts the left-out visits whose reason claims they have no place,
    each tested by the oracle (``solver/oracle.py``); ``false_reasons`` those it showed false.
    """

    method: str
    kpis: Kpis
    required_unassigned: int
    seconds: float
    violations: int
    reasons_checked: int = 0
    false_reasons: int = 0


def plan_week_both_ways(
    problem: Problem, travel: TravelMatrix, *, time_limit: float, workers: int
) -> list[WeekRow]:
    """Plan ``problem`` with the solver and with the baseline, each within ``time_limit``."""
    result = solve(problem, travel, SolveParams(time_limit=time_limit, workers=workers))
    ours = _row(
        "horizon solver",
        problem,
        travel,
        result.plan.routes,
        result.plan.unassigned,
        result.seconds,
    )
    routes, unassigned, seconds = plan_day_by_day(
        problem, travel, time_limit=time_limit, workers=workers
    )
    return [ours, _row("day-by-day baseline", problem, travel, routes, unassigned, seconds)]


def plan_day_by_day(
    problem: Problem, travel: TravelMatrix, *, time_limit: float, workers: int
) -> tuple[tuple[Route, ...], tuple[Unassigned, ...], float]:
    """The baseline: greedy days, then each day solved alone with an equal share of time."""
    day_of, unassigned = _greedy_days(problem)
    days = sorted(set(day_of.values()))
    routes: list[Route] = []
    seconds = 0.0
    for day in days:
        visits = [v for v in problem.visits_to_plan if day_of.get(v.id) == day]
        result = solve(
            _day_problem(problem, day, visits),
            travel,
            SolveParams(time_limit=time_limit / len(days), workers=workers),
        )
        seconds += result.seconds
        routes += [_shifted(route, day) for route in result.plan.routes]
        unassigned += list(result.plan.unassigned)
    return tuple(routes), tuple(unassigned), seconds


def _greedy_days(problem: Problem) -> tuple[dict[str, int], list[Unassigned]]:
    """Each visit on the least busy day its windows, spacing and one-a-day allow.

    A care plan's visits go in order, each leaving room for the plan's later ones; "busy"
    counts the visits of the same discipline already on a day.
    """
    taken: set[tuple[str, str, int]] = set()
    busy: dict[tuple[str, int], int] = defaultdict(int)
    last_day: dict[str, int] = {}
    later: dict[str, int] = defaultdict(int)
    for visit in problem.visits_to_plan:
        later[visit.care_plan_id or visit.id] += 1
    day_of: dict[str, int] = {}
    unassigned = []
    for visit in problem.visits_to_plan:
        group = visit.care_plan_id or visit.id
        later[group] -= 1
        spacing = 1
        if visit.care_plan_id is not None:
            spacing = visit_spacing_days(problem.care_plan_by_id[visit.care_plan_id])
        days = sorted({w.start // DAY for w in visit.windows})
        earliest = last_day.get(group, -spacing) + spacing
        fitting = [
            d
            for d in days
            if d >= earliest
            and d + later[group] * spacing <= days[-1]
            and (visit.patient_id, visit.discipline, d) not in taken
        ]
        if not fitting:
            unassigned.append(Unassigned(visit.id, ReasonCode.NO_DAY_LEFT, "no greedy day left"))
            continue
        day = min(fitting, key=lambda d: (busy[visit.discipline, d], d))
        taken.add((visit.patient_id, visit.discipline, day))
        busy[visit.discipline, day] += 1
        last_day[group] = day
        day_of[visit.id] = day
    return day_of, unassigned


def _day_problem(problem: Problem, day: int, visits: list[Visit]) -> Problem:
    """Day ``day`` alone as a one-day problem (times shifted to that day's midnight)."""
    offset = day * DAY
    clinicians = tuple(
        replace(
            clinician,
            shifts=tuple(
                replace(
                    shift,
                    day=0,
                    window=shift.window.shifted(-offset),
                    lunch=shift.lunch
                    and replace(shift.lunch, window=shift.lunch.window.shifted(-offset)),
                )
                for shift in clinician.shifts
                if shift.day == day
            ),
        )
        for clinician in problem.clinicians
    )
    day_visits = tuple(
        replace(
            visit,
            windows=tuple(w.shifted(-offset) for w in visit.windows if w.start // DAY == day),
            due=None if visit.due is None else visit.due - offset,
            pinned_start=None if visit.pinned_start is None else visit.pinned_start - offset,
            care_plan_id=None,
            preferred_clinician=primary_clinician(problem, visit),
        )
        for visit in visits
    )
    horizon = Horizon(problem.horizon.date_of(day), 1, problem.horizon.timezone)
    return Problem(horizon, clinicians, problem.patients, day_visits, rules=problem.rules)


def _shifted(route: Route, day: int) -> Route:
    """A one-day route moved back to its day of the week."""
    offset = day * DAY
    return replace(
        route,
        day=day,
        start=route.start + offset,
        end=route.end + offset,
        lunch=route.lunch and route.lunch.shifted(offset),
        stops=tuple(
            replace(s, arrival=s.arrival + offset, start=s.start + offset, end=s.end + offset)
            for s in route.stops
        ),
    )


def _row(
    method: str,
    problem: Problem,
    travel: TravelMatrix,
    routes: tuple[Route, ...],
    unassigned: tuple[Unassigned, ...],
    seconds: float,
) -> WeekRow:
    """KPIs, validator findings and the oracle's check of the reasons of one method's plan."""
    plan = Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
    required = sum(not problem.visit_by_id[u.visit_id].optional for u in unassigned)
    oracle = check_reasons(problem, plan, travel)
    return WeekRow(
        method,
        plan.kpis,
        required,
        seconds,
        len(validate(problem, plan, travel)),
        oracle.checked,
        len(oracle.false_claims),
    )
