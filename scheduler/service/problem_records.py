"""A problem's people, care plans and visits as API import records (JSON-ready).

The inverse of ``store.branch_problem.load_branch_problem`` for problems whose clinicians work the
same hours on a given weekday: shifts become weekly hours, horizon seconds become times with
the branch's UTC offset.
"""

from __future__ import annotations

from typing import Any

from scheduler.domain import DAY, Clinician, Horizon, LinkKind, Patient, Problem, Visit, VisitLink
from scheduler.domain.care_plan import CarePlan


def problem_to_records(problem: Problem, *, branch_id: str) -> dict[str, list[dict[str, Any]]]:
    """``{"clinicians": [...], "patients": [...], "care_plans": [...], "visits": [...]}``."""
    horizon = problem.horizon
    return {
        "clinicians": [_clinician(c, horizon, branch_id) for c in problem.clinicians],
        "patients": [_patient(p, branch_id) for p in problem.patients],
        "care_plans": [_care_plan(plan, horizon) for plan in problem.care_plans],
        "visits": [
            _visit(visit, horizon, problem.link_by_visit.get(visit.id)) for visit in problem.visits
        ],
    }


def _clock(seconds: int) -> str:
    seconds %= DAY
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _clinician(clinician: Clinician, horizon: Horizon, branch_id: str) -> dict[str, Any]:
    weekly: dict[int, dict[str, Any]] = {}
    for shift in clinician.shifts:
        hours: dict[str, Any] = {
            "weekday": horizon.weekday_of(shift.day),
            "start": _clock(shift.window.start),
            "end": _clock(shift.window.end),
            "max_overtime_minutes": shift.max_overtime // 60,
        }
        if shift.lunch is not None:
            hours |= {
                "lunch_start": _clock(shift.lunch.window.start),
                "lunch_end": _clock(shift.lunch.window.end),
                "lunch_minutes": shift.lunch.duration // 60,
            }
        weekly.setdefault(hours["weekday"], hours)
    end = clinician.end
    return {
        "id": clinician.id,
        "branch_id": branch_id,
        "name": clinician.name,
        "credential": clinician.credential.value,
        "skills": sorted(clinician.skills),
        "home_latitude": clinician.start.latitude,
        "home_longitude": clinician.start.longitude,
        "home_address": clinician.start.address,
        "end_latitude": end.latitude if end else None,
        "end_longitude": end.longitude if end else None,
        "end_address": end.address if end else None,
        "weekly_hours": [weekly[day] for day in sorted(weekly)],
        "max_visits_per_day": clinician.max_visits_per_day,
        "max_work_minutes_per_day": _minutes(clinician.max_work_per_day),
        "max_points_per_day": clinician.max_points_per_day,
        "max_visits_per_week": clinician.max_visits_per_week,
        "max_work_minutes_per_week": _minutes(clinician.max_work_per_week),
    }


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


def _patient(patient: Patient, branch_id: str) -> dict[str, Any]:
    return {
        "id": patient.id,
        "branch_id": branch_id,
        "name": patient.name,
        "latitude": patient.location.latitude,
        "longitude": patient.location.longitude,
        "address": patient.location.address,
        "availability": [
            {
                "weekday": slot.weekday,
                "start": _clock(slot.window.start),
                "end": _clock(min(slot.window.end, DAY - 1)),
            }
            for slot in patient.availability
        ],
        "preferred_clinicians": list(patient.preferred_clinicians),
        "excluded_clinicians": sorted(patient.excluded_clinicians),
    }


def _care_plan(plan: CarePlan, horizon: Horizon) -> dict[str, Any]:
    return {
        "id": plan.id,
        "patient_id": plan.patient_id,
        "discipline": plan.discipline.value,
        "frequency": plan.frequency,
        "start_of_care": plan.start_of_care.isoformat(),
        "visit_minutes": plan.visit_duration // 60,
        "primary_clinician_id": plan.primary_clinician,
        "credentials": sorted(c.value for c in plan.credentials),
        "required_skills": sorted(plan.required_skills),
        "visits_made": [day.isoformat() for day in plan.visits_made],
        "referral_at": None
        if plan.referral is None
        else horizon.datetime_of(plan.referral).isoformat(),
        "resumed_at": None
        if plan.resumption is None
        else horizon.datetime_of(plan.resumption).isoformat(),
        "episode_start": None if plan.episode_start is None else plan.episode_start.isoformat(),
    }


def _visit(visit: Visit, horizon: Horizon, link: VisitLink | None) -> dict[str, Any]:
    """The visit's record; a link is written on its second visit."""

    def moment(second: int | None) -> str | None:
        return None if second is None else horizon.datetime_of(second).isoformat()

    return {
        "id": visit.id,
        "patient_id": visit.patient_id,
        "discipline": visit.discipline.value,
        "visit_type": visit.visit_type.value,
        "minutes": visit.duration // 60,
        "windows": [{"start": moment(w.start), "end": moment(w.end)} for w in visit.windows],
        "credentials": sorted(c.value for c in visit.credentials),
        "required_skills": sorted(visit.required_skills),
        "due_at": moment(visit.due),
        "priority": visit.priority,
        "optional": visit.optional,
        "pinned_clinician_id": visit.pinned_clinician,
        "pinned_start_at": moment(visit.pinned_start),
        "preferred_clinician_id": visit.preferred_clinician,
        "link": None if link is None or link.second != visit.id else _link(link),
    }


def _link(link: VisitLink) -> dict[str, Any]:
    sequential = link.kind is LinkKind.SEQUENTIAL
    return {
        "visit_id": link.first,
        "kind": link.kind.value,
        "min_gap_minutes": link.min_gap // 60 if sequential else None,
        "max_gap_minutes": link.max_gap // 60 if sequential else None,
    }
