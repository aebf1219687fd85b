"""An independent check of the reasons a plan gives for the visits it leaves out.

A reason that says a visit has no place (``capacity``, ``unreachable_in_window``,
``no_day_left``, ``low_priority``, ``waits_for_soc``) is a claim about the final routes. The
oracle tests it the blunt way: it tries the visit in the final route of every qualified
clinician on every day one of its windows meets the shift, at every position, timed by
``insertion.py``, and asks the independent validator whether the plan with the visit in
breaks any rule. One accepted plan proves the claim false; ``unreachable_in_window`` is also
false when some qualified clinician-day can make the visit as its only stop. It shares no code
with ``explain.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.domain import (
    Clinician,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    TravelMatrix,
    Unassigned,
    Visit,
    qualification_gap,
)
from scheduler.solver.insertion import InsertionOption, route_insertions
from scheduler.solver.validate import validate

NO_PLACE_CLAIMS = frozenset(
    {
        ReasonCode.CAPACITY,
        ReasonCode.UNREACHABLE_IN_WINDOW,
        ReasonCode.NO_DAY_LEFT,
        ReasonCode.LOW_PRIORITY,
        ReasonCode.WAITS_FOR_SOC,
    }
)
IGNORED_RULES = frozenset({"kpi"})  # the trial plans keep the old KPIs on purpose
# How far a violation carries: a rule that holds for a whole day, a clinician's week, or a
# clinician-day is not retried elsewhere in that scope.
DAY_RULES = frozenset({"one_visit_per_discipline_day", "period_count", "recert_window"})
WEEK_RULES = frozenset({"clinicians_per_week", "max_visits_week"})
CLINICIAN_DAY_RULES = frozenset({"qualification", "pin", "max_visits", "max_points"})


@dataclass(frozen=True)
class FalseClaim:
    """A reason shown false: where the visit fits after all."""

    visit_id: str
    reason: ReasonCode
    fits: str


@dataclass(frozen=True)
class OracleReport:
    """How many left-out visits were checked and which claims proved false."""

    checked: int
    false_claims: tuple[FalseClaim, ...]


def check_reasons(
    problem: Problem,
    plan: Plan,
    travel: TravelMatrix,
    *,
    claims: Iterable[ReasonCode] = NO_PLACE_CLAIMS,
) -> OracleReport:
    """Test every no-place reason of ``plan`` against its final routes.

    Parameters
    ----------
    problem, plan, travel
        The problem, the plan to check and travel between the problem's places.
    claims
        The reason codes to test (default: every claim that the visit has no place).

    Returns
    -------
    OracleReport
        The number of left-out visits tested and the false claims found.
    """
    wanted = set(claims)
    before = {(v.rule, v.subject) for v in validate(problem, plan, travel)}
    checked = 0
    false = []
    for item in plan.unassigned:
        if item.reason not in wanted:
            continue
        checked += 1
        visit = problem.visit_by_id[item.visit_id]
        fits = _find_place(problem, plan, travel, visit, item, before)
        if fits is not None:
            false.append(FalseClaim(visit.id, item.reason, fits))
    return OracleReport(checked, tuple(false))


def _find_place(
    problem: Problem,
    plan: Plan,
    travel: TravelMatrix,
    visit: Visit,
    item: Unassigned,
    before: set[tuple[str, str]],
) -> str | None:
    """Where ``visit`` fits in ``plan`` (in words), or ``None`` when it fits nowhere."""
    patient = problem.patient_by_id[visit.patient_id]
    barred_days: set[int] = set()
    barred_weeks: set[tuple[str, int]] = set()
    for clinician in problem.clinicians:
        if qualification_gap(clinician, visit, patient) is not None:
            continue
        for shift in clinician.shifts:
            if not _meets(visit, shift):
                continue
            name = f"{clinician.id} on day {shift.day}"
            if item.reason == ReasonCode.UNREACHABLE_IN_WINDOW:
                alone = route_insertions(
                    problem, clinician, shift, None, visit, travel,
                    work_cap=clinician.max_work_per_day,
                )  # fmt: skip
                if alone:
                    return f"{name} alone, starting at second {alone[0].start}"
            if shift.day in barred_days or (clinician.id, shift.day // 7) in barred_weeks:
                continue
            route = plan.route_of(clinician.id, shift.day)
            options = route_insertions(
                problem, clinician, shift, route, visit, travel,
                work_cap=_work_room(plan, clinician, shift),
            )  # fmt: skip
            for option in sorted(options, key=lambda o: (o.added_travel_seconds, o.position)):
                rules = _new_violations(problem, plan, travel, visit, option, before)
                if not rules:
                    return f"{name} at position {option.position}, starting at {option.start}"
                if rules & {"link"} or _waits_for_soc(problem, plan, visit, rules):
                    return None  # no place of this visit can keep these rules
                if rules & DAY_RULES:
                    barred_days.add(shift.day)
                    break
                if rules & WEEK_RULES:
                    barred_weeks.add((clinician.id, shift.day // 7))
                    break
                if rules & CLINICIAN_DAY_RULES:
                    break
    return None


def _meets(visit: Visit, shift: Shift) -> bool:
    """Whether one of the visit's windows meets the shift (overtime included)."""
    return any(
        window.start <= shift.latest_end and window.end >= shift.window.start
        for window in visit.windows
    )


def _work_room(plan: Plan, clinician: Clinician, shift: Shift) -> int | None:
    """The most the day may work: the daily cap and what the weekly cap leaves."""
    cap = clinician.max_work_per_day
    if clinician.max_work_per_week is None:
        return cap
    week = shift.day // 7
    others = sum(
        _work(route)
        for route in plan.routes
        if route.clinician_id == clinician.id and route.day // 7 == week and route.day != shift.day
    )
    room = clinician.max_work_per_week - others
    return room if cap is None else min(cap, room)


def _work(route: Route) -> int:
    """Seconds from leaving to coming back, lunch excluded."""
    lunch = route.lunch.end - route.lunch.start if route.lunch else 0
    return route.end - route.start - lunch


def _new_violations(
    problem: Problem,
    plan: Plan,
    travel: TravelMatrix,
    visit: Visit,
    option: InsertionOption,
    before: set[tuple[str, str]],
) -> set[str]:
    """The rules the plan breaks with ``option`` applied that it did not break already."""
    key = (option.clinician_id, option.day)
    routes = tuple(option.route if (r.clinician_id, r.day) == key else r for r in plan.routes)
    if plan.route_of(*key) is None:
        routes += (option.route,)
    unassigned = tuple(u for u in plan.unassigned if u.visit_id != visit.id)
    trial = Plan(routes, unassigned, plan.kpis)
    return {
        v.rule
        for v in validate(problem, trial, travel)
        if v.rule not in IGNORED_RULES and (v.rule, v.subject) not in before
    }


def _waits_for_soc(problem: Problem, plan: Plan, visit: Visit, rules: set[str]) -> bool:
    """Whether the visit breaks the SOC order wherever it goes: the patient's SOC is left out."""
    if "soc_order" not in rules or visit.admits:
        return False
    planned = {stop.visit_id for route in plan.routes for stop in route.stops}
    return any(
        other.patient_id == visit.patient_id and other.admits and other.id not in planned
        for other in problem.visits_to_plan
    )
