"""A clinician's calendar feed: a secret address their calendar app subscribes to.

The address holds a random token, so the app needs no cookie and no header; only the token's
SHA-256 is stored. The feed gives the clinician's own published days, from two weeks back to
six weeks ahead, as ICS (one event per visit, the itinerary's). Made or reset from My day
(the new address is shown once; the old one stops working), stopped there too; it dies with
its user (disabled or deleted).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, Response

from scheduler.api.board._audit import audit_as
from scheduler.api.board._auth import BoardUser, Changer, principal_of
from scheduler.api.board._pages import NO_STORE, see_other
from scheduler.api.board.my_day import clinician_in_reach, day_page
from scheduler.api.deps import SessionDep
from scheduler.render.calendar_feed import itineraries_to_ics
from scheduler.service.itineraries import published_itinerary
from scheduler.store import models
from scheduler.store.calendar_feeds import feed_user, reset_calendar_feed, stop_calendar_feed
from scheduler.store.models import Role
from scheduler.store.published_days import published_plan_days

router = APIRouter(prefix="/board", include_in_schema=False)
FEED_PATH = "/calendar/{token}.ics"
DAYS_BEFORE, DAYS_AFTER = 14, 42
Token = Annotated[str, Path(max_length=100)]


def _own_clinician(person: BoardUser) -> str:
    """The clinician id of a signed-in clinician (404 for anyone else: no day of their own)."""
    principal = person.principal
    if principal.role != Role.CLINICIAN or principal.clinician_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "only a clinician has a calendar feed")
    return principal.clinician_id


@router.get(FEED_PATH, name="calendar-feed", response_class=Response)
def read_calendar_feed(request: Request, session: SessionDep, token: Token) -> Response:
    """The feed's clinician's published visits as ICS (404 for a dead or unknown address).

    Wrong addresses count against the caller's address as wrong API tokens do (429).
    """
    user = feed_user(session, token=token)
    if user is None or user.clinician_id is None:
        address = request.client.host if request.client else "unknown"
        wait = request.app.state.auth_throttle.fail(address)
        if wait is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"too many wrong feed addresses from this address; retry in {wait} seconds",
                headers={"Retry-After": str(wait)},
            )
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such calendar feed")
    principal = principal_of(user)
    request.state.principal = principal
    audit_as(request, "calendar-feed", user.id)
    clinician = clinician_in_reach(session, principal, user.clinician_id)
    branch = session.get(models.Branch, clinician.branch_id)
    today = datetime.now(ZoneInfo(branch.timezone if branch else "UTC")).date()
    window = [today + timedelta(days=k) for k in range(-DAYS_BEFORE, DAYS_AFTER + 1)]
    published = published_plan_days(session, branch_id=clinician.branch_id, days=window)
    days = sorted({today, *(day for its_days in published.values() for day in its_days)})
    itineraries = [published_itinerary(session, clinician=clinician, day=day) for day in days]
    text = itineraries_to_ics(itineraries, calendar_name=f"{clinician.name}: visits")
    return Response(text, media_type="text/calendar; charset=utf-8", headers=NO_STORE)


@router.post("/calendar-feed", name="calendar-feed-reset", response_class=HTMLResponse)
def reset_feed(
    request: Request, session: SessionDep, person: Changer, day: Annotated[date, Form()]
) -> HTMLResponse:
    """Make the signed-in clinician a new feed address (the old one dies); show it once."""
    clinician_id = _own_clinician(person)
    audit_as(request, "calendar-feed-reset", person.principal.user_id)
    clinician = clinician_in_reach(session, person.principal, clinician_id)
    token = reset_calendar_feed(session, user_id=person.principal.user_id)
    url = str(request.url_for("calendar-feed", token=token))
    return day_page(request, session, person, clinician, day, feed_url=url)


@router.post("/calendar-feed/stop", name="calendar-feed-stop", response_model=None)
def stop_feed(
    request: Request, session: SessionDep, person: Changer, day: Annotated[date, Form()]
) -> Response:
    """End the signed-in clinician's feed: its address answers nothing any more."""
    clinician_id = _own_clinician(person)
    audit_as(request, "calendar-feed-stop", person.principal.user_id)
    stop_calendar_feed(session, user_id=person.principal.user_id)
    return see_other(f"/board/clinicians/{clinician_id}/days/{day.isoformat()}")
