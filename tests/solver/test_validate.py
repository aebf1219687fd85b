"""The validator accepts a hand-checked plan and names the one rule each tampered plan breaks."""

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
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
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.solver.validate import validate
from tests.builders import clock

NURSE, THERAPIST = 0, 1  # route and clinician indices in the fixture


@dataclass(frozen=True)
class Case:
    """A problem, its travel matrix and a plan for it."""

    problem: Problem
    travel: TravelMatrix
    plan: Plan


def _window(start_minute: int, end_minute: int) -> TimeWindow:
    """A window given in minutes after midnight of day 0."""
    return TimeWindow(start_minute * MINUTE, end_minute * MINUTE)


@pytest.fixture
def day() -> Case:
    """Nurse Ana (RN, wound care) and therapist Ben work day 0 from one office.

    Ana leaves 10:00, wound care at Ada 10:30-11:30 (due 10:15, so 15 min late), drives 10 min
    to Bo, lunches 12:00-12:30, checks Bo 12:30-13:15 and is back 13:35. Ben leaves 9:00 and
    treats Cy 9:25-10:25, back 10:50. An aide visit nobody can make is left out.
    """
    office = Location("office", 40.00, -83.00)
    homes = {name: Location(f"h-{name}", 40.01 + 0.01 * k, -83.0) for k, name in enumerate("abc")}
    lunch = LunchBreak(_window(12 * 60, 13 * 60), 30 * MINUTE)
    ana = Clinician(
        "rn-ana",
        "Ana",
        Credential.RN,
        office,
        (
            Shift(0, TimeWindow(clock(8), clock(16)), lunch, max_overtime=HOUR),
            Shift(1, TimeWindow(DAY + clock(8), DAY + clock(16))),
        ),
        skills=frozenset({"wound-care"}),
        max_visits_per_day=2,
        max_work_per_day=4 * HOUR,
        max_points_per_day=3,
    )
    ben = Clinician("pt-ben", "Ben", Credential.PT, office, (Shift(0, _window(9 * 60, 17 * 60)),))
    patients = tuple(Patient(f"p-{n}", n.upper(), homes[n]) for n in "abc")
    visits = (
        Visit(
            "v-wound",
            "p-a",
            Discipline.SN,
            HOUR,
            (_window(10 * 60 + 30, 12 * 60),),
            credentials=frozenset({Credential.RN}),
            required_skills=frozenset({"wound-care"}),
            due=clock(10, 15),
            points=2,
        ),
        Visit("v-check", "p-b", Discipline.SN, 45 * MINUTE, (_window(12 * 60 + 30, 14 * 60),)),
        Visit(
            "v-pt",
            "p-c",
            Discipline.PT,
            HOUR,
            (_window(9 * 60, 12 * 60),),
            pinned_clinician="pt-ben",
        ),
        Visit("v-aide", "p-c", Discipline.HHA, 30 * MINUTE, (_window(0, 24 * 60),), optional=True),
    )
    problem = Problem(Horizon(date(2026, 12, 7), days=2), (ana, ben), patients, visits)
    minutes = np.array(
        [[0, 15, 20, 25], [15, 0, 10, 30], [20, 10, 0, 20], [25, 30, 20, 0]], dtype=np.int64
    )
    travel = TravelMatrix(("office", "h-a", "h-b", "h-c"), minutes * 60, minutes * 660)
    nurse = Route(
        "rn-ana",
        0,
        clock(10),
        clock(13, 35),
        (
            Stop("v-wound", "p-a", clock(10, 15), clock(10, 30), clock(11, 30), 900, 9900),
            Stop("v-check", "p-b", clock(11, 40), clock(12, 30), clock(13, 15), 600, 6600),
        ),
        1200,
        13200,
        lunch=TimeWindow(clock(12), clock(12, 30)),
    )
    therapist = Route(
        "pt-ben",
        0,
        clock(9),
        clock(10, 50),
        (Stop("v-pt", "p-c", clock(9, 25), clock(9, 25), clock(10, 25), 1500, 16500),),
        1500,
        16500,
    )
    left_out = (Unassigned("v-aide", ReasonCode.NO_QUALIFIED_CLINICIAN, "No clinician is an HHA."),)
    return Case(problem, travel, _plan(problem, (nurse, therapist), left_out))


def _plan(problem: Problem, routes: tuple[Route, ...], unassigned: tuple[Unassigned, ...]) -> Plan:
    """A plan whose KPIs match its routes."""
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))


def _rules(case: Case) -> set[str]:
    """The rule codes the validator reports for a case."""
    return {violation.rule for violation in validate(case.problem, case.plan, case.travel)}


