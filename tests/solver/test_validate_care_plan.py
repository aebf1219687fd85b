"""The validator's care-plan rules: each holds on a sound plan and catches its broken plan."""

from dataclasses import replace
from datetime import timedelta

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    CarePlan,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Plan,
    Problem,
    Route,
    Stop,
)
from scheduler.solver._validate_care_plan import check_care_plans
from tests.builders import MONDAY, ZERO_KPIS, weekday_shifts

HOME = Location("home", 40.0, -83.0)
NINE = 9 * HOUR


@pytest.fixture
def week() -> Problem:
    """Two RNs and a PT; patient p with an SN 3W2 order from Monday (cp-w1-1..3)."""
    shifts = weekday_shifts()
    staff = (
        *(Clinician(c, c, Credential.RN, HOME, shifts) for c in ("a", "b")),
        Clinician("t", "t", Credential.PT, HOME, shifts),
    )
    patient = Patient("p", "P", Location("p-home", 40.01, -83.0))
    plan = CarePlan("cp", "p", Discipline.SN, "3W2", MONDAY, 3600)
    return Problem(Horizon(MONDAY, 7), staff, (patient,), (), care_plans=(plan,))


@pytest.fixture
def admission(week: Problem) -> Problem:
    """The week with a Monday 08:00 referral on the SN plan and a PT 2W2 plan (pt-w1-1..2)."""
    referred = replace(week.care_plans[0], referral=8 * HOUR)
    therapy = CarePlan("pt", "p", Discipline.PT, "2W2", MONDAY, 3600)
    return replace(week, care_plans=(referred, therapy))


def plan_with(problem: Problem, *visits: tuple[str, str, int], at: int = NINE) -> Plan:
    """One-stop routes: (visit id, clinician, day), each visit starting at ``at`` o'clock."""
    routes = []
    for visit_id, clinician, day in visits:
        start = day * DAY + at
        end = start + problem.visit_by_id[visit_id].duration
        stop = Stop(visit_id, "p", start, start, end, 0, 0)
        routes.append(Route(clinician, day, start - HOUR, end + HOUR, (stop,), 0, 0))
    return Plan(tuple(routes), (), ZERO_KPIS)


def found(problem: Problem, plan: Plan) -> dict[str, set[str]]:
    """Rule code -> the visits its violations name."""
    named: dict[str, set[str]] = {}
    for violation in check_care_plans(problem, plan, problem.visit_by_id):
        named.setdefault(violation.rule, set()).update(violation.visit_ids)
    return named


def test_sound_admission_week_breaks_no_care_plan_rule(admission: Problem) -> None:
    """SOC on Monday, nursing Wednesday and Friday, therapy Tuesday and Thursday: all hold."""
    plan = plan_with(
        admission,
        ("cp-soc", "a", 0),
        ("cp-w1-1", "a", 2),
        ("cp-w1-2", "a", 4),
        ("pt-w1-1", "t", 1),
        ("pt-w1-2", "t", 3),
    )
    assert found(admission, plan) == {}


def test_soc_order_allows_a_visit_later_the_same_day(admission: Problem) -> None:
    """A therapy visit starting after the SOC ends, the same day, keeps the SOC first."""
    early = plan_with(admission, ("cp-soc", "a", 0), at=8 * HOUR)
    late = plan_with(admission, ("pt-w1-1", "t", 0), at=NINE + HOUR)
    assert found(admission, replace(early, routes=early.routes + late.routes)) == {}


def test_soc_order_catches_a_visit_before_the_soc(admission: Problem) -> None:
    """A therapy visit on Monday before a Tuesday SOC is reported, naming the therapy visit."""
    plan = plan_with(admission, ("pt-w1-1", "t", 0), ("cp-soc", "a", 1))
    assert found(admission, plan) == {"soc_order": {"pt-w1-1"}}


def test_soc_order_catches_visits_while_the_soc_is_left_out(admission: Problem) -> None:
    """With the SOC left out, any planned visit of the patient is reported."""
    plan = plan_with(admission, ("cp-w1-1", "a", 1), ("pt-w1-1", "t", 2))
    assert found(admission, plan) == {"soc_order": {"cp-w1-1", "pt-w1-1"}}


