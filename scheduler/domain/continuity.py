"""Continuity of care: who a visit's primary clinician is."""

from __future__ import annotations

from scheduler.domain.problem import Problem
from scheduler.domain.visit import Visit


def care_group(visit: Visit) -> str:
    """What continuity is counted over: the visit's care plan, else patient and discipline."""
    return visit.care_plan_id or f"{visit.patient_id}/{visit.discipline}"


def primary_clinician(problem: Problem, visit: Visit) -> str | None:
    """The clinician who should make ``visit``, as agencies count continuity.

    The care plan's primary clinician, else the visit's preferred clinician, else the
    patient's first preferred clinician of the visit's discipline.
    """
    if visit.care_plan_id is not None:
        primary = problem.care_plan_by_id[visit.care_plan_id].primary_clinician
        if primary is not None:
            return primary
    if visit.preferred_clinician is not None:
        return visit.preferred_clinician
    patient = problem.patient_by_id[visit.patient_id]
    return next(
        (
            clinician_id
            for clinician_id in patient.preferred_clinicians
            if problem.clinician_by_id[clinician_id].discipline == visit.discipline
        ),
        None,
    )
