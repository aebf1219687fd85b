"""A clinician's day becomes a local-time itinerary, an ICS calendar and a printable page.

Tiny named instance: a two-day horizon in New York (EST, UTC-5), one RN with a route of two
visits on day 1 (Tuesday 3 November 2026) and nothing on day 0; ``linked`` adds an aide
making a visit linked to the nurse's first one.
"""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Kpis,
    LinkKind,
    Location,
    Patient,
    Plan,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Visit,
    VisitLink,
    VisitType,
)
from scheduler.errors import ProblemError
from scheduler.render.itinerary import build_itinerary, itinerary_to_dict
from scheduler.render.itinerary_views import itinerary_to_html, itinerary_to_ics
from scheduler.render.route_map import route_map_svg, route_places
from tests.builders import weekday_shifts

NEW_YORK = ZoneInfo("America/New_York")
TUESDAY = DAY  # horizon second of Tuesday's local midnight
OFFICE = Location("office", 40.7000, -73.9500)
HOME_A = Location("home-a", 40.7100, -73.9600, address="12 Elm St, Brooklyn, NY")
HOME_B = Location("home-b", 40.7200, -73.9400)


def tiny(patient_a_name: str = "Ada Byron") -> tuple[Problem, Plan]:
    """Nurse n1 leaves the office at 08:00 Tuesday, sees a (SOC), b, lunch, back 11:20."""
    nurse = Clinician(
        "n1",
        "Nora Nurse",
        Credential.RN,
        OFFICE,
        weekday_shifts(range(2)),
    )
    patients = (Patient("a", patient_a_name, HOME_A), Patient("b", "Bo Lee", HOME_B))
    visits = (
        Visit(
            "v-a",
            "a",
            Discipline.SN,
            45 * MINUTE,
            (TimeWindow(TUESDAY + 9 * HOUR, TUESDAY + 11 * HOUR),),
            visit_type=VisitType.SOC,
        ),
        Visit(
            "v-b",
            "b",
            Discipline.SN,
            30 * MINUTE,
            (
                TimeWindow(8 * HOUR, 9 * HOUR),
                TimeWindow(TUESDAY + 10 * HOUR, TUESDAY + 12 * HOUR),
            ),
        ),
    )
    horizon = Horizon(date(2026, 11, 2), days=2, timezone="America/New_York")
    problem = Problem(horizon, (nurse,), patients, visits)
    route = Route(
        clinician_id="n1",
        day=1,
        start=TUESDAY + 8 * HOUR,
        end=TUESDAY + 11 * HOUR + 20 * MINUTE,
        stops=(
            Stop(
                "v-a",
                "a",
                TUESDAY + 8 * HOUR + 20 * MINUTE,
                TUESDAY + 9 * HOUR,
                TUESDAY + 9 * HOUR + 45 * MINUTE,
                20 * MINUTE,
                8_260,
            ),
            Stop(
                "v-b",
                "b",
                TUESDAY + 10 * HOUR - 1,
                TUESDAY + 10 * HOUR,
                TUESDAY + 10 * HOUR + 30 * MINUTE,
                15 * MINUTE - 1,
                6_020,
            ),
        ),
        return_travel_seconds=20 * MINUTE,
        return_travel_metres=9_000,
        lunch=TimeWindow(TUESDAY + 10 * HOUR + 30 * MINUTE, TUESDAY + 11 * HOUR),
    )
    kpis = Kpis(2, 0, route.travel_seconds, route.travel_metres, 0.0, 0, 0, 0, 0, 0, 0.0, 1.0)
    return problem, Plan((route,), (), kpis)


def local(hour: int, minute: int = 0) -> datetime:
    """Tuesday 3 November 2026 at ``hour:minute`` in New York."""
    return datetime(2026, 11, 3, hour, minute, tzinfo=NEW_YORK)


