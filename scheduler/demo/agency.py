"""A realistic, reproducible demo agency: clinicians, patients and the visits of a few days.

Places are coordinates around a real city (no addresses); names are invented. The same seed
gives the same agency.
"""

from __future__ import annotations

import random
from datetime import date

from scheduler.demo._people import (
    DEFAULT_START,
    SPANISH,
    lay_out_region,
    make_clinicians,
    make_patients,
)
from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Patient,
    Problem,
    TimeWindow,
    Visit,
    VisitType,
)


def generate_agency(
    *,
    seed: int = 7,
    clinicians: int = 25,
    patients: int = 150,
    start_date: date = DEFAULT_START,
    days: int = 1,
    region: str = "columbus",
) -> Problem:
    """Generate an agency and the visits of ``days`` days from ``start_date``.

    With one day every patient is visited that day; over several days each patient gets two
    or three visit days a week.

    Raises
    ------
    ProblemError
        For an unknown region or non-positive counts.
    """
    counts = {"clinicians": clinicians, "patients": patients, "days": days}
    rng, area, centres = lay_out_region(seed=seed, region=region, counts=counts)
    horizon = Horizon(start_date, days, area.timezone)
    staff = make_clinicians(rng, clinicians, centres, area, horizon)
    people = make_patients(rng, patients, centres, area, staff)
    visits = _make_visits(rng, people, staff, horizon)
    return Problem(horizon, tuple(staff), tuple(p for p, _ in people), tuple(visits))


def _visit_days(rng: random.Random, horizon: Horizon) -> list[int]:
    """The weekdays of the horizon a patient is visited on."""
    weekdays = [day for day in range(horizon.days) if horizon.weekday_of(day) < 5]
    if horizon.days == 1:
        return weekdays
    per_week = rng.choice([2, 2, 3])
    return sorted(day for day in weekdays if rng.random() < per_week / 5)


def _make_visits(
    rng: random.Random,
    people: list[tuple[Patient, list[Discipline]]],
    staff: list[Clinician],
    horizon: Horizon,
) -> list[Visit]:
    """Visits for each patient's visit days, with windows from their availability."""
    visits: list[Visit] = []
    spanish_disciplines = {c.discipline for c in staff if SPANISH in c.skills}
    rn_skills = {skill for c in staff if c.credential == Credential.RN for skill in c.skills}
    for patient, needs in people:
        speaks_spanish = rng.random() < 0.08
        for day in _visit_days(rng, horizon):
            for discipline in needs:
                visit_type, duration, credentials = _visit_kind(rng, discipline)
                windows = tuple(
                    TimeWindow(window.start, window.end - duration)
                    for window in patient.windows_on(day, horizon.weekday_of(day))
                    if window.length >= duration
                )
                if not windows:
                    continue
                skills = set()
                if discipline == Discipline.SN and rn_skills and rng.random() < 0.12:
                    skills.add(rng.choice(sorted(rn_skills)))
                if speaks_spanish and discipline in spanish_disciplines:
                    skills.add(SPANISH)
                roll = rng.random()
                due = pinned = None
                if roll < 0.05 and windows[0].start <= day * DAY + 9 * HOUR:
                    due = day * DAY + 10 * HOUR  # morning medication
                elif roll < 0.08 and any(w.contains(day * DAY + 9 * HOUR) for w in windows):
                    pinned = day * DAY + 9 * HOUR  # fasting lab draw
                optional = discipline == Discipline.MSW and rng.random() < 0.5
                visits.append(
                    Visit(
                        id=f"v{len(visits) + 1:04d}",
                        patient_id=patient.id,
                        discipline=discipline,
                        duration=duration,
                        windows=windows,
                        visit_type=visit_type,
                        credentials=credentials,
                        required_skills=frozenset(skills),
                        due=due,
                        priority=rng.choice([1, 2]) if optional else 3,
                        optional=optional,
                        pinned_start=pinned,
                        points=2 if visit_type == VisitType.SOC else 1,
                    )
                )
    return visits


def _visit_kind(
    rng: random.Random, discipline: Discipline
) -> tuple[VisitType, int, frozenset[Credential]]:
    """Visit type, duration and allowed credentials for a discipline."""
    if discipline == Discipline.SN:
        roll = rng.random()
        if roll < 0.08:
            return VisitType.SOC, rng.choice([75, 90]) * MINUTE, frozenset({Credential.RN})
        if roll < 0.14:
            return VisitType.RECERT, 60 * MINUTE, frozenset({Credential.RN})
        return VisitType.ROUTINE, 45 * MINUTE, frozenset()
    if discipline in (Discipline.PT, Discipline.OT, Discipline.ST):
        return VisitType.ROUTINE, rng.choice([45, 60]) * MINUTE, frozenset()
    return VisitType.ROUTINE, 60 * MINUTE, frozenset()
