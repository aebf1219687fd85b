"""Replan a published day after an event, changing as little as possible.

What is done or under way (visits that started before ``now``) is frozen: each clinician's
day resumes from where they are. The rest is solved again from the current routes (a warm
start), each visit preferring the clinician it has, so that moving a visit, and above all
giving it to another clinician, costs. A linked visit whose partner is frozen may only start
within the link's gap of it, by another clinician. The answer is a diff: what moved where,
who must be told, and how the day's KPIs change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import (
    DAY,
    Clinician,
    Horizon,
    Kpis,
    LunchBreak,
    Plan,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    TravelMatrix,
    Visit,
    compute_kpis,
)
from scheduler.errors import NotFoundError, ProblemError
from scheduler.geo import travel_matrix
from scheduler.service._reschedule_links import bind_to_frozen, links_among
from scheduler.service.branch_problem import load_branch_problem, visit_from_row
from scheduler.settings import Settings
from scheduler.solver import SolveParams, solve
from scheduler.store import models
from scheduler.store.models import VisitStatus, utc_now
from scheduler.store.notifications import queue_plan_event
from scheduler.store.plan_versions import (
    save_and_publish,
    stored_problem,
    stored_solution,
)

REASSIGN_PENALTY = 10 * 3600  # a visit given to another clinician costs an hour of driving
RETIMED_SECONDS = 15 * 60  # a start moved by more than this is worth telling the patient


@dataclass(frozen=True)
class Event:
    """Something that changes the day.

    ``kind`` is one of ``clinician_unavailable`` (``clinician_id``, from ``at`` or the whole
    day), ``visit_cancelled`` (``visit_id``), ``visit_added`` (``visit``: its row, stored or
    not), ``visit_running_late`` (``visit_id`` ends at ``at``), ``patient_unavailable``
    (``patient_id`` is home only in ``windows`` today).
    """

    kind: str
    clinician_id: str | None = None
    visit_id: str | None = None
    patient_id: str | None = None
    at: datetime | None = None
    windows: tuple[tuple[datetime, datetime], ...] = ()
    visit: models.Visit | None = None


@dataclass(frozen=True)
class Change:
    """One visit's fate: ``kind`` is added, cancelled, reassigned, retimed or dropped."""

    visit_id: str
    patient_id: str
    kind: str
    clinician_before: str | None
    clinician_after: str | None
    start_before: datetime | None
    start_after: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class RescheduleOutcome:
    """The diff of a replan and, unless it was a dry run, the plan version published."""

    day: date
    changes: tuple[Change, ...]
    clinicians_to_tell: tuple[str, ...]
    patients_to_tell: tuple[str, ...]
    kpis_before: Kpis
    kpis_after: Kpis
    seconds: float
    plan_id: str | None = None
    visits_moved: int = field(default=0)
    visits_reassigned: int = field(default=0)


