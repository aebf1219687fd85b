"""A branch's stored people, care plans and visits as the problem of some days."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import (
    DAY,
    Availability,
    CarePlan,
    CareRules,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    Visit,
    VisitLink,
    VisitType,
)
from scheduler.errors import NotFoundError
from scheduler.store import models
from scheduler.store.visit_links import branch_visit_links

log = logging.getLogger("scheduler")

OPEN_STATUSES = (models.VisitStatus.PLANNED, models.VisitStatus.PUBLISHED)


def load_branch_problem(
    session: Session,
    *,
    branch_id: str,
    start_date: date,
    days: int,
    rules: CareRules | None = None,
) -> Problem:
    """The problem of planning ``branch_id`` for ``days`` days from ``start_date``.

    Clinicians work their weekly hours; care plans count the visits already made (recorded
    dates, completed visits and visits published on other days); visits given one by one join
    when a window meets the days. A link joins the problem when both its visits do; a visit
    whose partner is no longer open (made, missed or cancelled) is planned alone, and one whose
    open partner has no window in these days waits for a plan that holds both. ``rules`` are
    the agency's care plan rules (``Settings.care_rules()``; ``None``: the defaults).

    Raises
    ------
    NotFoundError
        For an unknown branch.
    ProblemError
        When stored records do not add up (e.g. a pin outside a visit's windows).
    """
    branch = session.get(models.Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"no branch {branch_id!r}")
    horizon = Horizon(start_date, days, branch.timezone)
    clinician_rows = session.scalars(
        select(models.Clinician).where(models.Clinician.branch_id == branch_id)
    ).all()
    patient_rows = session.scalars(
        select(models.Patient).where(models.Patient.branch_id == branch_id)
    ).all()
    plan_rows = session.scalars(
        select(models.CarePlan).where(models.CarePlan.branch_id == branch_id)
    ).all()
    counted: dict[str, list[date]] = {}  # care plan visits made, or booked on other days
    taken: dict[str, set[str]] = {}
    for visit_id, plan_id, start, status in session.execute(
        select(
            models.Visit.id, models.Visit.care_plan_id, models.Visit.start_at, models.Visit.status
        ).where(
            models.Visit.branch_id == branch_id,
            models.Visit.care_plan_id.is_not(None),
            models.Visit.status.in_([models.VisitStatus.COMPLETED, models.VisitStatus.PUBLISHED]),
        )
    ):
        if start is None:
            continue
        made_on = horizon_local_date(horizon, start)
        inside = start_date <= made_on < start_date + timedelta(days=days)
        if status == models.VisitStatus.COMPLETED or not inside:
            counted.setdefault(plan_id, []).append(made_on)
            taken.setdefault(plan_id, set()).add(visit_id)
    visit_rows = session.scalars(
        select(models.Visit).where(
            models.Visit.branch_id == branch_id,
            models.Visit.care_plan_id.is_(None),
            models.Visit.status.in_(OPEN_STATUSES),
            models.Visit.first_day <= horizon.date_of(days - 1),
        )
    ).all()
    visits = [visit for row in visit_rows if (visit := visit_from_row(row, horizon)) is not None]
    links, waiting = _links(session, branch_id, {visit.id for visit in visits})
    return Problem(
        horizon=horizon,
        clinicians=tuple(_clinician(row, horizon) for row in clinician_rows),
        patients=tuple(_patient(row) for row in patient_rows),
        visits=tuple(visit for visit in visits if visit.id not in waiting),
        care_plans=tuple(
            _care_plan(row, horizon, counted.get(row.id, []), taken.get(row.id, set()))
            for row in plan_rows
        ),
        rules=rules or CareRules(),
        links=links,
    )


def _links(
    session: Session, branch_id: str, planned: set[str]
) -> tuple[tuple[VisitLink, ...], set[str]]:
    """The links between ``planned`` visits, and the planned visits waiting for their partner.

    A planned visit waits when its partner is open but not planned now.
    """
    stored = branch_visit_links(session, branch_id=branch_id)
    partners = {visit_id for link in stored for visit_id in link.visit_ids} - planned
    open_partners = set(
        session.scalars(
            select(models.Visit.id).where(
                models.Visit.branch_id == branch_id,
                models.Visit.id.in_(partners),
                models.Visit.status.in_(OPEN_STATUSES),
            )
        )
    )
    links, waiting = [], set()
    for link in stored:
        outside = [visit_id for visit_id in link.visit_ids if visit_id not in planned]
        if not outside:
            links.append(link)
        elif len(outside) == 1 and outside[0] in open_partners:
            (visit_id,) = set(link.visit_ids) - set(outside)
            log.info("visit %s waits for linked visit %s, not planned now", visit_id, outside[0])
            waiting.add(visit_id)
    return tuple(links), waiting


def horizon_local_date(horizon: Horizon, moment: datetime) -> date:
    """The local calendar date of ``moment`` in the horizon's time zone."""
    return horizon.date_of(0) + timedelta(days=horizon.second_of(moment) // DAY)


def _seconds(clock: str) -> int:
    parsed = time.fromisoformat(clock)
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second


def _clinician(row: models.Clinician, horizon: Horizon) -> Clinician:
    hours_by_weekday = {hours["weekday"]: hours for hours in row.weekly_hours}
    shifts = []
    for day in range(horizon.days):
        hours = hours_by_weekday.get(horizon.weekday_of(day))
        if hours is None:
            continue
        offset = day * DAY
        lunch = None
        if hours.get("lunch_minutes"):
            lunch = LunchBreak(
                TimeWindow(
                    offset + _seconds(hours["lunch_start"]), offset + _seconds(hours["lunch_end"])
                ),
                hours["lunch_minutes"] * 60,
            )
        shifts.append(
            Shift(
                day=day,
                window=TimeWindow(
                    offset + _seconds(hours["start"]), offset + _seconds(hours["end"])
                ),
                lunch=lunch,
                max_overtime=hours.get("max_overtime_minutes", 0) * 60,
            )
        )
    end = None
    if row.end_latitude is not None and row.end_longitude is not None:
        end = Location(f"end-{row.id}", row.end_latitude, row.end_longitude, row.end_address)
    return Clinician(
        id=row.id,
        name=row.name,
        credential=Credential(row.credential),
        start=Location(f"home-{row.id}", row.home_latitude, row.home_longitude, row.home_address),
        end=end,
        shifts=tuple(shifts),
        skills=frozenset(row.skills),
        max_visits_per_day=row.max_visits_per_day,
        max_work_per_day=_minutes(row.max_work_minutes_per_day),
        max_points_per_day=row.max_points_per_day,
        max_visits_per_week=row.max_visits_per_week,
        max_work_per_week=_minutes(row.max_work_minutes_per_week),
    )


def _minutes(value: int | None) -> int | None:
    return None if value is None else value * 60


def _patient(row: models.Patient) -> Patient:
    return Patient(
        id=row.id,
        name=row.name,
        location=Location(f"patient-{row.id}", row.latitude, row.longitude, row.address),
        availability=tuple(
            Availability(
                slot["weekday"], TimeWindow(_seconds(slot["start"]), _seconds(slot["end"]))
            )
            for slot in row.availability
        ),
        preferred_clinicians=tuple(row.preferred_clinicians),
        excluded_clinicians=frozenset(row.excluded_clinicians),
    )


def _care_plan(
    row: models.CarePlan, horizon: Horizon, made: list[date], taken: set[str]
) -> CarePlan:
    """The care plan, counting visits made and visits booked on days outside the horizon.

    A referral is due while no visit is made; a return home while no visit is made since.
    """
    made_all = sorted({*(date.fromisoformat(d) for d in row.visits_made), *made})
    referral = resumption = None
    if row.referral_at is not None and not made:
        referral = horizon.second_of(row.referral_at)
    if row.resumed_at is not None:
        returned = horizon.second_of(row.resumed_at)
        if not any(day >= horizon.date_of(returned // DAY) for day in made_all):
            resumption = returned  # no visit made since the return home: the ROC is due
    return CarePlan(
        id=row.id,
        patient_id=row.patient_id,
        discipline=Discipline(row.discipline),
        frequency=row.frequency,
        start_of_care=row.start_of_care,
        visit_duration=row.visit_minutes * 60,
        primary_clinician=row.primary_clinician_id,
        credentials=frozenset(Credential(c) for c in row.credentials),
        required_skills=frozenset(row.required_skills),
        visits_made=tuple(made_all),
        referral=referral,
        resumption=resumption,
        episode_start=row.episode_start,
        taken_ids=frozenset(taken),
    )


def visit_from_row(row: models.Visit, horizon: Horizon) -> Visit | None:
    """The visit with its windows clipped to the horizon, or ``None`` when none meets it."""
    end = horizon.days * DAY - 1
    windows = []
    for window in row.windows:
        start = max(0, _second(horizon, window["start"]))
        stop = min(end, _second(horizon, window["end"]))
        if start <= stop:
            windows.append(TimeWindow(start, stop))
    pinned_start = None if row.pinned_start_at is None else horizon.second_of(row.pinned_start_at)
    if not windows or (pinned_start is not None and not 0 <= pinned_start <= end):
        return None
    return Visit(
        id=row.id,
        patient_id=row.patient_id,
        discipline=Discipline(row.discipline),
        duration=row.minutes * 60,
        windows=tuple(windows),
        visit_type=VisitType(row.visit_type),
        credentials=frozenset(Credential(c) for c in row.credentials),
        required_skills=frozenset(row.required_skills),
        due=None if row.due_at is None else horizon.second_of(row.due_at),
        priority=row.priority,
        optional=row.optional,
        pinned_clinician=row.pinned_clinician_id,
        pinned_start=pinned_start,
        preferred_clinician=row.preferred_clinician_id,
    )


def _second(horizon: Horizon, value: Any) -> int:
    return horizon.second_of(datetime.fromisoformat(value))
