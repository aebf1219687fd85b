"""Home health benchmark instances in the UHHC JSON format, read as home health problems.

The format (Ceschia et al., "A Unified Formulation for Home Healthcare Routing and Scheduling
Problems", ITOR 2026, CC BY 4.0) holds the Mankowska et al. (2014) and Kummer et al.
instances, the Italian real-road instances and the generated sets. Each becomes one day of
the product's own model:

- services are skills, caregivers clinicians with one shift (their working shift, or an
  open day when the instance gives none) from their departing to their arrival point;
- each required service is a visit; a patient's time windows are the visit's windows, the
  last window's end soft (``due``, each minute past it is tardiness) unless tardiness is
  ``HARD``; a window met at the end of service is a window for the start shortened by the
  service's duration;
- a caregiver entitled to lunch gets the instance's lunch break (at least ``min_duration``
  inside the lunch window); the shift's end is soft (extra time) unless working time is
  ``HARD``;
- optional patients are optional visits priced by the ``optional_patients`` weight, preferred
  caregivers the patient's preferred clinicians, incompatible ones excluded clinicians;
- a double service is a ``VisitLink`` (simultaneous, or sequential with the min/max gap); two
  independent services are linked too (the second any time after the first), so both or
  neither are made: the format refuses a patient served half.
- travel, tardiness, waiting, extra time and workload balance are the product's own soft
  costs at the instance's weights (``uhhc_set.uhhc_params``). The highest idle time and
  missed lunches are measured, not priced: an entitled caregiver's lunch is a rule when the
  shift holds it.

The model works in integer minutes when every number of the instance is whole and in
milli-minutes otherwise (exact for the three decimals of the Mankowska distances). Whole
minutes are not read as seconds: OR-Tools times routes with a lunch break by searching the
break's and the route's times, and over domains 60 times wider it could not time the 74 first
routes of a 500-patient generated instance in 40 s (in minutes, a few seconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from scheduler.bench.uhhc_costs import (
    HARD,
    UhhcWeights,
    read_weights,
)
from scheduler.domain import (
    Clinician,
    Credential,
    Discipline,
    Horizon,
    LinkKind,
    Location,
    LunchBreak,
    Patient,
    Problem,
    Shift,
    TimeWindow,
    TravelMatrix,
    Visit,
    VisitLink,
)
from scheduler.errors import BenchmarkError, SchedulerError

FINE_SCALE = 1000  # model units per minute when the instance has fractional minutes
WHOLE_SCALE = 1  # model units per minute otherwise


@dataclass(frozen=True)
class UhhcInstance:
    """An instance read as a problem, with the raw data its solutions are written from."""

    name: str
    data: dict[str, Any]
    problem: Problem
    travel: TravelMatrix
    scale: int  # model units per minute
    weights: UhhcWeights
    service_of: dict[str, str]  # visit id -> UHHC service id

    @cached_property
    def minutes(self) -> np.ndarray:
        """The instance's own travel matrix, in minutes."""
        return np.asarray(self.data["distances"], dtype=float)

    @cached_property
    def _rows(self) -> dict[str, int]:
        """Matrix row of each terminal point id and patient id."""
        points = {
            point["id"]: point["distance_matrix_index"] for point in self.data["terminal_points"]
        }
        return points | {p["id"]: p["distance_matrix_index"] for p in self.data["patients"]}

    def row_of(self, point_or_patient_id: str) -> int:
        """The matrix row of a terminal point or a patient."""
        return self._rows[point_or_patient_id]

    @cached_property
    def durations(self) -> dict[tuple[str, str], float]:
        """Minutes of each (patient id, service id) required."""
        return service_minutes(self.data)

    def caregiver(self, caregiver_id: str) -> dict[str, Any]:
        """The raw record of one caregiver."""
        return next(c for c in self.data["caregivers"] if c["id"] == caregiver_id)

    @property
    def at_service_end(self) -> bool:
        """Whether windows (and the lunch window) are met at the end of service."""
        return self.data["metadata"].get("time_window_met") == "at_service_end"


