"""A clinician's day on a phone: stops, times, addresses, navigation, calendar, reporting."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from scheduler.api.access import Principal, branch_in_reach
from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import BoardUser, Changer, Person
from scheduler.api.board._pages import page, see_other
from scheduler.api.deps import SessionDep, SettingsDep
from scheduler.domain import Problem, Route
from scheduler.domain.visit_status import status_change_refusal
from scheduler.render.route_map import route_map_svg, route_places
from scheduler.service.day_legs import day_legs
from scheduler.service.itineraries import published_itinerary
from scheduler.store import models
from scheduler.store.calendar_feeds import calendar_feed_made
from scheduler.store.models import Role, VisitStatus, utc_now
from scheduler.store.published_days import published_version
from scheduler.store.records import scoped_records
from scheduler.store.visits import visit_statuses

router = APIRouter(prefix="/board", include_in_schema=False)
ClinicianId = Annotated[str, Path(max_length=64)]
REPORTS = (VisitStatus.COMPLETED, VisitStatus.MISSED)


def clinician_in_reach(
    session: Session, principal: Principal, clinician_id: str
) -> models.Clinician:
    """The clinician whose days the caller may see: a clinician only their own (else 404).

    Staff see their branch's clinicians (an admin, any agency's one holding the id).
    """
    rows = scoped_records(session, models.Clinician, clinician_id, agency_id=principal.agency_id)
    if len(rows) == 1:
        row = rows[0]
        own = (row.id, row.branch_id) == (principal.clinician_id, principal.branch_id)
        if principal.role == Role.CLINICIAN and own:
            return row
        if principal.role in (Role.ADMIN, Role.SCHEDULER):
            branch_in_reach(session, principal, row.branch_id)
            return row
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no clinician {clinician_id!r}")


def _route(
    session: Session, clinician: models.Clinician, day: date
) -> tuple[Problem, Route] | None:
    """The clinician's published route on ``day`` with its version's problem (``None``: none)."""
    version = published_version(session, branch_id=clinician.branch_id, day=day)
    if version is None:
        return None
    problem = version.problem
    route = version.plan.route_of(clinician.id, (day - problem.horizon.start_date).days)
    return None if route is None or not route.stops else (problem, route)


def _map(session: Session, clinician: models.Clinician, day: date) -> Markup | None:
    """The day's route as an inline SVG map (straight legs), or ``None`` without a route."""
    found = _route(session, clinician, day)
    if found is None:
        return None
    return Markup(route_map_svg(route_places(*found)))  # our own drawing: numbers only


@router.get("/my-day", response_class=HTMLResponse)
def my_day(
    session: SessionDep, person: Person, day: Annotated[date | None, Query()] = None
) -> Response:
    """A clinician's own day (today in their branch's time zone unless ``day`` is given)."""
    principal = person.principal
    if principal.role != Role.CLINICIAN or principal.clinician_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "only a clinician has a day of their own")
    clinician = clinician_in_reach(session, principal, principal.clinician_id)
    branch = session.get(models.Branch, clinician.branch_id)
    shown = day or datetime.now(ZoneInfo(branch.timezone if branch else "UTC")).date()
    return see_other(f"/board/clinicians/{principal.clinician_id}/days/{shown.isoformat()}")


@router.get("/clinicians/{clinician_id}/days/{day}", response_class=HTMLResponse)
def read_day(
    request: Request,
    session: SessionDep,
    person: Person,
    clinician_id: ClinicianId,
    day: date,
) -> HTMLResponse:
    """The clinician's published day: their own for a clinician, their branch's for staff."""
    clinician = clinician_in_reach(session, person.principal, clinician_id)
    return day_page(request, session, person, clinician, day)


def day_page(
    request: Request,
    session: Session,
    person: BoardUser,
    clinician: models.Clinician,
    day: date,
    *,
    refusal: str | None = None,
    status_code: int = 200,
    feed_url: str | None = None,
) -> HTMLResponse:
    """The day's page, with a refusal to show when a report was refused.

    A clinician's own day offers their calendar feed; ``feed_url`` is a new feed's address,
    shown this once.
    """
    principal = person.principal
    own = principal.role == Role.CLINICIAN and principal.clinician_id == clinician.id
    itinerary = published_itinerary(session, clinician=clinician, day=day)
    statuses = visit_statuses(
        session,
        branch_id=clinician.branch_id,
        visit_ids=[stop.visit_id for stop in itinerary.stops],
    )
    return page(
        request,
        "my_day.html",
        person=person,
        clinician=clinician,
        itinerary=itinerary,
        statuses=statuses,
        reports=[report.value for report in REPORTS],
        day=day,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        map_svg=_map(session, clinician, day),
        own_day=own,
        feed_made=calendar_feed_made(session, user_id=principal.user_id) if own else None,
        feed_url=feed_url,
        refusal=refusal,
        status_code=status_code,
    )


@router.post(
    "/clinicians/{clinician_id}/days/{day}/visits/{visit_id}",
    name="visit-report",
    response_model=None,
)
def report_visit(
    request: Request,
    session: SessionDep,
    person: Changer,
    clinician_id: ClinicianId,
    day: date,
    visit_id: Annotated[str, Path(max_length=100)],
    report: Annotated[VisitStatus, Form()],
) -> Response:
    """Mark one of the day's visits completed or missed (the allowed status changes)."""
    audit_as(request, f"visit-{report.value}", visit_id)
    clinician = clinician_in_reach(session, person.principal, clinician_id)
    visit = session.get(models.Visit, (clinician.agency_id, visit_id))
    if visit is None or visit.clinician_id != clinician.id or report not in REPORTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no visit {visit_id!r} to report")
    refusal = status_change_refusal(
        visit.id, visit.status, report, start_at=visit.start_at, now=utc_now()
    )
    if refusal is not None:
        return day_page(request, session, person, clinician, day, refusal=refusal, status_code=409)
    visit.status = report
    return see_other(f"/board/clinicians/{clinician.id}/days/{day.isoformat()}")


@router.get("/clinicians/{clinician_id}/days/{day}/map", response_class=HTMLResponse)
def read_day_map(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    person: Person,
    clinician_id: ClinicianId,
    day: date,
) -> HTMLResponse:
    """The day on a map (Leaflet, no tiles): legs on the road network when roads are on."""
    clinician = clinician_in_reach(session, person.principal, clinician_id)
    found = _route(session, clinician, day)
    data: dict[str, Any] = {"legs": [], "stops": [], "bases": []}
    if found is not None:
        places, legs = day_legs(*found, settings=settings)
        itinerary = published_itinerary(session, clinician=clinician, day=day)
        data["legs"] = legs
        data["stops"] = [
            {
                "number": stop.number,
                "at": [place.latitude, place.longitude],
                "label": f"{stop.number}. {stop.start:%H:%M}-{stop.end:%H:%M} {stop.patient_name}",
            }
            for stop, place in zip(itinerary.stops, places[1:-1], strict=True)
        ]
        data["bases"] = [
            {"at": [place.latitude, place.longitude], "label": label}
            for place, label in ((places[0], "start"), (places[-1], "end"))
        ]
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    return page(
        request,
        "day_map.html",
        person=person,
        clinician=clinician,
        day=day,
        roads=settings.travel_provider == "road",
        data=Markup(blob),  # JSON with "<" escaped: it cannot close its element
    )
