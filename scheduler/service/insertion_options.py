"""Who can take a new visit, and when: options in a branch's published plans (a what-if).

Each published version is searched on its own horizon, only on the days it is still the
published plan for; its horizon days and seconds are translated back to local dates and
times. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduler.domain import DAY, Problem, TimeWindow, Visit
from scheduler.errors import ConflictError, NotFoundError, ProblemError
from scheduler.geo import travel_matrix
from scheduler.settings import Settings
from scheduler.solver.insertion import insertion_options
from scheduler.store import models
from scheduler.store.branch_problem import load_branch_problem, visit_from_row
from scheduler.store.published_days import published_plan_days, stored_version
from scheduler.store.records import column_values, get_record

MAX_DAYS = 7


@dataclass(frozen=True)
class InsertionChoice:
    """One place a new visit fits in the published plan.

    Parameters
    ----------
    clinician_id, day
        Who takes it, on which local date.
    start
        When it starts (aware, in the branch's time zone).
    position
        0-based index of the visit in that clinician's day once inserted.
    added_travel_seconds, added_travel_metres
        Driving the day gains.
    plan_id
        The published plan version the option is for.
    """

    clinician_id: str
    day: date
    start: datetime
    position: int
    added_travel_seconds: int
    added_travel_metres: int
    plan_id: str


def find_insertion_options(
    session: Session,
    *,
    branch_id: str,
    visit: models.Visit,
    settings: Settings,
    limit: int = 5,
    start_date: date | None = None,
    days: int | None = None,
) -> list[InsertionChoice]:
    """The best few places for ``visit`` (an unsaved row) in the branch's published days.

    Parameters
    ----------
    session
        Read only: nothing is added or changed.
    branch_id
        The branch whose published plans to search.
    visit
        The new visit as a row (not added to the session); its patient must be the branch's.
    settings
        Travel provider and its options.
    limit
        How many options at most (across days).
    start_date, days
        The days to search (1..7); ``None`` uses the days of the visit's windows, at most 7
        from the first.

    Returns
    -------
    list of InsertionChoice
        Cheapest added driving first, then earliest start; each valid when applied.

    Raises
    ------
    NotFoundError
        For an unknown branch, or a patient not in the branch.
    ConflictError
        For a visit id a published plan already holds.
    ProblemError
        For a day range outside 1..7 days, or a visit with no window on a published day.
    """
    branch = get_record(session, models.Branch, branch_id)
    if branch is None:
        raise NotFoundError(f"no branch {branch_id!r}")
    patient = get_record(session, models.Patient, (branch.agency_id, visit.patient_id))
    if patient is None or patient.branch_id != branch_id:
        raise NotFoundError(f"no patient {visit.patient_id!r} in branch {branch_id!r}")
    first, count = _day_range(visit, branch.timezone, start_date, days)
    wanted = [first + timedelta(days=k) for k in range(count)]
    published = published_plan_days(session, branch_id=branch_id, days=wanted)
    span = f"{wanted[0].isoformat()}..{wanted[-1].isoformat()}"
    if not published:
        raise ProblemError(
            f"no plan is published for {span}, the days of visit {visit.id!r}; plan and "
            "publish those days first"
        )
    excluded = set(patient.excluded_clinicians)
    choices: list[InsertionChoice] = []
    searched = False
    for plan_id, plan_days in published.items():
        version = stored_version(session, plan_id=plan_id)
        problem, plan = version.problem, version.plan
        new = _visit_on_days(visit, problem, plan_days)
        if new is None:
            continue
        if new.id in problem.visit_by_id:
            raise ConflictError(
                f"visit {new.id!r} is already in the published plan {plan_id!r}; options are "
                "for a new visit, so give it a new id"
            )
        searched = True
        problem = _with_patient(session, problem, branch_id, visit.patient_id)
        travel = travel_matrix(problem.locations(), settings=settings)
        horizon = problem.horizon
        for option in insertion_options(problem, plan, new, travel, limit=limit + len(excluded)):
            if option.clinician_id in excluded:
                continue  # excluded since this version was planned
            choices.append(
                InsertionChoice(
                    clinician_id=option.clinician_id,
                    day=horizon.date_of(option.day),
                    start=horizon.datetime_of(option.start),
                    position=option.position,
                    added_travel_seconds=option.added_travel_seconds,
                    added_travel_metres=option.added_travel_metres,
                    plan_id=plan_id,
                )
            )
    if not searched:
        days_published = ", ".join(sorted(d.isoformat() for ds in published.values() for d in ds))
        raise ProblemError(
            f"no window of visit {visit.id!r} falls on a published day in {span} "
            f"(published: {days_published}); give a window on one of those days"
        )
    choices.sort(key=lambda choice: (choice.added_travel_seconds, choice.start))
    return choices[:limit]


def _day_range(
    visit: models.Visit, timezone: str, start_date: date | None, days: int | None
) -> tuple[date, int]:
    """The first day and number of days to search (ProblemError outside 1..7 days)."""
    zone = ZoneInfo(timezone)
    if start_date is None:
        first = min(datetime.fromisoformat(w["start"]) for w in visit.windows)
        start_date = first.astimezone(zone).date()
    if days is None:
        last = max(datetime.fromisoformat(w["end"]) for w in visit.windows)
        days = max(1, min(MAX_DAYS, (last.astimezone(zone).date() - start_date).days + 1))
    if not 1 <= days <= MAX_DAYS:
        raise ProblemError(f"search 1 to {MAX_DAYS} days, not {days}")
    return start_date, days


def _visit_on_days(visit: models.Visit, problem: Problem, days: list[date]) -> Visit | None:
    """The visit in the version's horizon, its windows cut to ``days``; ``None`` if none left.

    A clinician pinned or preferred who is not in the version cannot take it there: a pin
    leaves no option, a preference is dropped.
    """
    horizon = problem.horizon
    new = visit_from_row(visit, horizon)
    if new is None:
        return None
    indices = sorted((day - horizon.start_date).days for day in days)
    windows = tuple(
        cut
        for window in new.windows
        for index in indices
        if (cut := window.intersection(TimeWindow(index * DAY, (index + 1) * DAY - 1)))
    )
    pinned = new.pinned_start
    if not windows or (pinned is not None and not any(w.contains(pinned) for w in windows)):
        return None
    known = problem.clinician_by_id
    if new.pinned_clinician is not None and new.pinned_clinician not in known:
        return None
    preferred = new.preferred_clinician if new.preferred_clinician in known else None
    return replace(new, windows=windows, preferred_clinician=preferred)


def _with_patient(session: Session, problem: Problem, branch_id: str, patient_id: str) -> Problem:
    """The version's problem, with the patient added if they joined the branch after it."""
    if patient_id in problem.patient_by_id:
        return problem
    today = load_branch_problem(
        session, branch_id=branch_id, start_date=problem.horizon.start_date, days=1
    )
    patient = today.patient_by_id[patient_id]
    known = problem.clinician_by_id
    patient = replace(
        patient,
        preferred_clinicians=tuple(c for c in patient.preferred_clinicians if c in known),
        excluded_clinicians=frozenset(c for c in patient.excluded_clinicians if c in known),
    )
    return replace(problem, patients=(*problem.patients, patient))


def visit_row(values: dict[str, Any]) -> models.Visit:
    """A new visit row from its JSON-ready column ``values``, never added to a session."""
    return models.Visit(**column_values(models.Visit, values))
