"""The UHHC objective: its cost components, their weights, and their value for a solution.

A UHHC instance names the components of its objective in ``metadata.cost_components``, each
with a weight or ``"HARD"`` (a rule; it counts once in the total, as the official validator
counts it). ``price_solution`` measures every component of a solution written in the
format's schema (``scheduler/bench/uhhc_solution.py``) by the format's definitions, so its
weighted total is the total the official validator recomputes:

- travel from the departing point through each location to the arrival point;
- tardiness of a service against the end of the last window starting at or before it (at the
  start or the end of service, as the instance says); total and highest;
- waiting: start minus arrival at each location, where arrival is the previous location's
  end plus the leg (the day leaves just in time for its first location; a visit right after
  a lunch taken first waits for free); total and highest;
- extra time: arrival back past the shift's end, summed;
- idle time of a caregiver with a route: before leaving, waiting, and after returning
  inside the shift; the highest over all caregivers;
- counts: services by a caregiver the patient does not prefer, by an incompatible or
  unqualified caregiver, patients not visited, entitled caregivers without a lunch;
- workload (service plus travel) and its balance (sum of distances to the mean, rounded up).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scheduler.domain.kpis import distances_from_mean
from scheduler.errors import BenchmarkError

HARD = "HARD"
LUNCH = "lunch_break"

COMPONENTS = (
    "travel_time",
    "total_tardiness",
    "highest_tardiness",
    "total_waiting_time",
    "max_waiting_time",
    "total_extra_time",
    "max_idle_time",
    "caregiver_preferences",
    "optional_patients",
    "missed_lunch_break",
    "qualification",
    "incompabilities",
    "working_time",
    "workload_balance",
)
UNSUPPORTED = ("tw_max_dev_in_time", "tw_max_dev_in_desired_time")
MANKOWSKA_COMPONENTS = frozenset({"travel_time", "total_tardiness", "highest_tardiness"})

Weight = float | str | None


@dataclass(frozen=True)
class UhhcWeights:
    """The weight of each cost component (``None``: not in the objective)."""

    weights: Mapping[str, Weight]

    def weight(self, component: str) -> Weight:
        """The component's weight, ``"HARD"``, or ``None``."""
        return self.weights.get(component)

    def is_hard(self, component: str, *, none_is_hard: bool = True) -> bool:
        """Whether the component is a rule (the validator reads some absent ones as rules)."""
        weight = self.weight(component)
        return weight == HARD or (none_is_hard and weight is None)

    def multiplier(self, component: str) -> float:
        """What one unit of the component adds to the total (1 for ``HARD``, 0 for none)."""
        weight = self.weight(component)
        if weight is None:
            return 0.0
        return 1.0 if weight == HARD else float(weight)

    def solver_weight(self, component: str) -> int:
        """The weight as a whole number for the solver's objective (0 for ``HARD`` or none)."""
        weight = self.weight(component)
        return 0 if weight in (None, HARD) else round(float(weight))

    @property
    def is_mankowska(self) -> bool:
        """Whether the objective is travel plus total and highest tardiness, each weight 1."""
        named = {name for name, weight in self.weights.items() if weight is not None}
        return named == MANKOWSKA_COMPONENTS and all(
            self.weights[name] == 1 for name in MANKOWSKA_COMPONENTS
        )

    def total(self, values: Mapping[str, float]) -> float:
        """The weighted sum of component values, as the validator adds it."""
        return sum(self.multiplier(name) * values.get(name, 0.0) for name in COMPONENTS)


def read_weights(cost_components: Mapping[str, Any]) -> UhhcWeights:
    """The weights of ``metadata.cost_components``.

    Raises
    ------
    BenchmarkError
        When a component the format defines but does not price (deviations from desired
        times) or an unknown one is named, or a weight is neither a number nor ``"HARD"``.
    """
    named = {name: weight for name, weight in cost_components.items() if weight is not None}
    unsupported = sorted(set(named) & set(UNSUPPORTED))
    unknown = sorted(set(named) - set(COMPONENTS) - set(UNSUPPORTED))
    if unsupported or unknown:
        raise BenchmarkError(
            f"unsupported cost component(s): {', '.join(unsupported + unknown)}; "
            f"the product prices {', '.join(COMPONENTS)}"
        )
    for name, weight in named.items():
        if weight != HARD and not isinstance(weight, int | float):
            raise BenchmarkError(f"cost component {name} has weight {weight!r}")
        if weight != HARD and not float(weight).is_integer():
            raise BenchmarkError(f"unsupported: fractional weight {weight} for {name}")
    return UhhcWeights(named)


def price_solution(data: Mapping[str, Any], solution: Mapping[str, Any]) -> dict[str, float]:
    """Every cost component of a UHHC solution, unweighted, by the format's definitions.

    Parameters
    ----------
    data
        The parsed instance.
    solution
        A solution in the format's schema whose locations are in time order and whose
        lunches are taken at a visited patient's home.
    """
    return _Pricer(data).price(solution["routes"])


