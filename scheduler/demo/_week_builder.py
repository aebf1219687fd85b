"""Building a demo week's reference plan: required visits into clinicians' days.

A care plan's required visits go to one clinician: the SOC first (on a day before the deadline),
the others on distinct later days spread as the order's spacing asks, the discharge last, each
by cheapest feasible insertion into the clinician's day (timed by ``reference.time_day`` with a
geodesic estimate rounded as the geodesic matrix rounds it), within the daily and weekly caps.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import cache
from itertools import combinations, pairwise

from pyproj import Geod

from scheduler.demo._people import Region, km
from scheduler.demo.reference import LUNCH, Reference, TimedDay, VisitSlot, time_day
from scheduler.domain import (
    DAY,
    CarePlan,
    CareRules,
    Clinician,
    Horizon,
    Patient,
    Visit,
    VisitType,
)
from scheduler.domain.care_plan import expand_care_plan, visit_spacing_days

_WGS84 = Geod(ellps="WGS84")
FILL = 0.89  # stop offering a clinician patients past this share of paid time


class ReferenceBuilder:
    """Puts care plans' required visits into clinicians' days of a reference plan."""

    def __init__(
        self,
        rng: random.Random,
        area: Region,
        horizon: Horizon,
        staff: list[Clinician],
        rules: CareRules,
        *,
        circuity: float,
        speed_kmh: float,
    ) -> None:
        self.rng, self.area, self.horizon, self.staff, self.rules = rng, area, horizon, staff, rules
        self.places: dict[str, tuple[float, float]] = {
            c.start.id: (c.start.latitude, c.start.longitude) for c in staff
        }
        self.reference = Reference()
        self.timed: dict[tuple[str, int], TimedDay | None] = {}
        for clinician in staff:
            for shift in clinician.shifts:
                self.reference.days[clinician.id, shift.day] = [LUNCH]
                self.timed[clinician.id, shift.day] = None
        self.patients: list[Patient] = []
        self.plans: list[CarePlan] = []
        self.drive = self._drive_estimate(circuity, speed_kmh)

    def _drive_estimate(self, circuity: float, speed_kmh: float) -> Callable[[str, str], int]:
        """Geodesic seconds between two places, rounded as the geodesic matrix rounds them."""

        @cache
        def between(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
            _, _, metres = _WGS84.inv(lon1, lat1, lon2, lat2)
            return round(metres * circuity / (speed_kmh / 3.6))

        def drive(origin: str, destination: str) -> int:
            if origin == destination:
                return 0
            return between(*self.places[origin], *self.places[destination])

        return drive

    # -- load ---------------------------------------------------------------------------------

    def paid(self, clinician: Clinician) -> int:
        """Paid seconds of the clinician's week."""
        return sum(s.window.length - (s.lunch.duration if s.lunch else 0) for s in clinician.shifts)

    def busy(self, clinician: Clinician) -> int:
        """Service and travel seconds of the clinician's reference week."""
        return sum(
            timed.service + timed.travel
            for shift in clinician.shifts
            if (timed := self.timed[clinician.id, shift.day]) is not None
        )

    def room(self, clinician: Clinician) -> float:
        """Seconds of paid time still to fill up to ``FILL``."""
        return FILL * self.paid(clinician) - self.busy(clinician)

    def place_plan(
        self, plan: CarePlan, patient: Patient, anchor: Clinician | None
    ) -> Clinician | None:
        """Put the plan's required visits into one clinician's days; that clinician, or None."""
        visits = expand_care_plan(
            plan,
            patient,
            horizon_start=self.horizon.start_date,
            horizon_days=self.horizon.days,
            rules=self.rules,
        )
        required = [v for v in visits if not v.optional]
        if not required:
            return None
        able = [
            c
            for c in self.staff
            if c.discipline == plan.discipline
            and all(c.credential in v.credentials for v in required if v.credentials)
            and self.room(c) > 0
        ]
        able.sort(
            key=lambda c: km(
                c.start.latitude,
                c.start.longitude,
                patient.location.latitude,
                patient.location.longitude,
            )
        )
        candidates = ([anchor] if anchor in able else []) + [c for c in able if c is not anchor][:3]
        for clinician in candidates:
            if self._fit(required, plan, patient, clinician):
                return clinician
        return None

    def _fit(
        self, required: list[Visit], plan: CarePlan, patient: Patient, clinician: Clinician
    ) -> bool:
        """Try day combinations for the plan's required visits on ``clinician``'s days."""
        soc = [v for v in required if v.visit_type == VisitType.SOC]
        rest = [v for v in required if v.visit_type != VisitType.SOC]
        work_days = {s.day for s in clinician.shifts}
        soc_options: list[int | None] = [None]
        if soc:
            soc_options = sorted({w.start // DAY for w in soc[0].windows} & work_days)
        for soc_day in soc_options:
            saved = self._snapshot(clinician)
            if soc and (soc_day is None or not self._insert(soc[0], patient, clinician, soc_day)):
                self._restore(clinician, saved)
                continue
            after = -1 if soc_day is None else soc_day
            if self._fit_rest(rest, plan, patient, clinician, after):
                return True
            self._restore(clinician, saved)
        return False

    def _fit_rest(
        self,
        rest: list[Visit],
        plan: CarePlan,
        patient: Patient,
        clinician: Clinician,
        after: int,
    ) -> bool:
        """Place the non-SOC visits on distinct days after ``after``, the discharge last."""
        if not rest:
            return True
        work_days = {s.day for s in clinician.shifts}
        days_of = {v.id: {w.start // DAY for w in v.windows} & work_days for v in rest}
        candidates = sorted({d for days in days_of.values() for d in days if d > after})
        spacing = visit_spacing_days(plan)
        combos = list(combinations(candidates, len(rest)))
        self.rng.shuffle(combos)
        # the order's spacing first (3 a week is not Mon-Tue-Wed), tighter only if nothing else fits
        combos.sort(key=lambda c: min(_gaps(c), default=7) < spacing)
        for combo in combos[:12]:
            assignment = _assign_days(rest, list(combo), days_of)
            if assignment is None:
                continue
            saved = self._snapshot(clinician)
            if all(self._insert(v, patient, clinician, day) for v, day in assignment):
                return True
            self._restore(clinician, saved)
        return False

    def _snapshot(self, clinician: Clinician) -> dict:
        return {
            s.day: (list(self.reference.days[clinician.id, s.day]), self.timed[clinician.id, s.day])
            for s in clinician.shifts
        }

    def _restore(self, clinician: Clinician, saved: dict) -> None:
        for day, (tokens, timed) in saved.items():
            self.reference.days[clinician.id, day] = tokens
            self.timed[clinician.id, day] = timed

    def _insert(self, visit: Visit, patient: Patient, clinician: Clinician, day: int) -> bool:
        """Cheapest feasible insertion of ``visit`` into ``clinician``'s day, within caps."""
        shift = clinician.shift_on(day)
        windows = tuple(w for w in visit.windows if w.start // DAY == day)
        if shift is None or not windows:
            return False
        wish = patient.preferred_hours
        if wish is not None:
            kept = tuple(
                cut for w in windows if (cut := w.intersection(wish.shifted(day * DAY))) is not None
            )
            windows = kept or windows
        self.reference.slots[visit.id] = VisitSlot(patient.location.id, visit.duration, windows)
        key = (clinician.id, day)
        tokens = self.reference.days[key]
        visits_today = sum(token != LUNCH for token in tokens)
        if visits_today >= (clinician.max_visits_per_day or 99):
            return False
        week_visits = sum(
            sum(t != LUNCH for t in self.reference.days[clinician.id, s.day])
            for s in clinician.shifts
        )
        if week_visits >= (clinician.max_visits_per_week or 999):
            return False
        other_work = sum(
            timed.work
            for s in clinician.shifts
            if s.day != day and (timed := self.timed[clinician.id, s.day]) is not None
        )
        best: tuple[int, list[str], TimedDay] | None = None
        for position in range(len(tokens) + 1):
            trial = [*tokens[:position], visit.id, *tokens[position:]]
            timed = time_day(trial, shift, clinician.start.id, self.reference.slots, self.drive)
            if timed is None:
                continue
            if clinician.max_work_per_day and timed.work > clinician.max_work_per_day:
                continue
            if (
                clinician.max_work_per_week
                and other_work + timed.work > clinician.max_work_per_week
            ):
                continue
            if best is None or timed.travel < best[0]:
                best = (timed.travel, trial, timed)
        if best is None:
            return False
        self.reference.days[key], self.timed[key] = best[1], best[2]
        return True


def _gaps(days: tuple[int, ...]) -> list[int]:
    """Days between consecutive chosen days."""
    return [later - earlier for earlier, later in pairwise(days)]


def _assign_days(
    visits: list[Visit], days: list[int], days_of: dict[str, set[int]]
) -> list[tuple[Visit, int]] | None:
    """Give each visit one of ``days``: the discharge the last, the recertification its own."""
    free = sorted(days)
    order = sorted(
        visits, key=lambda v: (v.visit_type != VisitType.DC, v.visit_type != VisitType.RECERT)
    )
    assignment = []
    for visit in order:
        allowed = [d for d in free if d in days_of[visit.id]]
        if visit.visit_type == VisitType.DC:
            allowed = [max(free)] if max(free) in days_of[visit.id] else []
        elif visit.visit_type == VisitType.RECERT:
            allowed = allowed[::-1]
        if not allowed:
            return None
        assignment.append((visit, allowed[0]))
        free.remove(allowed[0])
    return assignment
