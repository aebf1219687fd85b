"""Replan a published day after an event, changing as little as possible.

What is done or under way (visits that started before ``now``, and the visit a clinician is
already driving to) is frozen: each clinician's day resumes from where they are. The rest is
solved again from the current routes (a warm start), each visit preferring the clinician it
has, so that moving a visit, and above all giving it to another clinician, costs. A linked
visit whose partner is frozen may only start within the link's gap of it, by another
clinician.

The current routes, less what can no longer be made, are the fallback: a replan that places
fewer visits than it (required ones first) is not published; the fallback is, with the visits
it leaves out inserted where they fit. The answer is a diff: what moved where, which visits
the day had placed are dropped and why, who must be told, and how the day's KPIs change.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import (
    DAY,
    Kpis,
    Plan,
    Problem,
    Route,
    Stop,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
    format_clock,
)
from scheduler.errors import NotFoundError
from scheduler.geo import travel_matrix
from scheduler.service._reschedule_day import (
    as_made,
    frozen_stops,
    merge,
    on_day,
    resume,
    retarget,
    shift_route,
    until,
    without,
)
from scheduler.service._reschedule_diff import Change, DroppedVisit, diff_day, dropped_visits
from scheduler.service._reschedule_fallback import (
    INSERT_SECONDS,
    INSERT_SHARE,
    choose_plan,
    count_placed,
    fallback_plan,
    insert_left_out,
)
from scheduler.service._reschedule_links import bind_to_frozen, links_among
from scheduler.service.branch_problem import load_branch_problem, visit_from_row
from scheduler.service.reschedule_events import Event, check_events
from scheduler.settings import Settings
from scheduler.solver import SolveParams, solve
from scheduler.solver.result import SolveStatus
from scheduler.store import models
from scheduler.store.models import VisitStatus, utc_now
from scheduler.store.notifications import queue_plan_event
from scheduler.store.plan_versions import (
    save_and_publish,
    stored_problem,
    stored_solution,
)

__all__ = ["Change", "DroppedVisit", "RescheduleOutcome", "reschedule_day"]

log = logging.getLogger("scheduler")

REASSIGN_PENALTY = 10 * 3600  # a visit given to another clinician costs an hour of driving
MIN_SOLVE_SECONDS = 0.2  # the search gets at least this, whatever the fallback took


@dataclass(frozen=True)
class RescheduleOutcome:
    """The diff of a replan and, unless it was a dry run, the plan version published.

    ``plan_source`` says which plan the answer is: ``replan`` (the solver's) or ``fallback``
    (the current routes less what can no longer be made, with left-out visits inserted where
    they fit), used when the replan placed fewer visits, required ones first. The counts are
    of the whole day, frozen visits included: ``visits_kept`` (``required_visits_kept``) by
    the answer, ``fallback_visits_kept`` (``fallback_required_visits_kept``) by the fallback
    before insertion, ``solver_visits_kept`` by the solver's replan. ``dropped`` lists each
    visit the published day had placed that the answer leaves out, with its reason; nothing
    is dropped without being listed there.
    """

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
    plan_source: str = "replan"
    visits_kept: int = 0
    required_visits_kept: int = 0
    fallback_visits_kept: int = 0
    fallback_required_visits_kept: int = 0
    solver_visits_kept: int = 0
    visits_dropped: int = 0
    dropped: tuple[DroppedVisit, ...] = ()


@dataclass(frozen=True)
class _Replan:
    """The day as it stands at ``now``: what is frozen, what to replan, the full record."""

    routes: list[Route]  # the published routes of the day
    visits: dict[str, Visit]  # the published visits of the day
    frozen: dict[str, tuple[Stop, ...]]
    remaining: Problem  # what the solver is given: each clinician from where they are
    record: Problem  # the whole day as it is written: frozen visits as made, and the rest
    left_out: tuple[Unassigned, ...]  # linked visits whose frozen partner leaves no start
    current: tuple[Route, ...]  # the published routes less frozen, cancelled, left out
    added: list[Visit]
    cancelled: set[str]
    statuses: dict[str, VisitStatus]
    notes: dict[str, str]  # visit id: why its clinician cannot make it (a call-out)


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
    no cost for changes): the baseline the least-change replan is measured against. Either
    way the answer never places fewer visits than the fallback (see ``RescheduleOutcome``)
    with the visits it leaves out inserted where they fit, which is also the warm start.
    ``time_limit`` bounds the fallback, the insertion (a third, at most 1 s) and the search.

    Raises
    ------
    NotFoundError
        Without a published plan for the day, or for an unknown visit, patient or clinician.
    StaleError
        When the schedule changed since ``expected_revision``.
    ProblemError
        For an event that does not fit the day.
    """
    started, clock = utc_now(), time.monotonic()
    state = _prepare(
        session, branch_id=branch_id, day=day, events=events, now=now, least_change=least_change
    )
    remaining, record = state.remaining, state.record
    travel = travel_matrix(record.locations(), settings=settings)
    fallback = fallback_plan(remaining, state.current, travel)
    inserting = min(INSERT_SECONDS, INSERT_SHARE * time_limit)
    improved = insert_left_out(remaining, fallback, travel, deadline=time.monotonic() + inserting)
    penalty = REASSIGN_PENALTY if least_change else SolveParams().preference_penalty
    params = SolveParams(
        time_limit=max(MIN_SOLVE_SECONDS, time_limit - (time.monotonic() - clock)),
        workers=settings.solve_workers,
        preference_penalty=penalty,
    )
    result = solve(remaining, travel, params, start_from=improved if least_change else None)
    chosen, source = choose_plan(remaining, result.plan, improved, travel, notes=state.notes)
    frozen_ids = [s.visit_id for stops in state.frozen.values() for s in stops]
    frozen_count = len(frozen_ids)
    frozen_required = sum(not record.visit_by_id[v].optional for v in frozen_ids)
    answer, floor = count_placed(remaining, chosen), count_placed(remaining, fallback)
    plan = _merged(state, chosen, travel)
    changes = diff_day(record.horizon, state.routes, plan, state.added, state.cancelled, record)
    dropped = dropped_visits(changes)
    if dropped:
        log.info("reschedule of %s drops %d placed visit(s)", day.isoformat(), len(dropped))
    outcome_plan_id = None
    if not dry_run:
        status = SolveStatus.SOLVED
        if any(not record.visit_by_id[u.visit_id].optional for u in plan.unassigned):
            status = SolveStatus.PARTIAL
        row = save_and_publish(
            session,
            branch_id=branch_id,
            problem=record,
            plan=plan,
            solver_status=status.value,
            now=utc_now(),
            expected_revision=expected_revision,
        )
        for visit_id in state.cancelled & set(state.statuses):
            session.get(
                models.Visit, (_agency(session, branch_id), visit_id)
            ).status = VisitStatus.CANCELLED
        outcome_plan_id = row.id
    tell_clinicians = sorted(
        {c for change in changes for c in (change.clinician_before, change.clinician_after) if c}
    )
    before_problem = replace(record, visits=tuple(state.visits.values()))
    outcome = RescheduleOutcome(
        day=day,
        changes=changes,
        clinicians_to_tell=tuple(tell_clinicians),
        patients_to_tell=tuple(sorted({change.patient_id for change in changes})),
        kpis_before=compute_kpis(before_problem, tuple(state.routes), ()),
        kpis_after=plan.kpis,
        seconds=(utc_now() - started).total_seconds(),
        plan_id=outcome_plan_id,
        visits_moved=sum(c.kind in ("reassigned", "retimed") for c in changes),
        visits_reassigned=sum(c.kind == "reassigned" for c in changes),
        plan_source=source,
        visits_kept=frozen_count + answer.total,
        required_visits_kept=frozen_required + answer.required,
        fallback_visits_kept=frozen_count + floor.total,
        fallback_required_visits_kept=frozen_required + floor.required,
        solver_visits_kept=frozen_count + count_placed(remaining, result.plan).total,
        visits_dropped=len(dropped),
        dropped=dropped,
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
                "visits_dropped": [visit.visit_id for visit in dropped],
            },
        )
    return outcome


