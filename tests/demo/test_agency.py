"""The demo agency is reproducible, realistic in shape, and plannable."""

from collections import Counter

import pytest

from scheduler.demo.agency import generate_agency
from scheduler.domain import DAY, Discipline, competence_gap
from scheduler.errors import ProblemError


def test_same_seed_same_agency_other_seed_other_agency() -> None:
    """A seed fixes the agency; another seed changes it."""
    assert generate_agency(seed=3) == generate_agency(seed=3)
    assert generate_agency(seed=3) != generate_agency(seed=4)


def test_counts_and_discipline_mix() -> None:
    """The default agency has 25 clinicians, 150 patients, every discipline, and ~1 visit each."""
    problem = generate_agency()
    assert len(problem.clinicians) == 25 and len(problem.patients) == 150
    assert {c.discipline for c in problem.clinicians} == set(Discipline)
    assert 150 <= len(problem.visits) <= 175
    by_discipline = Counter(v.discipline for v in problem.visits)
    assert (
        by_discipline[Discipline.SN] > by_discipline[Discipline.PT] > by_discipline[Discipline.ST]
    )


def test_visit_windows_lie_inside_patient_availability() -> None:
    """Every visit can start and finish while its patient is home."""
    problem = generate_agency()
    for visit in problem.visits:
        patient = problem.patient_by_id[visit.patient_id]
        day = visit.earliest_start // DAY
        home = patient.windows_on(day, problem.horizon.weekday_of(day))
        for window in visit.windows:
            assert any(
                h.start <= window.start and window.end + visit.duration <= h.end for h in home
            )


def test_most_visits_have_a_competent_clinician() -> None:
    """All but a rare skill combination can be made by someone at the agency."""
    problem = generate_agency()
    orphans = [v for v in problem.visits if all(competence_gap(c, v) for c in problem.clinicians)]
    assert len(orphans) <= 2


def test_week_has_weekday_shifts_and_fewer_visits_per_day() -> None:
    """Over a week, shifts fall on weekdays only and patients are seen 2-3 days."""
    problem = generate_agency(days=7, patients=60, clinicians=12)
    days = {shift.day for c in problem.clinicians for shift in c.shifts}
    assert days == {0, 1, 2, 3, 4}
    per_patient = Counter(v.patient_id for v in problem.visits)
    assert 1.5 <= sum(per_patient.values()) / len(per_patient) <= 4


def test_unknown_region_is_refused() -> None:
    """An unknown region names the known ones."""
    with pytest.raises(ProblemError, match="unknown demo region"):
        generate_agency(region="atlantis")