def reschedule_day(
    session: Session,
    *,
    branch_id: str,
    day: date,
    events: tuple[Event, ...],
    now: datetime,
    settings: Settings,
    time_limit: float = 3.0,
    dry_run: bool = False,
    expected_revision: int | None = None,
    least_change: bool = True,
) -> RescheduleOutcome:
    """Replan ``day`` of the branch's published plan after ``events``, as of ``now``.

    With ``dry_run`` nothing is written (a what-if). Otherwise the new version is written
    whole, published (checked against ``expected_revision`` when given) and announced.
    ``least_change=False`` replans the unfrozen visits from scratch instead (no warm start,
    no cost for changes): the baseline the least-change replan is measured against.

    Raises
    ------
    NotFoundError
        Without a published plan for the day, or for an unknown visit, patient or clinician.
    StaleError
        When the schedule changed since ``expected_revision``.
    ProblemError
        For an event that does not fit the day.
    """
    started = utc_now()
    published = session.scalar(
        select(models.Plan)
        .join(models.PublishedDay, models.PublishedDay.plan_id == models.Plan.id)
        .where(models.PublishedDay.branch_id == branch_id, models.PublishedDay.day == day)
    )
    if published is None:
        raise NotFoundError(f"branch {branch_id!r} has no published plan on {day.isoformat()}")
    base_problem, base_plan = stored_problem(published), stored_solution(published)
    today = load_branch_problem(session, branch_id=branch_id, start_date=day, days=1)
    horizon = today.horizon
    offset = (day - base_problem.horizon.start_date).days * DAY
    routes = [_shift_route(r, -offset) for r in base_plan.routes if r.day * DAY == offset]
    visits = {
        s.visit_id: _on_day(base_problem.visit_by_id[s.visit_id], offset)
        for r in routes
        for s in r.stops
    }
    _check_events(events, today, visits)
    statuses = dict(
        session.execute(
            select(models.Visit.id, models.Visit.status).where(models.Visit.id.in_(list(visits)))
        ).all()
    )
    cancelled = {v for v, status in statuses.items() if status == VisitStatus.CANCELLED}
    cancelled |= {e.visit_id for e in events if e.kind == "visit_cancelled"}
    now_second = min(max(horizon.second_of(now), 0), DAY)
    late = {e.visit_id: horizon.second_of(e.at) for e in events if e.kind == "visit_running_late"}
    frozen = {
        r.clinician_id: tuple(
            replace(s, end=late.get(s.visit_id, s.end))
            for s in r.stops
            if s.start < now_second or s.visit_id in late
        )
        for r in routes
    }
    frozen_ids = {s.visit_id for stops in frozen.values() for s in stops}
    added = [
        visit_from_row(e.visit, horizon) for e in events if e.kind == "visit_added" and e.visit
    ]
    current = {s.visit_id: r.clinician_id for r in routes for s in r.stops}
    away = {
        e.clinician_id: (DAY if e.at is None else horizon.second_of(e.at))
        for e in events
        if e.kind == "clinician_unavailable"
    }
    home_windows = {
        e.patient_id: tuple(
            TimeWindow(horizon.second_of(a), horizon.second_of(b)) for a, b in e.windows
        )
        for e in events
        if e.kind == "patient_unavailable"
    }
    published_start = {s.visit_id: s.start for r in routes for s in r.stops}
    if not least_change:
        current, published_start = {}, {}
    to_plan = [
        _retarget(visit, current.get(visit.id), published_start.get(visit.id), away, home_windows)
        for visit in [*visits.values(), *added]
        if visit.id not in frozen_ids and visit.id not in cancelled
    ]
    by_route = {r.clinician_id: r for r in routes}
    resumed = [
        _resume(
            clinician,
            by_route.get(clinician.id),
            frozen.get(clinician.id, ()),
            today,
            now_second,
            away.get(clinician.id),
        )
        for clinician in today.clinicians
    ]
    bound = bind_to_frozen(
        to_plan,
        base_problem.links,
        {s.visit_id: (c, s.start) for c, stops in frozen.items() for s in stops},
        today.patients,
    )
    remaining = Problem(
        horizon,
        tuple(resumed),
        bound.patients,
        bound.visits,
        links=links_among(base_problem.links, bound.visits),
    )
    made = tuple(_as_made(visits[s.visit_id], s) for stops in frozen.values() for s in stops)
    record_visits = made + bound.visits + tuple(visit for visit, _ in bound.left_out)
    record = Problem(
        horizon,
        tuple(_until(c, away.get(c.id)) for c in today.clinicians),
        today.patients,
        record_visits,
        links=links_among(base_problem.links, record_visits),
    )
    travel = travel_matrix(record.locations(), settings=settings)
    params = SolveParams(
        time_limit=time_limit, workers=settings.solve_workers, preference_penalty=REASSIGN_PENALTY
    )
    left_out = {visit.id for visit, _ in bound.left_out}
    start_from = Plan(
        tuple(_without(r, frozen_ids | cancelled | left_out) for r in routes), (), base_plan.kpis
    )
    if not least_change:
        params = replace(params, preference_penalty=SolveParams().preference_penalty)
    result = solve(remaining, travel, params, start_from=start_from if least_change else None)
    merged = _merge(record, routes, frozen, result.plan, travel)
    unassigned = result.plan.unassigned + tuple(reason for _, reason in bound.left_out)
    plan = Plan(merged, unassigned, compute_kpis(record, merged, unassigned))
    before_problem = replace(record, visits=tuple(visits.values()))
    kpis_before = compute_kpis(before_problem, tuple(routes), ())
    changes = _diff(horizon, routes, plan, added, cancelled, record)
    outcome_plan_id = None
    if not dry_run:
        row = save_and_publish(
            session,
            branch_id=branch_id,
            problem=record,
            plan=plan,
            solver_status=result.status.value,
            now=utc_now(),
            expected_revision=expected_revision,
        )
        for visit_id in cancelled & set(statuses):
            session.get(models.Visit, visit_id).status = VisitStatus.CANCELLED
        outcome_plan_id = row.id
    tell_clinicians = sorted(
        {c for change in changes for c in (change.clinician_before, change.clinician_after) if c}
    )
    outcome = RescheduleOutcome(
        day=day,
        changes=changes,
        clinicians_to_tell=tuple(tell_clinicians),
        patients_to_tell=tuple(sorted({change.patient_id for change in changes})),
        kpis_before=kpis_before,
        kpis_after=plan.kpis,
        seconds=(utc_now() - started).total_seconds(),
        plan_id=outcome_plan_id,
        visits_moved=sum(c.kind in ("reassigned", "retimed") for c in changes),
        visits_reassigned=sum(c.kind == "reassigned" for c in changes),
    )
    if not dry_run:
        queue_plan_event(
            session,
            branch_id=branch_id,
            event="plan.rescheduled",
            payload={
                "plan_id": outcome_plan_id,
                "day": day.isoformat(),
                "clinicians": list(outcome.clinicians_to_tell),
                "visits_changed": [change.visit_id for change in changes],
            },
        )
    return outcome


