"""A realistic, reproducible demo agency: clinicians, patients and the visits of a few days.

Places are coordinates around a real city (no addresses); names are invented. The same seed
gives the same agency.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    Availability,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    Visit,
    VisitType,
)
from scheduler.errors import ProblemError

DEFAULT_START = date(2026, 12, 7)  # a Monday


@dataclass(frozen=True)
class Region:
    """Where the agency works: a centre and a radius, with neighbourhoods inside."""

    latitude: float
    longitude: float
    radius_km: float
    neighbourhoods: int


REGIONS = {
    "columbus": Region(39.9612, -82.9988, 18.0, 9),
    "andorra": Region(42.5078, 1.5211, 6.0, 5),
}

# Share of clinicians by credential.
CREDENTIAL_MIX = {
    Credential.RN: 0.32,
    Credential.LPN: 0.16,
    Credential.PT: 0.20,
    Credential.OT: 0.12,
    Credential.ST: 0.04,
    Credential.MSW: 0.04,
    Credential.HHA: 0.12,
}
SECOND_DISCIPLINE_SHARE = 0.06  # patients seen by two disciplines
MAX_VISITS = {
    Discipline.SN: 6,
    Discipline.PT: 7,
    Discipline.OT: 7,
    Discipline.ST: 7,
    Discipline.MSW: 5,
    Discipline.HHA: 6,
}
FIRST_NAMES = (
    "Maria", "James", "Linda", "Robert", "Patricia", "John", "Jennifer", "Michael", "Susan",
    "David", "Sarah", "William", "Jessica", "Carlos", "Ana", "Wei", "Fatima", "Omar", "Grace",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez",
    "Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Moore", "Lee", "Nguyen", "Patel",
)  # fmt: skip
RN_SKILLS = ("wound-care", "iv", "pediatric")
SPANISH = "lang:es"


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
    if region not in REGIONS:
        raise ProblemError(f"unknown demo region {region!r}; use one of {sorted(REGIONS)}")
    if clinicians < 1 or patients < 1 or days < 1:
        raise ProblemError("clinicians, patients and days must be at least 1")
    rng = random.Random(seed)
    area = REGIONS[region]
    centres = [
        _point_in(rng, area.latitude, area.longitude, area.radius_km * 0.8)
        for _ in range(area.neighbourhoods)
    ]
    horizon = Horizon(start_date, days)
    staff = _make_clinicians(rng, clinicians, centres, area, horizon)
    people = _make_patients(rng, patients, centres, area, staff)
    visits = _make_visits(rng, people, staff, horizon)
    return Problem(horizon, tuple(staff), tuple(p for p, _ in people), tuple(visits))


def _point_in(
    rng: random.Random, latitude: float, longitude: float, radius_km: float
) -> tuple[float, float]:
    """A uniform random point within ``radius_km`` of a centre."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    north = distance * math.cos(bearing) / 111.32
    east = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(latitude)))
    return latitude + north, longitude + east


def _place(
    rng: random.Random, centres: list[tuple[float, float]], area: Region, location_id: str
) -> Location:
    """A place near one of the neighbourhood centres, inside the region."""
    while True:
        centre = rng.choice(centres)
        latitude, longitude = _point_in(rng, *centre, area.radius_km * 0.3)
        if _km(latitude, longitude, area.latitude, area.longitude) <= area.radius_km:
            return Location(location_id, round(latitude, 6), round(longitude, 6))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Approximate kilometres between two nearby points."""
    north = (lat1 - lat2) * 111.32
    east = (lon1 - lon2) * 111.32 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


def _credentials(count: int) -> list[Credential]:
    """Credentials in the agency's mix, at least one per discipline from ten clinicians on."""
    chosen = []
    if count >= 10:
        chosen = [
            Credential.RN,
            Credential.PT,
            Credential.OT,
            Credential.ST,
            Credential.MSW,
            Credential.HHA,
        ]
    while len(chosen) < count:
        shortfall = {c: share * count - chosen.count(c) for c, share in CREDENTIAL_MIX.items()}
        chosen.append(max(shortfall, key=lambda c: shortfall[c]))
    return chosen[:count]