class _Pricer:
    """Measures the routes of one instance."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.distances = data["distances"]
        self.at_end = data["metadata"].get("time_window_met") == "at_service_end"
        self.caregivers = {c["id"]: c for c in data["caregivers"]}
        self.patients = {p["id"]: p for p in data["patients"]}
        self.rows = {
            point["id"]: point["distance_matrix_index"] for point in data["terminal_points"]
        }
        self.rows |= {p["id"]: p["distance_matrix_index"] for p in data["patients"]}

    def price(self, routes: list[Mapping[str, Any]]) -> dict[str, float]:
        """The components of all routes together."""
        visits = [
            (route["caregiver_id"], location)
            for route in routes
            for location in route["locations"]
            if location["service"] != LUNCH
        ]
        visited = {location["patient"] for _, location in visits}
        if visited - set(self.patients):
            raise BenchmarkError(
                f"solution visits unknown patients: {visited - set(self.patients)}"
            )
        values = dict.fromkeys(COMPONENTS, 0.0)
        tardiness = [self._tardiness(location) for _, location in visits]
        values["total_tardiness"] = sum(tardiness)
        values["highest_tardiness"] = max(tardiness, default=0.0)
        travel = dict.fromkeys(self.caregivers, 0.0)
        waits: list[float] = []
        idle = dict.fromkeys(self.caregivers, 0.0)
        for route in routes:
            day = self._day(route["caregiver_id"], route["locations"])
            travel[route["caregiver_id"]] = day.travel
            waits += day.waits
            idle[route["caregiver_id"]] = day.idle
            values["total_extra_time"] += day.extra
        values["travel_time"] = sum(travel.values())
        values["total_waiting_time"] = sum(waits)
        values["max_waiting_time"] = max(waits, default=0.0)
        values["max_idle_time"] = max(idle.values(), default=0.0)
        service = dict.fromkeys(self.caregivers, 0.0)
        for caregiver_id, location in visits:
            service[caregiver_id] += location["end_service_time"] - location["start_service_time"]
            caregiver, patient = self.caregivers[caregiver_id], self.patients[location["patient"]]
            preferred = patient.get("preferred_caregivers")
            values["caregiver_preferences"] += (
                preferred is not None and caregiver_id not in preferred
            )
            values["incompabilities"] += caregiver_id in (
                patient.get("incompatible_caregivers") or ()
            )
            values["qualification"] += location["service"] not in (caregiver.get("abilities") or ())
        values["optional_patients"] = len(set(self.patients) - visited)
        lunching = {
            route["caregiver_id"]
            for route in routes
            if any(location["service"] == LUNCH for location in route["locations"])
        }
        values["missed_lunch_break"] = sum(
            1 for c in self.caregivers.values() if c.get("lunch_break") and c["id"] not in lunching
        )
        workload = {c: service[c] + travel[c] for c in self.caregivers}
        values["working_time"] = sum(workload.values())
        distances = distances_from_mean(list(workload.values()))
        values["workload_balance"] = sum(math.ceil(distance) for distance in distances)
        return values

    def _tardiness(self, location: Mapping[str, Any]) -> float:
        """Minutes past the end of the last window starting at or before the service."""
        windows = self.patients[location["patient"]]["time_windows"]
        starts = [window["start"] for window in windows]
        index = bisect.bisect_right(starts, location["start_service_time"]) - 1
        met = location["end_service_time" if self.at_end else "start_service_time"]
        return max(0.0, met - windows[index]["end"])

    def _day(self, caregiver_id: str, locations: list[Mapping[str, Any]]) -> _Day:
        """Travel, waits, extra and idle time of one caregiver's route."""
        caregiver = self.caregivers[caregiver_id]
        home = self.rows[caregiver["departing_point"]]
        rows = [self.rows[location["patient"]] for location in locations]
        legs = [self.distances[a][b] for a, b in zip([home, *rows], rows, strict=False)]
        back = self.distances[rows[-1]][self.rows[caregiver.get("arrival_point") or home]]
        leave = locations[0]["start_service_time"] - legs[0]
        returned = locations[-1]["end_service_time"] + back
        waits, idle_waits = [], 0.0
        for number, location in enumerate(locations):
            if number == 0:
                continue  # the day leaves just in time for its first location
            arrival = locations[number - 1]["end_service_time"] + legs[number]
            wait = location["start_service_time"] - arrival
            if wait > 0:
                idle_waits += wait
                if not (number == 1 and locations[0]["service"] == LUNCH):
                    waits.append(wait)
        shift = caregiver.get("working_shift")
        extra = idle = 0.0
        if shift is not None:
            extra = max(0.0, returned - shift["end"])
            idle = max(0.0, leave - shift["start"]) + idle_waits
            idle += shift["end"] - returned if returned <= shift["end"] else 0.0
        return _Day(sum(legs) + back, waits, extra, idle)


@dataclass(frozen=True)
class _Day:
    """The measures of one route."""

    travel: float
    waits: list[float]
    extra: float
    idle: float