def read_uhhc(path: Path) -> UhhcInstance:
    """Read a UHHC ``.json`` instance.

    Raises
    ------
    BenchmarkError
        When the file is missing, is not a UHHC instance, or uses a part of the formulation
        the product does not model (the message names it).
    """
    if not path.is_file():
        raise BenchmarkError(f"UHHC instance not found: {path}")
    try:
        data = json.loads(path.read_text())
        return _instance_from(path.stem, data)
    except SchedulerError as error:
        raise BenchmarkError(f"{path.name}: {error}") from error
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise BenchmarkError(f"{path} is not a UHHC instance: {error!r}") from error


def _instance_from(name: str, data: dict[str, Any]) -> UhhcInstance:
    """Build the problem and travel matrix of one parsed instance."""
    _refuse_unmodelled(data)
    weights = read_weights(data["metadata"].get("cost_components") or {})
    scale = WHOLE_SCALE if _all_whole(data) else FINE_SCALE
    reader = _Reader(data, weights, scale)
    problem = Problem(
        Horizon(date(2026, 1, 5)),
        reader.clinicians(),
        tuple(reader.patients),
        tuple(reader.visits),
        links=tuple(reader.links),
    )
    ids = sorted(reader.row_of, key=reader.row_of.__getitem__)
    rows = [reader.row_of[location_id] for location_id in ids]
    minutes = np.asarray(data["distances"], dtype=float)
    units = np.rint(minutes[np.ix_(rows, rows)] * scale).astype(np.int64)
    travel = TravelMatrix(tuple(ids), units, units.copy())
    return UhhcInstance(name, data, problem, travel, scale, weights, reader.service_of)


UNMODELLED = {
    "public_distances": "travel by public transport (a second matrix)",
    "services_order": "an order of services per patient",
    "preferred_start_time": "a patient's preferred start time",
    "aspects": "aspects matched between caregivers and patients",
    "transportation_mode": "caregivers' transportation modes",
}


def _refuse_unmodelled(data: dict[str, Any]) -> None:
    """Raise when the instance uses a part of the format the product does not model."""
    used = set(data) | {key for c in data["caregivers"] for key in c if c[key] is not None}
    used |= {key for p in data["patients"] for key in p if p[key] is not None}
    unmodelled = sorted(used & set(UNMODELLED))
    if unmodelled:
        raise BenchmarkError(
            "unsupported: " + "; ".join(f"{UNMODELLED[key]} ({key})" for key in unmodelled)
        )


def _all_whole(data: dict[str, Any]) -> bool:
    """Whether every travel time, duration and window of the instance is a whole minute."""
    numbers = [value for row in data["distances"] for value in row]
    for patient in data["patients"]:
        numbers += [w[key] for w in patient_windows(patient) for key in ("start", "end")]
        numbers += [s.get("duration") or 0 for s in patient["required_services"]]
        numbers += sequential_gap(patient.get("synchronization") or {}) or ()
    numbers += [s.get("default_duration") or 0 for s in data["services"]]
    for caregiver in data["caregivers"]:
        numbers += (caregiver.get("working_shift") or {}).values()
    numbers += (data.get("lunch_breaks") or {}).values()
    return all(float(value).is_integer() for value in numbers)


def service_minutes(data: dict[str, Any]) -> dict[tuple[str, str], float]:
    """Minutes of each (patient id, service id) required: its own, else the service's default."""
    default = {service["id"]: service.get("default_duration") for service in data["services"]}
    return {
        (patient["id"], required["service"]): required.get("duration")
        or default[required["service"]]
        for patient in data["patients"]
        for required in patient["required_services"]
    }


def patient_windows(patient: dict[str, Any]) -> list[dict[str, float]]:
    """A patient's time windows as ``{start, end}``, in order (pairs accepted)."""
    windows = patient.get("time_windows") or [patient["time_window"]]
    as_dicts = [w if isinstance(w, dict) else {"start": w[0], "end": w[1]} for w in windows]
    return sorted(as_dicts, key=lambda window: window["start"])


