"""Building blocks of the demo agencies: region, clinicians and patients.

Places are coordinates around a real city (no addresses); names are invented.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
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
    Shift,
    TimeWindow,
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
    timezone: str


REGIONS = {
    "columbus": Region(39.9612, -82.9988, 18.0, 9, "America/New_York"),
    # the urban valley: homes near streets
    "andorra": Region(42.5078, 1.5211, 3.0, 4, "Europe/Andorra"),
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


def lay_out_region(
    *, seed: int, region: str, counts: dict[str, int]
) -> tuple[random.Random, Region, list[tuple[float, float]]]:
    """Check a demo request and lay out its region: the seeded generator, area, neighbourhoods.

    Raises
    ------
    ProblemError
        For an unknown region or a count below one.
    """
    if region not in REGIONS:
        raise ProblemError(f"unknown demo region {region!r}; use one of {sorted(REGIONS)}")
    low = [name for name, count in counts.items() if count < 1]
    if low:
        raise ProblemError(f"{', '.join(low)} must be at least 1")
    rng = random.Random(seed)
    area = REGIONS[region]
    centres = [
        point_in(rng, area.latitude, area.longitude, area.radius_km * 0.8)
        for _ in range(area.neighbourhoods)
    ]
    return rng, area, centres


def point_in(
    rng: random.Random, latitude: float, longitude: float, radius_km: float
) -> tuple[float, float]:
    """A uniform random point within ``radius_km`` of a centre."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    north = distance * math.cos(bearing) / 111.32
    east = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(latitude)))
    return latitude + north, longitude + east


def place(
    rng: random.Random, centres: list[tuple[float, float]], area: Region, location_id: str
) -> Location:
    """A place near one of the neighbourhood centres, inside the region."""
    while True:
        centre = rng.choice(centres)
        latitude, longitude = point_in(rng, *centre, area.radius_km * 0.3)
        if km(latitude, longitude, area.latitude, area.longitude) <= area.radius_km:
            return Location(location_id, round(latitude, 6), round(longitude, 6))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Approximate kilometres between two nearby points."""
    north = (lat1 - lat2) * 111.32
    east = (lon1 - lon2) * 111.32 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


def credentials(count: int) -> list[Credential]:
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


def make_clinicians(
    rng: random.Random,
    count: int,
    centres: list[tuple[float, float]],
    area: Region,
    horizon: Horizon,
) -> list[Clinician]:
    """Clinicians with homes in the area, weekday shifts, lunch and daily limits."""
    staff = []
    for number, credential in enumerate(credentials(count), start=1):
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
                start=place(rng, centres, area, f"home-{clinician_id}"),
                shifts=shifts,
                skills=frozenset(skills),
                max_visits_per_day=MAX_VISITS[credential.discipline],
                max_work_per_day=9 * HOUR,
            )
        )
    return staff


HomeHours = tuple[tuple[float, float], ...]  # (start, end) hours of the day, local time
ALL_DAY: HomeHours = ((8, 18),)
# Cumulative chance of each kind of patient, and when they are home on weekdays.
LIGHT_HOME: tuple[tuple[float, HomeHours], ...] = (
    (0.20, ((8, 12),)),
    (0.35, ((13, 18),)),
    (0.45, ((8, 10.5), (14, 17))),
)


def availability(
    rng: random.Random, mix: Sequence[tuple[float, HomeHours]] = LIGHT_HOME
) -> tuple[Availability, ...]:
    """When a patient is home on weekdays: the first kind of ``mix`` a draw falls under.

    Past the last kind, all day (the default mix: mostly all day, some mornings or afternoons).
    """
    kind = rng.random()
    hours = next((home for upto, home in mix if kind < upto), ALL_DAY)
    return tuple(
        Availability(weekday, TimeWindow(int(start * HOUR), int(end * HOUR)))
        for weekday in range(5)
        for start, end in hours
    )


def first_disciplines(
    rng: random.Random,
    count: int,
    staff: list[Clinician],
    visits_per_patient: Mapping[Discipline, float] | None = None,
) -> list[Discipline]:
    """Each patient's main discipline, in proportion to the patients the agency can take.

    That is the agency's daily capacity for the discipline over the visits a patient of that
    discipline needs (``visits_per_patient``, one each by default).
    """
    capacity = {d: 0.0 for d in Discipline}
    for clinician in staff:
        need = visits_per_patient[clinician.discipline] if visits_per_patient else 1.0
        capacity[clinician.discipline] += MAX_VISITS[clinician.discipline] / need
    total = sum(capacity.values())
    bag = [d for d in Discipline for _ in range(round(count * capacity[d] / total))]
    while len(bag) < count:
        bag.append(Discipline.SN)
    rng.shuffle(bag)
    return bag[:count]


def make_patients(
    rng: random.Random,
    count: int,
    centres: list[tuple[float, float]],
    area: Region,
    staff: list[Clinician],
    visits_per_patient: Mapping[Discipline, float] | None = None,
) -> list[tuple[Patient, list[Discipline]]]:
    """Patients with homes, availability and a preferred clinician for most; and their needs."""
    people = []
    disciplines = first_disciplines(rng, count, staff, visits_per_patient)
    for number, first in enumerate(disciplines, start=1):
        patient_id = f"p{number:03d}"
        home = place(rng, centres, area, f"home-{patient_id}")
        needs = [first]
        if rng.random() < SECOND_DISCIPLINE_SHARE:
            needs.append(Discipline.HHA if first == Discipline.SN else Discipline.SN)
        preferred = []
        for discipline in needs:
            able = [c for c in staff if c.discipline == discipline]
            if able and rng.random() < 0.8:
                nearest = sorted(
                    able,
                    key=lambda c: km(
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
            availability=availability(rng),
            preferred_clinicians=tuple(preferred),
            excluded_clinicians=frozenset(excluded),
        )
        people.append((patient, needs))
    return people
