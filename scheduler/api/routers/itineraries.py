"""A clinician's day in the published plan: JSON, an ICS calendar, or a printable page."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from scheduler.api.access import AnyUser, Principal
from scheduler.api.deps import AgencyId, ReadsOnly, SessionDep
from scheduler.api.reach import caller_agency, fetch_in_reach
from scheduler.api.schemas.fields import IsoDate
from scheduler.domain import Location
from scheduler.render.itinerary import Itinerary, itinerary_to_json
from scheduler.render.itinerary_views import itinerary_to_html, itinerary_to_ics
from scheduler.render.route_map import route_map_svg
from scheduler.service.itineraries import stored_itinerary
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.published_days import clinician_published_day, published_route_itinerary

router = APIRouter(prefix="/v1/itineraries", tags=["itineraries"], dependencies=[ReadsOnly])
ClinicianId = Annotated[str, Path(max_length=64)]
Day = Annotated[IsoDate, Path(description="The branch-local date, e.g. 2026-11-30.")]
ITINERARY_SCHEMA = {"type": "object", "additionalProperties": True, "title": "Itinerary"}


def _published_day(
    session: Session, principal: Principal, clinician_id: str, day: date, agency_id: str | None
) -> tuple[models.Clinician, str | None]:
    """The clinician and their stored itinerary (JSON text, ``None``: nothing published).

    404 unless the caller may see the clinician's days.
    """
    if principal.role == Role.CLINICIAN:
        agency = caller_agency(session, principal, agency_id)
        found = None
        if agency is not None:
            found = clinician_published_day(
                session, agency_id=agency, clinician_id=clinician_id, day=day
            )
        if found is None or found[0].id != principal.clinician_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no clinician {clinician_id!r}")
        return found
    clinician = fetch_in_reach(
        session,
        principal,
        models.Clinician,
        clinician_id,
        label="clinician",
        agency_id=agency_id,
    )
    stored = published_route_itinerary(
        session, branch_id=clinician.branch_id, clinician_id=clinician.id, day=day
    )
    return clinician, stored


def _itinerary(
    session: Session, principal: Principal, clinician_id: str, day: date, agency_id: str | None
) -> tuple[models.Clinician, Itinerary]:
    """The clinician's published day, if the caller may see it (404 otherwise)."""
    clinician, stored = _published_day(session, principal, clinician_id, day, agency_id)
    return clinician, stored_itinerary(session, clinician=clinician, day=day, stored=stored)


@router.get(
    "/{clinician_id}/{day}",
    summary="A clinician's itinerary as JSON",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": ITINERARY_SCHEMA}}}},
)
def read_itinerary(
    session: SessionDep,
    principal: AnyUser,
    clinician_id: ClinicianId,
    day: Day,
    agency_id: AgencyId = None,
) -> Response:
    """Visits in order with windows, planned times, addresses and driving (empty if none).

    A published day is served as it was stored when it was published, never re-encoded.
    """
    clinician, stored = _published_day(session, principal, clinician_id, day, agency_id)
    if stored is None:
        empty = stored_itinerary(session, clinician=clinician, day=day, stored=None)
        return Response(itinerary_to_json(empty), media_type="application/json")
    return Response(stored, media_type="application/json")


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