def _routes(case: Case, routes: tuple[Route, ...]) -> Case:
    """The case with other routes (KPIs recomputed)."""
    return replace(case, plan=_plan(case.problem, routes, case.plan.unassigned))


def _route(case: Case, index: int, **changes: object) -> Case:
    """The case with one route changed (KPIs recomputed)."""
    routes = list(case.plan.routes)
    routes[index] = replace(routes[index], **changes)
    return _routes(case, tuple(routes))


def _stop(case: Case, route: int, index: int, **changes: object) -> Case:
    """The case with one stop changed (KPIs recomputed)."""
    stops = list(case.plan.routes[route].stops)
    stops[index] = replace(stops[index], **changes)
    return _route(case, route, stops=tuple(stops))


def _unassigned(case: Case, unassigned: tuple[Unassigned, ...]) -> Case:
    """The case with other unassigned visits (KPIs recomputed)."""
    return replace(case, plan=_plan(case.problem, case.plan.routes, unassigned))


def _clinician(case: Case, index: int, **changes: object) -> Case:
    """The case with one clinician of the problem changed (the plan kept)."""
    clinicians = list(case.problem.clinicians)
    clinicians[index] = replace(clinicians[index], **changes)
    return replace(case, problem=replace(case.problem, clinicians=tuple(clinicians)))


def _visit(case: Case, visit_id: str, **changes: object) -> Case:
    """The case with one visit of the problem changed (the plan kept)."""
    visits = tuple(replace(v, **changes) if v.id == visit_id else v for v in case.problem.visits)
    return replace(case, problem=replace(case.problem, visits=visits))


def _early_wound(case: Case) -> Case:
    """Ana's wound visit moved to 11:00-12:00, so lunch and the drive share 12:00-12:30."""
    moved = _stop(case, NURSE, 0, start=clock(11), end=clock(12))
    return _stop(moved, NURSE, 1, arrival=clock(12, 10))


# --- valid plans ---------------------------------------------------------------------------


def test_valid_plan_has_no_violation(day: Case) -> None:
    """The hand-checked plan (lunch at Bo's door, a late but allowed visit) passes every rule."""
    assert validate(day.problem, day.plan, day.travel) == []


def test_lunch_before_driving_delays_arrival_validly(day: Case) -> None:
    """Lunch taken before the drive, arriving after it, is accepted."""
    assert _rules(_stop(day, NURSE, 1, arrival=clock(12, 30))) == set()


def test_start_at_window_end_is_valid(day: Case) -> None:
    """Start windows are closed: starting on the last second is allowed."""
    moved = _stop(day, THERAPIST, 0, start=clock(12), end=clock(13))
    assert _rules(_route(moved, THERAPIST, end=clock(13, 25))) == set()


def test_short_day_needs_no_lunch(day: Case) -> None:
    """A day that starts after the lunch window opens may skip lunch."""
    check = replace(day.plan.routes[NURSE].stops[1], arrival=clock(12, 30), travel_seconds=1200)
    short = replace(
        day.plan.routes[NURSE], start=clock(12, 10), stops=(replace(check, travel_metres=13200),)
    )
    case = _routes(day, (replace(short, lunch=None), day.plan.routes[THERAPIST]))
    reason = "Not enough time for both nursing visits."
    case = _unassigned(
        case, (*day.plan.unassigned, Unassigned("v-wound", ReasonCode.CAPACITY, reason))
    )
    assert _rules(case) == set()


# --- coverage and reasons ------------------------------------------------------------------


def test_missing_visit_is_a_coverage_violation(day: Case) -> None:
    """A visit neither planned nor unassigned is reported as coverage."""
    assert _rules(_unassigned(day, ())) == {"coverage"}


def test_visit_planned_and_unassigned_is_a_coverage_violation(day: Case) -> None:
    """A visit both in a route and unassigned is reported as coverage."""
    extra = Unassigned("v-pt", ReasonCode.CAPACITY, "No room.")
    assert _rules(_unassigned(day, (*day.plan.unassigned, extra))) == {"coverage"}


def test_unknown_visit_is_a_coverage_violation(day: Case) -> None:
    """An unassigned id that is not a visit of the problem is reported as coverage."""
    ghost = Unassigned("v-ghost", ReasonCode.CAPACITY, "No room.")
    assert _rules(_unassigned(day, (*day.plan.unassigned, ghost))) == {"coverage"}


