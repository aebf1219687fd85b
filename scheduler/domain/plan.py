"""Plans: ordered routes per clinician and day, visits left out, and KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scheduler.domain.time_window import TimeWindow


@dataclass(frozen=True)
class Stop:
    """One visit in a route.

    ``travel_seconds``/``travel_metres`` are for the leg that arrives here; ``arrival`` is when
    the clinician reaches the door, ``start``/``end`` when the visit runs.
    """

    visit_id: str
    patient_id: str
    arrival: int
    start: int
    end: int
    travel_seconds: int
    travel_metres: int

    @property
    def wait(self) -> int:
        """Seconds between arrival and start."""
        return self.start - self.arrival


@dataclass(frozen=True)
class Route:
    """A clinician's day: leave ``start``, make the stops in order, arrive back at ``end``."""

    clinician_id: str
    day: int
    start: int
    end: int
    stops: tuple[Stop, ...]
    return_travel_seconds: int
    return_travel_metres: int
    lunch: TimeWindow | None = None

    @property
    def travel_seconds(self) -> int:
        """Seconds driving, the way home included."""
        return sum(stop.travel_seconds for stop in self.stops) + self.return_travel_seconds

    @property
    def travel_metres(self) -> int:
        """Metres driven, the way home included."""
        return sum(stop.travel_metres for stop in self.stops) + self.return_travel_metres

    @property
    def service_seconds(self) -> int:
        """Seconds spent with patients."""
        return sum(stop.end - stop.start for stop in self.stops)

    @property
    def work_seconds(self) -> int:
        """Seconds from leaving to arriving back, lunch excluded."""
        return self.end - self.start - (self.lunch.length if self.lunch else 0)


class ReasonCode(StrEnum):
    """Why a visit is not in the plan."""

    NO_QUALIFIED_CLINICIAN = "no_qualified_clinician"
    ALL_QUALIFIED_EXCLUDED = "all_qualified_excluded"
    NO_SHIFT_IN_WINDOW = "no_shift_in_window"
    WINDOW_TOO_SHORT = "window_too_short"
    PIN_CONFLICT = "pin_conflict"
    UNREACHABLE_IN_WINDOW = "unreachable_in_window"
    CAPACITY = "capacity"
    LOW_PRIORITY = "low_priority"
    NO_DAY_LEFT = "no_day_left"
    LINKED_VISIT_LEFT_OUT = "linked_visit_left_out"
    DEFERRED = "deferred"
    NOT_SOLVED = "not_solved"
    WAITS_FOR_SOC = "waits_for_soc"  # the patient's start of care visit is not planned before it
    RULE_VIOLATION = "rule_violation"  # removed from a route so that the plan keeps a rule


@dataclass(frozen=True)
class Unassigned:
    """A visit the plan leaves out, with a reason code and a sentence for a scheduler."""

    visit_id: str
    reason: ReasonCode
    message: str


@dataclass(frozen=True)
class Kpis:
    """Headline figures of a plan (seconds and metres; shares in 0..1).

    ``continuity_share``: planned visits made by their primary clinician, over planned visits
    that have one. ``clinicians_per_patient``: distinct clinicians per patient and discipline,
    on average. ``frequency_compliance``: required care plan visits planned, over those due.
    """

    visits_planned: int
    visits_unassigned: int
    travel_seconds: int
    travel_metres: int
    travel_seconds_per_visit: float
    service_seconds: int
    work_seconds: int
    idle_seconds: int
    overtime_seconds: int
    lateness_seconds: int
    utilisation: float
    on_time_share: float
    continuity_share: float = 1.0
    clinicians_per_patient: float = 0.0
    frequency_compliance: float = 1.0


@dataclass(frozen=True)
class Plan:
    """The answer: routes (only days with at least one stop), left-out visits, KPIs."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    kpis: Kpis

    def route_of(self, clinician_id: str, day: int) -> Route | None:
        """The route of a clinician on a day, if any."""
        return next(
            (r for r in self.routes if r.clinician_id == clinician_id and r.day == day), None
        )
