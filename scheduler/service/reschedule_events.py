"""Events that change a published day, and the check that each names something of the day.

One small frozen dataclass per event of the API's reschedule request (same names, same
fields): times are aware datetimes, an added visit is its record's fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.domain import Problem, Visit
from scheduler.errors import NotFoundError


@dataclass(frozen=True)
class ClinicianUnavailable:
    """A clinician calls out: for the whole day (``from_time`` is ``None``) or from a time on."""

    clinician_id: str
    from_time: datetime | None = None


@dataclass(frozen=True)
class VisitCancelled:
    """A patient cancels a visit of the day."""

    visit_id: str


@dataclass(frozen=True)
class VisitAdded:
    """A new visit to fit in: its record's JSON-ready fields (``id``, ``patient_id``, ...).

    The fields are the visit row's columns as ``store.visits.new_visit`` takes them, with its
    ``first_day``; the branch and agency are the reschedule's.
    """

    visit: Mapping[str, Any]

    @property
    def visit_id(self) -> str:
        """The new visit's id."""
        return str(self.visit["id"])


@dataclass(frozen=True)
class VisitRunningLate:
    """A visit under way ends later than planned, at ``ends_at``."""

    visit_id: str
    ends_at: datetime


@dataclass(frozen=True)
class PatientUnavailable:
    """A patient is home only in ``windows`` (start, end) today."""

    patient_id: str
    windows: tuple[tuple[datetime, datetime], ...]


Event = ClinicianUnavailable | VisitCancelled | VisitAdded | VisitRunningLate | PatientUnavailable


def check_events(events: tuple[Event, ...], today: Problem, visits: Mapping[str, Visit]) -> None:
    """Every event names something of the day (NotFoundError otherwise).

    ``today`` holds the branch's people; ``visits`` the day's published visits by id.
    """
    for event in events:
        if (
            isinstance(event, ClinicianUnavailable)
            and event.clinician_id not in today.clinician_by_id
        ):
            raise NotFoundError(f"no clinician {event.clinician_id!r} in the branch")
        if isinstance(event, VisitCancelled | VisitRunningLate) and event.visit_id not in visits:
            raise NotFoundError(f"visit {event.visit_id!r} is not in the day's published plan")
        if isinstance(event, PatientUnavailable) and event.patient_id not in today.patient_by_id:
            raise NotFoundError(f"no patient {event.patient_id!r} in the branch")