def test_unknown_visit_in_a_route_is_reported_not_raised(day: Case) -> None:
    """A stop of a visit the problem lacks is reported as coverage, not raised."""
    pt = day.plan.routes[THERAPIST]
    ghost = replace(pt, stops=(replace(pt.stops[0], visit_id="v-ghost"),))
    plan = replace(day.plan, routes=(day.plan.routes[NURSE], ghost))  # KPIs stay the same
    assert _rules(replace(day, plan=plan)) == {"coverage"}


def test_stop_at_wrong_patient_is_a_coverage_violation(day: Case) -> None:
    """A stop naming another patient than its visit's is reported as coverage."""
    assert _rules(_stop(day, THERAPIST, 0, patient_id="p-a")) == {"coverage"}


def test_unassigned_without_message_is_reported(day: Case) -> None:
    """An unassigned visit with a blank message is reported as reason."""
    blank = replace(day.plan.unassigned[0], message="  ")
    assert _rules(_unassigned(day, (blank,))) == {"reason"}


# --- routes and shifts ---------------------------------------------------------------------


def test_two_routes_on_one_day_are_reported(day: Case) -> None:
    """A clinician with two routes on the same day is reported as route."""
    nurse = day.plan.routes[NURSE]
    morning = replace(nurse, end=clock(11, 45), stops=nurse.stops[:1], lunch=None)
    morning = replace(morning, return_travel_seconds=900, return_travel_metres=9900)
    check = replace(nurse.stops[1], arrival=clock(12, 30), travel_seconds=1200, travel_metres=13200)
    afternoon = replace(nurse, start=clock(12, 10), stops=(check,), lunch=None)
    assert _rules(_routes(day, (morning, afternoon, day.plan.routes[THERAPIST]))) == {"route"}


def test_unknown_clinician_is_reported(day: Case) -> None:
    """A route of a clinician not in the problem is reported as route."""
    routes = (day.plan.routes[NURSE], replace(day.plan.routes[THERAPIST], clinician_id="pt-x"))
    assert _rules(replace(day, plan=replace(day.plan, routes=routes))) == {"route"}


def test_route_without_stops_is_reported(day: Case) -> None:
    """An empty route is reported as route."""
    empty = Route("rn-ana", 1, DAY + clock(8), DAY + clock(8), (), 0, 0)
    assert _rules(_routes(day, (*day.plan.routes, empty))) == {"route"}


def test_route_on_a_day_off_is_reported(day: Case) -> None:
    """A route on a day the clinician has no shift is reported as shift."""
    off = _clinician(
        day, THERAPIST, shifts=(Shift(1, TimeWindow(DAY + clock(9), DAY + clock(17))),)
    )
    assert _rules(off) == {"shift"}


def test_leaving_before_the_shift_is_reported(day: Case) -> None:
    """A route starting before the shift is reported as shift."""
    assert _rules(_route(day, THERAPIST, start=clock(8, 59))) == {"shift"}


def test_ending_past_overtime_is_reported(day: Case) -> None:
    """A route ending after shift end plus allowed overtime is reported as shift."""
    assert _rules(_route(day, THERAPIST, end=clock(17) + 1)) == {"shift"}


def test_overtime_within_allowance_is_valid(day: Case) -> None:
    """Ending inside the allowed overtime is no violation."""
    assert _rules(_route(day, THERAPIST, end=clock(17))) == set()


# --- qualification and pins ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "changes"),
    [
        (THERAPIST, {"credential": Credential.OT}),
        (NURSE, {"credential": Credential.LPN}),
        (NURSE, {"skills": frozenset()}),
    ],
    ids=["wrong-discipline", "credential-not-allowed", "missing-skill"],
)
def test_unqualified_clinician_is_reported(day: Case, index: int, changes: dict) -> None:
    """A clinician lacking discipline, allowed credential or skill is reported as qualification."""
    assert _rules(_clinician(day, index, **changes)) == {"qualification"}


def test_excluded_clinician_is_reported(day: Case) -> None:
    """A clinician the patient excludes is reported as qualification."""
    patients = list(day.problem.patients)
    patients[0] = replace(patients[0], excluded_clinicians=frozenset({"rn-ana"}))
    case = replace(day, problem=replace(day.problem, patients=tuple(patients)))
    assert _rules(case) == {"qualification"}


def test_pinned_clinician_is_checked(day: Case) -> None:
    """A visit made by another clinician than its pin is reported as pin."""
    assert _rules(_visit(day, "v-pt", pinned_clinician="rn-ana")) == {"pin"}