def _check_events(events: tuple[Event, ...], today: Problem, visits: dict[str, Visit]) -> None:
    """Every event names something of the day (NotFoundError otherwise)."""
    for event in events:
        if (
            event.kind == "clinician_unavailable"
            and event.clinician_id not in today.clinician_by_id
        ):
            raise NotFoundError(f"no clinician {event.clinician_id!r} in the branch")
        if event.kind in ("visit_cancelled", "visit_running_late") and event.visit_id not in visits:
            raise NotFoundError(f"visit {event.visit_id!r} is not in the day's published plan")
        if event.kind == "visit_running_late" and event.at is None:
            raise ProblemError("visit_running_late needs the time the visit will end")
        if event.kind == "patient_unavailable" and event.patient_id not in today.patient_by_id:
            raise NotFoundError(f"no patient {event.patient_id!r} in the branch")


def _as_made(visit: Visit, stop: Stop) -> Visit:
    """A frozen visit as it is made: its duration is what it takes (a late one runs longer)."""
    return replace(visit, duration=stop.end - stop.start)


def _shift_route(route: Route, seconds: int) -> Route:
    """``route`` with every time moved by ``seconds`` and its day set to 0."""
    stops = tuple(
        replace(s, arrival=s.arrival + seconds, start=s.start + seconds, end=s.end + seconds)
        for s in route.stops
    )
    lunch = route.lunch.shifted(seconds) if route.lunch else None
    return replace(
        route, day=0, start=route.start + seconds, end=route.end + seconds, stops=stops, lunch=lunch
    )