def test_stops_follow_the_route_in_new_york_local_time() -> None:
    """Stops are numbered in route order with local wall-clock times, windows and drive totals."""
    itinerary = build_itinerary(*tiny(), clinician_id="n1", day=1)
    assert itinerary.date == date(2026, 11, 3) and itinerary.timezone == "America/New_York"
    assert [(s.number, s.visit_id) for s in itinerary.stops] == [(1, "v-a"), (2, "v-b")]
    first, second = itinerary.stops
    assert first.start == local(9) and first.start.utcoffset() == timedelta(hours=-5)
    assert (first.arrival, first.end) == (local(8, 20), local(9, 45))
    assert (first.window_start, first.window_end) == (local(9), local(11))
    assert (second.window_start, second.window_end) == (local(10), local(12))  # not Monday's
    assert first.address == "12 Elm St, Brooklyn, NY" and second.address is None
    assert (first.travel_minutes, first.travel_km, second.travel_minutes) == (20, 8.3, 15)
    assert (itinerary.leave, itinerary.back) == (local(8), local(11, 20))
    assert (itinerary.lunch_start, itinerary.lunch_end) == (local(10, 30), local(11))
    assert (itinerary.travel_minutes, itinerary.travel_km) == (55, 23.3)


def test_itinerary_data_is_json_ready_with_offsets() -> None:
    """The dict form dumps to JSON with ISO 8601 times carrying the -05:00 offset."""
    itinerary = build_itinerary(*tiny(), clinician_id="n1", day=1)
    data = json.loads(json.dumps(itinerary_to_dict(itinerary)))
    assert data["stops"][0]["start"] == "2026-11-03T09:00:00-05:00"
    assert data["stops"][0]["visit_type"] == "SOC" and data["credential"] == "RN"
    assert data["date"] == "2026-11-03"


def test_ics_parses_back_with_one_event_per_stop_at_the_right_instants() -> None:
    """Each visit is a VEVENT with a stable UID, exact UTC start/end, location and window."""
    itinerary = build_itinerary(*tiny(), clinician_id="n1", day=1)
    text = itinerary_to_ics(itinerary, calendar_name="Nora's week")
    assert "\r\n" in text
    calendar = Calendar.from_ical(text)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    events = calendar.walk("VEVENT")
    uids = [str(event["uid"]) for event in events]
    assert uids == ["v-a@home-health-scheduler", "v-b@home-health-scheduler"]
    first, second = events
    assert first.decoded("dtstart") == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2026, 11, 3, 14, 45, tzinfo=UTC)
    assert second.decoded("dtstart") == local(10) and second.decoded("dtend") == local(10, 30)
    assert str(first["location"]) == "12 Elm St, Brooklyn, NY"
    assert str(second["location"]) == "40.720000, -73.940000"
    assert (first["geo"].latitude, first["geo"].longitude) == (40.71, -73.96)
    assert str(first["summary"]) == "SN SOC visit - Ada Byron"
    assert "arrive between 09:00 and 11:00" in str(first["description"]).lower()
    assert "v-a" in str(first["description"])
    assert all(event.decoded("dtstamp").tzinfo is not None for event in events)


def test_day_without_route_gives_an_empty_itinerary_and_calendar() -> None:
    """Day 0 has no route: no stops, no leave/back, and a valid calendar without events."""
    itinerary = build_itinerary(*tiny(), clinician_id="n1", day=0)
    assert itinerary.stops == () and itinerary.leave is None and itinerary.back is None
    assert itinerary.travel_minutes == 0 and itinerary.date == date(2026, 11, 2)
    calendar = Calendar.from_ical(itinerary_to_ics(itinerary))
    assert calendar.walk("VEVENT") == []


def test_html_escapes_names_and_embeds_the_map() -> None:
    """A patient named like a script tag is escaped; the page holds the SVG and no external URL."""
    problem, plan = tiny(patient_a_name="<script>alert(1)</script>")
    itinerary = build_itinerary(problem, plan, clinician_id="n1", day=1)
    svg = route_map_svg(route_places(problem, plan.routes[0]))
    html = itinerary_to_html(itinerary, map_svg=svg)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert svg in html and "@media print" in html
    assert "12 Elm St, Brooklyn, NY" in html and "09:00-11:00" in html
    assert "src=" not in html and "href=" not in html


