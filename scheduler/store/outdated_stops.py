"""Which stops of a plan no longer match the records, so that publishing it would undo them.

A stop is outdated when its visit was deleted, cancelled, completed or missed, or changed so
that the planned start, length, discipline or pin no longer fit; when its clinician or patient
was deleted; or when its care plan was deleted or changed. The patient's other stops follow an
outdated start of care visit, and a linked visit follows its partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import Problem, Visit, VisitType
from scheduler.store import models
from scheduler.store.records import agency_of_branch


def outdated_stops(session: Session, plan: models.Plan, problem: Problem) -> list[dict[str, str]]:
    """The plan's stops that no longer match the records, each with a reason, in route order.

    A stop is outdated when its visit was deleted, cancelled, completed or missed, or changed
    so that the planned start, length, discipline or pin no longer fit; when its clinician or
    patient was deleted; or when its care plan was deleted or changed. The patient's other
    stops follow an outdated start of care visit, and a linked visit follows its partner.
    """
    stops = session.scalars(
        select(models.PlanStop)
        .where(models.PlanStop.plan_id == plan.id)
        .order_by(models.PlanStop.day, models.PlanStop.clinician_id, models.PlanStop.position)
    ).all()
    if not stops:
        return []
    agency_id = agency_of_branch(session, plan.branch_id)
    visit_rows = {
        row.id: row
        for row in session.scalars(
            select(models.Visit).where(
                models.Visit.agency_id == agency_id,
                models.Visit.id.in_([stop.visit_id for stop in stops]),
            )
        )
    }
    clinicians = set(
        session.scalars(
            select(models.Clinician.id).where(
                models.Clinician.agency_id == agency_id,
                models.Clinician.id.in_({stop.clinician_id for stop in stops}),
            )
        )
    )
    patients = set(
        session.scalars(
            select(models.Patient.id).where(
                models.Patient.agency_id == agency_id,
                models.Patient.id.in_({stop.patient_id for stop in stops}),
            )
        )
    )
    care_plans = {
        row.id: row
        for row in session.scalars(
            select(models.CarePlan).where(
                models.CarePlan.agency_id == agency_id,
                models.CarePlan.id.in_({plan.id for plan in problem.care_plans}),
            )
        )
    }
    why: dict[str, tuple[str, str]] = {}
    for stop in stops:
        reason = _why_outdated(
            stop,
            problem,
            visit_rows.get(stop.visit_id),
            clinician_kept=stop.clinician_id in clinicians,
            patient_kept=stop.patient_id in patients,
            care_plans=care_plans,
        )
        if reason is not None:
            why[stop.visit_id] = reason
    _follow_outdated(problem, stops, why)
    return [
        {
            "visit_id": stop.visit_id,
            "patient_id": stop.patient_id,
            "clinician_id": stop.clinician_id,
            "day": stop.day.isoformat(),
            "reason": why[stop.visit_id][0],
            "message": why[stop.visit_id][1],
        }
        for stop in stops
        if stop.visit_id in why
    ]


MADE = (models.VisitStatus.COMPLETED, models.VisitStatus.MISSED, models.VisitStatus.CANCELLED)


def _why_outdated(
    stop: models.PlanStop,
    problem: Problem,
    row: models.Visit | None,
    *,
    clinician_kept: bool,
    patient_kept: bool,
    care_plans: dict[str, models.CarePlan],
) -> tuple[str, str] | None:
    """Why one stop no longer matches the records (a reason code and a sentence), or ``None``."""
    planned = problem.visit_by_id[stop.visit_id]
    if not patient_kept:
        return "patient_deleted", f"patient {stop.patient_id} was deleted after planning"
    if not clinician_kept:
        return "clinician_deleted", f"clinician {stop.clinician_id} was deleted after planning"
    if planned.care_plan_id is not None:
        changed = _care_plan_change(problem, planned, care_plans.get(planned.care_plan_id))
        if changed is not None:
            return changed
    if row is None:
        if planned.care_plan_id is None:
            return "deleted", f"visit {stop.visit_id} was deleted after planning"
        return None  # a care plan visit first written as a row when published
    if row.status in MADE:
        made_as_planned = row.status != models.VisitStatus.CANCELLED and (
            row.clinician_id,
            row.start_at,
        ) == (stop.clinician_id, stop.start_at)
        if made_as_planned:
            return None  # e.g. a replan keeping what was made this morning; the row stays
        return row.status, f"visit {stop.visit_id} was reported {row.status} after planning"
    fits = any(
        datetime.fromisoformat(w["start"]) <= stop.start_at <= datetime.fromisoformat(w["end"])
        for w in row.windows
    )
    if (
        not fits
        or stop.end_at - stop.start_at < timedelta(minutes=row.minutes)
        or row.discipline != planned.discipline.value
        or row.pinned_clinician_id not in (None, stop.clinician_id)
    ):
        return "changed", (
            f"visit {stop.visit_id} was changed after planning: its windows, length, "
            "discipline or pinned clinician no longer fit the planned stop"
        )
    return None


def _care_plan_change(
    problem: Problem, planned: Visit, row: models.CarePlan | None
) -> tuple[str, str] | None:
    """Why the care plan behind a visit no longer orders it as planned, or ``None``."""
    if row is None:
        return "care_plan_deleted", f"care plan {planned.care_plan_id} was deleted after planning"
    then = problem.care_plan_by_id.get(row.id)
    if then is None or (
        row.discipline,
        row.frequency,
        row.start_of_care,
        row.visit_minutes * 60,
        row.episode_start,
    ) != (
        then.discipline.value,
        then.frequency,
        then.start_of_care,
        then.visit_duration,
        then.episode_start,
    ):
        return "care_plan_changed", f"care plan {row.id} was changed after planning"
    return None


def _follow_outdated(
    problem: Problem, stops: Sequence[models.PlanStop], why: dict[str, tuple[str, str]]
) -> None:
    """Add to ``why`` the stops that cannot stand without an outdated one, until none is left.

    The patient's other stops wait for an outdated start of care visit; a linked visit goes
    with its partner.
    """
    planned = {stop.visit_id for stop in stops}
    soc_of = {
        problem.visit_by_id[visit_id].patient_id: visit_id
        for visit_id in planned
        if problem.visit_by_id[visit_id].visit_type == VisitType.SOC
    }
    partner_of = {
        visit_id: link.partner_of(visit_id) for link in problem.links for visit_id in link.visit_ids
    }
    grown = True
    while grown:
        grown = False
        for visit_id in sorted(planned - set(why)):
            soc = soc_of.get(problem.visit_by_id[visit_id].patient_id)
            partner = partner_of.get(visit_id)
            if soc is not None and soc in why:
                why[visit_id] = (
                    "start_of_care_outdated",
                    f"the patient's start of care visit {soc} no longer holds "
                    f"({why[soc][0]}); no visit comes before it",
                )
            elif partner is not None and partner in why:
                why[visit_id] = (
                    "linked_visit_outdated",
                    f"its linked visit {partner} no longer holds ({why[partner][0]})",
                )
            else:
                continue
            grown = True
