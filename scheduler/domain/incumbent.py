"""The incumbent: where the published plan has each visit, and how much keeping it is worth.

A nightly replan or a reschedule starts from a plan clinicians and patients already know.
Moving a visit to another clinician or day has a price (``weight``, in seconds of driving per
visit moved), apart from the patient's wish for a clinician (``Patient.preferred_clinicians``)
and the care plan's primary clinician (continuity of care).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scheduler.errors import ProblemError


@dataclass(frozen=True)
class Assignment:
    """Where the published plan has a visit: its clinician and horizon day."""

    visit_id: str
    clinician_id: str
    day: int


@dataclass(frozen=True)
class Incumbent:
    """The published assignments and the seconds of driving worth keeping each one.

    Parameters
    ----------
    assignments
        One per visit the published plan holds (visits it does not hold are free).
    weight
        Seconds of driving a plan may spend to keep a visit with its clinician and day.
    """

    assignments: tuple[Assignment, ...] = ()
    weight: int = 0

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ProblemError(f"the incumbent's weight must be 0 or more, got {self.weight}")
        if len(self.by_visit) < len(self.assignments):
            raise ProblemError("the incumbent assigns a visit twice")

    @cached_property
    def by_visit(self) -> dict[str, Assignment]:
        """Assignment per visit id."""
        return {a.visit_id: a for a in self.assignments}

    def moves(self, visit_id: str, clinician_id: str, day: int) -> bool:
        """Whether making the visit on ``clinician_id``'s ``day`` moves it off the incumbent."""
        kept = self.by_visit.get(visit_id)
        return kept is not None and (kept.clinician_id, kept.day) != (clinician_id, day)
