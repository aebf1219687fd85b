"""Planning a week from care plans: days chosen by the order's rules, every plan validated."""

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    CareRules,
    Discipline,
    Problem,
    ReasonCode,
    TimeWindow,
    Visit,
    VisitType,
)
from scheduler.solver import SolveStatus, horizon
from scheduler.solver._day_routing import allowed_vehicles
from scheduler.solver.day_choice import DayChoice
from scheduler.solver.explain import screen_visits
from scheduler.solver.horizon import left_out_weight
from scheduler.solver.model import list_vehicles
from tests.solver.support import (
    MONDAY,
    home_briefly,
    home_on,
    plan_of,
    solve_valid,
    week_problem,
)


def days_of(result, plan_id: str) -> list[int]:
    """Horizon days of a care plan's planned visits, in order."""
    return sorted(
        stop.start // DAY
        for route in result.plan.routes
        for stop in route.stops
        if stop.visit_id.startswith(plan_id)
    )


def test_three_a_week_is_spread_not_consecutive() -> None:
    """A 3W order gets three visits at least two days apart (not Mon-Tue-Wed)."""
    problem, travel = week_problem([plan_of("cp1", "p0", "SN 3W2")])
    result = solve_valid(problem, travel)
    days = days_of(result, "cp1")
    assert len(days) == 3 and all(b - a >= 2 for a, b in pairwise(days))
    assert result.plan.kpis.frequency_compliance == 1.0


def test_daily_order_takes_every_weekday() -> None:
    """A 5W order may use consecutive days: one visit on each weekday."""
    problem, travel = week_problem([plan_of("cp1", "p0", "5W1")])
    assert days_of(solve_valid(problem, travel), "cp1") == [0, 1, 2, 3, 4]


def test_one_visit_a_day_per_discipline() -> None:
    """A care plan visit never shares a day with another visit of the same discipline."""
    monday = Visit("lab", "p0", Discipline.SN, 1800, (TimeWindow(9 * HOUR, 15 * HOUR),))
    problem, travel = week_problem([plan_of("cp1", "p0", "2W1")], visits=(monday,))
    result = solve_valid(problem, travel)
    assert result.status == SolveStatus.SOLVED and 0 not in days_of(result, "cp1")


def test_primary_clinician_keeps_the_patient() -> None:
    """Visits go to the plan's primary clinician even when another lives nearer."""
    plans = [plan_of("cp1", "p2", "3W1", primary_clinician="rn-a")]
    result = solve_valid(*week_problem(plans))
    made_by = {r.clinician_id for r in result.plan.routes for s in r.stops}
    assert made_by == {"rn-a"} and result.plan.kpis.continuity_share == 1.0


def test_at_most_the_rules_clinicians_per_week() -> None:
    """With a one-clinician rule, a care plan's week is made by a single clinician."""
    problem, travel = week_problem([plan_of("cp1", "p1", "3W1", primary_clinician=None)])
    problem = replace(problem, rules=CareRules(max_clinicians_per_week=1))
    result = solve_valid(problem, travel)
    assert len({route.clinician_id for route in result.plan.routes}) == 1


def test_discharge_visit_is_the_last() -> None:
    """When the order ends this week, its last visit is the discharge and comes last."""
    started = MONDAY - timedelta(days=7)
    plans = [plan_of("cp1", "p0", "3W1, 3W1", start_of_care=started, visits_made=(started,) * 3)]
    result = solve_valid(*week_problem(plans))
    problem = week_problem(plans)[0]
    planned = {
        stop.visit_id: stop.start // DAY for route in result.plan.routes for stop in route.stops
    }
    discharge = [v for v in problem.visits_to_plan if v.visit_type == VisitType.DC]
    assert len(discharge) == 1 and planned[discharge[0].id] == max(planned.values())


def test_start_of_care_within_48_hours_by_an_rn() -> None:
    """A referral on Tuesday 08:00 gets its SOC by an RN before Thursday 08:00."""
    referral = DAY + 8 * HOUR
    plans = [
        plan_of("cp1", "p0", "2W1", start_of_care=MONDAY + timedelta(days=1), referral=referral)
    ]
    result = solve_valid(*week_problem(plans))
    soc = next(
        (route, stop)
        for route in result.plan.routes
        for stop in route.stops
        if stop.visit_id == "cp1-soc"
    )
    assert soc[0].clinician_id.startswith("rn") and referral <= soc[1].start <= referral + 48 * HOUR


