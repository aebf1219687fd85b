"""Visits: one concrete trip of a clinician to a patient."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from scheduler.domain.clinician import Credential, Discipline
from scheduler.domain.time_window import TimeWindow
from scheduler.errors import ProblemError


class VisitType(StrEnum):
    """Why the visit is made (see DESIGN.md)."""

    SOC = "SOC"
    ROC = "ROC"
    RECERT = "RECERT"
    DC = "DC"
    ROUTINE = "ROUTINE"
    PRN = "PRN"


@dataclass(frozen=True)
class Visit:
    """A visit to plan.

    Parameters
    ----------
    id, patient_id
        Identifiers.
    discipline
        Service delivered; any clinician whose credential delivers it qualifies, unless
        ``credentials`` narrows the choice (e.g. a SOC needs an RN).
    duration
        Seconds spent at the patient's home.
    windows
        When the visit may *start*, in horizon seconds (hard). Several windows mean "any of
        these", e.g. Monday or Wednesday morning. The caller derives them from the patient's
        availability minus the duration.
    due
        Optional soft latest start: each second past it costs lateness.
    priority
        1 (lowest) .. 5 (highest); decides which optional visits go first when not all fit.
    optional
        Whether the plan may leave the visit out (with a penalty by priority).
    pinned_clinician, pinned_start
        Fix the clinician and/or the start second.
    points
        Productivity points the visit counts for (see ``Clinician.max_points_per_day``).
    care_plan_id
        The care plan the visit comes from, if any (its visits are spread over the days).
    preferred_clinician
        The clinician who should make this visit (continuity); soft, and takes precedence over
        the patient's preferred clinicians.
    """

    id: str
    patient_id: str
    discipline: Discipline
    duration: int
    windows: tuple[TimeWindow, ...]
    visit_type: VisitType = VisitType.ROUTINE
    credentials: frozenset[Credential] = field(default_factory=frozenset)
    required_skills: frozenset[str] = field(default_factory=frozenset)
    due: int | None = None
    priority: int = 3
    optional: bool = False
    pinned_clinician: str | None = None
    pinned_start: int | None = None
    points: int = 1
    care_plan_id: str | None = None
    preferred_clinician: str | None = None

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ProblemError(f"visit {self.id!r} has a negative duration ({self.duration} s)")
        if not self.windows:
            raise ProblemError(f"visit {self.id!r} has no time window; give at least one")
        if not 1 <= self.priority <= 5:
            raise ProblemError(f"visit {self.id!r} priority must be 1..5, got {self.priority}")
        ordered = sorted(self.windows)
        if any(a.end >= b.start for a, b in pairwise(ordered)):
            raise ProblemError(f"visit {self.id!r} has overlapping time windows; merge them")
        if self.pinned_start is not None and not any(
            w.contains(self.pinned_start) for w in ordered
        ):
            raise ProblemError(f"visit {self.id!r} is pinned to start outside its windows")
        for credential in self.credentials:
            if credential.discipline != self.discipline:
                raise ProblemError(
                    f"visit {self.id!r} is {self.discipline} but allows credential {credential}"
                )
        object.__setattr__(self, "windows", tuple(ordered))

    @property
    def admits(self) -> bool:
        """Whether the visit (re)admits the patient: every other visit of the patient waits.

        A start of care, or a resumption of care after an inpatient stay.
        """
        return self.visit_type in (VisitType.SOC, VisitType.ROC)

    @property
    def earliest_start(self) -> int:
        """First second the visit may start."""
        return self.windows[0].start

    @property
    def latest_start(self) -> int:
        """Last second the visit may start."""
        return self.windows[-1].end

    def allows_start(self, instant: int) -> bool:
        """Whether the visit may start at ``instant`` (hard windows and pin)."""
        if self.pinned_start is not None and instant != self.pinned_start:
            return False
        return any(window.contains(instant) for window in self.windows)
