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

The use case is four steps: load (the published day and the branch's people, from the store),
freeze (``freeze_day``, pure), solve (fallback, insertion, search, the better of the two),
save (the new version written whole and published, cancelled visits marked, the event
queued; not in a dry run).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from scheduler.domain import (
    DAY,
    Horizon,
    Kpis,
    Plan,
    TravelMatrix,
    Visit,
    compute_kpis,
)
from scheduler.errors import NotFoundError, ProblemError
from scheduler.fhir.bundle_out import BookedVisit, appointments_bundle
from scheduler.geo import travel_matrix
from scheduler.service._reschedule_day import merge, on_day, shift_route
from scheduler.service._reschedule_diff import Change, DroppedVisit, diff_day, dropped_visits
from scheduler.service._reschedule_fallback import (
    INSERT_SECONDS,
    INSERT_SHARE,
    Placed,
    choose_plan,
    count_placed,
    fallback_plan,
    insert_left_out,
)
from scheduler.service._reschedule_freeze import FrozenDay, LoadedDay, freeze_day
from scheduler.service.publishing import save_and_publish
from scheduler.service.reschedule_events import Event, VisitAdded, check_events
from scheduler.settings import Settings
from scheduler.solver import SolveParams, solve
from scheduler.solver.result import SolveStatus
from scheduler.store import models
from scheduler.store.branch_problem import load_branch_problem, visit_from_row
from scheduler.store.fhir_visits import visits_named
from scheduler.store.models import VisitStatus, utc_now
from scheduler.store.notifications import queue_plan_event
from scheduler.store.published_days import published_version
from scheduler.store.visits import cancel_visits, new_visit, visit_statuses

__all__ = ["Change", "DroppedVisit", "RescheduleOutcome", "reschedule_day"]

log = logging.getLogger("scheduler")

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
class _Solved:
    """The solve step's answer: the whole day's plan, its source, its diff, what plans place.

    ``changes`` and ``dropped`` are the diff against the published day. The counts are of the
    replanned part only: ``kept`` by the chosen plan, ``fallback`` by the fallback before
    insertion, ``solver`` by the solver's replan.
    """

    plan: Plan
    source: str
    changes: tuple[Change, ...]
    dropped: tuple[DroppedVisit, ...]
    kept: Placed
    fallback: Placed
    solver: Placed


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

    With ``dry_run`` nothing is written (a what-if). Otherwise the visits the events add are
    stored, and the new version is written whole, published (checked against
    ``expected_revision`` when given) and announced.
    ``least_change=False`` replans the unfrozen visits from scratch instead (no warm start,
    no cost for changes): the baseline the least-change replan is measured against. Either
    way the answer never places fewer visits than the fallback (see ``RescheduleOutcome``)
    with the visits it leaves out inserted where they fit, which is also the warm start.
    ``time_limit`` bounds the fallback, the insertion (a third, at most 1 s) and the search.

    Raises
    ------
    NotFoundError
        Without a published plan for the day, or for an unknown visit, patient or clinician.
    ConflictError
        For an added visit whose id the agency already has.
    StaleError
        When the schedule changed since ``expected_revision``.
    ProblemError
        For an event that does not fit the day (e.g. an added visit with no window on it).
    """
    started, clock = utc_now(), time.monotonic()
    loaded = _load(session, branch_id=branch_id, day=day, events=events, dry_run=dry_run)
    frozen = freeze_day(loaded, events, now=now, least_change=least_change)
    solved = _solve(
        frozen, settings=settings, time_limit=time_limit, clock=clock, least_change=least_change
    )
    plan_id = None
    if not dry_run:
        plan_id = _save(
            session,
            branch_id=branch_id,
            day=day,
            frozen=frozen,
            solved=solved,
            cancelled=frozen.cancelled & loaded.stored,
            expected_revision=expected_revision,
        )
    return _outcome(day, frozen, solved, plan_id=plan_id, started=started)


def _load(
    session: Session, *, branch_id: str, day: date, events: tuple[Event, ...], dry_run: bool
) -> LoadedDay:
    """The published day as the store holds it, the branch's people, the visits events add.

    The visits the events add are stored first, unless ``dry_run``.
    """
    rows = [
        new_visit(session, branch_id=branch_id, fields=event.visit, save=not dry_run)
        for event in events
        if isinstance(event, VisitAdded)
    ]
    published = published_version(session, branch_id=branch_id, day=day)
    if published is None:
        raise NotFoundError(f"branch {branch_id!r} has no published plan on {day.isoformat()}")
    base_problem, base_plan = published.problem, published.plan
    today = load_branch_problem(session, branch_id=branch_id, start_date=day, days=1)
    offset = (day - base_problem.horizon.start_date).days * DAY
    routes = tuple(shift_route(r, -offset) for r in base_plan.routes if r.day * DAY == offset)
    visits = {
        s.visit_id: on_day(base_problem.visit_by_id[s.visit_id], offset)
        for r in routes
        for s in r.stops
    }
    check_events(events, today, visits)
    statuses = visit_statuses(session, branch_id=branch_id, visit_ids=visits)
    loaded = LoadedDay(
        today=today,
        routes=routes,
        visits=visits,
        links=base_problem.links,
        added=tuple(_on_the_day(row, today.horizon) for row in rows),
        cancelled=frozenset(v for v, status in statuses.items() if status == VisitStatus.CANCELLED),
        stored=frozenset(statuses),
    )
    return loaded


def _on_the_day(row: models.Visit, horizon: Horizon) -> Visit:
    """An added visit in the day's seconds (ProblemError when none of its windows is that day)."""
    visit = visit_from_row(row, horizon)
    if visit is None:
        raise ProblemError(
            f"visit {row.id!r} has no window on {horizon.start_date.isoformat()}, the day "
            "rescheduled: a reschedule adds visits of that day only"
        )
    return visit


def _solve(
    frozen: FrozenDay,
    *,
    settings: Settings,
    time_limit: float,
    clock: float,
    least_change: bool,
) -> _Solved:
    """The better of the fallback (left-out visits inserted) and the search, and its diff.

    The diff is against the published day. ``clock`` is the ``time.monotonic()`` instant
    the reschedule began (``time_limit`` counts from it).
    """
    remaining, record = frozen.remaining, frozen.record
    travel = travel_matrix(record.locations(), settings=settings)
    fallback = fallback_plan(remaining, frozen.current, travel)
    inserting = min(INSERT_SECONDS, INSERT_SHARE * time_limit)
    improved = insert_left_out(remaining, fallback, travel, deadline=time.monotonic() + inserting)
    params = SolveParams(
        time_limit=max(MIN_SOLVE_SECONDS, time_limit - (time.monotonic() - clock)),
        workers=settings.solve_workers,
    )
    result = solve(remaining, travel, params, start_from=improved if least_change else None)
    chosen, source = choose_plan(remaining, result.plan, improved, travel, notes=frozen.notes)
    plan = _merged(frozen, chosen, travel)
    changes = diff_day(record.horizon, frozen.routes, plan, frozen.added, frozen.cancelled, record)
    dropped = dropped_visits(changes)
    if dropped:
        log.info(
            "reschedule of %s drops %d placed visit(s)", record.horizon.start_date, len(dropped)
        )
    return _Solved(
        plan=plan,
        source=source,
        changes=changes,
        dropped=dropped,
        kept=count_placed(remaining, chosen),
        fallback=count_placed(remaining, fallback),
        solver=count_placed(remaining, result.plan),
    )


def _merged(frozen: FrozenDay, chosen: Plan, travel: TravelMatrix) -> Plan:
    """The whole day: frozen stops, then the chosen plan's, with every left-out reason."""
    record = frozen.record
    routes = merge(record, frozen.routes, frozen.frozen, chosen, travel)
    unassigned = chosen.unassigned + frozen.left_out
    return Plan(routes, unassigned, compute_kpis(record, routes, unassigned))


def _save(
    session: Session,
    *,
    branch_id: str,
    day: date,
    frozen: FrozenDay,
    solved: _Solved,
    cancelled: frozenset[str],
    expected_revision: int | None,
) -> str:
    """Publish the day's plan as the branch's next version; returns the version's id.

    The ``cancelled`` visits are marked so, and the ``plan.rescheduled`` event is queued for
    the agency's webhooks, in the caller's transaction; its ``appointments`` are the changed
    and dropped visits as they now stand, a FHIR Bundle of Appointments.
    """
    record, plan = frozen.record, solved.plan
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
    if cancelled:
        cancel_visits(session, branch_id=branch_id, visit_ids=cancelled)
    changed = {c.visit_id for c in solved.changes} | {v.visit_id for v in solved.dropped}
    rows = visits_named(session, branch_id=branch_id, visit_ids=changed)
    appointments = [BookedVisit.of(row) for row in rows]
    queue_plan_event(
        session,
        branch_id=branch_id,
        event="plan.rescheduled",
        payload={
            "plan_id": row.id,
            "day": day.isoformat(),
            "clinicians": list(_clinicians_to_tell(solved.changes)),
            "visits_changed": [change.visit_id for change in solved.changes],
            "visits_dropped": [visit.visit_id for visit in solved.dropped],
            "appointments": appointments_bundle(appointments, timezone=record.horizon.timezone),
        },
    )
    return row.id


def _outcome(
    day: date,
    frozen: FrozenDay,
    solved: _Solved,
    *,
    plan_id: str | None,
    started: datetime,
) -> RescheduleOutcome:
    """The answer: the diff, who to tell, the KPIs before and after, what each plan keeps."""
    record, changes, dropped = frozen.record, solved.changes, solved.dropped
    frozen_ids = frozen.frozen_ids
    frozen_count = len(frozen_ids)
    frozen_required = sum(not record.visit_by_id[v].optional for v in frozen_ids)
    before_problem = replace(record, visits=tuple(frozen.visits.values()))
    return RescheduleOutcome(
        day=day,
        changes=changes,
        clinicians_to_tell=_clinicians_to_tell(changes),
        patients_to_tell=tuple(sorted({change.patient_id for change in changes})),
        kpis_before=compute_kpis(before_problem, frozen.routes, ()),
        kpis_after=solved.plan.kpis,
        seconds=(utc_now() - started).total_seconds(),
        plan_id=plan_id,
        visits_moved=sum(c.kind in ("reassigned", "retimed") for c in changes),
        visits_reassigned=sum(c.kind == "reassigned" for c in changes),
        plan_source=solved.source,
        visits_kept=frozen_count + solved.kept.total,
        required_visits_kept=frozen_required + solved.kept.required,
        fallback_visits_kept=frozen_count + solved.fallback.total,
        fallback_required_visits_kept=frozen_required + solved.fallback.required,
        solver_visits_kept=frozen_count + solved.solver.total,
        visits_dropped=len(dropped),
        dropped=dropped,
    )


def _clinicians_to_tell(changes: tuple[Change, ...]) -> tuple[str, ...]:
    """Every clinician who loses or gains a visit, sorted."""
    return tuple(
        sorted(
            {
                c
                for change in changes
                for c in (change.clinician_before, change.clinician_after)
                if c
            }
        )
    )
