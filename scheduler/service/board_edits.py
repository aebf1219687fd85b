"""The board's edits of a published version: who can take a left-out visit, and placing one.

Placing a visit (a left-out one, or one moved to another clinician or time) takes it out of
its route, fits it into the chosen clinician's day nearest the asked start, checks the whole
version with the validator, then writes and publishes it (guarded by the schedule's
revision). A placement breaking a rule is refused naming the rule.

Edits work per published day. The version published on the day asked is edited; when it is
still published for all its days it is written and published whole as the branch's next
version, otherwise (other days of it replanned since, e.g. by a call-out) each day the edit
changes is written and published as a one-day version of its own, as a call-out's day is,
and the version's other days are left as they are published. A day that is not published
cannot be edited, nor a visit moved off a day that another version publishes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from scheduler.domain import (
    DAY,
    Horizon,
    Plan,
    Problem,
    Shift,
    TravelMatrix,
    compute_kpis,
)
from scheduler.errors import ConflictError, NotFoundError
from scheduler.geo import travel_matrix
from scheduler.service._reschedule_day import on_day, shift_route
from scheduler.service._reschedule_links import links_among
from scheduler.service.publishing import save_and_publish
from scheduler.settings import Settings
from scheduler.solver.insertion import (
    plan_without,
    route_insertions,
    valid_insertions,
    with_insertion,
)
from scheduler.solver.validate import validate
from scheduler.store import models
from scheduler.store.models import utc_now
from scheduler.store.published_days import StoredVersion, published_plan_days, stored_version
from scheduler.store.records import agency_of_branch


@dataclass(frozen=True)
class Place:
    """Where a left-out visit fits: who, when, and the driving it adds."""

    clinician_id: str
    day: date
    start: datetime
    added_travel_minutes: int


def left_out_places(
    session: Session,
    *,
    branch_id: str,
    plan_id: str,
    visit_id: str,
    settings: Settings,
    limit: int = 3,
) -> list[Place]:
    """The best few places for a visit the published version ``plan_id`` leaves out.

    Each is an insertion candidate (cheapest added driving first) on a day the version is
    still published for, whose whole version the validator accepts once the visit is in.
    """
    version, own = _published_version(session, branch_id=branch_id, plan_id=plan_id)
    problem, plan = version.problem, version.plan
    _check_visit(problem, visit_id)
    if problem.link_by_visit.get(visit_id) is not None:
        return []  # a linked visit is placed with its partner: plan the days again
    travel = travel_matrix(problem.locations(), settings=settings)
    horizon = problem.horizon
    wanted = limit if len(own) == horizon.days else limit * horizon.days
    options = valid_insertions(problem, plan, problem.visit_by_id[visit_id], travel, limit=wanted)
    return [
        Place(
            clinician_id=option.clinician_id,
            day=horizon.date_of(option.day),
            start=horizon.datetime_of(option.start),
            added_travel_minutes=round(option.added_travel_seconds / 60),
        )
        for option in options
        if horizon.date_of(option.day) in own
    ][:limit]


def place_visit(
    session: Session,
    *,
    branch_id: str,
    visit_id: str,
    clinician_id: str,
    start: datetime,
    settings: Settings,
    expected_revision: int | None,
) -> models.Plan:
    """Put ``visit_id`` in ``clinician_id``'s day nearest ``start``; publish what changed.

    ``start`` is in the branch's time zone; its date is the day edited. Returns the version
    now published for that day.

    Raises
    ------
    NotFoundError
        For a visit or clinician the day's published version does not hold.
    ConflictError
        When the placement breaks a rule (the message starts with the rule's name), the day
        is not published, or the visit is on a day another version publishes.
    StaleError
        When the schedule changed since ``expected_revision``.
    """
    day = start.date()
    published = published_plan_days(session, branch_id=branch_id, days=[day])
    if not published:
        raise ConflictError(
            f"no plan is published on {day.isoformat()}: plan and publish that day first"
        )
    version, own = _published_version(session, branch_id=branch_id, plan_id=next(iter(published)))
    problem, plan = version.problem, version.plan
    horizon = problem.horizon
    source = _published_day_of(session, branch_id, visit_id, ZoneInfo(horizon.timezone))
    if source is not None and source not in own:
        raise ConflictError(
            f"visit {visit_id!r} is on {source.isoformat()}, published from another plan "
            f"version than {day.isoformat()}: move it within {source.isoformat()}, or plan "
            "both days again"
        )
    _check_visit(problem, visit_id)
    travel = travel_matrix(problem.locations(), settings=settings)
    placed = _placed(problem, plan, visit_id, clinician_id, start, travel)
    broken = validate(problem, placed, travel)
    if broken:
        raise ConflictError(f"{broken[0].rule}: {broken[0].message}")
    if len(own) == horizon.days:
        return _publish(session, branch_id, problem, placed, expected_revision)
    was_on = next(
        (horizon.date_of(r.day) for r in plan.routes for s in r.stops if s.visit_id == visit_id),
        None,
    )
    changed = [was_on] if was_on in own and was_on != day else []
    changed.append(day)  # the day the visit leaves first, then the day it joins
    rows = []
    for k, edited in enumerate(changed):
        one, one_plan = _one_day(problem, placed, edited)
        broken = validate(one, one_plan, travel_matrix(one.locations(), settings=settings))
        if broken:
            raise ConflictError(f"{broken[0].rule}: {broken[0].message} ({edited.isoformat()})")
        revision = expected_revision if k == 0 else None  # the branch's row is held since
        rows.append(_publish(session, branch_id, one, one_plan, revision))
    return rows[-1]  # the day asked


def _publish(
    session: Session,
    branch_id: str,
    problem: Problem,
    plan: Plan,
    expected_revision: int | None,
) -> models.Plan:
    """Write ``plan`` as the branch's next version and publish it (an edit)."""
    return save_and_publish(
        session,
        branch_id=branch_id,
        problem=problem,
        plan=plan,
        solver_status="edited",
        now=utc_now(),
        expected_revision=expected_revision,
    )


def _one_day(problem: Problem, plan: Plan, day: date) -> tuple[Problem, Plan]:
    """Day ``day`` of a version as a version of its own, as a call-out writes a day.

    The day's people are the version's; its visits are those the day's routes make, in the
    day's seconds (their care plans' spacing was checked with the whole version).
    """
    horizon = problem.horizon
    index = (day - horizon.start_date).days
    offset = index * DAY
    routes = tuple(shift_route(r, -offset) for r in plan.routes if r.day == index and r.stops)
    visits = tuple(
        on_day(problem.visit_by_id[stop.visit_id], offset) for r in routes for stop in r.stops
    )
    clinicians = tuple(
        replace(c, shifts=tuple(_day_zero(s, offset) for s in c.shifts if s.day == index))
        for c in problem.clinicians
    )
    one = Problem(
        Horizon(day, 1, horizon.timezone),
        clinicians,
        problem.patients,
        visits,
        links=links_among(problem.links, visits),
    )
    return one, Plan(routes, (), compute_kpis(one, routes, ()))


def _day_zero(shift: Shift, offset: int) -> Shift:
    """``shift`` moved ``offset`` seconds earlier, as day 0."""
    lunch = shift.lunch
    if lunch is not None:
        lunch = replace(lunch, window=lunch.window.shifted(-offset))
    return replace(shift, day=0, window=shift.window.shifted(-offset), lunch=lunch)


def _published_day_of(
    session: Session, branch_id: str, visit_id: str, zone: ZoneInfo
) -> date | None:
    """The day on which the branch's visit ``visit_id`` is published (``None``: it is not)."""
    row = session.get(models.Visit, (agency_of_branch(session, branch_id), visit_id))
    if row is None or row.status != models.VisitStatus.PUBLISHED or row.start_at is None:
        return None
    return row.start_at.astimezone(zone).date()


def _placed(
    problem: Problem,
    plan: Plan,
    visit_id: str,
    clinician_id: str,
    start: datetime,
    travel: TravelMatrix,
) -> Plan:
    """``plan`` with the visit in the clinician's day, starting as near ``start`` as fits."""
    clinician = problem.clinician_by_id.get(clinician_id)
    if clinician is None:
        raise NotFoundError(f"no clinician {clinician_id!r} in this version")
    horizon = problem.horizon
    wanted = horizon.second_of(start)
    day = wanted // DAY
    shift = next((shift for shift in clinician.shifts if shift.day == day), None)
    if shift is None:
        raise ConflictError(f"shift: {clinician.name} does not work on {start.date().isoformat()}")
    base = plan
    if any(stop.visit_id == visit_id for route in plan.routes for stop in route.stops):
        base = plan_without(problem, plan, visit_id, travel)
        if base is None:
            raise ConflictError("route: the visit's day cannot be timed again without it")
    visit = problem.visit_by_id[visit_id]
    options = route_insertions(
        problem, clinician, shift, base.route_of(clinician_id, day), visit, travel,
        work_cap=None, wanted=wanted,
    )  # fmt: skip
    if not options:
        raise ConflictError(
            f"time_window: no start in {clinician.name}'s day fits the visit's windows, the "
            "shift and the lunch"
        )
    nearest = min(options, key=lambda o: (abs(o.start - wanted), o.added_travel_seconds))
    return with_insertion(problem, base, nearest)


def _published_version(
    session: Session, *, branch_id: str, plan_id: str
) -> tuple[StoredVersion, set[date]]:
    """Version ``plan_id`` of the branch and the days it is still published for.

    Raises
    ------
    NotFoundError
        For a version of another branch, or none.
    ConflictError
        When none of its days is published from it any more.
    """
    version = stored_version(session, plan_id=plan_id)
    row = session.get(models.Plan, plan_id)
    if row is None or row.branch_id != branch_id:
        raise NotFoundError(f"no plan {plan_id!r} in branch {branch_id!r}")
    horizon = version.problem.horizon
    days = [horizon.date_of(day) for day in range(horizon.days)]
    own = set(published_plan_days(session, branch_id=branch_id, days=days).get(plan_id, []))
    if not own:
        raise ConflictError(
            f"plan {plan_id!r} is no longer published for any of its days: open the week again"
        )
    return version, own


def _check_visit(problem: Problem, visit_id: str) -> None:
    """Check that the version holds ``visit_id`` (NotFoundError otherwise)."""
    if visit_id not in problem.visit_by_id:
        raise NotFoundError(f"no visit {visit_id!r} in this version")
