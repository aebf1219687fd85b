"""A clinician's itinerary for one day: built from a plan, rendered as JSON data, ICS or HTML.

Pure: no I/O. Times are aware datetimes in the horizon's time zone. Itineraries carry patient
names and addresses, so they are for the clinician's eyes, never for logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any, Literal

from icalendar import Calendar, Event
from pydantic import TypeAdapter

from scheduler.domain import (
    Credential,
    Discipline,
    LinkKind,
    Plan,
    Problem,
    Stop,
    VisitType,
)
from scheduler.errors import ProblemError

PRODID = "-//home-health-scheduler//itinerary//EN"
UID_DOMAIN = "home-health-scheduler"
Relation = Literal["joint", "after", "before"]


@dataclass(frozen=True)
class LinkedVisit:
    """The other visit of a linked visit: who makes it, and when relative to this one.

    ``relation``: ``joint`` (both start together), ``after`` (this visit follows the other
    one) or ``before`` (the other one follows this visit).
    """

    visit_id: str
    clinician_id: str
    clinician_name: str
    credential: Credential
    start: datetime
    relation: Relation


@dataclass(frozen=True)
class ItineraryStop:
    """One visit of the day, in local time.

    ``window_start``/``window_end`` bound the start window that holds the planned start;
    ``travel_minutes``/``travel_km`` are for the drive that arrives here; ``linked`` is the
    other visit when this one is linked.
    """

    number: int
    visit_id: str
    patient_id: str
    patient_name: str
    address: str | None
    latitude: float
    longitude: float
    discipline: Discipline
    visit_type: VisitType
    arrival: datetime
    start: datetime
    end: datetime
    window_start: datetime
    window_end: datetime
    travel_minutes: int
    travel_km: float
    linked: LinkedVisit | None = None


@dataclass(frozen=True)
class Itinerary:
    """A clinician's day: when to leave, the visits in order, when back, how much driving.

    ``leave``/``back`` are ``None`` and ``stops`` is empty on a day without a route.
    ``travel_minutes``/``travel_km`` include the drive back.
    """

    clinician_id: str
    clinician_name: str
    credential: Credential
    date: date
    timezone: str
    leave: datetime | None
    back: datetime | None
    lunch_start: datetime | None
    lunch_end: datetime | None
    stops: tuple[ItineraryStop, ...]
    travel_minutes: int
    travel_km: float


_ITINERARY: TypeAdapter[Itinerary] = TypeAdapter(Itinerary)


def build_itinerary(problem: Problem, plan: Plan, *, clinician_id: str, day: int) -> Itinerary:
    """The itinerary of one clinician on horizon ``day`` according to ``plan``.

    Parameters
    ----------
    problem
        The problem the plan solves (people, places, visits, horizon).
    plan
        The solved plan.
    clinician_id
        Whose day.
    day
        Horizon day index (0 = first day).

    Returns
    -------
    Itinerary
        With no stops when the clinician has no route that day.

    Raises
    ------
    ProblemError
        On an unknown clinician, a day outside the horizon, or a plan that does not match the
        problem (unknown visit or patient, a start outside the visit's windows).
    """
    clinician = problem.clinician_by_id.get(clinician_id)
    if clinician is None:
        raise ProblemError(
            f"unknown clinician id {clinician_id!r}; use one of the problem's clinician ids"
        )
    horizon = problem.horizon
    if not 0 <= day < horizon.days:
        raise ProblemError(
            f"day {day} is outside the {horizon.days}-day horizon; use 0..{horizon.days - 1}"
        )
    route = plan.route_of(clinician_id, day)
    if route is None:
        return Itinerary(
            clinician_id=clinician.id,
            clinician_name=clinician.name,
            credential=clinician.credential,
            date=horizon.date_of(day),
            timezone=horizon.timezone,
            leave=None,
            back=None,
            lunch_start=None,
            lunch_end=None,
            stops=(),
            travel_minutes=0,
            travel_km=0.0,
        )
    placed = {s.visit_id: (r.clinician_id, s) for r in plan.routes for s in r.stops}
    stops = tuple(
        _itinerary_stop(problem, stop, number=number, placed=placed)
        for number, stop in enumerate(route.stops, start=1)
    )
    return Itinerary(
        clinician_id=clinician.id,
        clinician_name=clinician.name,
        credential=clinician.credential,
        date=horizon.date_of(day),
        timezone=horizon.timezone,
        leave=horizon.datetime_of(route.start),
        back=horizon.datetime_of(route.end),
        lunch_start=horizon.datetime_of(route.lunch.start) if route.lunch else None,
        lunch_end=horizon.datetime_of(route.lunch.end) if route.lunch else None,
        stops=stops,
        travel_minutes=round(route.travel_seconds / 60),
        travel_km=round(route.travel_metres / 1000, 1),
    )


def itinerary_to_dict(itinerary: Itinerary) -> dict[str, Any]:
    """The itinerary as JSON-ready data: ISO 8601 strings for dates and times, lists for tuples."""
    return _ITINERARY.dump_python(itinerary, mode="json")


def itinerary_from_dict(data: dict[str, Any]) -> Itinerary:
    """An itinerary back from ``itinerary_to_dict``'s data."""
    return _ITINERARY.validate_python(data)


def itinerary_to_ics(
    itinerary: Itinerary, *, calendar_name: str | None = None, stamp: datetime | None = None
) -> str:
    """The itinerary as an RFC 5545 calendar: one event per visit, times in UTC.

    Parameters
    ----------
    itinerary
        The day to export.
    calendar_name
        Calendar display name; ``None`` uses the clinician's name and the date.
    stamp
        DTSTAMP of the events (aware); ``None`` uses the current time.

    Returns
    -------
    str
        The calendar text with CRLF line endings. Event UIDs are stable per visit, so
        re-importing an updated itinerary replaces the events.
    """
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    name = calendar_name or f"{itinerary.clinician_name} - {itinerary.date.isoformat()}"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", itinerary.timezone)
    for stop in itinerary.stops:
        event = Event()
        event.add("uid", f"{stop.visit_id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", stop.start.astimezone(UTC))
        event.add("dtend", stop.end.astimezone(UTC))
        event.add("summary", f"{stop.discipline} {stop.visit_type} visit - {stop.patient_name}")
        event.add("location", stop.address or f"{stop.latitude:.6f}, {stop.longitude:.6f}")
        event.add("geo", (stop.latitude, stop.longitude))
        event.add("description", _describe(stop, itinerary.date))
        event.add("categories", [str(stop.discipline)])
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def itinerary_to_html(itinerary: Itinerary, *, map_svg: str) -> str:
    """The itinerary as a printable, self-contained HTML page with the map of the day.

    Parameters
    ----------
    itinerary
        The day to print.
    map_svg
        An inline ``<svg>`` element (see ``route_map.route_map_svg``), inserted as is: it must
        come from trusted code, never from user input.

    Returns
    -------
    str
        A complete HTML document; it fetches nothing.
    """
    day = itinerary.date
    title = f"{itinerary.clinician_name} ({itinerary.credential}) - {day.isoformat()}"
    facts = [("Clinician", f"{itinerary.clinician_name} ({itinerary.credential})")]
    facts.append(("Date", f"{day.strftime('%A')} {day.isoformat()} ({itinerary.timezone})"))
    if itinerary.leave is not None and itinerary.back is not None:
        back = f"{_clock(itinerary.leave, day)} / {_clock(itinerary.back, day)}"
        facts.append(("Leave / back", back))
    if itinerary.lunch_start is not None and itinerary.lunch_end is not None:
        lunch = f"{_clock(itinerary.lunch_start, day)}-{_clock(itinerary.lunch_end, day)}"
        facts.append(("Lunch", lunch))
    facts.append(
        (
            "Totals",
            f"{len(itinerary.stops)} visits, {itinerary.travel_minutes} min and "
            f"{itinerary.travel_km:.1f} km driving (way back included)",
        )
    )
    summary = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
    rows = "".join(
        "<tr>"
        f'<td class="num">{stop.number}</td>'
        f"<td>{escape(_clock(stop.window_start, day))}-{escape(_clock(stop.window_end, day))}</td>"
        f"<td>{escape(_clock(stop.arrival, day))}</td>"
        f"<td>{escape(_clock(stop.start, day))}-{escape(_clock(stop.end, day))}</td>"
        f"<td>{escape(stop.patient_name)}</td>"
        f"<td>{escape(stop.address or f'{stop.latitude:.5f}, {stop.longitude:.5f}')}</td>"
        f"<td>{escape(f'{stop.discipline} {stop.visit_type}')}"
        f"{f'<br>{escape(_link_note(stop.linked, day))}' if stop.linked else ''}</td>"
        f'<td class="num">{stop.travel_minutes} min</td>'
        "</tr>"
        for stop in itinerary.stops
    )
    table = (
        '<table class="stops"><thead><tr><th>#</th><th>Window</th><th>Arrive</th>'
        "<th>Visit</th><th>Patient</th><th>Address</th><th>Service</th><th>Drive</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if itinerary.stops
        else '<p class="empty">No visits planned this day.</p>'
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 16px; color: #111; }}
h1 {{ font-size: 1.3em; margin: 0 0 8px; }}
table {{ border-collapse: collapse; margin: 8px 0 16px; }}
th, td {{ padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }}
.summary th {{ color: #555; font-weight: normal; }}
.num {{ text-align: right; }}
.map svg {{ max-width: 100%; height: auto; border: 1px solid #999; }}
@media print {{
  body {{ margin: 0; font-size: 10pt; }}
  .stops tr {{ break-inside: avoid; }}
  .map {{ break-before: page; }}
}}
</style></head><body>
<h1>{escape(title)}</h1>
<table class="summary">{summary}</table>
{table}
<div class="map">{map_svg}</div>
</body></html>
"""


def _itinerary_stop(
    problem: Problem, stop: Stop, *, number: int, placed: dict[str, tuple[str, Stop]]
) -> ItineraryStop:
    """One route stop in local time, with the visit's and patient's details.

    ``placed`` gives the clinician and stop of each visit the plan makes.
    """
    visit = problem.visit_by_id.get(stop.visit_id)
    patient = problem.patient_by_id.get(stop.patient_id)
    if visit is None or patient is None:
        raise ProblemError(
            f"plan stop of visit {stop.visit_id!r} (patient {stop.patient_id!r}) is not in the "
            "problem; build the itinerary with the problem the plan was solved for"
        )
    window = next((w for w in visit.windows if w.contains(stop.start)), None)
    if window is None:
        raise ProblemError(
            f"visit {stop.visit_id!r} is planned to start outside its windows; validate the plan"
        )
    horizon = problem.horizon
    return ItineraryStop(
        number=number,
        visit_id=visit.id,
        patient_id=patient.id,
        patient_name=patient.name,
        address=patient.location.address,
        latitude=patient.location.latitude,
        longitude=patient.location.longitude,
        discipline=visit.discipline,
        visit_type=visit.visit_type,
        arrival=horizon.datetime_of(stop.arrival),
        start=horizon.datetime_of(stop.start),
        end=horizon.datetime_of(stop.end),
        window_start=horizon.datetime_of(window.start),
        window_end=horizon.datetime_of(window.end),
        travel_minutes=round(stop.travel_seconds / 60),
        travel_km=round(stop.travel_metres / 1000, 1),
        linked=_linked_visit(problem, visit.id, placed),
    )


def _linked_visit(
    problem: Problem, visit_id: str, placed: dict[str, tuple[str, Stop]]
) -> LinkedVisit | None:
    """The other visit of ``visit_id``'s link, if it has one the plan makes."""
    link = problem.link_by_visit.get(visit_id)
    if link is None:
        return None
    partner = link.first if visit_id == link.second else link.second
    if partner not in placed:
        return None
    clinician_id, stop = placed[partner]
    clinician = problem.clinician_by_id[clinician_id]
    relation: Relation = "joint"
    if link.kind is not LinkKind.SIMULTANEOUS:
        relation = "after" if visit_id == link.second else "before"
    return LinkedVisit(
        visit_id=partner,
        clinician_id=clinician.id,
        clinician_name=clinician.name,
        credential=clinician.credential,
        start=problem.horizon.datetime_of(stop.start),
        relation=relation,
    )


def _link_note(linked: LinkedVisit, day: date) -> str:
    """E.g. ``With Jane Doe (joint visit)``, ``After Jane Doe's RN visit at 09:00``."""
    if linked.relation == "joint":
        return f"With {linked.clinician_name} (joint visit)"
    name, at = linked.clinician_name, _clock(linked.start, day)
    return f"{linked.relation.capitalize()} {name}'s {linked.credential} visit at {at}"


def _clock(moment: datetime, day: date) -> str:
    """``HH:MM``, with the date in front when ``moment`` falls on another day than ``day``."""
    return moment.strftime("%H:%M" if moment.date() == day else "%Y-%m-%d %H:%M")


def _describe(stop: ItineraryStop, day: date) -> str:
    """The event description: window, planned times, drive and visit id."""
    return "\n".join(
        [
            f"Arrive between {_clock(stop.window_start, day)} and {_clock(stop.window_end, day)}.",
            f"Planned arrival {_clock(stop.arrival, day)}, visit {_clock(stop.start, day)}-"
            f"{_clock(stop.end, day)}.",
            f"Drive {stop.travel_minutes} min ({stop.travel_km:.1f} km).",
            *([f"{_link_note(stop.linked, day)}."] if stop.linked else []),
            f"Visit id: {stop.visit_id}",
        ]
    )
