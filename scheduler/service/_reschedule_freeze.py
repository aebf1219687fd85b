"""Freezing a published day at ``now``: what stays as it is, what is replanned, what is written.

Pure: the day as loaded (``LoadedDay``) and the events give the ``FrozenDay``, the problem the
solver is given (each clinician from where they are) and the record the new version holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from scheduler.domain import (
    DAY,
    Assignment,
    Incumbent,
    Problem,
    Route,
    Stop,
    TimeWindow,
    Unassigned,
    Visit,
    VisitLink,
    format_clock,
)
from scheduler.service._reschedule_day import (
    as_made,
    frozen_stops,
    resume,
    retarget,
    until,
    without,
)
from scheduler.service._reschedule_links import bind_to_frozen, links_among
from scheduler.service.reschedule_events import (
    ClinicianUnavailable,
    Event,
    PatientUnavailable,
    VisitCancelled,
    VisitRunningLate,
)

REASSIGN_SECONDS = 3600  # seconds of driving worth keeping a visit with its clinician


@dataclass(frozen=True)
class LoadedDay:
    """A published day as the store gives it, in the day's seconds (day 0).

    ``today`` holds the branch's people for the day; ``routes`` and ``visits`` are the
    published version's for the day, ``links`` its links; ``added`` the visits events add;
    ``cancelled`` the day's visits already stored as cancelled, ``stored`` those stored as
    rows at all (cancelling one writes its row).
    """

    today: Problem
    routes: tuple[Route, ...]
    visits: Mapping[str, Visit]
    links: tuple[VisitLink, ...]
    added: tuple[Visit, ...] = ()
    cancelled: frozenset[str] = frozenset()
    stored: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FrozenDay:
    """The day as it stands at ``now``: what is frozen, what to replan, the full record."""

    routes: tuple[Route, ...]  # the published routes of the day
    visits: Mapping[str, Visit]  # the published visits of the day
    frozen: Mapping[str, tuple[Stop, ...]]  # each clinician's stops done or under way
    remaining: Problem  # what the solver is given: each clinician from where they are
    record: Problem  # the whole day as it is written: frozen visits as made, and the rest
    left_out: tuple[Unassigned, ...]  # linked visits whose frozen partner leaves no start
    current: tuple[Route, ...]  # the published routes less frozen, cancelled, left out
    added: tuple[Visit, ...]
    cancelled: frozenset[str]  # stored as cancelled, or cancelled by an event
    notes: Mapping[str, str]  # visit id: why its clinician cannot make it (a call-out)

    @property
    def frozen_ids(self) -> tuple[str, ...]:
        """The frozen visits, clinician by clinician."""
        return tuple(stop.visit_id for stops in self.frozen.values() for stop in stops)


def freeze_day(
    day: LoadedDay, events: tuple[Event, ...], *, now: datetime, least_change: bool
) -> FrozenDay:
    """Freeze ``day`` at ``now`` after ``events``: what to replan, what to write.

    What started before ``now`` (and the visit a clinician is driving to) is frozen; each
    clinician resumes from where they are. With ``least_change`` the replan's incumbent is
    each visit's published clinician (``REASSIGN_SECONDS`` of driving to give it to another)
    and its published time is promised; without it, neither.
    """
    today, routes, visits = day.today, day.routes, day.visits
    horizon = today.horizon
    cancelled = day.cancelled | {e.visit_id for e in events if isinstance(e, VisitCancelled)}
    now_second = min(max(horizon.second_of(now), 0), DAY)
    late = {
        e.visit_id: horizon.second_of(e.ends_at) for e in events if isinstance(e, VisitRunningLate)
    }
    away = {
        e.clinician_id: (0 if e.from_time is None else horizon.second_of(e.from_time))
        for e in events
        if isinstance(e, ClinicianUnavailable)
    }
    home_windows = {
        e.patient_id: tuple(
            TimeWindow(horizon.second_of(a), horizon.second_of(b)) for a, b in e.windows
        )
        for e in events
        if isinstance(e, PatientUnavailable)
    }
    released = cancelled | {v.id for v in visits.values() if v.patient_id in home_windows}
    frozen = frozen_stops(routes, now_second, late=late, away=away, released=released)
    frozen_ids = {s.visit_id for stops in frozen.values() for s in stops}
    clinician_of = {s.visit_id: r.clinician_id for r in routes for s in r.stops}
    published_start = {s.visit_id: s.start for r in routes for s in r.stops}
    if not least_change:
        clinician_of, published_start = {}, {}
    to_plan = [
        retarget(visit, published_start.get(visit.id), away, home_windows)
        for visit in [*visits.values(), *day.added]
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
        day.links,
        {s.visit_id: (c, s.start) for c, stops in frozen.items() for s in stops},
        today.patients,
    )
    kept = tuple(
        Assignment(visit.id, clinician_of[visit.id], 0)
        for visit in bound.visits
        if visit.id in clinician_of and clinician_of[visit.id] not in away
    )
    remaining = Problem(
        horizon,
        tuple(resumed),
        bound.patients,
        bound.visits,
        links=links_among(day.links, bound.visits),
        incumbent=Incumbent(kept, REASSIGN_SECONDS),
    )
    made = tuple(as_made(visits[s.visit_id], s) for stops in frozen.values() for s in stops)
    record_visits = made + bound.visits + tuple(visit for visit, _ in bound.left_out)
    record = Problem(
        horizon,
        tuple(until(c, away.get(c.id)) for c in today.clinicians),
        today.patients,
        record_visits,
        links=links_among(day.links, record_visits),
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
    return FrozenDay(
        routes=routes,
        visits=visits,
        frozen=frozen,
        remaining=remaining,
        record=record,
        left_out=tuple(reason for _, reason in bound.left_out),
        current=tuple(without(r, frozen_ids | cancelled | left_out) for r in routes),
        added=day.added,
        cancelled=frozenset(cancelled),
        notes=notes,
    )
