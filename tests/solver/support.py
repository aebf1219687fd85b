"""Helpers of the solver tests that several test files use (plain functions, no fixtures).

A crowded Monday: places on a line 10 minutes apart, two nurses working Monday morning
(08:00-12:00), routes timed by the insertion machinery so that they are valid.

A care-plan week: two RNs and a PT on such a line working 08:00-17:00 on weekdays, patients
between them home 09:00-16:00, SN care plans whose first week is the horizon's.

Insertion options checked: every option ``insertion_options`` returns is applied and the plan
re-validated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from scheduler.domain import (
    DAY,
    HOUR,
    Availability,
    CarePlan,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.solver import Result, SolveParams, solve
from scheduler.solver.insertion import InsertionOption, insertion_options, route_insertions
from scheduler.solver.validate import validate
from tests import builders
from tests.builders import MONDAY, line_problem, line_travel

# A crowded Monday -------------------------------------------------------------------------

MORNING = Shift(0, TimeWindow(8 * HOUR, 12 * HOUR))


def nurse(clinician_id: str, place: int) -> Clinician:
    """An RN living at ``PLACES[place]`` working Monday morning."""
    return builders.nurse(clinician_id, place, MORNING)


def visit(visit_id: str, patient: int, **changes: Any) -> Visit:
    """A 45-minute SN visit to ``p{patient}``, startable 08:00-11:15."""
    morning = {"windows": (TimeWindow(8 * HOUR, 11 * HOUR + 900),)}
    return builders.visit(visit_id, patient, **(morning | changes))


def crowded_monday(*extra: Visit, b_busy: bool = False) -> tuple[Problem, TravelMatrix]:
    """Nurse ``a`` (place 0) with a1..a4 next door; nurse ``b`` (place 4), idle unless busy.

    Four 45-minute visits fill a's morning; with ``b_busy``, b1..b4 fill b's.
    """
    visits = [visit(f"a{k}", 1) for k in range(1, 5)]
    if b_busy:
        visits += [visit(f"b{k}", 4) for k in range(1, 5)]
    return line_problem([nurse("a", 0), nurse("b", 4)], [*visits, *extra]), line_travel()


def fill(problem: Problem, travel: TravelMatrix, clinician_id: str, ids: list[str]) -> Route:
    """The clinician's Monday making ``ids`` in order, each appended where it fits."""
    clinician = problem.clinician_by_id[clinician_id]
    route = None
    for visit_id in ids:
        options = route_insertions(
            problem, clinician, MORNING, route, problem.visit_by_id[visit_id], travel,
            work_cap=None,
        )  # fmt: skip
        route = next(o.route for o in options if o.position == len(route.stops if route else ()))
    assert route is not None
    return route


def plan_with(
    problem: Problem, travel: TravelMatrix, routes: list[Route], reason: ReasonCode, text: str
) -> Plan:
    """A valid plan of ``routes``; every other visit left out with ``reason``."""
    planned = {stop.visit_id for route in routes for stop in route.stops}
    left = tuple(
        Unassigned(v.id, reason, text) for v in problem.visits_to_plan if v.id not in planned
    )
    plan = Plan(tuple(routes), left, compute_kpis(problem, tuple(routes), left))
    assert validate(problem, plan, travel) == []
    return plan


# A care-plan week -------------------------------------------------------------------------

WEEKDAYS = range(5)


def week_shifts(days: range = WEEKDAYS) -> tuple[Shift, ...]:
    """08:00-17:00 with a 30-minute lunch on the given days."""
    return tuple(
        Shift(
            day,
            TimeWindow(day * DAY + 8 * HOUR, day * DAY + 17 * HOUR),
            LunchBreak(TimeWindow(day * DAY + 12 * HOUR, day * DAY + 13 * HOUR), 1800),
        )
        for day in days
    )


def home_on(weekdays: range = WEEKDAYS) -> tuple[Availability, ...]:
    """Home 09:00-16:00 on the given weekdays."""
    return tuple(Availability(w, TimeWindow(9 * HOUR, 16 * HOUR)) for w in weekdays)


