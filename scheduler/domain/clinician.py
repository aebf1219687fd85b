"""Clinicians: who can make which visits, where they start, and when they work."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scheduler.domain.location import Location
from scheduler.domain.time_window import TimeWindow
from scheduler.errors import ProblemError


class Discipline(StrEnum):
    """The service a visit delivers."""

    SN = "SN"  # skilled nursing
    PT = "PT"  # physical therapy
    OT = "OT"  # occupational therapy
    ST = "ST"  # speech therapy
    MSW = "MSW"  # medical social work
    HHA = "HHA"  # home health aide


class Credential(StrEnum):
    """A clinician's licence; it decides which discipline they can deliver."""

    RN = "RN"
    LPN = "LPN"
    PT = "PT"
    OT = "OT"
    ST = "ST"
    MSW = "MSW"
    HHA = "HHA"

    @property
    def discipline(self) -> Discipline:
        """The discipline this credential delivers."""
        return Discipline.SN if self in (Credential.RN, Credential.LPN) else Discipline(self.value)


@dataclass(frozen=True)
class LunchBreak:
    """An unpaid break of ``duration`` seconds that starts inside ``window``."""

    window: TimeWindow
    duration: int

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ProblemError(f"lunch break duration must be positive, got {self.duration}")


@dataclass(frozen=True)
class Shift:
    """One working day of a clinician.

    Parameters
    ----------
    day
        Day index in the horizon (0 = first day).
    window
        Regular hours, in seconds from the horizon start: leave the start place no earlier than
        ``window.start``, be back by ``window.end`` or pay overtime.
    lunch
        Optional break to place inside the day.
    max_overtime
        Seconds the day may run past ``window.end`` (each costs overtime).
    """

    day: int
    window: TimeWindow
    lunch: LunchBreak | None = None
    max_overtime: int = 0

    def __post_init__(self) -> None:
        if self.max_overtime < 0:
            raise ProblemError(f"max_overtime must be >= 0, got {self.max_overtime}")

    @property
    def latest_end(self) -> int:
        """The last second the day may end, overtime included."""
        return self.window.end + self.max_overtime


@dataclass(frozen=True)
class Clinician:
    """A nurse, therapist, social worker or aide who visits patients.

    Parameters
    ----------
    id, name
        Identifier and display name (names are never logged).
    credential
        Licence (RN, LPN, PT, ...), which fixes the discipline.
    start, end
        Where each day starts and ends; ``end`` defaults to ``start``.
    shifts
        Working days with hours and breaks; a day without a shift is a day off.
    skills
        Free-form skill tags (``wound-care``, ``iv``, ``lang:es``, ...).
    max_visits_per_day, max_work_per_day
        Optional daily limits (count, seconds from leaving ``start`` to arriving at ``end``,
        lunch excluded).
    max_points_per_day
        Optional productivity cap in visit points (``Visit.points``).
    max_visits_per_week, max_work_per_week
        Optional caps over the horizon's weeks (count; seconds of visits and driving).
    """

    id: str
    name: str
    credential: Credential
    start: Location
    shifts: tuple[Shift, ...]
    end: Location | None = None
    skills: frozenset[str] = field(default_factory=frozenset)
    max_visits_per_day: int | None = None
    max_work_per_day: int | None = None
    max_points_per_day: int | None = None
    max_visits_per_week: int | None = None
    max_work_per_week: int | None = None

    def __post_init__(self) -> None:
        days = [shift.day for shift in self.shifts]
        if len(days) != len(set(days)):
            raise ProblemError(f"clinician {self.id!r} has two shifts on the same day")

    @property
    def discipline(self) -> Discipline:
        """The discipline the clinician delivers."""
        return self.credential.discipline

    @property
    def end_location(self) -> Location:
        """Where the clinician's days end."""
        return self.end or self.start

    def shift_on(self, day: int) -> Shift | None:
        """The shift on ``day``, or ``None`` on a day off."""
        return next((shift for shift in self.shifts if shift.day == day), None)
