"""Patients: where they live, when they are home, whom they prefer or refuse."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduler.domain.location import Location
from scheduler.domain.time_window import DAY, TimeWindow


@dataclass(frozen=True)
class Availability:
    """The patient is home during ``window`` (seconds from local midnight) on ``weekday``.

    ``weekday`` follows Python: 0 = Monday ... 6 = Sunday.
    """

    weekday: int
    window: TimeWindow


@dataclass(frozen=True)
class Patient:
    """A person receiving care at home.

    Parameters
    ----------
    id, name
        Identifier and display name (names are never logged).
    location
        Home.
    availability
        When the patient is home; empty means any time.
    preferred_clinicians
        Clinician ids the patient (or their care plan) prefers, best first.
    excluded_clinicians
        Clinician ids who must never visit this patient.
    preferred_hours
        The part of the day the patient would like visits to start in (seconds from local
        midnight, e.g. 08:00-12:00 for mornings); soft, ``None`` for no wish.
    """

    id: str
    name: str
    location: Location
    availability: tuple[Availability, ...] = ()
    preferred_clinicians: tuple[str, ...] = ()
    excluded_clinicians: frozenset[str] = field(default_factory=frozenset)
    preferred_hours: TimeWindow | None = None

    def windows_on(self, day: int, weekday: int) -> tuple[TimeWindow, ...]:
        """When the patient is home on horizon ``day`` (a ``weekday``), in horizon seconds."""
        if not self.availability:
            return (TimeWindow(0, DAY).shifted(day * DAY),)
        return tuple(
            slot.window.shifted(day * DAY) for slot in self.availability if slot.weekday == weekday
        )
