"""A demo agency planned by the week: patients with care plans (frequency orders).

Orders are a realistic mix per discipline; each patient is somewhere in their episode (a few
are new referrals whose start of care is due this week), with the visits already made before
the horizon counted, so some orders need their recertification or discharge visit now.

That is the light load; the busy load (``busy_week.py``) builds the week around a reference
plan that fills most of the clinicians' paid hours.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Literal

from scheduler.demo._orders import ORDERS, visits_made_before
from scheduler.demo._people import (
    DEFAULT_START,
    MAX_VISITS,
    lay_out_region,
    make_clinicians,
    make_patients,
)
from scheduler.demo.busy_week import generate_busy_week
from scheduler.domain import DAY, HOUR, MINUTE, Discipline, Horizon, Problem
from scheduler.domain.care_plan import CarePlan, CareRules
from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError

DURATION = {
    Discipline.SN: 45 * MINUTE,
    Discipline.PT: 45 * MINUTE,
    Discipline.OT: 45 * MINUTE,
    Discipline.ST: 45 * MINUTE,
    Discipline.MSW: 60 * MINUTE,
    Discipline.HHA: 60 * MINUTE,
}
REFERRAL_SHARE = 0.03  # patients whose start of care is due this week
WEEKLY_HOURS = 40
Load = Literal["light", "busy"]


def generate_agency_week(
    *,
    seed: int = 7,
    clinicians: int = 60,
    patients: int | None = None,
    start_date: date = DEFAULT_START,
    weeks: int = 1,
    region: str = "columbus",
    load: Load = "light",
    rules: CareRules | None = None,
) -> Problem:
    """Generate an agency whose visits come from care plans, over ``weeks`` weeks.

    ``load="light"`` draws ``patients`` (default 900) with care plans at random; ``"busy"``
    builds a one-week agency around a reference plan until its clinicians are full (see
    ``busy_week.py``; ``patients`` then caps the patients admitted).

    Raises
    ------
    ProblemError
        For an unknown region or load, non-positive counts, or a busy load over several weeks.
    """
    if load == "busy":
        if weeks != 1:
            raise ProblemError(f"a busy demo agency is generated for one week, not {weeks}")
        return generate_busy_week(
            seed=seed,
            clinicians=clinicians,
            patients=patients,
            start_date=start_date,
            region=region,
            rules=rules,
        ).problem
    if load != "light":
        raise ProblemError(f"unknown demo load {load!r}; use 'light' or 'busy'")
    patients = 900 if patients is None else patients
    counts = {"clinicians": clinicians, "patients": patients, "weeks": weeks}
    rng, area, centres = lay_out_region(seed=seed, region=region, counts=counts)
    horizon = Horizon(start_date, 7 * weeks, area.timezone)
    staff = [
        replace(
            clinician,
            max_visits_per_week=5 * MAX_VISITS[clinician.discipline] - 2,
            max_work_per_week=WEEKLY_HOURS * HOUR,
        )
        for clinician in make_clinicians(rng, clinicians, centres, area, horizon)
    ]
    people = make_patients(rng, patients, centres, area, staff, _visits_per_week())
    by_id = {clinician.id: clinician for clinician in staff}
    plans = []
    for patient, needs in people:
        new_case = rng.random() < REFERRAL_SHARE and needs[0] in (Discipline.SN, Discipline.PT)
        for discipline in needs:
            primary = next(
                (c for c in patient.preferred_clinicians if by_id[c].discipline == discipline),
                None,
            )
            plans.append(
                _care_plan(
                    rng,
                    f"{patient.id}-{discipline}",
                    patient.id,
                    discipline,
                    primary,
                    start_date,
                    new_case=new_case and discipline == needs[0],
                )
            )
    return Problem(
        horizon,
        tuple(staff),
        tuple(patient for patient, _ in people),
        visits=(),
        care_plans=tuple(plans),
        rules=rules or CareRules(),
    )


def _visits_per_week() -> dict[Discipline, float]:
    """Average weekly visits of a care plan, per discipline, over the order mix."""
    rates = {}
    for discipline, orders in ORDERS.items():
        total = weight_sum = 0.0
        for text, weight in orders:
            order = parse_frequency(text)
            visits = sum(s.max_visits * s.periods for s in order.segments)
            total += weight * visits * 7 / order.days
            weight_sum += weight
        rates[discipline] = total / weight_sum
    return rates


def _care_plan(
    rng: random.Random,
    plan_id: str,
    patient_id: str,
    discipline: Discipline,
    primary: str | None,
    start_date: date,
    *,
    new_case: bool,
) -> CarePlan:
    """A care plan somewhere in its episode, with the visits made before the horizon."""
    texts, weights = zip(*ORDERS[discipline], strict=True)
    text = rng.choices(texts, weights=weights)[0]
    order = parse_frequency(text)
    plan = CarePlan(
        id=plan_id,
        patient_id=patient_id,
        discipline=discipline,
        frequency=text,
        start_of_care=start_date,
        visit_duration=DURATION[discipline],
        primary_clinician=primary,
    )
    if new_case:
        start_of_care = start_date + timedelta(days=rng.randrange(0, 4))
        referral = (start_of_care - start_date).days * DAY + 8 * HOUR
        return replace(plan, start_of_care=start_of_care, referral=referral)
    start_of_care = start_date - timedelta(days=rng.randrange(1, order.days))
    made = visits_made_before(order, start_of_care, start_date)
    return replace(plan, start_of_care=start_of_care, visits_made=made)
