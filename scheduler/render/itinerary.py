"""A clinician's itinerary for one day: built from a plan, as JSON-ready data.

ICS and the printable page are ``itinerary_views.py``.

Pure: no I/O. Times are aware datetimes in the horizon's time zone. Itineraries carry patient
names and addresses, so they are for the clinician's eyes, never for logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

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
        return empty_itinerary(
            clinician_id=clinician.id,
            clinician_name=clinician.name,
            credential=clinician.credential,
            day=horizon.date_of(day),
            timezone=horizon.timezone,
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


def empty_itinerary(
    *, clinician_id: str, clinician_name: str, credential: Credential, day: date, timezone: str
) -> Itinerary:
    """The itinerary of a day without a route: no stops, no driving."""
    return Itinerary(
        clinician_id=clinician_id,
        clinician_name=clinician_name,
        credential=credential,
        date=day,
        timezone=timezone,
        leave=None,
        back=None,
        lunch_start=None,
        lunch_end=None,
        stops=(),
        travel_minutes=0,
        travel_km=0.0,
    )


def route_itineraries(problem: Problem, plan: Plan) -> dict[tuple[str, int], dict[str, Any]]:
    """Each route's itinerary as stored data, by (clinician id, horizon day)."""
    return {
        (route.clinician_id, route.day): itinerary_to_dict(
            build_itinerary(problem, plan, clinician_id=route.clinician_id, day=route.day)
        )
        for route in plan.routes
    }


def itinerary_to_dict(itinerary: Itinerary) -> dict[str, Any]:
    """The itinerary as JSON-ready data: ISO 8601 strings for dates and times, lists for tuples."""
    return _ITINERARY.dump_python(itinerary, mode="json")


def itinerary_to_json(itinerary: Itinerary) -> bytes:
    """The itinerary as JSON text, as ``itinerary_to_dict``'s data would be written."""
    return _ITINERARY.dump_json(itinerary)


def itinerary_from_json(text: str | bytes) -> Itinerary:
    """An itinerary back from the JSON text of ``itinerary_to_dict``'s data."""
    return _ITINERARY.validate_json(text)


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
