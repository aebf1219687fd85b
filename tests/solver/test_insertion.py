"""Insertion options: the cheapest places for a new visit, each one valid when applied.

Tiny named instances: places on a line 10 minutes apart, shifts 08:00-17:00 on one day,
routes timed by hand. Every option returned is applied by the test and re-validated.
"""

import logging
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from scheduler.domain import (
    HOUR,
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
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.errors import ProblemError
from scheduler.solver import SolveParams, solve
from scheduler.solver.insertion import insertion_options
from scheduler.solver.validate import validate
from tests.builders import DAY_SHIFT, line_travel, nurse, random_day, visit
from tests.builders import line_problem as problem
from tests.solver.support import options_checked


def timed_route(
    tiny: Problem, travel: TravelMatrix, clinician_id: str, visit_ids: list[str], **changes
) -> Route:
    """The clinician's day making ``visit_ids`` in order, each as early as it can (no lunch)."""
    clinician = tiny.clinician_by_id[clinician_id]
    shift = clinician.shifts[0]
    place, free, stops = clinician.start.id, shift.window.start, []
    for visit_id in visit_ids:
        made = tiny.visit_by_id[visit_id]
        here = tiny.patient_by_id[made.patient_id].location.id
        drive = travel.seconds_between(place, here)
        start = made.pinned_start or max(made.windows[0].start, free + drive)
        stops.append(
            Stop(
                visit_id,
                made.patient_id,
                free + drive,
                start,
                start + made.duration,
                drive,
                travel.metres_between(place, here),
            )
        )
        place, free = here, start + made.duration
    home = clinician.end_location.id
    back = travel.seconds_between(place, home)
    route = Route(
        clinician_id,
        shift.day,
        shift.window.start,
        free + back,
        tuple(stops),
        back,
        travel.metres_between(place, home),
    )
    return replace(route, **changes)


def plan_of(tiny: Problem, travel: TravelMatrix, routes: list[Route]) -> Plan:
    """A valid plan of ``routes``; the problem's other visits are left out."""
    planned = {stop.visit_id for route in routes for stop in route.stops}
    left = tuple(
        Unassigned(v.id, ReasonCode.CAPACITY, "left out for the test")
        for v in tiny.visits_to_plan
        if v.id not in planned
    )
    plan = Plan(tuple(routes), left, compute_kpis(tiny, tuple(routes), left))
    assert validate(tiny, plan, travel) == []
    return plan


def test_cheapest_option_sits_between_the_two_nearest_stops() -> None:
    """On a square tour, a visit midway along an edge goes between its corners, adding nothing."""
    corners = {"home": (0, 0), "p1": (0, 10), "p2": (10, 10), "p3": (10, 0), "p4": (5, 10)}
    places = [Location(name, 40 + y / 100, -83 + x / 100) for name, (x, y) in corners.items()]
    points = np.array(list(corners.values()), dtype=float)
    km = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    travel = TravelMatrix(
        tuple(corners), np.rint(km * 120).astype(np.int64), np.rint(km * 1000).astype(np.int64)
    )
    home = places[0]
    patients = tuple(Patient(p.id, p.id, p) for p in places[1:])
    visits = tuple(visit(f"v{k}", k, patient_id=f"p{k}") for k in (1, 2, 3))
    clinician = Clinician("a", "a", Credential.RN, home, (DAY_SHIFT,))
    tiny = Problem(Horizon(date(2026, 12, 7)), (clinician,), patients, visits)
    plan = plan_of(tiny, travel, [timed_route(tiny, travel, "a", ["v1", "v2", "v3"])])
    found = options_checked(tiny, plan, visit("new", 4, patient_id="p4"), travel, limit=10)
    assert [(o.clinician_id, o.position) for o in found][:1] == [("a", 1)]
    assert found[0].added_travel_seconds == 0
    assert {o.position for o in found} == {0, 1, 2, 3}
    assert all(o.added_travel_seconds > 0 for o in found[1:])


def test_window_that_fits_only_one_clinicians_gap_returns_that_clinician() -> None:
    """A visit startable 11:00-11:15 fits a's gap between 09:00 and 13:00, not b's long visit."""
    travel = line_travel()
    visits = [
        visit("a1", 1, pinned_start=9 * HOUR),
        visit("a2", 1, pinned_start=13 * HOUR),
        visit("b1", 1, duration=3 * HOUR, pinned_start=10 * HOUR + 1800),
    ]
    tiny = problem([nurse("a", 0), nurse("b", 0)], visits)
    routes = [
        timed_route(tiny, travel, "a", ["a1", "a2"]),
        timed_route(tiny, travel, "b", ["b1"]),
    ]
    plan = plan_of(tiny, travel, routes)
    narrow = visit("new", 2, windows=(TimeWindow(11 * HOUR, 11 * HOUR + 900),))
    found = options_checked(tiny, plan, narrow, travel)
    assert [(o.clinician_id, o.position, o.start) for o in found] == [("a", 1, 11 * HOUR)]


def test_excluded_clinician_never_appears() -> None:
    """The nearest nurse is excluded by the patient: only the other one is offered."""
    travel = line_travel()
    visits = [visit("v1", 1), visit("v6", 6)]
    nurses = [nurse("near", 2), nurse("far", 6)]
    open_day = problem(nurses, visits)
    closed = problem(nurses, visits, p3={"excluded_clinicians": frozenset({"near"})})
    for tiny in (open_day, closed):
        routes = [
            timed_route(tiny, travel, "near", ["v1"]),
            timed_route(tiny, travel, "far", ["v6"]),
        ]
        plan = plan_of(tiny, travel, routes)
        found = options_checked(tiny, plan, visit("new", 3), travel, limit=20)
        offered = {o.clinician_id for o in found}
        assert offered == ({"far"} if tiny is closed else {"near", "far"})


def test_full_day_gives_no_option_for_that_clinician() -> None:
    """A nurse at her daily visit cap is not offered; without the cap she would be first."""
    travel = line_travel()
    visits = [visit("v1", 1), visit("v2", 2)]
    for cap, offered in ((None, {"busy", "idle"}), (2, {"idle"})):
        tiny = problem([nurse("busy", 1, max_visits_per_day=cap), nurse("idle", 7)], visits)
        plan = plan_of(tiny, travel, [timed_route(tiny, travel, "busy", ["v1", "v2"])])
        found = options_checked(tiny, plan, visit("new", 2), travel, limit=20)
        assert {o.clinician_id for o in found} == offered
        assert found[0].clinician_id == ("busy" if cap is None else "idle")


def test_no_qualified_clinician_gives_an_empty_list() -> None:
    """A PT visit, or one needing a skill nobody has, among nurses: no option at all."""
    travel = line_travel()
    tiny = problem([nurse("a", 0), nurse("b", 4)], [visit("v1", 1)])
    plan = plan_of(tiny, travel, [timed_route(tiny, travel, "a", ["v1"])])
    therapy = visit("pt", 2, discipline=Discipline.PT)
    wound = visit("iv", 2, required_skills=frozenset({"iv"}))
    assert insertion_options(tiny, plan, therapy, travel) == []
    assert insertion_options(tiny, plan, wound, travel) == []


def test_lunch_is_kept_or_moved_later_never_onto_a_visit() -> None:
    """A lunch at 12:00 between two visits is kept, or moved later, for a visit around noon."""
    travel = line_travel()
    rule = LunchBreak(TimeWindow(12 * HOUR, 13 * HOUR), 1800)
    shift = replace(DAY_SHIFT, lunch=rule)
    visits = [visit("v1", 1, pinned_start=11 * HOUR), visit("v2", 1, pinned_start=14 * HOUR)]
    tiny = problem([nurse("a", 0, shifts=(shift,))], visits)
    lunch = TimeWindow(12 * HOUR, 12 * HOUR + 1800)
    plan = plan_of(tiny, travel, [timed_route(tiny, travel, "a", ["v1", "v2"], lunch=lunch)])
    noon = visit("new", 2, windows=(TimeWindow(12 * HOUR, 12 * HOUR + 1200),))
    found = options_checked(tiny, plan, noon, travel)
    assert [o.position for o in found] == [1]
    moved = found[0].route.lunch
    assert moved is not None and moved.start >= lunch.start and moved.length == 1800
    assert not moved.start < found[0].start + noon.duration and found[0].start < moved.end


def test_every_option_of_a_solved_day_with_lunches_and_caps_validates(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Solved days with lunches, caps, split windows: each option re-validates, none was dropped."""
    caplog.set_level(logging.WARNING, logger="scheduler")
    lunch = LunchBreak(TimeWindow(11 * HOUR + 1800, 13 * HOUR), 1800)
    split = (TimeWindow(8 * HOUR, 9 * HOUR), TimeWindow(12 * HOUR, 14 * HOUR))
    offered = 0
    for visits, clinicians, seed in ((18, 3, 20), (12, 2, 23)):
        day, travel = random_day(visits, clinicians, seed=seed)
        nurses = tuple(
            replace(
                c,
                shifts=(replace(c.shifts[0], lunch=lunch, max_overtime=1800),),
                max_work_per_day=8 * HOUR,
                max_visits_per_day=8,
            )
            for c in day.clinicians
        )
        morning = {v.id: (TimeWindow(8 * HOUR, 11 * HOUR),) for v in day.visits[::3]}
        tiny = replace(
            day,
            clinicians=nurses,
            visits=tuple(replace(v, windows=morning.get(v.id, v.windows)) for v in day.visits),
        )
        # 3 s: on a loaded machine a 1 s search could end before its first plan (no routes,
        # too few options to offer)
        plan = solve(tiny, travel, SolveParams(time_limit=3.0, workers=1)).plan
        assert validate(tiny, plan, travel) == [] and plan.routes
        for patient in tiny.patients[::2]:
            for windows in ((TimeWindow(8 * HOUR, 16 * HOUR),), split):
                new = Visit("new", patient.id, Discipline.SN, 2700, windows)
                offered += len(options_checked(tiny, plan, new, travel, limit=50))
    assert offered > 100
    assert [r.getMessage() for r in caplog.records if "fails validation" in r.getMessage()] == []


def test_a_visit_id_already_in_the_problem_is_refused() -> None:
    """Asking about a visit the problem already holds is a ProblemError naming it."""
    travel = line_travel()
    tiny = problem([nurse("a", 0)], [visit("v1", 1)])
    plan = plan_of(tiny, travel, [timed_route(tiny, travel, "a", ["v1"])])
    with pytest.raises(ProblemError, match="'v1' is already in the problem"):
        insertion_options(tiny, plan, visit("v1", 2), travel)


def test_forty_clinicians_with_eight_stops_get_five_valid_options() -> None:
    """40 nurses with 8 stops each: five options, cheapest first, each valid once applied."""
    day, travel = random_day(320, 40, seed=3)
    centre = np.array([day.clinicians[0].start.longitude, day.clinicians[0].start.latitude])
    angle = {
        p.id: np.arctan2(p.location.latitude - centre[1], p.location.longitude - centre[0])
        for p in day.patients
    }
    ordered = sorted(day.visits, key=lambda v: angle[v.patient_id])
    routes = [
        timed_route(day, travel, f"c{k}", [v.id for v in ordered[8 * k : 8 * k + 8]])
        for k in range(40)
    ]
    plan = plan_of(day, travel, routes)
    new = Visit("new", "p5", Discipline.SN, 1800, (TimeWindow(8 * HOUR, 16 * HOUR),))
    assert len(options_checked(day, plan, new, travel)) == 5
