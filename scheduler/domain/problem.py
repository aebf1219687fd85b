"""The planning problem: who, whom, what, over which days."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.domain.care_plan import CarePlan, CareRules, expand_care_plan
from scheduler.domain.clinician import Clinician
from scheduler.domain.incumbent import Incumbent
from scheduler.domain.location import Location
from scheduler.domain.patient import Patient
from scheduler.domain.time_window import DAY
from scheduler.domain.visit import Visit
from scheduler.domain.visit_link import VisitLink
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
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ProblemError(
                f"unknown time zone {self.timezone!r}; use an IANA name like 'America/New_York'"
            ) from None

    def date_of(self, day: int) -> date:
        """Calendar date of horizon ``day``."""
        return self.start_date + timedelta(days=day)

    def weekday_of(self, day: int) -> int:
        """Weekday (0 = Monday) of horizon ``day``."""
        return self.date_of(day).weekday()

    def datetime_of(self, second: int) -> datetime:
        """The instant of horizon ``second`` (day * DAY + local wall-clock seconds of the day).

        The one rule for wall-clock times a change of clocks leaves ambiguous (RFC 5545's,
        3.3.5): a time that occurs twice is its first occurrence (01:30 on a fall-back day is
        daylight time); a time that does not occur is read with the offset before the gap, so
        it lands the gap later (02:30 on a spring-forward day is 03:30 daylight time). Returned
        in the horizon's zone with the offset it really has then.
        """
        day, clock = divmod(second, DAY)
        zone = ZoneInfo(self.timezone)
        wall = datetime.combine(self.date_of(day), time(), tzinfo=zone) + timedelta(seconds=clock)
        return wall.astimezone(UTC).astimezone(zone)

    def second_of(self, moment: datetime) -> int:
        """Horizon second of an aware ``moment``: its local wall-clock time (see ``datetime_of``).

        Every instant has one local time, so this never guesses; ``datetime_of`` gives it back
        except in the hour a fall-back day repeats (read back as the first such hour).
        """
        if moment.tzinfo is None:
            raise ProblemError(f"time {moment.isoformat()} needs a UTC offset")
        local = moment.astimezone(ZoneInfo(self.timezone))
        day = (local.date() - self.start_date).days
        clock = local.hour * 3600 + local.minute * 60 + local.second
        return day * DAY + clock


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs besides travel times.

    Parameters
    ----------
    horizon
        The days to plan.
    clinicians, patients
        Who visits and who is visited.
    visits
        Visits given one by one (SOC after a referral, a lab draw, a visit moved by hand).
    care_plans
        Frequency orders; their due visits are added to ``visits`` (see ``visits_to_plan``).
    rules
        Agency rules for care plans.
    links
        Pairs of visits made together or in sequence by two clinicians (a visit is in one
        link at most; both visits are for the same patient).
    incumbent
        Where the published plan has the visits, and what keeping them there is worth.

    Raises
    ------
    ProblemError
        On duplicate ids or references to unknown patients or clinicians.
    """

    horizon: Horizon
    clinicians: tuple[Clinician, ...]
    patients: tuple[Patient, ...]
    visits: tuple[Visit, ...]
    care_plans: tuple[CarePlan, ...] = ()
    rules: CareRules = field(default_factory=CareRules)
    links: tuple[VisitLink, ...] = ()
    incumbent: Incumbent = field(default_factory=Incumbent)

    def __post_init__(self) -> None:
        for plan in self.care_plans:
            if plan.patient_id not in self.patient_by_id:
                raise ProblemError(
                    f"care plan {plan.id!r} names unknown patient {plan.patient_id!r}"
                )
        for kind, ids in (
            ("clinician", [c.id for c in self.clinicians]),
            ("patient", [p.id for p in self.patients]),
            ("care plan", [plan.id for plan in self.care_plans]),
            ("visit", [v.id for v in self.visits_to_plan]),
        ):
            duplicates = [key for key, count in Counter(ids).items() if count > 1]
            if duplicates:
                raise ProblemError(f"duplicate {kind} ids: {', '.join(sorted(duplicates)[:5])}")
        clinician_ids = {c.id for c in self.clinicians}
        for visit in self.visits_to_plan:
            if visit.patient_id not in self.patient_by_id:
                raise ProblemError(f"visit {visit.id!r} names unknown patient {visit.patient_id!r}")
            for role, named in (
                ("pinned", visit.pinned_clinician),
                ("assigned", visit.preferred_clinician),
            ):
                if named is not None and named not in clinician_ids:
                    raise ProblemError(
                        f"visit {visit.id!r} is {role} to unknown clinician {named!r}"
                    )
        self._check_links()
        for kept in self.incumbent.assignments:
            if kept.clinician_id not in clinician_ids:
                raise ProblemError(
                    f"the incumbent has visit {kept.visit_id!r} with unknown clinician "
                    f"{kept.clinician_id!r}"
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

    def _check_links(self) -> None:
        """Each link joins two known visits of one patient; a visit is in one link at most."""
        linked = Counter(visit_id for link in self.links for visit_id in link.visit_ids)
        twice = [visit_id for visit_id, count in linked.items() if count > 1]
        if twice:
            raise ProblemError(f"visits in more than one link: {', '.join(sorted(twice)[:5])}")
        for link in self.links:
            first, second = (self.visit_by_id.get(visit_id) for visit_id in link.visit_ids)
            if first is None or second is None:
                missing = link.first if first is None else link.second
                raise ProblemError(
                    f"link {link.first!r}-{link.second!r} names unknown visit {missing!r}"
                )
            if first.patient_id != second.patient_id:
                raise ProblemError(
                    f"linked visits {link.first!r} and {link.second!r} are for different patients"
                )

    @cached_property
    def link_by_visit(self) -> dict[str, VisitLink]:
        """The link of each linked visit, keyed by either of its visit ids."""
        return {visit_id: link for link in self.links for visit_id in link.visit_ids}

    @cached_property
    def patient_by_id(self) -> dict[str, Patient]:
        """Patients keyed by id."""
        return {patient.id: patient for patient in self.patients}

    @cached_property
    def clinician_by_id(self) -> dict[str, Clinician]:
        """Clinicians keyed by id."""
        return {clinician.id: clinician for clinician in self.clinicians}

    @cached_property
    def visits_to_plan(self) -> tuple[Visit, ...]:
        """The given visits, then the visits the care plans have due in the horizon."""
        expanded = tuple(
            visit
            for plan in self.care_plans
            for visit in expand_care_plan(
                plan,
                self.patient_by_id[plan.patient_id],
                horizon_start=self.horizon.start_date,
                horizon_days=self.horizon.days,
                rules=self.rules,
            )
        )
        return self.visits + expanded

    @cached_property
    def visit_by_id(self) -> dict[str, Visit]:
        """Visits to plan keyed by id."""
        return {visit.id: visit for visit in self.visits_to_plan}

    @cached_property
    def care_plan_by_id(self) -> dict[str, CarePlan]:
        """Care plans keyed by id."""
        return {plan.id: plan for plan in self.care_plans}

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