def test_weekly_visit_cap_holds() -> None:
    """A clinician capped at 4 visits a week makes no more, others take the rest."""
    plans = [plan_of(f"cp{k}", f"p{k}", "3W1", primary_clinician="rn-a") for k in range(3)]
    result = solve_valid(*week_problem(plans, max_visits_per_week=4))
    per_clinician = Counter(r.clinician_id for r in result.plan.routes for _ in r.stops)
    assert per_clinician["rn-a"] <= 4 and sum(per_clinician.values()) == 9


def test_too_few_home_days_leaves_required_visits_out_with_a_reason() -> None:
    """A 3W order, patient home Monday and Tuesday only: the miss is reported.

    Spacing is soft: both home days get a visit, and the third gets a reason, not silence.
    """
    problem, travel = week_problem([plan_of("cp1", "p0", "3W1")])
    patient = replace(problem.patients[0], availability=home_on(range(2)))
    problem = replace(problem, patients=(patient, *problem.patients[1:]))
    result = solve_valid(problem, travel)
    reasons = {u.visit_id: u.reason for u in result.plan.unassigned}
    assert result.status == SolveStatus.PARTIAL
    assert days_of(result, "cp1") == [0, 1]
    assert list(reasons.values()) == [ReasonCode.NO_DAY_LEFT]
    assert result.plan.kpis.frequency_compliance == pytest.approx(2 / 3)


def test_spacing_counts_a_visit_made_just_before_the_horizon() -> None:
    """Week two of a 2W order, a visit made on Sunday: Monday (the day after) is avoided."""
    started = MONDAY - timedelta(days=7)
    made = (started, started + timedelta(days=6))  # last Monday and Sunday
    result = solve_valid(*week_problem([plan_of("cp1", "p0", "2W2", visits_made=made)]))
    days = days_of(result, "cp1")
    assert len(days) == 2 and 0 not in days


def test_start_of_care_comes_before_every_other_visit() -> None:
    """A referral on Monday: the SOC is on Monday, nursing and therapy visits on later days."""
    plans = [
        plan_of("cp1", "p0", "3W1", referral=8 * HOUR),
        plan_of("pt1", "p0", "2W1", discipline=Discipline.PT, primary_clinician="pt-c"),
    ]
    result = solve_valid(*week_problem(plans), seconds=3.0)
    soc_day = days_of(result, "cp1-soc")
    others = days_of(result, "cp1-w") + days_of(result, "pt1")
    assert soc_day == [0] and len(others) == 4 and min(others) > 0


def test_unreachable_start_of_care_is_left_out_and_the_patient_waits() -> None:
    """Home 08:00-09:35, ten minutes from any clinician: no one reaches a SOC start by 08:05.

    The SOC is left out saying so, and the patient's therapy visits wait for it.
    """
    plans = [
        plan_of("cp1", "p0", "2W1", referral=8 * HOUR),
        plan_of("pt1", "p0", "2W1", discipline=Discipline.PT, primary_clinician="pt-c"),
    ]
    problem, travel = week_problem(plans)
    result = solve_valid(home_briefly(problem), travel, seconds=2.0)
    reasons = {u.visit_id: u for u in result.plan.unassigned}
    assert reasons["cp1-soc"].reason == ReasonCode.UNREACHABLE_IN_WINDOW
    assert "start of care" in reasons["cp1-soc"].message
    waiting = [v for v, u in reasons.items() if u.reason == ReasonCode.WAITS_FOR_SOC]
    assert sorted(waiting) == ["cp1-w1-1", "pt1-w1-1", "pt1-w1-2"]
    assert all("cp1-soc" in reasons[v].message for v in waiting)
    assert result.plan.routes == ()


def test_visits_the_rest_of_the_period_can_hold_are_deferred() -> None:
    """Visits the rest of the order's week can still hold are optional in this horizon.

    Order week two runs Tuesday to Monday: next Monday can take one of its two visits.
    """
    started = MONDAY - timedelta(days=6)  # a Tuesday: order week two runs Tue 8th to Mon 14th
    plans = [plan_of("cp1", "p0", "2W2", start_of_care=started, visits_made=(started,) * 2)]
    problem, _ = week_problem(plans)
    due = [v for v in problem.visits_to_plan if v.id.startswith("cp1-w2")]
    assert sorted(v.optional for v in due) == [False, True]


