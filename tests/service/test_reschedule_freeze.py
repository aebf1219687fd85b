"""Freezing a published day at ``now``: what stays, what is replanned, what is written."""

from __future__ import annotations

from datetime import datetime

from scheduler.domain import Assignment, Problem, Route, Stop, TimeWindow, Visit
from scheduler.service._reschedule_freeze import FrozenDay, LoadedDay, freeze_day
from scheduler.service.reschedule_events import (
    ClinicianUnavailable,
    Event,
    PatientUnavailable,
    VisitCancelled,
    VisitRunningLate,
)
from tests.builders import clock, line_problem, nurse, visit

# Nurse a: v1 09:00-09:45 at p1, v2 10:30-11:15 at p2, v3 13:00-13:45 at p3; nurse b: v4 at p4.
VISITS = {v.id: v for v in (visit("v1", 1), visit("v2", 2), visit("v3", 3), visit("v4", 4))}
TODAY = line_problem([nurse("a"), nurse("b")], [])


def stop(visit_id: str, patient: int, hours: int, minutes: int = 0) -> Stop:
    """A 45-minute stop at ``p{patient}`` starting at the clock time, arriving on time."""
    start = clock(hours, minutes)
    return Stop(visit_id, f"p{patient}", start, start, start + 2700, 600, 5000)


ROUTES = (
    Route(
        "a",
        0,
        clock(8, 50),
        clock(14),
        (stop("v1", 1, 9), stop("v2", 2, 10, 30), stop("v3", 3, 13)),
        1800,
        15000,
    ),
    Route("b", 0, clock(8, 20), clock(10, 25), (stop("v4", 4, 9),), 2400, 20000),
)
DAY = LoadedDay(today=TODAY, routes=ROUTES, visits=VISITS, links=())


def at(hours: int, minutes: int = 0) -> datetime:
    """The clock time on the day as an aware datetime."""
    return TODAY.horizon.datetime_of(clock(hours, minutes))


def freeze(*events: Event, now: datetime, least_change: bool = True) -> FrozenDay:
    """The demo day frozen at ``now`` after ``events``."""
    return freeze_day(DAY, events, now=now, least_change=least_change)


def ids(visits: tuple[Visit, ...] | Problem) -> set[str]:
    """The ids of ``visits`` (or of a problem's visits)."""
    return {v.id for v in (visits.visits if isinstance(visits, Problem) else visits)}


def test_a_call_out_freezes_what_started_and_gives_the_rest_to_replan_without_its_nurse():
    """Nurse a out from 10:00: v1 and v4 stay; v2, v3 are replanned, noted, preferring no one."""
    day = freeze(ClinicianUnavailable("a", from_time=at(10)), now=at(10))
    assert {c: [s.visit_id for s in stops] for c, stops in day.frozen.items()} == {
        "a": ["v1"],
        "b": ["v4"],
    }
    assert ids(day.remaining) == {"v2", "v3"}
    assert all(v.preferred_clinician is None for v in day.remaining.visits)
    assert day.remaining.clinician_by_id["a"].shifts == ()  # no time left today
    assert day.record.clinician_by_id["a"].shifts[0].window.end == clock(10)
    assert ids(day.record) == {"v1", "v2", "v3", "v4"}
    assert set(day.notes) == {"v2", "v3"}
    assert day.notes["v2"] == "Its clinician a is unavailable from 10:00."
    assert [[s.visit_id for s in r.stops] for r in day.current] == [["v2", "v3"], []]
    assert day.frozen_ids == ("v1", "v4") and day.cancelled == frozenset()


def test_the_visit_a_nurse_is_driving_to_stays_and_the_rest_keep_nurse_and_time():
    """At 10:00 nurse a has left v1 for v2: v2 is frozen; v3 stays a's and is due by 13:15.

    v3 is kept with a by the replan's incumbent; whom the visit itself prefers is unchanged.
    """
    day = freeze(now=at(10))
    assert [s.visit_id for s in day.frozen["a"]] == ["v1", "v2"]
    (v3,) = day.remaining.visits
    assert v3.id == "v3" and v3.preferred_clinician is None and v3.due == clock(13, 15)
    assert day.remaining.incumbent.assignments == (Assignment("v3", "a", 0),)
    resumed = day.remaining.clinician_by_id["a"]
    assert resumed.start.id == "l2" and resumed.shifts[0].window.start == clock(11, 15)


def test_a_cancelled_visit_is_released_and_a_late_one_is_made_longer():
    """v2 cancelled on the way is neither frozen nor replanned; v1 running late ends at 10:15."""
    day = freeze(VisitCancelled("v2"), VisitRunningLate("v1", ends_at=at(10, 15)), now=at(10))
    assert [(s.visit_id, s.end) for s in day.frozen["a"]] == [("v1", clock(10, 15))]
    assert day.record.visit_by_id["v1"].duration == 75 * 60
    assert "v2" not in ids(day.remaining) and day.cancelled == {"v2"}
    assert [s.visit_id for s in day.current[0].stops] == ["v3"]


def test_a_patient_home_only_later_gets_windows_that_end_in_time():
    """p3 home 14:00-17:00 only: v3 may start 14:00 to 16:15 (it lasts 45 minutes)."""
    day = freeze(PatientUnavailable("p3", windows=((at(14), at(17)),)), now=at(8))
    assert day.remaining.visit_by_id["v3"].windows == (TimeWindow(clock(14), clock(16, 15)),)


def test_without_least_change_no_visit_prefers_its_nurse_or_time():
    """A replan from scratch: before 09:00 nothing is frozen and nothing keeps a nurse or a due."""
    day = freeze(now=at(8), least_change=False)
    assert day.frozen_ids == () and ids(day.remaining) == set(VISITS)
    assert all(v.preferred_clinician is None and v.due is None for v in day.remaining.visits)
    assert day.remaining.incumbent.assignments == ()
