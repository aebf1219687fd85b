"""Each rule of a day holds in the solver's plans, and each shows what happens when it cannot.

Tiny named instances: places on a line 10 minutes apart, shifts 08:00-17:00 on one day. Every
plan goes through the independent validator.
"""

from dataclasses import replace

import pytest

from scheduler.domain import (
    HOUR,
    Credential,
    Discipline,
    LunchBreak,
    ReasonCode,
    TimeWindow,
)
from scheduler.solver import SolveStatus
from tests.builders import DAY_SHIFT, STEP, nurse, reason_of, solve_valid, stop_of, visit
from tests.builders import line_problem as problem

# time windows -------------------------------------------------------------------------------


def test_visit_starts_inside_its_window() -> None:
    """A visit startable 13:00-14:00 starts in that hour."""
    result = solve_valid(
        problem([nurse("a", 0)], [visit("v", 3, windows=(TimeWindow(13 * HOUR, 14 * HOUR),))])
    )
    assert 13 * HOUR <= stop_of(result, "v")[1].start <= 14 * HOUR


def test_second_window_used_when_the_first_is_taken() -> None:
    """With a 09:00 pinned visit filling the morning, a morning-or-afternoon visit goes after."""
    pinned = visit("pin", 1, duration=3 * HOUR, pinned_start=8 * HOUR + STEP)
    either = visit(
        "v", 1, windows=(TimeWindow(8 * HOUR, 9 * HOUR), TimeWindow(14 * HOUR, 15 * HOUR))
    )
    result = solve_valid(problem([nurse("a", 0)], [pinned, either]))
    assert 14 * HOUR <= stop_of(result, "v")[1].start <= 15 * HOUR


def test_window_closing_before_anyone_can_arrive_is_unreachable() -> None:
    """A visit that must start by 08:05 an hour's drive away is left out as unreachable."""
    result = solve_valid(
        problem([nurse("a", 0)], [visit("v", 6, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 300),))])
    )
    assert result.status == SolveStatus.PARTIAL
    assert reason_of(result, "v") == ReasonCode.UNREACHABLE_IN_WINDOW


# soft due times -----------------------------------------------------------------------------


def test_visit_due_early_is_served_first() -> None:
    """Of two visits, the one due by 09:00 comes first."""
    result = solve_valid(
        problem([nurse("a", 0)], [visit("late", 1), visit("due", 5, due=9 * HOUR)])
    )
    assert stop_of(result, "due")[1].start <= 9 * HOUR


def test_two_visits_due_at_once_far_apart_make_one_late() -> None:
    """Both due 08:30 at opposite ends: one is late, lateness is counted, nothing is dropped."""
    visits = [visit("x", 1, due=8 * HOUR + 1800), visit("y", 7, due=8 * HOUR + 1800)]
    result = solve_valid(problem([nurse("a", 4)], visits))
    assert not result.plan.unassigned
    assert result.plan.kpis.lateness_seconds > 0 and result.plan.kpis.on_time_share == 0.5


# shifts -------------------------------------------------------------------------------------


def test_route_stays_inside_the_shift() -> None:
    """A route leaves after the shift starts and is back by its end."""
    result = solve_valid(problem([nurse("a", 0)], [visit(f"v{k}", k) for k in range(1, 5)]))
    route = result.plan.routes[0]
    assert route.start >= 8 * HOUR and route.end <= 17 * HOUR


def test_window_outside_every_shift_is_reported() -> None:
    """A visit startable only at 19:00 has no shift that meets it."""
    result = solve_valid(
        problem([nurse("a", 0)], [visit("v", 1, windows=(TimeWindow(19 * HOUR, 20 * HOUR),))])
    )
    assert reason_of(result, "v") == ReasonCode.NO_SHIFT_IN_WINDOW


def test_window_meeting_the_shift_too_late_to_finish_is_too_short() -> None:
    """A 2-hour visit startable from 16:30 cannot finish by the 17:00 end."""
    late = visit("v", 1, duration=2 * HOUR, windows=(TimeWindow(16 * HOUR + 1800, 18 * HOUR),))
    result = solve_valid(problem([nurse("a", 0)], [late]))
    assert reason_of(result, "v") == ReasonCode.WINDOW_TOO_SHORT


# lunch breaks -------------------------------------------------------------------------------


def test_busy_day_gets_lunch_in_its_window_between_visits() -> None:
    """A day of long visits from 08:00 to 16:00 takes a 30-minute lunch in 12:00-13:00."""
    shift = replace(DAY_SHIFT, lunch=LunchBreak(TimeWindow(12 * HOUR, 13 * HOUR), 1800))
    visits = [visit(f"v{k}", k, duration=100 * 60) for k in range(1, 5)]
    result = solve_valid(problem([nurse("a", 0, shifts=(shift,))], visits))
    lunch = result.plan.routes[0].lunch
    assert lunch is not None and 12 * HOUR <= lunch.start <= 13 * HOUR and lunch.length == 1800