def _prepare(
    session: Session,
    *,
    branch_id: str,
    day: date,
    events: tuple[Event, ...],
    now: datetime,
    least_change: bool,
) -> _Replan:
    """Load the published day and freeze it at ``now``: what to replan, what to write.

    Without ``least_change`` no visit to replan prefers the clinician or time it has.
    """
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
    routes = [shift_route(r, -offset) for r in base_plan.routes if r.day * DAY == offset]
    visits = {
        s.visit_id: on_day(base_problem.visit_by_id[s.visit_id], offset)
        for r in routes
        for s in r.stops
    }
    check_events(events, today, visits)
    statuses = dict(
        session.execute(
            select(models.Visit.id, models.Visit.status).where(
                models.Visit.branch_id == branch_id, models.Visit.id.in_(list(visits))
            )
        ).all()
    )
    cancelled = {v for v, status in statuses.items() if status == VisitStatus.CANCELLED}
    cancelled |= {e.visit_id for e in events if e.kind == "visit_cancelled"}
    now_second = min(max(horizon.second_of(now), 0), DAY)
    late = {e.visit_id: horizon.second_of(e.at) for e in events if e.kind == "visit_running_late"}
    away = {
        e.clinician_id: (0 if e.at is None else horizon.second_of(e.at))
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
    released = cancelled | {v.id for v in visits.values() if v.patient_id in home_windows}
    frozen = frozen_stops(routes, now_second, late=late, away=away, released=released)
    frozen_ids = {s.visit_id for stops in frozen.values() for s in stops}
    added = [
        visit_from_row(e.visit, horizon) for e in events if e.kind == "visit_added" and e.visit
    ]
    clinician_of = {s.visit_id: r.clinician_id for r in routes for s in r.stops}
    published_start = {s.visit_id: s.start for r in routes for s in r.stops}
    if not least_change:
        clinician_of, published_start = {}, {}
    to_plan = [
        retarget(
            visit, clinician_of.get(visit.id), published_start.get(visit.id), away, home_windows
        )
        for visit in [*visits.values(), *added]
        if visit.id not in frozen_ids and visit.id not in cancelled
    ]
    by_route = {r.clinician_id: r for r in routes}
    resumed = [
        resume(
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
    made = tuple(as_made(visits[s.visit_id], s) for stops in frozen.values() for s in stops)
    record_visits = made + bound.visits + tuple(visit for visit, _ in bound.left_out)
    record = Problem(
        horizon,
        tuple(until(c, away.get(c.id)) for c in today.clinicians),
        today.patients,
        record_visits,
        links=links_among(base_problem.links, record_visits),
    )
    left_out = {visit.id for visit, _ in bound.left_out}
    notes = {
        s.visit_id: f"Its clinician {r.clinician_id} is unavailable from "
        f"{format_clock(away[r.clinician_id])}."
        for r in routes
        if r.clinician_id in away
        for s in r.stops
        if s.visit_id not in frozen_ids
    }
    return _Replan(
        routes=routes,
        visits=visits,
        frozen=frozen,
        remaining=remaining,
        record=record,
        left_out=tuple(reason for _, reason in bound.left_out),
        current=tuple(without(r, frozen_ids | cancelled | left_out) for r in routes),
        added=added,
        cancelled=cancelled,
        statuses=statuses,
        notes=notes,
    )


def _merged(state: _Replan, chosen: Plan, travel: TravelMatrix) -> Plan:
    """The whole day: frozen stops, then the chosen plan's, with every left-out reason."""
    record = state.record
    routes = merge(record, state.routes, state.frozen, chosen, travel)
    unassigned = chosen.unassigned + state.left_out
    return Plan(routes, unassigned, compute_kpis(record, routes, unassigned))


def _agency(session: Session, branch_id: str) -> str:
    """The agency of ``branch_id`` (visits are keyed by agency and id)."""
    branch = session.get(models.Branch, branch_id)
    assert branch is not None
    return branch.agency_id