def test_pinned_start_is_checked(day: Case) -> None:
    """A visit pinned to a start made at another time is reported as pin."""
    assert _rules(_visit(day, "v-pt", pinned_start=clock(9, 30))) == {"pin"}


# --- times along a route -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"travel_seconds": 1400}, {"travel_metres": 1}],
    ids=["seconds", "metres"],
)
def test_leg_unlike_the_matrix_is_reported(day: Case, changes: dict) -> None:
    """A leg recorded differently from the matrix is reported as travel."""
    assert _rules(_stop(day, NURSE, 1, **changes)) == {"travel"}


def test_return_leg_unlike_the_matrix_is_reported(day: Case) -> None:
    """A way home recorded differently from the matrix is reported as travel."""
    assert _rules(_route(day, THERAPIST, return_travel_metres=0)) == {"travel"}


def test_matrix_without_a_location_is_reported(day: Case) -> None:
    """A travel matrix lacking a patient's home is reported as travel, not raised."""
    seconds = day.travel.seconds[:3, :3]
    small = TravelMatrix(day.travel.location_ids[:3], seconds, day.travel.metres[:3, :3])
    assert _rules(replace(day, travel=small)) == {"travel"}


def test_start_before_the_drive_ends_is_reported(day: Case) -> None:
    """A visit starting before the clinician can have driven there is reported as travel."""
    early = _stop(day, THERAPIST, 0, arrival=clock(9, 20), start=clock(9, 20), end=clock(10, 20))
    assert _rules(early) == {"travel"}


def test_arrival_before_the_drive_ends_is_reported(day: Case) -> None:
    """An arrival earlier than the drive allows is reported as travel."""
    assert _rules(_stop(day, THERAPIST, 0, arrival=clock(9, 20))) == {"travel"}


def test_lunch_leaving_no_time_to_drive_is_reported(day: Case) -> None:
    """Lunch and the drive must both fit between visits: too short a gap is reported as travel."""
    assert _rules(_early_wound(day)) == {"travel"}


def test_late_return_is_reported(day: Case) -> None:
    """A route ending before the drive home could is reported as travel."""
    assert _rules(_route(day, NURSE, end=clock(13, 30))) == {"travel"}


def test_stops_out_of_order_are_reported(day: Case) -> None:
    """Stops listed out of chronological order are reported as order."""
    wound, check = day.plan.routes[NURSE].stops
    first = replace(check, travel_seconds=1200, travel_metres=13200)
    then = replace(wound, travel_seconds=600, travel_metres=6600)
    case = _route(
        day, NURSE, stops=(first, then), return_travel_seconds=900, return_travel_metres=9900
    )
    assert _rules(case) == {"order"}


def test_start_before_arrival_is_reported(day: Case) -> None:
    """A visit starting before the clinician arrives is reported as arrival."""
    assert _rules(_stop(day, THERAPIST, 0, arrival=clock(9, 30))) == {"arrival"}


def test_start_outside_window_is_reported(day: Case) -> None:
    """A visit starting one second after its window closes is reported as time_window."""
    late = _stop(day, THERAPIST, 0, start=clock(12) + 1, end=clock(13) + 1)
    assert _rules(_route(late, THERAPIST, end=clock(13, 25) + 1)) == {"time_window"}


def test_wrong_duration_is_reported(day: Case) -> None:
    """A visit shorter than ordered is reported as duration."""
    assert _rules(_stop(day, THERAPIST, 0, end=clock(10, 20))) == {"duration"}


# --- lunch ---------------------------------------------------------------------------------


def test_lunch_overlapping_a_visit_is_reported(day: Case) -> None:
    """A lunch during a visit is reported as lunch."""
    assert _rules(_route(day, NURSE, lunch=TimeWindow(clock(12, 15), clock(12, 45)))) == {"lunch"}


def test_lunch_of_wrong_length_is_reported(day: Case) -> None:
    """A lunch shorter than the shift's is reported as lunch."""
    assert _rules(_route(day, NURSE, lunch=TimeWindow(clock(12), clock(12, 20)))) == {"lunch"}


def test_lunch_outside_its_window_is_reported(day: Case) -> None:
    """A lunch starting after its window closes is reported as lunch."""
    lunch = TimeWindow(clock(13, 15), clock(13, 45))
    assert _rules(_route(day, NURSE, lunch=lunch, end=clock(14, 5))) == {"lunch"}


def test_missing_lunch_on_a_full_day_is_reported(day: Case) -> None:
    """A day at work across the whole lunch window without lunch is reported as lunch."""
    assert _rules(_route(day, NURSE, lunch=None)) == {"lunch"}