def _on_day(visit: Visit, offset: int) -> Visit:
    """``visit`` with its windows on the replanned day, in that day's seconds.

    The day is replanned as given visits: the care plan that ordered one is not part of a
    one-day replan (its spacing over the week was settled when the week was planned).
    """
    windows = tuple(
        TimeWindow(max(0, w.start - offset), min(DAY - 1, w.end - offset))
        for w in visit.windows
        if w.end >= offset and w.start < offset + DAY
    )
    pinned = None if visit.pinned_start is None else visit.pinned_start - offset
    due = None if visit.due is None else visit.due - offset
    return replace(visit, windows=windows, pinned_start=pinned, due=due, care_plan_id=None)


def _retarget(
    visit: Visit,
    clinician_id: str | None,
    published_start: int | None,
    away: dict[str, int],
    home_windows: dict[str, tuple[TimeWindow, ...]],
) -> Visit:
    """The visit preferring its current clinician (unless they are away), in today's windows.

    Starting later than published (past the telling threshold) costs lateness, so the patient
    keeps the time they were given where the day allows.
    """
    windows = visit.windows
    if visit.patient_id in home_windows:
        windows = (
            tuple(
                TimeWindow(w.start, w.end - visit.duration)
                for w in home_windows[visit.patient_id]
                if w.end - visit.duration >= w.start
            )
            or windows
        )
    keep = clinician_id or visit.preferred_clinician
    keep = keep if keep not in away else None
    pinned = visit.pinned_clinician if visit.pinned_clinician not in away else None
    due = visit.due
    if published_start is not None:
        promised = published_start + RETIMED_SECONDS
        due = promised if due is None else min(due, promised)
    return replace(
        visit,
        windows=windows,
        due=due,
        preferred_clinician=keep,
        pinned_clinician=pinned,
        pinned_start=None,
    )


def _until(clinician: Clinician, away_from: int | None) -> Clinician:
    """The clinician's day cut short where they become unavailable."""
    if away_from is None or not clinician.shifts:
        return clinician
    shift = clinician.shifts[0]
    end = min(shift.window.end, max(shift.window.start, away_from))
    window = TimeWindow(shift.window.start, end)
    lunch = shift.lunch if shift.lunch and shift.lunch.window.end <= end else None
    # the visit under way may run past the call-out: up to the day's latest end
    return replace(clinician, shifts=(Shift(0, window, lunch, shift.latest_end - end),))


def _resume(
    clinician: Clinician,
    route: Route | None,
    frozen: tuple[Stop, ...],
    today: Problem,
    now: int,
    away_from: int | None,
) -> Clinician:
    """The clinician from where they are at ``now``: after their frozen visits, until away.

    A clinician with no time left keeps no shift (a day off for the replan).
    """
    shift = clinician.shift_on(0)
    if shift is None:
        return clinician
    start = clinician.start
    available = max(now, shift.window.start)
    if frozen:
        start = today.patient_by_id[frozen[-1].patient_id].location
        available = max(now, frozen[-1].end)
    end = shift.window.end if away_from is None else min(shift.window.end, away_from)
    overtime = shift.max_overtime if away_from is None else 0
    if available >= end + overtime:
        return replace(clinician, shifts=())
    lunch = shift.lunch
    taken = route is not None and route.lunch is not None and route.lunch.start < now
    if lunch is not None and (taken or lunch.window.end < available):
        lunch = None
    elif lunch is not None:
        lunch = LunchBreak(
            TimeWindow(max(lunch.window.start, available), lunch.window.end), lunch.duration
        )
    cap = clinician.max_visits_per_day
    work = clinician.max_work_per_day
    if route is not None and frozen:
        work = None if work is None else max(0, work - (available - route.start))
    return replace(
        clinician,
        start=start,
        end=clinician.end_location,
        shifts=(Shift(0, TimeWindow(available, max(available, end)), lunch, overtime),),
        max_visits_per_day=None if cap is None else max(0, cap - len(frozen)),
        max_work_per_day=work,
    )


def _without(route: Route, visit_ids: set[str]) -> Route:
    return replace(route, stops=tuple(s for s in route.stops if s.visit_id not in visit_ids))