def _make_clinicians(
    rng: random.Random,
    count: int,
    centres: list[tuple[float, float]],
    area: Region,
    horizon: Horizon,
) -> list[Clinician]:
    """Clinicians with homes in the area, weekday shifts, lunch and daily limits."""
    staff = []
    for number, credential in enumerate(_credentials(count), start=1):
        clinician_id = f"c{number:02d}"
        hours = rng.choices([(8, 17), (7, 15.5), (9, 18)], weights=[0.7, 0.15, 0.15])[0]
        shifts = tuple(
            Shift(
                day=day,
                window=TimeWindow(
                    int(day * DAY + hours[0] * HOUR), int(day * DAY + hours[1] * HOUR)
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
            if horizon.weekday_of(day) < 5
        )
        skills = set()
        if credential == Credential.RN:
            skills.update(skill for skill in RN_SKILLS if rng.random() < 0.4)
        if rng.random() < 0.2:
            skills.add(SPANISH)
        staff.append(
            Clinician(
                id=clinician_id,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                credential=credential,
                start=_place(rng, centres, area, f"home-{clinician_id}"),
                shifts=shifts,
                skills=frozenset(skills),
                max_visits_per_day=MAX_VISITS[credential.discipline],
                max_work_per_day=9 * HOUR,
            )
        )
    return staff


def _availability(rng: random.Random) -> tuple[Availability, ...]:
    """When a patient is home on weekdays: mostly all day, some mornings or afternoons."""
    kind = rng.random()
    if kind < 0.20:
        windows = [(8, 12)]
    elif kind < 0.35:
        windows = [(13, 18)]
    elif kind < 0.45:
        windows = [(8, 10.5), (14, 17)]
    else:
        windows = [(8, 18)]
    return tuple(
        Availability(weekday, TimeWindow(int(start * HOUR), int(end * HOUR)))
        for weekday in range(5)
        for start, end in windows
    )


def _first_disciplines(rng: random.Random, count: int, staff: list[Clinician]) -> list[Discipline]:
    """Each patient's main discipline, in proportion to the agency's capacity for it."""
    capacity = {d: 0 for d in Discipline}
    for clinician in staff:
        capacity[clinician.discipline] += MAX_VISITS[clinician.discipline]
    total = sum(capacity.values())
    bag = [d for d in Discipline for _ in range(round(count * capacity[d] / total))]
    while len(bag) < count:
        bag.append(Discipline.SN)
    rng.shuffle(bag)
    return bag[:count]


def _make_patients(
    rng: random.Random,
    count: int,
    centres: list[tuple[float, float]],
    area: Region,
    staff: list[Clinician],
) -> list[tuple[Patient, list[Discipline]]]:
    """Patients with homes, availability and a preferred clinician for most; and their needs."""
    people = []
    for number, first in enumerate(_first_disciplines(rng, count, staff), start=1):
        patient_id = f"p{number:03d}"
        home = _place(rng, centres, area, f"home-{patient_id}")
        needs = [first]
        if rng.random() < SECOND_DISCIPLINE_SHARE:
            needs.append(Discipline.HHA if first == Discipline.SN else Discipline.SN)
        preferred = []
        for discipline in needs:
            able = [c for c in staff if c.discipline == discipline]
            if able and rng.random() < 0.8:
                nearest = sorted(
                    able,
                    key=lambda c: _km(
                        c.start.latitude, c.start.longitude, home.latitude, home.longitude
                    ),
                )
                preferred.append(rng.choice(nearest[:2]).id)
        excluded = set()
        if rng.random() < 0.03:
            excluded.add(rng.choice([c.id for c in staff if c.id not in preferred]))
        patient = Patient(
            id=patient_id,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            location=home,
            availability=_availability(rng),
            preferred_clinicians=tuple(preferred),
            excluded_clinicians=frozenset(excluded),
        )
        people.append((patient, needs))
    return people


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