def week_problem(
    plans: list[CarePlan], *, patients: int = 3, visits: tuple[Visit, ...] = (), **rn_a_changes: Any
) -> tuple[Problem, TravelMatrix]:
    """Two RNs and a PT on a line of places 10 minutes apart, the patients between them.

    ``rn_a_changes`` set fields of the first RN (e.g. weekly caps).
    """
    places = [Location(f"l{k}", 40.0 + 0.01 * k, -83.0) for k in range(patients + 3)]
    clinicians = (
        Clinician("rn-a", "A", Credential.RN, places[0], week_shifts(), **rn_a_changes),
        Clinician("rn-b", "B", Credential.RN, places[-1], week_shifts()),
        Clinician("pt-c", "C", Credential.PT, places[-2], week_shifts()),
    )
    people = tuple(
        Patient(f"p{k}", f"P{k}", places[k + 1], availability=home_on()) for k in range(patients)
    )
    problem = Problem(Horizon(MONDAY, 7), clinicians, people, visits, care_plans=tuple(plans))
    steps = np.abs(np.subtract.outer(np.arange(len(places)), np.arange(len(places))))
    travel = TravelMatrix(tuple(p.id for p in places), 600 * steps, 5000 * steps)
    return problem, travel


def home_briefly(problem: Problem) -> Problem:
    """``problem`` with p0 home only 08:00-09:35 on weekdays: too short for an assessment.

    Ten minutes from any clinician, nobody reaches an assessment that must start by 08:05.
    """
    home = tuple(Availability(w, TimeWindow(8 * HOUR, 9 * HOUR + 35 * 60)) for w in WEEKDAYS)
    patient = replace(problem.patients[0], availability=home)
    return replace(problem, patients=(patient, *problem.patients[1:]))


def plan_of(plan_id: str, patient: str, order: str, **changes: Any) -> CarePlan:
    """An SN care plan whose week one is the horizon's week, primary rn-a."""
    fields = {
        "id": plan_id,
        "patient_id": patient,
        "discipline": Discipline.SN,
        "frequency": order,
        "start_of_care": MONDAY,
        "visit_duration": 2700,
        "primary_clinician": "rn-a",
    }
    return CarePlan(**(fields | changes))


def solve_valid(problem: Problem, travel: TravelMatrix, seconds: float = 4.0) -> Result:
    """Solve and assert the validator finds nothing wrong."""
    result = solve(problem, travel, SolveParams(time_limit=seconds, workers=1))
    assert validate(problem, result.plan, travel) == []
    return result


# Insertion options checked ----------------------------------------------------------------


def assert_applies(
    tiny: Problem, plan: Plan, new: Visit, option: InsertionOption, travel: TravelMatrix
) -> None:
    """The option's route holds the old stops in order plus the visit, and the plan validates."""
    before = plan.route_of(option.clinician_id, option.day)
    old = [s.visit_id for s in before.stops] if before else []
    route = option.route
    expected = [*old[: option.position], new.id, *old[option.position :]]
    assert [s.visit_id for s in route.stops] == expected
    assert route.stops[option.position].start == option.start
    added = route.travel_seconds - (before.travel_seconds if before else 0)
    assert option.added_travel_seconds == added
    grown = replace(tiny, visits=(*tiny.visits, new))
    others = tuple(
        r for r in plan.routes if (r.clinician_id, r.day) != (route.clinician_id, route.day)
    )
    routes = (*others, route)
    applied = Plan(routes, plan.unassigned, compute_kpis(grown, routes, plan.unassigned))
    assert validate(grown, applied, travel) == []


def options_checked(
    tiny: Problem, plan: Plan, new: Visit, travel: TravelMatrix, **options: Any
) -> list[InsertionOption]:
    """``insertion_options``, each applied and re-validated, in ranking order."""
    found = insertion_options(tiny, plan, new, travel, **options)
    for option in found:
        assert_applies(tiny, plan, new, option, travel)
    ranks = [(o.added_travel_seconds, o.start) for o in found]
    assert ranks == sorted(ranks)
    return found
