"""A clinician's published day as an itinerary: the stored route's, or an empty one."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from scheduler.domain import Credential
from scheduler.render.itinerary import Itinerary, empty_itinerary, itinerary_from_json
from scheduler.store import models
from scheduler.store.published_days import published_route_itinerary


def published_itinerary(session: Session, *, clinician: models.Clinician, day: date) -> Itinerary:
    """The clinician's itinerary on ``day`` in the branch's published plan (empty if none)."""
    stored = published_route_itinerary(
        session, branch_id=clinician.branch_id, clinician_id=clinician.id, day=day
    )
    return stored_itinerary(session, clinician=clinician, day=day, stored=stored)


def stored_itinerary(
    session: Session, *, clinician: models.Clinician, day: date, stored: str | None
) -> Itinerary:
    """The ``stored`` itinerary (JSON text) of the clinician's ``day``, or their empty day."""
    if stored is not None:
        return itinerary_from_json(stored)
    branch = session.get(models.Branch, clinician.branch_id)
    return empty_itinerary(
        clinician_id=clinician.id,
        clinician_name=clinician.name,
        credential=Credential(clinician.credential),
        day=day,
        timezone=branch.timezone if branch else "UTC",
    )
