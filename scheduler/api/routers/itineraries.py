"""A clinician's day in the published plan: JSON, an ICS calendar, or a printable page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import AnyUser, Principal
from scheduler.api.deps import AgencyId, ReadsOnly, SessionDep
from scheduler.api.reach import caller_agency, fetch_in_reach
from scheduler.api.schemas.fields import IsoDate
from scheduler.domain import Location
from scheduler.render.itinerary import Itinerary, itinerary_to_dict
from scheduler.render.itinerary_views import itinerary_to_html, itinerary_to_ics
from scheduler.render.route_map import route_map_svg
from scheduler.service.itineraries import published_itinerary, stored_itinerary
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.published_days import clinician_published_day

router = APIRouter(prefix="/v1/itineraries", tags=["itineraries"], dependencies=[ReadsOnly])
ClinicianId = Annotated[str, Path(max_length=64)]
Day = Annotated[IsoDate, Path(description="The branch-local date, e.g. 2026-11-30.")]


def _itinerary(
    session: Session, principal: Principal, clinician_id: str, day: date, agency_id: str | None
) -> tuple[models.Clinician, Itinerary]:
    """The clinician's published day, if the caller may see it (404 otherwise)."""
    if principal.role == Role.CLINICIAN:
        agency = caller_agency(session, principal, agency_id)
        found = None
        if agency is not None:
            found = clinician_published_day(
                session, agency_id=agency, clinician_id=clinician_id, day=day
            )
        if found is None or found[0].id != principal.clinician_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no clinician {clinician_id!r}")
        clinician, stored = found
        return clinician, stored_itinerary(session, clinician=clinician, day=day, stored=stored)
    clinician = fetch_in_reach(
        session,
        principal,
        models.Clinician,
        clinician_id,
        label="clinician",
        agency_id=agency_id,
    )
    return clinician, published_itinerary(session, clinician=clinician, day=day)


@router.get("/{clinician_id}/{day}", summary="A clinician's itinerary as JSON")
def read_itinerary(
    session: SessionDep,
    principal: AnyUser,
    clinician_id: ClinicianId,
    day: Day,
    agency_id: AgencyId = None,
) -> dict[str, Any]:
    """Visits in order with windows, planned times, addresses and driving (empty if none)."""
    return itinerary_to_dict(_itinerary(session, principal, clinician_id, day, agency_id)[1])


@router.get(
    "/{clinician_id}/{day}/ics",
    summary="A clinician's itinerary as an ICS calendar",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def read_itinerary_ics(
    session: SessionDep,
    principal: AnyUser,
    clinician_id: ClinicianId,
    day: Day,
    agency_id: AgencyId = None,
) -> Response:
    """One event per visit (RFC 5545), to subscribe to in any calendar app."""
    itinerary = _itinerary(session, principal, clinician_id, day, agency_id)[1]
    return Response(itinerary_to_ics(itinerary), media_type="text/calendar; charset=utf-8")


@router.get(
    "/{clinician_id}/{day}/html",
    summary="A clinician's itinerary as a printable page with a map",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def read_itinerary_html(
    session: SessionDep,
    principal: AnyUser,
    clinician_id: ClinicianId,
    day: Day,
    agency_id: AgencyId = None,
) -> Response:
    """The day's table and a map of the stops (straight legs; no tiles fetched)."""
    page = _itinerary_page(*_itinerary(session, principal, clinician_id, day, agency_id))
    return Response(page, media_type="text/html; charset=utf-8")


def _itinerary_page(clinician: models.Clinician, itinerary: Itinerary) -> str:
    """The printable page of the clinician's day with its map."""
    home = Location("home", clinician.home_latitude, clinician.home_longitude)
    end = home
    if clinician.end_latitude is not None and clinician.end_longitude is not None:
        end = Location("end", clinician.end_latitude, clinician.end_longitude)
    places = [home, *(Location(s.visit_id, s.latitude, s.longitude) for s in itinerary.stops), end]
    return itinerary_to_html(itinerary, map_svg=route_map_svg(places))