def test_short_morning_has_no_lunch() -> None:
    """A day that ends before the lunch window needs no lunch."""
    shift = replace(DAY_SHIFT, lunch=LunchBreak(TimeWindow(12 * HOUR, 13 * HOUR), 1800))
    result = solve_valid(
        problem(
            [nurse("a", 0, shifts=(shift,))],
            [visit("v", 1, windows=(TimeWindow(8 * HOUR, 9 * HOUR),))],
        )
    )
    assert result.plan.routes[0].lunch is None


# qualifications, exclusions, pins -----------------------------------------------------------


def test_therapy_visit_goes_to_the_therapist_not_the_nearer_nurse() -> None:
    """A PT visit next to the nurse's home is made by the PT who lives far away."""
    pt = replace(nurse("t", 7), credential=Credential.PT)
    result = solve_valid(problem([nurse("a", 0), pt], [visit("v", 1, discipline=Discipline.PT)]))
    assert stop_of(result, "v")[0] == "t"


def test_required_skill_and_credential_pick_the_right_nurse() -> None:
    """Wound care goes to the nurse with the skill; a SOC for RNs skips the nearer LPN."""
    lpn = replace(nurse("lpn", 1), credential=Credential.LPN)
    skilled = nurse("rn", 6, skills=frozenset({"wound-care"}))
    visits = [
        visit("wound", 2, required_skills=frozenset({"wound-care"})),
        visit("soc", 1, credentials=frozenset({Credential.RN})),
    ]
    result = solve_valid(problem([lpn, skilled], visits))
    assert stop_of(result, "wound")[0] == "rn" and stop_of(result, "soc")[0] == "rn"


def test_no_clinician_of_the_discipline_is_reported() -> None:
    """An ST visit in an agency of nurses cannot be made by anyone."""
    result = solve_valid(problem([nurse("a", 0)], [visit("v", 1, discipline=Discipline.ST)]))
    assert reason_of(result, "v") == ReasonCode.NO_QUALIFIED_CLINICIAN


def test_excluded_clinician_never_visits_even_when_closest() -> None:
    """The patient's excluded nurse lives next door; the other nurse goes."""
    result = solve_valid(
        problem(
            [nurse("near", 1), nurse("far", 7)],
            [visit("v", 1)],
            p1={"excluded_clinicians": frozenset({"near"})},
        )
    )
    assert stop_of(result, "v")[0] == "far"


def test_everyone_excluded_is_reported() -> None:
    """When the patient excludes every qualified clinician, that is the reason given."""
    result = solve_valid(
        problem([nurse("a", 0)], [visit("v", 1)], p1={"excluded_clinicians": frozenset({"a"})})
    )
    assert reason_of(result, "v") == ReasonCode.ALL_QUALIFIED_EXCLUDED


def test_pinned_clinician_and_start_are_kept() -> None:
    """A visit pinned to the far nurse at 10:00 is made by her at 10:00."""
    pinned = visit("v", 1, pinned_clinician="far", pinned_start=10 * HOUR)
    result = solve_valid(problem([nurse("near", 1), nurse("far", 7)], [pinned]))
    assert stop_of(result, "v")[0] == "far" and stop_of(result, "v")[1].start == 10 * HOUR


def test_pin_to_an_unqualified_clinician_is_a_conflict() -> None:
    """A nursing visit pinned to a PT is reported as a pin conflict."""
    pt = replace(nurse("t", 1), credential=Credential.PT)
    result = solve_valid(problem([nurse("a", 0), pt], [visit("v", 1, pinned_clinician="t")]))
    assert reason_of(result, "v") == ReasonCode.PIN_CONFLICT


# preferences --------------------------------------------------------------------------------


def test_preferred_clinician_wins_a_tie() -> None:
    """Two nurses one step away: the patient's preferred one makes the visit."""
    tiny = problem(
        [nurse("other", 2), nurse("pref", 4)],
        [visit("v", 3)],
        p3={"preferred_clinicians": ("pref",)},
    )
    assert stop_of(solve_valid(tiny), "v")[0] == "pref"


def test_preferred_clinician_takes_a_detour_cheaper_than_the_penalty() -> None:
    """With a 25-minute preference penalty, a 20-minute round-trip detour is worth it."""
    tiny = problem(
        [nurse("near", 2), nurse("pref", 5)],
        [visit("v", 3)],
        p3={"preferred_clinicians": ("pref",)},
    )
    assert stop_of(solve_valid(tiny, preference_penalty=10 * 1500), "v")[0] == "pref"