def sequential_gap(synchronization: dict[str, Any]) -> tuple[float, float] | None:
    """The min and max start-to-start minutes of a sequential double service, else ``None``."""
    if synchronization.get("type") != "sequential":
        return None
    gap = synchronization["distance"]
    if isinstance(gap, dict):
        return gap["min"], gap["max"]
    return (gap[0], gap[1]) if isinstance(gap, list) else (gap, gap)


class _Reader:
    """Turns the parts of one parsed instance into domain objects."""

    def __init__(self, data: dict[str, Any], weights: UhhcWeights, scale: int) -> None:
        self.data, self.weights, self.scale = data, weights, scale
        self.at_end = data["metadata"].get("time_window_met") == "at_service_end"
        self.geographic = data["metadata"].get("area") is not None
        self.minutes_of = service_minutes(data)
        self.open_end = self._open_end()
        self.row_of: dict[str, int] = {}
        self.places: dict[str, Location] = {}
        for point in data["terminal_points"]:
            self.row_of[point["id"]] = point["distance_matrix_index"]
            self.places[point["id"]] = self._location(point["id"], point.get("location"))
        self.patients: list[Patient] = []
        self.visits: list[Visit] = []
        self.links: list[VisitLink] = []
        self.service_of: dict[str, str] = {}
        for patient in data["patients"]:
            self._read_patient(patient)

    def units(self, minutes: float) -> int:
        """Minutes as integer model units."""
        return round(float(minutes) * self.scale)

    def _open_end(self) -> int:
        """A latest time no plan needs to pass: every window end, service and longest leg."""
        data = self.data
        ends = [w["end"] for p in data["patients"] for w in patient_windows(p)]
        ends += [c["working_shift"]["end"] for c in data["caregivers"] if c.get("working_shift")]
        work = sum(self.minutes_of.values())
        longest = float(np.max(np.asarray(data["distances"], dtype=float)))
        return self.units(max(ends) + work + len(data["distances"]) * longest)

    def _location(self, location_id: str, coordinates: list[float] | None) -> Location:
        """A place for maps and reports; travel comes from the matrix, not from these.

        Geographic instances give longitude/latitude; the others a 100 x 100 grid, shrunk to
        valid degrees.
        """
        x, y = coordinates or (0.0, 0.0)
        if self.geographic:
            return Location(location_id, latitude=y, longitude=x)
        return Location(location_id, latitude=y / 100, longitude=x / 100)

    def _read_patient(self, patient: dict[str, Any]) -> None:
        """The patient, a visit per required service, and the link of a double service."""
        location_id = f"p:{patient['id']}"
        self.row_of[location_id] = patient["distance_matrix_index"]
        preferred = tuple(sorted(patient.get("preferred_caregivers") or ()))
        excluded = set(patient.get("incompatible_caregivers") or ())
        if preferred and self.weights.is_hard("caregiver_preferences"):
            excluded |= {c["id"] for c in self.data["caregivers"]} - set(preferred)
        self.patients.append(
            Patient(
                id=patient["id"],
                name=patient["id"],
                location=self._location(location_id, patient.get("location")),
                preferred_clinicians=preferred,
                excluded_clinicians=frozenset(excluded),
            )
        )
        optional = bool(patient.get("optional")) and not self.weights.is_hard("optional_patients")
        required_services = patient["required_services"]
        ids = []
        for required in required_services:
            visit_id = f"{patient['id']}:{required['service']}"
            duration = self.units(self.minutes_of[patient["id"], required["service"]])
            windows, due = self._visit_windows(patient, duration)
            self.visits.append(
                Visit(
                    id=visit_id,
                    patient_id=patient["id"],
                    discipline=Discipline.SN,
                    duration=duration,
                    windows=windows,
                    due=due,
                    required_skills=frozenset({required["service"]}),
                    optional=optional,
                    # The weight is per patient left out: a pair's two visits share it.
                    priority=1 if len(required_services) == 2 else 2,
                )
            )
            self.service_of[visit_id] = required["service"]
            ids.append(visit_id)
        if len(ids) == 2:
            self.links.append(self._link(ids, patient.get("synchronization") or {}))

    def _visit_windows(
        self, patient: dict[str, Any], duration: int
    ) -> tuple[tuple[TimeWindow, ...], int | None]:
        """The windows a visit may start in, and its soft latest start.

        Every window but the last ends hard; the last one's end is soft (its ``due``) unless
        tardiness is ``HARD``. A window met at the end of service ends ``duration`` earlier.
        """
        shorten = duration if self.at_end else 0
        hard = self.weights.is_hard("total_tardiness", none_is_hard=False) or (
            self.weights.is_hard("highest_tardiness", none_is_hard=False)
        )
        spans = [
            (self.units(w["start"]), self.units(w["end"]) - shorten)
            for w in patient_windows(patient)
        ]
        last_start, due = spans[-1]
        usable = [(start, end) for start, end in spans if start <= end]
        if not hard:
            usable = [
                *[span for span in usable if span[0] < last_start],
                (last_start, self.open_end),
            ]
        if not usable:
            raise BenchmarkError(
                f"patient {patient['id']!r} cannot be served inside any window "
                "(tardiness is HARD): the instance is infeasible"
            )
        merged: list[tuple[int, int]] = []
        for start, end in usable:
            if merged and start <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        windows = tuple(TimeWindow(start, end) for start, end in merged)
        return windows, None if hard else due

    def _link(self, ids: list[str], synchronization: dict[str, Any]) -> VisitLink:
        """The link of a double service (an independent pair: both or neither, in order)."""
        kind = synchronization.get("type")
        if kind == "simultaneous":
            return VisitLink(ids[0], ids[1], LinkKind.SIMULTANEOUS)
        if kind == "sequential":
            low, high = sequential_gap(synchronization) or (0, 0)
            return VisitLink(ids[0], ids[1], LinkKind.SEQUENTIAL, self.units(low), self.units(high))
        return VisitLink(ids[0], ids[1], LinkKind.SEQUENTIAL, 0, self.open_end)

    def clinicians(self) -> tuple[Clinician, ...]:
        """Each caregiver as a clinician with one shift."""
        return tuple(
            Clinician(
                id=caregiver["id"],
                name=caregiver["id"],
                credential=Credential.RN,
                start=self.places[caregiver["departing_point"]],
                end=self.places[caregiver.get("arrival_point") or caregiver["departing_point"]],
                shifts=(self._shift(caregiver),),
                skills=frozenset(caregiver.get("abilities") or ()),
            )
            for caregiver in self.data["caregivers"]
        )

    def _shift(self, caregiver: dict[str, Any]) -> Shift:
        """The caregiver's working shift (open day when none), lunch and extra time."""
        shift = caregiver.get("working_shift")
        if shift is None:
            return Shift(day=0, window=TimeWindow(0, 2 * self.open_end))
        window = TimeWindow(self.units(shift["start"]), self.units(shift["end"]))
        overtime = 0 if self.weights.is_hard("working_time", none_is_hard=False) else self.open_end
        return Shift(
            day=0, window=window, lunch=self._lunch(caregiver, window), max_overtime=overtime
        )

    def _lunch(self, caregiver: dict[str, Any], shift: TimeWindow) -> LunchBreak | None:
        """The instance's lunch break for an entitled caregiver whose shift can hold it."""
        rule = self.data.get("lunch_breaks")
        if not caregiver.get("lunch_break") or rule is None:
            return None
        if self.weights.weight("missed_lunch_break") in (None, HARD):
            raise BenchmarkError(
                "unsupported: a HARD missed_lunch_break (every entitled caregiver, used or not, "
                "must have lunch) is not modelled"
            )
        duration = self.units(rule["min_duration"])
        latest = self.units(rule["end"]) - (duration if self.at_end else 0)
        start = max(self.units(rule["start"]), shift.start)
        if start > min(latest, shift.end - duration):
            return None  # no lunch fits the shift: it is missed (and priced)
        return LunchBreak(TimeWindow(start, latest), duration)