def test_lunch_on_a_shift_without_one_is_reported(day: Case) -> None:
    """A lunch on a shift that has no lunch is reported as lunch."""
    lunch = TimeWindow(clock(10, 25), clock(10, 55))
    assert _rules(_route(day, THERAPIST, lunch=lunch, end=clock(11, 20))) == {"lunch"}


def test_lunch_outside_the_day_is_reported(day: Case) -> None:
    """A lunch after the route has ended is reported as lunch."""
    shift = Shift(0, _window(9 * 60, 17 * 60), LunchBreak(_window(11 * 60, 12 * 60), 30 * MINUTE))
    case = _clinician(day, THERAPIST, shifts=(shift,))
    assert _rules(_route(case, THERAPIST, lunch=TimeWindow(clock(11), clock(11, 30)))) == {"lunch"}


# --- daily limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "cap", "used"),
    [
        ("max_visits", "max_visits_per_day", 2),
        ("max_work", "max_work_per_day", 3 * HOUR + 5 * MINUTE),
        ("max_points", "max_points_per_day", 3),
    ],
)
def test_daily_cap_is_reported(day: Case, rule: str, cap: str, used: int) -> None:
    """A day exactly at a cap passes; one unit over it (lunch excluded from work) is reported."""
    assert _rules(_clinician(day, NURSE, **{cap: used})) == set()
    assert _rules(_clinician(day, NURSE, **{cap: used - 1})) == {rule}


# --- KPIs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{"travel_seconds": 1}, {"lateness_seconds": 0}, {"utilisation": 0.5}],
    ids=["travel", "lateness", "utilisation"],
)
def test_stale_kpis_are_reported(day: Case, changes: dict) -> None:
    """KPIs that do not match the routes are reported as kpi."""
    stale = replace(day.plan, kpis=replace(day.plan.kpis, **changes))
    assert _rules(replace(day, plan=stale)) == {"kpi"}


def test_float_kpis_within_tolerance_are_accepted(day: Case) -> None:
    """A float KPI off by less than 1e-6 is not a violation."""
    kpis = day.plan.kpis
    close = replace(kpis, utilisation=kpis.utilisation + 1e-8)
    assert _rules(replace(day, plan=replace(day.plan, kpis=close))) == set()


def test_kpis_of_the_fixture_are_hand_checked(day: Case) -> None:
    """The fixture's KPIs equal the figures worked out by hand (so the fixture is sound)."""
    kpis = day.plan.kpis
    assert (kpis.visits_planned, kpis.visits_unassigned) == (3, 1)
    assert (kpis.travel_seconds, kpis.service_seconds) == (5700, 9900)
    assert (kpis.work_seconds, kpis.idle_seconds) == (11100 + 6600, 11100 + 6600 - 5700 - 9900)
    assert (kpis.lateness_seconds, kpis.on_time_share) == (900, pytest.approx(2 / 3))
    assert kpis.utilisation == pytest.approx(9900 / (3 * 8 * HOUR))


# --- what resolves a violation -------------------------------------------------------------


def _named(case: Case) -> dict[str, set[str]]:
    """Rule code -> the visits whose removal resolves its violations."""
    named: dict[str, set[str]] = {}
    for violation in validate(case.problem, case.plan, case.travel):
        named.setdefault(violation.rule, set()).update(violation.visit_ids)
    return named


def test_a_fault_of_one_visit_names_that_visit(day: Case) -> None:
    """A start outside the window names the visit that starts there."""
    late = _stop(day, THERAPIST, 0, start=clock(12) + 1, end=clock(13) + 1)
    assert _named(_route(late, THERAPIST, end=clock(13, 25) + 1)) == {"time_window": {"v-pt"}}


def test_a_daily_cap_names_the_last_visit_of_the_route(day: Case) -> None:
    """One visit over the daily cap names the route's last visit."""
    assert _named(_clinician(day, NURSE, max_visits_per_day=1)) == {"max_visits": {"v-check"}}


def test_a_fault_of_the_whole_route_names_all_its_visits(day: Case) -> None:
    """A route leaving before its shift names every visit on it."""
    early = _clinician(_route(day, NURSE, start=clock(7, 59)), NURSE, max_work_per_day=None)
    assert _named(early) == {"shift": {"v-wound", "v-check"}}


def test_stale_kpis_name_no_visit(day: Case) -> None:
    """KPIs that do not match the routes are not resolved by removing visits."""
    stale = replace(day.plan, kpis=replace(day.plan.kpis, travel_seconds=1))
    assert _named(replace(day, plan=stale)) == {"kpi": set()}