def _merge(
    record: Problem,
    routes: list[Route],
    frozen: dict[str, tuple[Stop, ...]],
    replanned: Plan,
    travel: TravelMatrix,
) -> tuple[Route, ...]:
    """Each clinician's frozen visits followed by their replanned ones."""
    before = {r.clinician_id: r for r in routes}
    after = {r.clinician_id: r for r in replanned.routes}
    merged = []
    for clinician in record.clinicians:
        done, new = frozen.get(clinician.id, ()), after.get(clinician.id)
        if not done and new is None:
            continue
        if new is None:
            last = record.patient_by_id[done[-1].patient_id].location
            seconds = travel.seconds_leaving(last.id, clinician.end_location.id, done[-1].end)
            metres = travel.metres_between(last.id, clinician.end_location.id)
            merged.append(
                Route(
                    clinician.id,
                    0,
                    before[clinician.id].start,
                    done[-1].end + seconds,
                    done,
                    seconds,
                    metres,
                    _lunch_before(before[clinician.id], done[-1].end),
                )
            )
            continue
        start = before[clinician.id].start if done else new.start
        lunch = new.lunch
        if lunch is None and done:
            lunch = _lunch_before(before[clinician.id], new.start) or _lunch_between(
                clinician, done[-1].end, new.start
            )
        merged.append(replace(new, start=start, stops=done + new.stops, lunch=lunch))
    return tuple(merged)


def _lunch_between(clinician: Clinician, free: int, leave: int) -> TimeWindow | None:
    """The lunch taken while waiting between the frozen visits and leaving again, if it fits.

    A resumed day may leave its last frozen visit late and eat before going on; the solver
    sees that lunch before its route starts.
    """
    shift = clinician.shift_on(0)
    if shift is None or shift.lunch is None:
        return None
    start = max(shift.lunch.window.start, free)
    end = start + shift.lunch.duration
    return TimeWindow(start, end) if start <= shift.lunch.window.end and end <= leave else None


def _lunch_before(route: Route, instant: int) -> TimeWindow | None:
    """The route's lunch if it was taken before ``instant``."""
    return route.lunch if route.lunch is not None and route.lunch.end <= instant else None


def _diff(
    horizon: Horizon,
    routes: list[Route],
    plan: Plan,
    added: list[Visit],
    cancelled: set[str],
    record: Problem,
) -> tuple[Change, ...]:
    """What changed for each visit between the published day and the new plan."""
    before = {s.visit_id: (r.clinician_id, s) for r in routes for s in r.stops}
    after = {s.visit_id: (r.clinician_id, s) for r in plan.routes for s in r.stops}
    left_out = {u.visit_id: u.message for u in plan.unassigned}
    new_ids = {visit.id for visit in added}
    changes = []
    for visit_id in sorted(set(before) | set(after) | set(left_out) | cancelled):
        old, new = before.get(visit_id), after.get(visit_id)
        kind = None
        if visit_id in cancelled:
            kind = "cancelled"
        elif visit_id in new_ids:
            kind = "added" if new else "dropped"
        elif old and not new:
            kind = "dropped"
        elif old and new and old[0] != new[0]:
            kind = "reassigned"
        elif old and new and abs(old[1].start - new[1].start) > RETIMED_SECONDS:
            kind = "retimed"
        if kind is None:
            continue
        patient = (
            (old or new)[1].patient_id if (old or new) else record.visit_by_id[visit_id].patient_id
        )
        changes.append(
            Change(
                visit_id=visit_id,
                patient_id=patient,
                kind=kind,
                clinician_before=old[0] if old else None,
                clinician_after=new[0] if new else None,
                start_before=horizon.datetime_of(old[1].start) if old else None,
                start_after=horizon.datetime_of(new[1].start) if new else None,
                reason=left_out.get(visit_id),
            )
        )
    return tuple(changes)
