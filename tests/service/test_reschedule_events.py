"""Reschedule events: each must name a clinician, patient or published visit of the day."""

from __future__ import annotations

import pytest

from scheduler.errors import NotFoundError
from scheduler.service.reschedule_events import (
    ClinicianUnavailable,
    Event,
    PatientUnavailable,
    VisitAdded,
    VisitCancelled,
    VisitRunningLate,
)
from scheduler.service.reschedule_events import check_events as check
from tests.builders import clock, line_problem, nurse, visit

TODAY = line_problem([nurse("a")], [])
PUBLISHED = {"v1": visit("v1", 1)}
TEN = TODAY.horizon.datetime_of(clock(10))


def test_events_naming_the_day_pass_and_an_added_visit_is_not_looked_up():
    """Known clinician, visit and patient pass; a new visit's id is not in the day yet."""
    events: tuple[Event, ...] = (
        ClinicianUnavailable("a", from_time=TEN),
        VisitCancelled("v1"),
        VisitRunningLate("v1", ends_at=TEN),
        PatientUnavailable("p1", windows=((TEN, TEN),)),
        VisitAdded({"id": "new", "patient_id": "p2"}),
    )
    check(events, TODAY, PUBLISHED)
    assert events[-1].visit_id == "new"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (ClinicianUnavailable("z"), "no clinician 'z' in the branch"),
        (VisitCancelled("v9"), "visit 'v9' is not in the day's published plan"),
        (VisitRunningLate("v9", ends_at=TEN), "visit 'v9' is not in the day's published plan"),
        (PatientUnavailable("p99", windows=()), "no patient 'p99' in the branch"),
    ],
)
def test_an_event_naming_nothing_of_the_day_is_not_found(event, message):
    """Each event naming an unknown clinician, visit or patient raises NotFoundError saying so."""
    with pytest.raises(NotFoundError, match=message):
        check((event,), TODAY, PUBLISHED)
