"""The week benchmark: our horizon planning against a day-by-day greedy baseline.

The baseline is what a scheduler does by hand: give each care plan visit the least busy day its
order's spacing and one-visit-a-day allow, then route every day on its own (patients' primary
clinicians preferred, as in a single-day solve). Both run on the same generated agency with
the same total time: each day solve gets an equal share of the limit. A busy day may not reach
a first routing solution within a short share (at 90 s, a 60-clinician day of ~420 visits did
not); a day solve that ends with no routes is then replaced by greedy insertion
(``solver/repair.py``: each visit at its cheapest open place, required ones first, the batch
checked by the validator) with the day's share again as its deadline, so the baseline always
has a plan but may take up to twice the limit. Each row reports its method's actual seconds
(the baseline's include its insertions).
The solver may run several times (its search is not deterministic under a wall-clock limit)
and once more with three times the limit, for comparison.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
from scheduler.domain.kpis import WeekKpis, week_kpis
from scheduler.solver import SolveParams, solve
from scheduler.solver.oracle import check_reasons
from scheduler.solver.repair import repair_left_out
from scheduler.solver.travel_estimate import calibrated_share, estimate_travel_per_day
from scheduler.solver.validate import validate


@dataclass(frozen=True)
class WeekRow:
    """One method's outcome on the week.

    ``reasons_checked`` counts the left-out visits whose reason claims they have no place,
    each tested by the oracle (``solver/oracle.py``); ``false_reasons`` those it showed false.
    ``violation_rules`` counts the validator's findings per rule; ``week`` holds the KPIs over
    paid time, fairness, start-time spread and preferred hours.
    """

    method: str
    kpis: Kpis
    required_unassigned: int
    seconds: float
    violations: int
    reasons_checked: int = 0
    false_reasons: int = 0
    violation_rules: dict[str, int] = field(default_factory=dict)
    week: WeekKpis | None = None
    required_visits: int = 0
    estimate_share: float = 1.0  # clinician-days whose travel estimate is 0.75-1.33 of routed

    @property
    def required_placed_share(self) -> float:
        """Required visits planned over required visits due."""
        if not self.required_visits:
            return 1.0
        return 1 - self.required_unassigned / self.required_visits

    @property
    def worst_fairness(self) -> float:
        """The worst max/min weekly work among equal-hours clinicians over the disciplines."""
        return max(self.week.fairness.values(), default=1.0) if self.week else 1.0


def bench_week(
    problem: Problem,
    travel: TravelMatrix,
    *,
    time_limit: float,
    workers: int,
    runs: int = 1,
    compare_3x: bool = False,
    reference: Plan | None = None,
) -> list[WeekRow]:
    """``runs`` solver runs, the baseline, and with ``compare_3x`` a solver run at 3x the time.

    A ``reference`` plan (the one a busy demo week was built around) is shown last.
    """
    rows = [
        _solver_row(
            problem,
            travel,
            time_limit,
            workers,
            "horizon solver" if runs == 1 else f"horizon solver #{run}",
        )
        for run in range(1, runs + 1)
    ]
    routes, unassigned, seconds = plan_day_by_day(
        problem, travel, time_limit=time_limit, workers=workers
    )
    rows.append(_row("day-by-day baseline", problem, travel, routes, unassigned, seconds))
    if compare_3x:
        rows.append(
            _solver_row(problem, travel, 3 * time_limit, workers, "horizon solver, 3x time")
        )
    if reference is not None:
        routes, unassigned = reference.routes, reference.unassigned
        rows.append(_row("generator's reference", problem, travel, routes, unassigned, 0))
    return rows


def _solver_row(
    problem: Problem, travel: TravelMatrix, time_limit: float, workers: int, method: str
) -> WeekRow:
    result = solve(problem, travel, SolveParams(time_limit=time_limit, workers=workers))
    plan = result.plan
    return _row(method, problem, travel, plan.routes, plan.unassigned, result.seconds)


# The figures summarised over the solver's runs: label, how to read it from a row.
MAIN_FIGURES: tuple[tuple[str, Callable[[WeekRow], float]], ...] = (
    ("required placed (%)", lambda r: 100 * r.required_placed_share),
    ("travel per visit (min)", lambda r: r.kpis.travel_seconds_per_visit / 60),
    ("visits by primary clinician (%)", lambda r: 100 * r.kpis.continuity_share),
    (
        "service + travel over paid (%)",
        lambda r: 100 * r.week.service_travel_share if r.week else 0,
    ),
    ("worst fairness ratio", lambda r: r.worst_fairness),
    (
        "median start spread (min)",
        lambda r: r.week.start_spread_minutes or 0.0 if r.week else 0.0,
    ),
    (
        "preferred hours met (%)",
        lambda r: 100 * (r.week.preferred_met_share or 0.0) if r.week else 0.0,
    ),
    ("travel estimate 0.75-1.33 of routed (% of clinician-days)", lambda r: 100 * r.estimate_share),
    ("validator violations", lambda r: r.violations),
    ("false reasons", lambda r: r.false_reasons),
    ("solve seconds", lambda r: r.seconds),
)


def summarise_runs(rows: list[WeekRow]) -> list[tuple[str, float, float, float]]:
    """Min, median and max of each main figure over ``rows`` (the solver's runs)."""
    summary = []
    for label, read in MAIN_FIGURES:
        values = [float(read(row)) for row in rows]
        summary.append((label, min(values), statistics.median(values), max(values)))
    return summary


def plan_day_by_day(
    problem: Problem, travel: TravelMatrix, *, time_limit: float, workers: int
) -> tuple[tuple[Route, ...], tuple[Unassigned, ...], float]:
    """The baseline: greedy days, then each day solved alone with an equal share of time.

    A day solve that ends with no routes is replaced by greedy insertion with the same share as
    its deadline (see the module docstring); the seconds returned count both.
    """
    day_of, unassigned = _greedy_days(problem)
    days = sorted(set(day_of.values()))
    share = time_limit / max(1, len(days))
    routes: list[Route] = []
    seconds = 0.0
    for day in days:
        visits = [v for v in problem.visits_to_plan if day_of.get(v.id) == day]
        day_problem = _day_problem(problem, day, visits)
        result = solve(day_problem, travel, SolveParams(time_limit=share, workers=workers))
        seconds += result.seconds
        plan = result.plan
        if not plan.routes and plan.unassigned:  # no first solution in the share, or failed
            started = time.monotonic()
            plan = insert_greedily(day_problem, travel, plan, deadline=started + share)
            seconds += time.monotonic() - started
        routes += [_shifted(route, day) for route in plan.routes]
        unassigned += list(plan.unassigned)
    return tuple(routes), tuple(unassigned), seconds


def insert_greedily(problem: Problem, travel: TravelMatrix, plan: Plan, *, deadline: float) -> Plan:
    """``plan`` (a day solve's with no routes) with its left-out visits inserted greedily.

    Visits not placed by ``deadline`` keep the reasons the solve gave them.
    """
    left = [problem.visit_by_id[u.visit_id] for u in plan.unassigned]
    return repair_left_out(problem, travel, plan, left, deadline=deadline).plan


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
    violations = validate(problem, plan, travel)
    return WeekRow(
        method,
        plan.kpis,
        required,
        seconds,
        len(violations),
        oracle.checked,
        len(oracle.false_claims),
        violation_rules=dict(sorted(Counter(v.rule for v in violations).items())),
        week=week_kpis(problem, routes),
        required_visits=sum(not v.optional for v in problem.visits_to_plan),
        estimate_share=calibrated_share(estimate_travel_per_day(problem, travel, plan)),
    )
