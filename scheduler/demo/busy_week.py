"""A busy agency week, built around a reference plan the generator knows.

Clinicians come first, in groups of equal weekly hours per discipline (nurses full time, and
five four-day nurses when there are ten or more). Then patients are added one by one near a
clinician with room: each patient's care plans are expanded into the week's visits, and every
required visit is put on a day and into that clinician's day (cheapest feasible insertion,
timed with the geodesic estimate the solver's default matrix uses). A patient whose required
visits do not all fit is not admitted; the generator stops when the clinicians are full. Every
admitted patient is thus visited in a known feasible plan (``reference_plan``), whose required
service and travel are the agency's load.

Many patients are home only a few hours a day (start windows of three hours or less), a few
are referrals arriving during the week with a start of care due within the rules' hours, and
a fifth state a preferred part of the day the reference plan keeps.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from scheduler.demo._orders import ORDERS, visits_made_before
from scheduler.demo._people import (
    DEFAULT_START,
    FIRST_NAMES,
    LAST_NAMES,
    HomeHours,
    Region,
    availability,
    km,
    lay_out_region,
    make_clinicians,
    point_in,
)
from scheduler.demo._week_builder import ReferenceBuilder
from scheduler.demo.reference import Reference
from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    CarePlan,
    CareRules,
    Clinician,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Problem,
    Shift,
    TimeWindow,
)

# Minutes of a routine visit, per discipline (one drawn per care plan).
BUSY_DURATIONS = {
    Discipline.SN: (60, 60, 75),
    Discipline.PT: (60, 75),
    Discipline.OT: (60,),
    Discipline.ST: (45, 60),
    Discipline.MSW: (60,),
    Discipline.HHA: (90, 120),
}
BUSY_MAX_VISITS = {
    Discipline.SN: 7,
    Discipline.PT: 7,
    Discipline.OT: 7,
    Discipline.ST: 8,
    Discipline.MSW: 6,
    Discipline.HHA: 5,
}
SHIFT_STARTS = (8.0, 8.0, 7.5, 8.5)  # every shift lasts 8.5 h with a 30 min unpaid lunch
SHIFT_HOURS = 8.5
PART_TIME_NURSES = 5  # four-day nurses, when the agency has at least ten nurses
REFERRAL_SHARE = 0.08
PREFERRED_SHARE = 0.2
MORNING = TimeWindow(8 * HOUR, 12 * HOUR)
AFTERNOON = TimeWindow(12 * HOUR, 17 * HOUR)
GIVE_UP_AFTER = 60  # failed patients in a row per discipline


@dataclass(frozen=True)
class BusyWeek:
    """The generated week and the reference plan it was built around."""

    problem: Problem
    reference: Reference


def generate_busy_week(
    *,
    seed: int = 7,
    clinicians: int = 60,
    patients: int | None = None,
    start_date: date = DEFAULT_START,
    region: str = "columbus",
    rules: CareRules | None = None,
    circuity: float = 1.3,
    speed_kmh: float = 35.0,
) -> BusyWeek:
    """A busy one-week agency and its reference plan (see the module docstring).

    ``patients`` caps the patients admitted (``None``: as many as the clinicians can take);
    ``circuity`` and ``speed_kmh`` are the geodesic estimate's (the settings' defaults).
    """
    counts = {"clinicians": clinicians, "patients": patients or 1}
    rng, area, centres = lay_out_region(seed=seed, region=region, counts=counts)
    horizon = Horizon(start_date, 7, area.timezone)
    rules = rules or CareRules()
    staff = _busy_staff(rng, clinicians, centres, area, horizon)
    builder = _Builder(rng, area, horizon, staff, rules, circuity=circuity, speed_kmh=speed_kmh)
    builder.admit_patients(patients)
    people = _with_preferred_hours(rng, builder)
    plans = tuple(plan for plan in builder.plans)
    problem = Problem(
        horizon, tuple(staff), tuple(people), visits=(), care_plans=plans, rules=rules
    )
    return BusyWeek(problem, builder.reference)


def _busy_staff(
    rng: random.Random,
    count: int,
    centres: list[tuple[float, float]],
    area: Region,
    horizon: Horizon,
) -> list[Clinician]:
    """Clinicians with 8.5 h weekday shifts (8 h paid); five nurses work four days."""
    staff = make_clinicians(rng, count, centres, area, horizon)
    nurses = [c.id for c in staff if c.discipline == Discipline.SN]
    part_time = set(nurses[:PART_TIME_NURSES]) if len(nurses) >= 2 * PART_TIME_NURSES else set()
    busy = []
    for clinician in staff:
        begin = rng.choice(SHIFT_STARTS)
        weekdays = 4 if clinician.id in part_time else 5
        shifts = tuple(
            Shift(
                day=day,
                window=TimeWindow(
                    int(day * DAY + begin * HOUR), int(day * DAY + (begin + SHIFT_HOURS) * HOUR)
                ),
                lunch=LunchBreak(
                    TimeWindow(
                        day * DAY + 11 * HOUR + 30 * MINUTE, day * DAY + 13 * HOUR + 30 * MINUTE
                    ),
                    30 * MINUTE,
                ),
                max_overtime=HOUR,
            )
            for day in range(horizon.days)
            if horizon.weekday_of(day) < weekdays
        )
        per_day = BUSY_MAX_VISITS[clinician.discipline]
        paid = int(len(shifts) * (SHIFT_HOURS - 0.5) * HOUR)
        busy.append(
            replace(
                clinician,
                shifts=shifts,
                max_visits_per_day=per_day,
                max_work_per_day=9 * HOUR,
                max_visits_per_week=per_day * len(shifts),
                max_work_per_week=paid,
            )
        )
    return busy


# Over half of the busy week's patients are home only a few hours.
BUSY_HOME: tuple[tuple[float, HomeHours], ...] = (
    (0.20, ((8, 11.5),)),
    (0.35, ((13, 16.5),)),
    (0.45, ((8, 10.5), (14, 17))),
    (0.55, ((9.5, 13),)),
)


class _Builder(ReferenceBuilder):
    """Admits patients while their required visits fit the reference plan."""

    # -- patients -----------------------------------------------------------------------------

    def admit_patients(self, cap: int | None) -> None:
        """Add patients until the clinicians are full (or ``cap`` patients)."""
        failures = {d: 0 for d in Discipline}
        while cap is None or len(self.patients) < cap:
            open_disciplines = [
                d
                for d in Discipline
                if failures[d] < GIVE_UP_AFTER
                and any(c.discipline == d and self.room(c) > HOUR for c in self.staff)
            ]
            if not open_disciplines:
                return
            weights = [
                sum(max(0.0, self.room(c)) for c in self.staff if c.discipline == d)
                for d in open_disciplines
            ]
            discipline = self.rng.choices(open_disciplines, weights=weights)[0]
            if self._try_patient(discipline):
                failures[discipline] = 0
            else:
                failures[discipline] += 1

    def _try_patient(self, discipline: Discipline) -> bool:
        """Make a patient needing ``discipline`` near a clinician with room; admit if it fits."""
        able = [c for c in self.staff if c.discipline == discipline and self.room(c) > HOUR]
        anchor = self.rng.choices(able, weights=[self.room(c) for c in able])[0]
        number = len(self.patients) + 1
        patient_id = f"p{number:03d}"
        home = self._place_near(anchor.start, f"home-{patient_id}")
        patient = Patient(
            id=patient_id,
            name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
            location=home,
            availability=availability(self.rng, BUSY_HOME),
        )
        needs = [discipline]
        referral = (
            discipline in (Discipline.SN, Discipline.PT) and self.rng.random() < REFERRAL_SHARE
        )
        if discipline == Discipline.SN and not referral and self.rng.random() < 0.06:
            needs.append(Discipline.HHA)
        self.places[home.id] = (home.latitude, home.longitude)
        saved = {key: list(tokens) for key, tokens in self.reference.days.items()}
        saved_timed = dict(self.timed)
        plans = []
        for need in needs:
            plan = self._care_plan(patient_id, need, referral=referral and need == discipline)
            clinician = self.place_plan(plan, patient, anchor if need == discipline else None)
            if clinician is None:
                self.reference.days, self.timed = saved, saved_timed
                return False
            primary = clinician.id if self.rng.random() < 0.85 else None
            plans.append(replace(plan, primary_clinician=primary))
        preferred = tuple(p.primary_clinician for p in plans if p.primary_clinician)
        self.patients.append(replace(patient, preferred_clinicians=preferred))
        self.plans += plans
        return True

    def _place_near(self, centre: Location, location_id: str) -> Location:
        """A home within a few kilometres of ``centre``, inside the region."""
        area = self.area
        while True:
            latitude, longitude = point_in(
                self.rng, centre.latitude, centre.longitude, area.radius_km * 0.25
            )
            if km(latitude, longitude, area.latitude, area.longitude) <= area.radius_km:
                return Location(location_id, round(latitude, 6), round(longitude, 6))

    def _care_plan(self, patient_id: str, discipline: Discipline, *, referral: bool) -> CarePlan:
        """A care plan somewhere in its episode (or a referral this week)."""
        texts, weights = zip(*ORDERS[discipline], strict=True)
        text = self.rng.choices(texts, weights=weights)[0]
        start_date = self.horizon.start_date
        plan = CarePlan(
            id=f"{patient_id}-{discipline}",
            patient_id=patient_id,
            discipline=discipline,
            frequency=text,
            start_of_care=start_date,
            visit_duration=self.rng.choice(BUSY_DURATIONS[discipline]) * MINUTE,
        )
        if referral:
            day = self.rng.randrange(0, 4)
            clock = self.rng.randrange(9 * 4, 15 * 4) * 15 * MINUTE
            return replace(
                plan, start_of_care=start_date + timedelta(days=day), referral=day * DAY + clock
            )
        order = plan.order
        start_of_care = start_date - timedelta(days=self.rng.randrange(1, order.days))
        made = visits_made_before(order, start_of_care, start_date)
        return replace(plan, start_of_care=start_of_care, visits_made=made)


def _with_preferred_hours(rng: random.Random, builder: _Builder) -> list[Patient]:
    """A fifth of the patients wish for mornings or afternoons that their reference visits keep.

    Patients home all day whose reference visits all start in one part of the day come first,
    then others whose visits do; the wish is the part their visits start in.
    """
    starts: dict[str, list[int]] = {}
    for timed in builder.timed.values():
        for visit_id, _, start in timed.visits if timed else ():
            patient_id = visit_id.split("-")[0]
            starts.setdefault(patient_id, []).append(start % DAY)
    wanted = math.ceil(PREFERRED_SHARE * len(builder.patients))
    ranked = []
    for patient in builder.patients:
        clocks = starts.get(patient.id, [])
        for part in (MORNING, AFTERNOON):
            if clocks and all(part.contains(clock) for clock in clocks):
                all_day = all(a.window.length >= 8 * HOUR for a in patient.availability)
                ranked.append((not all_day, rng.random(), patient.id, part))
                break
    ranked.sort()
    chosen = {patient_id: part for _, _, patient_id, part in ranked[:wanted]}
    return [
        replace(patient, preferred_hours=chosen.get(patient.id)) for patient in builder.patients
    ]
