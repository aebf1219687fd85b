"""The domain dataclasses refuse malformed input with messages that say how to fix it."""

from datetime import date

import pytest

from scheduler.domain import (
    HOUR,
    Availability,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    Visit,
    competence_gap,
    format_clock,
    qualification_gap,
)
from scheduler.errors import ProblemError

HOME = Location("home", 40.0, -83.0)
SHIFT = Shift(day=0, window=TimeWindow(8 * HOUR, 17 * HOUR))


def make_visit(**changes: object) -> Visit:
    """A plain SN visit, with ``changes`` applied."""
    fields = {
        "id": "v1",
        "patient_id": "p1",
        "discipline": Discipline.SN,
        "duration": 45 * 60,
        "windows": (TimeWindow(8 * HOUR, 12 * HOUR),),
    }
    fields.update(changes)
    return Visit(**fields)


def test_time_window_rejects_end_before_start() -> None:
    """A window that ends before it starts is an error, not an empty window."""
    with pytest.raises(ProblemError, match="ends before it starts"):
        TimeWindow(10, 5)


def test_time_window_intersection_and_clock() -> None:
    """Windows intersect as intervals and render as clock times with a day prefix."""
    assert TimeWindow(0, 10).intersection(TimeWindow(5, 20)) == TimeWindow(5, 10)
    assert TimeWindow(0, 10).intersection(TimeWindow(11, 20)) is None
    assert format_clock(9 * HOUR + 30 * 60) == "09:30"
    assert format_clock(24 * HOUR + 8 * HOUR) == "d1+08:00"


def test_location_rejects_swapped_coordinates() -> None:
    """Coordinates outside WGS84 ranges are refused (a longitude given as latitude)."""
    with pytest.raises(ProblemError, match="out of range"):
        Location("x", -122.4, 37.7)


def test_visit_sorts_windows_and_rejects_overlaps() -> None:
    """A visit keeps its windows sorted and refuses overlapping ones."""
    visit = make_visit(windows=(TimeWindow(14 * HOUR, 16 * HOUR), TimeWindow(8 * HOUR, 9 * HOUR)))
    assert visit.earliest_start == 8 * HOUR and visit.latest_start == 16 * HOUR
    with pytest.raises(ProblemError, match="overlapping"):
        make_visit(windows=(TimeWindow(8 * HOUR, 10 * HOUR), TimeWindow(9 * HOUR, 11 * HOUR)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"windows": ()}, "no time window"),
        ({"duration": -1}, "negative duration"),
        ({"priority": 9}, "priority must be 1..5"),
        ({"pinned_start": 13 * HOUR}, "pinned to start outside"),
        ({"credentials": frozenset({Credential.PT})}, "allows credential PT"),
    ],
)
def test_visit_rejects_malformed_fields(changes: dict, message: str) -> None:
    """Each malformed visit field is named in the error."""
    with pytest.raises(ProblemError, match=message):
        make_visit(**changes)


def test_allows_start_respects_windows_and_pin() -> None:
    """A start is allowed inside a window, and only at the pinned second when pinned."""
    assert make_visit().allows_start(9 * HOUR)
    assert not make_visit().allows_start(13 * HOUR)
    pinned = make_visit(pinned_start=9 * HOUR)
    assert pinned.allows_start(9 * HOUR) and not pinned.allows_start(9 * HOUR + 1)


def test_problem_rejects_unknown_references_and_duplicates() -> None:
    """A problem names the visit, patient or clinician that does not add up."""
    patient = Patient("p1", "Pat", Location("p1-home", 40.01, -83.0))
    nurse = Clinician("c1", "Nurse", Credential.RN, HOME, (SHIFT,))
    horizon = Horizon(date(2026, 12, 7))
    with pytest.raises(ProblemError, match="unknown patient 'p9'"):
        Problem(horizon, (nurse,), (patient,), (make_visit(patient_id="p9"),))
    with pytest.raises(ProblemError, match="duplicate visit ids: v1"):
        Problem(horizon, (nurse,), (patient,), (make_visit(), make_visit()))
    with pytest.raises(ProblemError, match="pinned to unknown clinician"):
        Problem(horizon, (nurse,), (patient,), (make_visit(pinned_clinician="c9"),))
    with pytest.raises(ProblemError, match="outside the 1-day horizon"):
        late = Clinician("c2", "Late", Credential.RN, HOME, (Shift(3, SHIFT.window),))
        Problem(horizon, (late,), (patient,), ())


def test_qualification_names_the_gap() -> None:
    """Discipline, credential, skills, exclusion and pin each explain a refusal."""
    patient = Patient("p1", "Pat", HOME, excluded_clinicians=frozenset({"c2"}))
    rn = Clinician("c1", "RN", Credential.RN, HOME, (SHIFT,), skills=frozenset({"iv"}))
    lpn = Clinician("c2", "LPN", Credential.LPN, HOME, (SHIFT,))
    pt = Clinician("c3", "PT", Credential.PT, HOME, (SHIFT,))
    soc = make_visit(credentials=frozenset({Credential.RN}))
    assert competence_gap(rn, soc) is None
    assert competence_gap(pt, soc) == "is PT, visit needs SN"
    assert competence_gap(lpn, soc) == "is LPN, visit needs RN"
    assert competence_gap(lpn, make_visit(required_skills=frozenset({"iv"}))) == "lacks iv"
    assert qualification_gap(lpn, make_visit(), patient) == "is excluded by the patient"
    assert qualification_gap(rn, make_visit(pinned_clinician="c9"), patient) == (
        "visit is pinned to c9"
    )


def test_patient_windows_follow_weekday_availability() -> None:
    """Availability per weekday becomes horizon windows on the matching day only."""
    patient = Patient(
        "p1", "Pat", HOME, availability=(Availability(0, TimeWindow(9 * HOUR, 12 * HOUR)),)
    )
    assert patient.windows_on(day=7, weekday=0) == (
        TimeWindow(9 * HOUR, 12 * HOUR).shifted(7 * 86400),
    )
    assert patient.windows_on(day=1, weekday=1) == ()


def test_horizon_converts_seconds_to_local_time_and_back():
    """Horizon seconds are wall-clock offsets from local midnight, across a DST change."""
    from datetime import UTC, datetime

    from scheduler.domain import DAY, Horizon

    horizon = Horizon(date(2026, 10, 31), 3, "America/New_York")  # DST ends on Nov 1
    moment = horizon.datetime_of(DAY + 9 * 3600)
    assert moment.isoformat() == "2026-11-01T09:00:00-05:00"
    assert horizon.second_of(moment) == DAY + 9 * 3600
    assert horizon.second_of(datetime(2026, 10, 31, 12, tzinfo=UTC)) == 8 * 3600


def test_horizon_refuses_an_unknown_time_zone():
    """A misspelt time zone is a ProblemError naming it."""
    from scheduler.domain import Horizon

    with pytest.raises(ProblemError, match="Mars/Olympus"):
        Horizon(date(2026, 11, 30), 1, "Mars/Olympus")