EPISODE_START = MONDAY - timedelta(days=57)  # the episode's last five days: Sat..Wed


def test_recert_window_holds_in_the_last_five_days(week: Problem) -> None:
    """A recertification on Tuesday, the episode's second-to-last day, is sound."""
    problem = replace(week, care_plans=(replace(week.care_plans[0], episode_start=EPISODE_START),))
    recert = next(v for v in problem.visits_to_plan if v.visit_type == "RECERT")
    assert found(problem, plan_with(problem, (recert.id, "a", 1))) == {}


def test_recert_window_catches_a_recert_after_the_episode(week: Problem) -> None:
    """A recertification on Friday, two days after the episode ended, is reported."""
    problem = replace(week, care_plans=(replace(week.care_plans[0], episode_start=EPISODE_START),))
    recert = next(v for v in problem.visits_to_plan if v.visit_type == "RECERT")
    assert found(problem, plan_with(problem, (recert.id, "a", 4))) == {"recert_window": {recert.id}}


def test_discharge_last_catches_a_visit_after_the_discharge(week: Problem) -> None:
    """When the order ends this week, a visit after the discharge visit is reported."""
    ending = replace(week, care_plans=(replace(week.care_plans[0], frequency="3W1"),))
    plan = plan_with(ending, ("cp-w1-1", "a", 0), ("cp-w1-3", "a", 2), ("cp-w1-2", "a", 4))
    assert found(ending, plan) == {"discharge_last": {"cp-w1-2"}}


def test_discharge_last_holds_when_the_discharge_ends_the_order(week: Problem) -> None:
    """The discharge visit on Friday after two visits earlier in the week is sound."""
    ending = replace(week, care_plans=(replace(week.care_plans[0], frequency="3W1"),))
    plan = plan_with(ending, ("cp-w1-1", "a", 0), ("cp-w1-2", "a", 2), ("cp-w1-3", "a", 4))
    assert found(ending, plan) == {}


def test_one_visit_per_discipline_day_catches_two_nursing_visits(week: Problem) -> None:
    """Two SN visits to one patient on one day are reported; the later one is named."""
    plan = plan_with(week, ("cp-w1-1", "a", 0), ("cp-w1-2", "b", 0))
    late = plan_with(week, ("cp-w1-2", "b", 0), at=NINE + 2 * HOUR)
    plan = replace(plan, routes=(plan.routes[0], *late.routes))
    assert found(week, plan) == {"one_visit_per_discipline_day": {"cp-w1-2"}}


def test_one_visit_per_discipline_day_allows_two_disciplines(admission: Problem) -> None:
    """A nursing and a therapy visit on one day (after the SOC) are sound."""
    plan = plan_with(admission, ("cp-soc", "a", 0), ("cp-w1-1", "a", 2), ("pt-w1-1", "t", 2))
    assert found(admission, plan) == {}


def test_period_count_catches_more_visits_than_ordered(week: Problem) -> None:
    """A visit made before the horizon plus three planned exceeds a 3W order."""
    made = replace(week.care_plans[0], visits_made=(MONDAY,))
    due = [visit.id for visit in replace(week, care_plans=(made,)).visits_to_plan]
    extra = replace(replace(week, care_plans=(made,)).visit_by_id[due[0]], id="extra")
    problem = replace(week, care_plans=(made,), visits=(extra,))
    plan = plan_with(problem, (due[0], "a", 0), (due[1], "a", 2), ("extra", "a", 4))
    assert found(problem, plan) == {"period_count": {"extra"}}


def test_period_count_holds_at_the_ordered_count(week: Problem) -> None:
    """Three visits of a 3W order in its week are sound."""
    plan = plan_with(week, ("cp-w1-1", "a", 0), ("cp-w1-2", "a", 2), ("cp-w1-3", "a", 4))
    assert found(week, plan) == {}