def test_preference_is_soft() -> None:
    """Without a preference penalty the nearer nurse takes the visit."""
    tiny = problem(
        [nurse("near", 2), nurse("pref", 6)],
        [visit("v", 2)],
        p2={"preferred_clinicians": ("pref",)},
    )
    assert stop_of(solve_valid(tiny, preference_penalty=0), "v")[0] == "near"


# daily limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "limit",
    [{"max_visits_per_day": 2}, {"max_points_per_day": 2}, {"max_work_per_day": 2 * HOUR + 1800}],
)
def test_daily_limit_holds_and_the_rest_is_capacity(limit: dict) -> None:
    """A nurse capped at two visits' worth makes two; the third is left out for capacity."""
    result = solve_valid(problem([nurse("a", 0, **limit)], [visit(f"v{k}", k) for k in (1, 2, 3)]))
    assert result.plan.kpis.visits_planned == 2
    assert [u.reason for u in result.plan.unassigned] == [ReasonCode.CAPACITY]


# overtime -----------------------------------------------------------------------------------


def test_overtime_allowed_is_used_and_counted() -> None:
    """A visit that can only start at 16:45 is made with overtime when the shift allows it."""
    shift = replace(DAY_SHIFT, max_overtime=HOUR)
    late = visit("v", 1, windows=(TimeWindow(16 * HOUR + 2700, 16 * HOUR + 2700),))
    result = solve_valid(problem([nurse("a", 0, shifts=(shift,))], [late]))
    assert result.plan.kpis.overtime_seconds > 0 and not result.plan.unassigned


def test_without_overtime_the_late_visit_is_left_out() -> None:
    """The same visit without allowed overtime cannot finish in the shift."""
    late = visit("v", 1, windows=(TimeWindow(16 * HOUR + 2700, 16 * HOUR + 2700),))
    result = solve_valid(problem([nurse("a", 0)], [late]))
    assert reason_of(result, "v") == ReasonCode.WINDOW_TOO_SHORT


# optional visits and balance ----------------------------------------------------------------


def test_optional_low_priority_visit_goes_first_when_short() -> None:
    """With room for two of three, the optional priority-1 visit is the one left out."""
    visits = [visit("v1", 1), visit("v2", 2), visit("opt", 3, optional=True, priority=1)]
    result = solve_valid(problem([nurse("a", 0, max_visits_per_day=2)], visits))
    assert result.status == SolveStatus.SOLVED
    assert [(u.visit_id, u.reason) for u in result.plan.unassigned] == [
        ("opt", ReasonCode.LOW_PRIORITY)
    ]


def test_balance_splits_identical_work_evenly() -> None:
    """Six visits at one place, two nurses: a strong balance weight gives three each."""
    visits = [visit(f"v{k}", 3, windows=(TimeWindow(8 * HOUR, 16 * HOUR),)) for k in range(6)]
    tiny = problem([nurse("a", 0), nurse("b", 0)], [replace(v, patient_id=f"p{3}") for v in visits])
    result = solve_valid(tiny, balance_weight=1000)
    assert sorted(len(r.stops) for r in result.plan.routes) == [3, 3]


# preferred hours (soft) ---------------------------------------------------------------------


def test_preferred_afternoon_is_honoured_when_feasible() -> None:
    """A patient who prefers 14:00-16:00 gets the visit started then, not at the morning."""
    wish = {"p3": {"preferred_hours": TimeWindow(14 * HOUR, 16 * HOUR)}}
    result = solve_valid(problem([nurse("a", 0)], [visit("v", 3)], **wish))
    assert 14 * HOUR <= stop_of(result, "v")[1].start <= 16 * HOUR


def test_preferred_hours_outside_the_window_still_plan_the_visit() -> None:
    """A wish the visit's window never meets is soft: the visit is planned inside its window."""
    wish = {"p3": {"preferred_hours": TimeWindow(18 * HOUR, 20 * HOUR)}}
    tiny = problem(
        [nurse("a", 0)], [visit("v", 3, windows=(TimeWindow(9 * HOUR, 10 * HOUR),))], **wish
    )
    result = solve_valid(tiny)
    assert 9 * HOUR <= stop_of(result, "v")[1].start <= 10 * HOUR


def test_preferred_morning_gives_way_to_a_pinned_visit() -> None:
    """When a pinned visit fills the morning, the morning-wish visit is still made, later."""
    pinned = visit("pin", 1, duration=4 * HOUR, pinned_start=8 * HOUR + STEP)
    wish = {"p2": {"preferred_hours": TimeWindow(8 * HOUR, 10 * HOUR)}}
    result = solve_valid(problem([nurse("a", 0)], [pinned, visit("v", 2)], **wish))
    assert stop_of(result, "v")[1].start >= 12 * HOUR
