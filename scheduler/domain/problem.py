"""The planning problem: who, whom, what, over which days."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from scheduler.domain.clinician import Clinician
from scheduler.domain.location import Location
from scheduler.domain.patient import Patient
from scheduler.domain.visit import Visit
from scheduler.errors import ProblemError


@dataclass(frozen=True)
class Horizon:
    """Consecutive days planned together; second 0 is local midnight of ``start_date``."""

    start_date: date
    days: int = 1
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ProblemError(f"a horizon needs at least one day, got {self.days}")

    def date_of(self, day: int) -> date:
        """Calendar date of horizon ``day``."""
        return self.start_date + timedelta(days=day)

    def weekday_of(self, day: int) -> int:
        """Weekday (0 = Monday) of horizon ``day``."""
        return self.date_of(day).weekday()


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs besides travel times.

    Raises
    ------
    ProblemError
        On duplicate ids or references to unknown patients or clinicians.
    """

    horizon: Horizon
    clinicians: tuple[Clinician, ...]
    patients: tuple[Patient, ...]
    visits: tuple[Visit, ...]

    def __post_init__(self) -> None:
        for kind, ids in (
            ("clinician", [c.id for c in self.clinicians]),
            ("patient", [p.id for p in self.patients]),
            ("visit", [v.id for v in self.visits]),
        ):
            duplicates = [key for key, count in Counter(ids).items() if count > 1]
            if duplicates:
                raise ProblemError(f"duplicate {kind} ids: {', '.join(sorted(duplicates)[:5])}")
        clinician_ids = {c.id for c in self.clinicians}
        for visit in self.visits:
            if visit.patient_id not in self.patient_by_id:
                raise ProblemError(f"visit {visit.id!r} names unknown patient {visit.patient_id!r}")
            if visit.pinned_clinician is not None and visit.pinned_clinician not in clinician_ids:
                raise ProblemError(
                    f"visit {visit.id!r} is pinned to unknown clinician {visit.pinned_clinician!r}"
                )
        for patient in self.patients:
            unknown = (
                set(patient.preferred_clinicians) | patient.excluded_clinicians
            ) - clinician_ids
            if unknown:
                raise ProblemError(
                    f"patient {patient.id!r} prefers or excludes unknown clinicians: "
                    f"{', '.join(sorted(unknown))}"
                )
        for clinician in self.clinicians:
            late = [s.day for s in clinician.shifts if not 0 <= s.day < self.horizon.days]
            if late:
                raise ProblemError(
                    f"clinician {clinician.id!r} has shifts on days {late} outside the "
                    f"{self.horizon.days}-day horizon"
                )

    @cached_property
    def patient_by_id(self) -> dict[str, Patient]:
        """Patients keyed by id."""
        return {patient.id: patient for patient in self.patients}

    @cached_property
    def clinician_by_id(self) -> dict[str, Clinician]:
        """Clinicians keyed by id."""
        return {clinician.id: clinician for clinician in self.clinicians}

    @cached_property
    def visit_by_id(self) -> dict[str, Visit]:
        """Visits keyed by id."""
        return {visit.id: visit for visit in self.visits}

    def locations(self) -> tuple[Location, ...]:
        """Every distinct place of the problem, in a stable order (clinicians, then patients).

        Travel matrices for this problem must cover at least these locations.
        """
        seen: dict[str, Location] = {}
        for clinician in self.clinicians:
            seen.setdefault(clinician.start.id, clinician.start)
            seen.setdefault(clinician.end_location.id, clinician.end_location)
        for patient in self.patients:
            seen.setdefault(patient.location.id, patient.location)
        return tuple(seen.values())
