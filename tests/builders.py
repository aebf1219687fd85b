"""Builders of tiny named instances shared by the test folders (plain functions, no fixtures).

The line: places ``l0``, ``l1``, ... on a line 10 minutes (5 km) apart, patient ``p{k}`` living
at place ``l{k}``, nurses working Monday 2026-12-07 08:00-17:00; ``solve_valid`` solves such a
problem and checks the plan with the validator.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from scheduler.domain import (
    DAY,
    HOUR,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Kpis,
    Location,
    Patient,
    Problem,
    ReasonCode,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from scheduler.solver import Result, SolveParams, solve
from scheduler.solver.validate import validate

MONDAY = date(2026, 12, 7)  # the first day of every tiny horizon
LINE_PLACES = 8  # places on the line unless a test asks for fewer
STEP = 600  # seconds between neighbouring places on the line
STEP_METRES = 5000  # metres between neighbouring places on the line
DAY_SHIFT = Shift(0, TimeWindow(8 * HOUR, 17 * HOUR))
ZERO_KPIS = Kpis(0, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0.0, 1.0)  # for plans only validators read


def clock(hours: int, minutes: int = 0) -> int:
    """Seconds of a clock time on day 0."""
    return hours * HOUR + minutes * 60


def line_places(count: int = LINE_PLACES) -> tuple[Location, ...]:
    """Places ``l0``..``l{count-1}`` 0.01 degrees of latitude apart."""
    return tuple(Location(f"l{k}", 40.0 + 0.01 * k, -83.0) for k in range(count))


PLACES = line_places()


def line_travel(places: tuple[Location, ...] = PLACES, step: int = STEP) -> TravelMatrix:
    """``step`` seconds (5 km) per step along the line."""
    steps = np.abs(np.subtract.outer(np.arange(len(places)), np.arange(len(places))))
    return TravelMatrix(tuple(p.id for p in places), step * steps, STEP_METRES * steps)


def nurse(clinician_id: str, place: int = 0, shift: Shift = DAY_SHIFT, **changes: Any) -> Clinician:
    """An RN living at ``PLACES[place]`` working ``shift`` (the day shift), with ``changes``."""
    return replace(
        Clinician(clinician_id, clinician_id, Credential.RN, PLACES[place], (shift,)), **changes
    )


def visit(visit_id: str, patient: int, start: int = 8, end: int = 16, **changes: Any) -> Visit:
    """A 45-minute SN visit to ``p{patient}`` startable ``start`` to ``end`` o'clock, changed."""
    fields = {
        "id": visit_id,
        "patient_id": f"p{patient}",
        "discipline": Discipline.SN,
        "duration": 2700,
        "windows": (TimeWindow(start * HOUR, end * HOUR),),
    }
    return Visit(**(fields | changes))


def line_problem(
    clinicians: list[Clinician],
    visits: list[Visit],
    places: tuple[Location, ...] = PLACES,
    **patient_changes: dict[str, Any],
) -> Problem:
    """Patients p0.. at the places; ``patient_changes`` maps patient id to field changes."""
    patients = tuple(
        replace(Patient(f"p{k}", f"P{k}", place), **patient_changes.get(f"p{k}", {}))
        for k, place in enumerate(places)
    )
    return Problem(Horizon(MONDAY), tuple(clinicians), patients, tuple(visits))


def weekday_shifts(days: range = range(5), opens: int = 8, closes: int = 17) -> tuple[Shift, ...]:
    """Shifts ``opens`` to ``closes`` o'clock on the given days of the horizon."""
    return tuple(
        Shift(d, TimeWindow(d * DAY + opens * HOUR, d * DAY + closes * HOUR)) for d in days
    )


def straight_travel(points: np.ndarray) -> tuple[tuple[Location, ...], TravelMatrix]:
    """Places ``l{k}`` at ``points`` (metres east, north of 40N 83W), straight lines at 30 km/h."""
    places = tuple(
        Location(f"l{k}", 40 + y / 111_000, -83 + x / 85_000) for k, (x, y) in enumerate(points)
    )
    metres = np.rint(
        np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    ).astype(np.int64)
    return places, TravelMatrix(tuple(p.id for p in places), metres * 120 // 1000, metres)


def random_day(visits: int, clinicians: int, seed: int = 5) -> tuple[Problem, TravelMatrix]:
    """Random patients in a 20 km square, nurses at its centre, straight-line travel at 30 km/h."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 20_000, size=(visits + 1, 2))
    points[0] = (10_000, 10_000)
    places, travel = straight_travel(points)
    shift = Shift(0, TimeWindow(8 * HOUR, 17 * HOUR))
    nurses = tuple(
        Clinician(f"c{k}", f"C{k}", Credential.RN, places[0], (shift,)) for k in range(clinicians)
    )
    patients = tuple(Patient(f"p{k}", f"P{k}", places[k]) for k in range(1, visits + 1))
    window = (TimeWindow(8 * HOUR, 16 * HOUR),)
    day = tuple(Visit(f"v{k}", f"p{k}", Discipline.SN, 1800, window) for k in range(1, visits + 1))
    return Problem(Horizon(MONDAY), nurses, patients, day), travel


def solve_valid(tiny: Problem, **params: Any) -> Result:
    """Solve a problem on the line in a second; assert the validator finds nothing wrong."""
    result = solve(tiny, line_travel(), SolveParams(time_limit=1.0, **params))
    assert validate(tiny, result.plan, line_travel()) == []
    return result


def stop_of(result: Result, visit_id: str) -> tuple[str, Stop]:
    """(clinician id, stop) of a planned visit."""
    return next(
        (r.clinician_id, s) for r in result.plan.routes for s in r.stops if s.visit_id == visit_id
    )


def reason_of(result: Result, visit_id: str) -> ReasonCode:
    """Reason a visit is unassigned."""
    return next(u.reason for u in result.plan.unassigned if u.visit_id == visit_id)