def test_weekly_working_time_cap_holds() -> None:
    """A nurse capped at 6 hours of work a week stays within it; the other nurse takes the rest."""
    plans = [plan_of(f"cp{k}", f"p{k}", "3W1", primary_clinician="rn-a") for k in range(3)]
    result = solve_valid(*week_problem(plans, max_work_per_week=6 * HOUR))
    work = sum(route.work_seconds for route in result.plan.routes if route.clinician_id == "rn-a")
    assert work <= 6 * HOUR and result.plan.kpis.visits_planned == 9


def chosen_on(problem: Problem, plan_ids: dict[str, tuple[str, int]], loads: dict[int, int]):
    """A day choice giving each visit id the (clinician, day) named, with the loads given."""
    vehicles = list_vehicles(problem)
    number = {(v.clinician.id, v.shift.day): n for n, v in enumerate(vehicles)}
    vehicle_of = {visit_id: number[key] for visit_id, key in plan_ids.items()}
    return vehicles, DayChoice(vehicle_of, (), {number[k]: s for k, s in loads.items()}, "test")


def test_day_routing_offers_other_nurses_on_the_busiest_day_within_the_weekly_rule() -> None:
    """Team of one, two allowed: the busiest day's visit may go to any RN, the others stay."""
    problem, _ = week_problem([plan_of("cp1", "p0", "3W1")])
    ids = sorted(v.id for v in problem.visits_to_plan)
    days = {ids[0]: ("rn-a", 0), ids[1]: ("rn-a", 2), ids[2]: ("rn-a", 4)}
    vehicles, choice = chosen_on(problem, days, {("rn-a", 0): 8 * HOUR, ("rn-a", 2): HOUR})
    candidates = screen_visits(problem, vehicles).candidates
    visits = problem.visits_to_plan
    allowed = allowed_vehicles(problem, choice, visits, vehicles, candidates, 2)
    who = {v: {vehicles[n].clinician.id for n in allowed[v]} for v in ids}
    assert who == {ids[0]: {"rn-a", "rn-b"}, ids[1]: {"rn-a"}, ids[2]: {"rn-a"}}
    tight = allowed_vehicles(problem, choice, visits, vehicles, candidates, 1)
    assert all({vehicles[n].clinician.id for n in tight[v]} == {"rn-a"} for v in ids)


def test_a_missing_required_visit_outweighs_any_optional_ones() -> None:
    """Leaving one required visit out is worse than leaving every optional one out."""
    started = MONDAY - timedelta(days=6)
    plans = [plan_of("cp1", "p0", "2W2", start_of_care=started, visits_made=(started,) * 2)]
    problem, _ = week_problem([*plans, plan_of("cp2", "p1", "3W1")])
    optional = tuple(v.id for v in problem.visits_to_plan if v.optional)
    required = next(v.id for v in problem.visits_to_plan if not v.optional)
    empty = DayChoice({}, optional, {}, "test")
    one_required = DayChoice({}, (required,), {}, "test")
    assert left_out_weight(problem, (one_required, {})) > left_out_weight(problem, (empty, {}))


def test_repair_runs_at_a_one_second_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A visit the day choice left out is placed by repair even with a one-second limit."""
    problem, travel = week_problem([plan_of("cp1", "p0", "3W1")])
    choose = horizon.choose_days

    def leave_one_out(*args, **kwargs) -> DayChoice:
        choice = choose(*args, **kwargs)
        if not choice.vehicle_of:
            return choice  # out of time: nothing chosen to leave out
        dropped = sorted(choice.vehicle_of)[0]
        kept = {v: n for v, n in choice.vehicle_of.items() if v != dropped}
        return DayChoice(kept, (*choice.left_out, dropped), choice.load, choice.status)

    monkeypatch.setattr(horizon, "choose_days", leave_one_out)
    result = solve_valid(problem, travel, seconds=1.0)
    assert result.status == SolveStatus.SOLVED and result.plan.kpis.visits_planned == 3
