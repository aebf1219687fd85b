"""The busy demo week has the load and shape issue 12 asks for, and its reference plan is valid.

Each property is computed from the generated problem (and the reference plan, timed with the
solver's default geodesic matrix), never from the generator's own counters.
"""

from collections import defaultdict

import pytest

from scheduler.demo._people import DEFAULT_START
from scheduler.demo.busy_week import generate_busy_week
from scheduler.demo.reference import reference_plan
from scheduler.demo.week import generate_agency_week
from scheduler.domain import DAY, HOUR, Discipline, VisitType
from scheduler.errors import ProblemError
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver.validate import validate


@pytest.fixture(scope="module")
def week():
    """The demo's busy agency (25 clinicians), its matrix and its reference plan."""
    generated = generate_busy_week(seed=7, clinicians=25, start_date=DEFAULT_START)
    problem = generated.problem
    travel = travel_matrix(problem.locations(), settings=Settings())
    return problem, travel, reference_plan(problem, generated.reference, travel)


def _paid(clinician) -> int:
    return sum(s.window.end - s.window.start - s.lunch.duration for s in clinician.shifts)


def test_reference_plan_is_valid_and_makes_every_required_visit(week) -> None:
    """The independent validator finds nothing wrong; no required visit is left out."""
    problem, travel, plan = week
    assert validate(problem, plan, travel) == []
    left_out = {u.visit_id for u in plan.unassigned}
    assert all(v.optional for v in problem.visits_to_plan if v.id in left_out)


def test_required_service_and_reference_travel_fill_85_percent_of_paid_time(week) -> None:
    """Required visits' durations plus the reference plan's travel >= 85 % of paid hours."""
    problem, _, plan = week
    required = sum(v.duration for v in problem.visits_to_plan if not v.optional)
    travel = sum(route.travel_seconds for route in plan.routes)
    paid = sum(_paid(c) for c in problem.clinicians)
    assert (required + travel) / paid >= 0.85


def test_main_disciplines_come_in_groups_of_five_with_equal_hours(week) -> None:
    """Nurses and therapists: every group of equal weekly paid hours has at least 5 members."""
    problem, _, _ = week
    for discipline in (Discipline.SN, Discipline.PT):
        groups = defaultdict(int)
        for clinician in problem.clinicians:
            if clinician.discipline == discipline:
                groups[_paid(clinician)] += 1
        assert groups and min(groups.values()) >= 5, (discipline, dict(groups))


def test_three_in_ten_visits_have_start_windows_of_three_hours_or_less(week) -> None:
    """At least 30 % of the visits can start only within windows of <= 3 h."""
    problem, _, _ = week
    visits = problem.visits_to_plan
    narrow = [v for v in visits if max(w.length for w in v.windows) <= 3 * HOUR]
    assert len(narrow) >= 0.3 * len(visits)


def test_referrals_arrive_during_the_week_with_a_soc_deadline(week) -> None:
    """Several referrals arrive after the week starts; each SOC starts by referral + 48 h."""
    problem, _, _ = week
    arriving = [plan for plan in problem.care_plans if plan.referral and plan.referral > 0]
    assert len(arriving) >= 5
    assert len({plan.referral // DAY for plan in arriving}) >= 3
    socs = {v.care_plan_id: v for v in problem.visits_to_plan if v.visit_type == VisitType.SOC}
    for plan in arriving:
        soc = socs[plan.id]
        deadline = plan.referral + problem.rules.soc_within_hours * HOUR
        assert plan.referral <= soc.earliest_start and soc.latest_start <= deadline


def test_a_fifth_of_patients_prefer_mornings_or_afternoons(week) -> None:
    """20-25 % of patients state a preferred part of the day: 08-12 or 12-17."""
    problem, _, _ = week
    wishes = [p.preferred_hours for p in problem.patients if p.preferred_hours is not None]
    assert 0.2 <= len(wishes) / len(problem.patients) <= 0.25
    assert {(w.start // HOUR, w.end // HOUR) for w in wishes} == {(8, 12), (12, 17)}


def test_busy_load_is_reproducible_and_reachable_by_name() -> None:
    """``load='busy'`` gives the same week for the same seed; an unknown load is refused."""
    first = generate_agency_week(seed=3, clinicians=10, load="busy")
    assert first == generate_agency_week(seed=3, clinicians=10, load="busy")
    assert len(first.horizon.start_date.isoformat()) == 10 and first.horizon.days == 7
    with pytest.raises(ProblemError, match="unknown demo load"):
        generate_agency_week(load="heavy")  # type: ignore[arg-type]
