"""Events that change a published day, and the check that each names something of the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.domain import Problem, Visit
from scheduler.errors import NotFoundError, ProblemError
from scheduler.store import models


@dataclass(frozen=True)
class Event:
    """Something that changes the day.

    ``kind`` is one of ``clinician_unavailable`` (``clinician_id``, from ``at`` or the whole
    day), ``visit_cancelled`` (``visit_id``), ``visit_added`` (``visit``: its row, stored or
    not), ``visit_running_late`` (``visit_id`` ends at ``at``), ``patient_unavailable``
    (``patient_id`` is home only in ``windows`` today).
    """

    kind: str
    clinician_id: str | None = None
    visit_id: str | None = None
    patient_id: str | None = None
    at: datetime | None = None
    windows: tuple[tuple[datetime, datetime], ...] = ()
    visit: models.Visit | None = None


def check_events(events: tuple[Event, ...], today: Problem, visits: dict[str, Visit]) -> None:
    """Every event names something of the day (NotFoundError otherwise)."""
    for event in events:
        if (
            event.kind == "clinician_unavailable"
            and event.clinician_id not in today.clinician_by_id
        ):
            raise NotFoundError(f"no clinician {event.clinician_id!r} in the branch")
        if event.kind in ("visit_cancelled", "visit_running_late") and event.visit_id not in visits:
            raise NotFoundError(f"visit {event.visit_id!r} is not in the day's published plan")
        if event.kind == "visit_running_late" and event.at is None:
            raise ProblemError("visit_running_late needs the time the visit will end")
        if event.kind == "patient_unavailable" and event.patient_id not in today.patient_by_id:
            raise NotFoundError(f"no patient {event.patient_id!r} in the branch")
