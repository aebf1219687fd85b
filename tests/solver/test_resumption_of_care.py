"""Resumption of care (ROC): after an inpatient stay, the patient is admitted again.

The ROC is an assessment by an RN (or PT) due within the rules' hours of the return home, and
every other visit of the patient waits for it, as for a start of care: in the expansion, the
day choice, the insertion, the validator and the reasons.
"""

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    CareRules,
    Credential,
    Discipline,
    Plan,
    ReasonCode,
    Route,
    Stop,
    VisitType,
)
from scheduler.errors import ProblemError
from scheduler.solver._validate_care_plan import check_care_plans
from tests.builders import ZERO_KPIS
from tests.solver.support import home_briefly, plan_of, solve_valid, week_problem

RETURN = DAY + 10 * HOUR  # home from hospital on Tuesday 10:00


def resumed_week(**changes):
    """p0 back home Tuesday 10:00 on an SN 3W1 plan, with a PT 2W1 plan too."""
    plans = [
        plan_of("cp1", "p0", "3W1", resumption=RETURN, **changes),
        plan_of("pt1", "p0", "2W1", discipline=Discipline.PT, primary_clinician="pt-c"),
    ]
    return week_problem(plans)


def test_a_return_home_adds_a_resumption_of_care_within_48_hours() -> None:
    """The ROC: an RN assessment, top priority, required, windows from the return to +48 h."""
    problem, _ = resumed_week()
    roc = problem.visit_by_id["cp1-roc"]
    assert roc.visit_type == VisitType.ROC and roc.admits
    assert roc.credentials == frozenset({Credential.RN})
    assert roc.duration == CareRules().assessment_duration and roc.priority == 5
    assert not roc.optional
    assert roc.earliest_start >= RETURN and roc.latest_start <= RETURN + 48 * HOUR


def test_the_resumption_counts_as_one_of_the_weeks_visits() -> None:
    """3W1 with the ROC due this week: two more SN visits, not three."""
    problem, _ = resumed_week()
    routine = [v for v in problem.visits_to_plan if v.id.startswith("cp1-w")]
    assert len(routine) == 2


def test_a_plan_with_both_a_referral_and_a_resumption_is_refused() -> None:
    """A patient is admitted once: a referral and a resumption together are a data error."""
    with pytest.raises(ProblemError, match="both a referral and a resumption"):
        plan_of("cp1", "p0", "3W1", referral=8 * HOUR, resumption=RETURN)


def test_every_other_visit_of_the_patient_comes_after_the_resumption() -> None:
    """Nursing and therapy visits all start after the ROC ends, on later days."""
    problem, travel = resumed_week()
    result = solve_valid(problem, travel, seconds=3.0)
    starts = {s.visit_id: s for r in result.plan.routes for s in r.stops}
    roc = starts["cp1-roc"]
    others = [s for visit_id, s in starts.items() if visit_id != "cp1-roc"]
    assert len(others) == 4
    assert all(s.start // DAY > roc.start // DAY for s in others)


def one_stop_plan(problem, *stops: tuple[str, str, int]) -> Plan:
    """One-stop routes: (visit id, clinician, horizon second it starts)."""
    routes = []
    for visit_id, clinician, start in stops:
        end = start + problem.visit_by_id[visit_id].duration
        stop = Stop(visit_id, "p0", start, start, end, 0, 0)
        routes.append(Route(clinician, start // DAY, start - HOUR, end + HOUR, (stop,), 0, 0))
    return Plan(tuple(routes), (), ZERO_KPIS)


def test_the_validator_catches_a_visit_before_the_resumption() -> None:
    """Therapy on Tuesday 11:00 before a Wednesday ROC breaks the order; on Thursday it holds."""
    problem, _ = resumed_week()
    wednesday_roc = ("cp1-roc", "rn-a", 2 * DAY + 9 * HOUR)
    before = one_stop_plan(problem, wednesday_roc, ("pt1-w1-1", "pt-c", DAY + 11 * HOUR))
    after = one_stop_plan(problem, wednesday_roc, ("pt1-w1-1", "pt-c", 3 * DAY + 11 * HOUR))
    broken = check_care_plans(problem, before, problem.visit_by_id)
    assert [(v.rule, v.visit_ids) for v in broken] == [("soc_order", ("pt1-w1-1",))]
    assert check_care_plans(problem, after, problem.visit_by_id) == []


def test_an_unreachable_resumption_is_left_out_and_the_patient_waits() -> None:
    """Home 08:00-09:35 only: nobody reaches an ROC start in time; the other visits wait."""
    problem, travel = resumed_week()
    result = solve_valid(home_briefly(problem), travel, seconds=2.0)
    reasons = {u.visit_id: u for u in result.plan.unassigned}
    assert reasons["cp1-roc"].reason == ReasonCode.UNREACHABLE_IN_WINDOW
    assert "resumption of care" in reasons["cp1-roc"].message
    waiting = [v for v, u in reasons.items() if u.reason == ReasonCode.WAITS_FOR_SOC]
    assert sorted(waiting) == ["cp1-w1-1", "cp1-w1-2", "pt1-w1-1", "pt1-w1-2"]
    assert all("resumption of care cp1-roc" in reasons[v].message for v in waiting)
    assert result.plan.routes == ()
