"""A proof that a UHHC instance has no valid solution: one caregiver's own visits cannot all be met.

With tardiness a ``HARD`` component, a required service that only one caregiver can give must
be given by that caregiver inside a time window. Take every such service of one caregiver,
and forget everything else (the other caregivers, lunch, synchronisation, the shift's end):
if no order of them lets the caregiver, leaving the departure point no earlier than the
shift's start, meet each window, no solution of the instance can. The check tries every
order at once as a dynamic program over subsets (earliest finish per subset and last
visit: starting each visit as early as it may is never worse for the ones after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scheduler.bench.uhhc import patient_windows, service_minutes

MAX_VISITS = 14  # a caregiver's own required visits checked exhaustively up to this many


@dataclass(frozen=True)
class _Visit:
    name: str  # patient:service
    row: int  # distance matrix row
    minutes: float
    windows: tuple[tuple[float, float], ...]  # allowed service starts


def unmeetable_caregiver(data: dict[str, Any]) -> str | None:
    """Why the instance has no valid solution, in words, or ``None`` when this check finds none.

    Only instances with tardiness ``HARD`` are looked at; a caregiver with more than
    ``MAX_VISITS`` visits of their own is skipped (no proof either way).
    """
    if data["metadata"]["cost_components"].get("total_tardiness") != "HARD":
        return None
    able: dict[str, list[dict[str, Any]]] = {}
    for caregiver in data["caregivers"]:
        for service in caregiver["abilities"]:
            able.setdefault(service, []).append(caregiver)
    at_end = data["metadata"].get("time_window_met") == "at_service_end"
    minutes = service_minutes(data)
    points = {point["id"]: point["distance_matrix_index"] for point in data["terminal_points"]}
    for caregiver in data["caregivers"]:
        own = [
            _visit(patient, need["service"], minutes[patient["id"], need["service"]], at_end)
            for patient in data["patients"]
            if not patient.get("optional", False)
            for need in patient["required_services"]
            if [c["id"] for c in able.get(need["service"], [])] == [caregiver["id"]]
        ]
        if not own or len(own) > MAX_VISITS:
            continue
        start = caregiver["working_shift"]["start"] if caregiver.get("working_shift") else 0.0
        home = points[caregiver["departing_point"]]
        if not _some_order_meets(own, data["distances"], home, start):
            names = ", ".join(visit.name for visit in own)
            return (
                f"caregiver {caregiver['id']} alone can give {names}, and no order of them "
                "meets every window"
            )
    return None


def _visit(patient: dict[str, Any], service: str, minutes: float, at_end: bool) -> _Visit:
    """One required service as a visit: its windows on the service's start."""
    shift = minutes if at_end else 0.0
    return _Visit(
        f"{patient['id']}:{service}",
        patient["distance_matrix_index"],
        minutes,
        tuple((w["start"] - shift, w["end"] - shift) for w in patient_windows(patient)),
    )


def _some_order_meets(
    visits: list[_Visit], distances: list[list[float]], home: int, start: float
) -> bool:
    """Whether some order of ``visits`` from ``home`` at ``start`` starts each in a window."""
    count = len(visits)
    finish: dict[tuple[int, int], float] = {}
    for last, visit in enumerate(visits):
        done = _finish(visit, start + distances[home][visit.row])
        if done is not None:
            finish[1 << last, last] = done
    for subset in range(1, 1 << count):
        for last in range(count):
            at = finish.get((subset, last))
            if at is None:
                continue
            for after, visit in enumerate(visits):
                if subset >> after & 1:
                    continue
                done = _finish(visit, at + distances[visits[last].row][visit.row])
                key = (subset | 1 << after, after)
                if done is not None and done < finish.get(key, float("inf")):
                    finish[key] = done
    full = (1 << count) - 1
    return any((full, last) in finish for last in range(count))


def _finish(visit: _Visit, arrival: float) -> float | None:
    """When the visit ends if started as early as a window allows after ``arrival``."""
    starts = [max(arrival, low) for low, high in visit.windows if max(arrival, low) <= high]
    return min(starts) + visit.minutes if starts else None