def test_unknown_clinician_or_day_outside_the_horizon_raises() -> None:
    """An unknown clinician id and a day past the horizon are ProblemErrors naming the fix."""
    problem, plan = tiny()
    with pytest.raises(ProblemError, match="unknown clinician id 'x'"):
        build_itinerary(problem, plan, clinician_id="x", day=1)
    with pytest.raises(ProblemError, match="outside the 2-day horizon"):
        build_itinerary(problem, plan, clinician_id="n1", day=2)


def linked(kind: LinkKind) -> tuple[Problem, Plan]:
    """``tiny`` plus aide Hal making v-a2 for Ada: at 10:00 after v-a, or with it at 09:00."""
    problem, plan = tiny()
    aide = Clinician(
        "h1", "Hal Aide", Credential.HHA, OFFICE, (Shift(1, TimeWindow(TUESDAY, TUESDAY + DAY)),)
    )
    start = TUESDAY + (9 if kind is LinkKind.SIMULTANEOUS else 10) * HOUR
    window = TimeWindow(TUESDAY + 9 * HOUR, TUESDAY + 12 * HOUR)
    joined = Visit("v-a2", "a", Discipline.HHA, 30 * MINUTE, (window,))
    gap = (0, 0) if kind is LinkKind.SIMULTANEOUS else (HOUR, 2 * HOUR)
    problem = replace(
        problem,
        clinicians=(*problem.clinicians, aide),
        visits=(*problem.visits, joined),
        links=(VisitLink("v-a", "v-a2", kind, *gap),),
    )
    stop = Stop("v-a2", "a", start - 10 * MINUTE, start, start + 30 * MINUTE, 10 * MINUTE, 4_000)
    route = Route("h1", 1, start - 10 * MINUTE, start + 40 * MINUTE, (stop,), 10 * MINUTE, 4_000)
    return problem, replace(plan, routes=(*plan.routes, route))


def test_a_linked_visit_names_the_other_clinician_and_when_in_every_form() -> None:
    """The nurse's stop says the aide comes after; the aide's says after the nurse's RN visit."""
    problem, plan = linked(LinkKind.SEQUENTIAL)
    nurse_day = build_itinerary(problem, plan, clinician_id="n1", day=1)
    aide_day = build_itinerary(problem, plan, clinician_id="h1", day=1)
    first, second = nurse_day.stops[0].linked, aide_day.stops[0].linked
    assert (first.visit_id, first.clinician_name, first.relation) == ("v-a2", "Hal Aide", "before")
    assert (second.clinician_id, second.start, second.relation) == ("n1", local(9), "after")
    assert nurse_day.stops[1].linked is None
    data = json.loads(json.dumps(itinerary_to_dict(aide_day)))
    assert data["stops"][0]["linked"]["start"] == "2026-11-03T09:00:00-05:00"
    event = Calendar.from_ical(itinerary_to_ics(nurse_day)).walk("VEVENT")[0]
    assert "Before Hal Aide's HHA visit at 10:00." in str(event["description"])
    html = itinerary_to_html(aide_day, map_svg="<svg></svg>")
    assert "After Nora Nurse&#x27;s RN visit at 09:00" in html


def test_a_joint_visit_reads_with_the_other_clinician() -> None:
    """A simultaneous link reads ``With <name> (joint visit)`` on both clinicians' days."""
    problem, plan = linked(LinkKind.SIMULTANEOUS)
    for clinician_id, other in (("n1", "Hal Aide"), ("h1", "Nora Nurse")):
        day = build_itinerary(problem, plan, clinician_id=clinician_id, day=1)
        assert day.stops[0].linked.relation == "joint"
        event = Calendar.from_ical(itinerary_to_ics(day)).walk("VEVENT")[0]
        assert f"With {other} (joint visit)." in str(event["description"])
