"""A reschedule's events and outcome as JSON, kept with its job while a worker answers it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any

from scheduler.domain import Kpis
from scheduler.service._reschedule_diff import Change, DroppedVisit
from scheduler.service.reschedule import RescheduleOutcome
from scheduler.service.reschedule_events import (
    ClinicianUnavailable,
    Event,
    PatientUnavailable,
    VisitAdded,
    VisitCancelled,
    VisitRunningLate,
)


def to_json(value: Any) -> Any:
    """``value`` with dates and datetimes as ISO strings, tuples as lists, mappings as dicts."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def events_to_json(events: tuple[Event, ...]) -> list[dict[str, Any]]:
    """Each event as ``{"event": <class name>, <its fields>}``."""
    return [
        {"event": type(event).__name__}
        | {field.name: to_json(getattr(event, field.name)) for field in fields(event)}
        for event in events
    ]


def events_from_json(items: list[dict[str, Any]]) -> tuple[Event, ...]:
    """The events ``events_to_json`` wrote."""
    return tuple(_event(item) for item in items)


def _event(item: dict[str, Any]) -> Event:
    """One event back from its JSON."""
    kind = item["event"]
    if kind == "ClinicianUnavailable":
        return ClinicianUnavailable(item["clinician_id"], from_time=_instant(item["from_time"]))
    if kind == "VisitCancelled":
        return VisitCancelled(item["visit_id"])
    if kind == "VisitAdded":
        return VisitAdded(visit=item["visit"])
    if kind == "VisitRunningLate":
        return VisitRunningLate(item["visit_id"], ends_at=datetime.fromisoformat(item["ends_at"]))
    if kind == "PatientUnavailable":
        windows = tuple(
            (datetime.fromisoformat(start), datetime.fromisoformat(end))
            for start, end in item["windows"]
        )
        return PatientUnavailable(item["patient_id"], windows=windows)
    raise ValueError(f"unknown reschedule event {kind!r}")


def outcome_to_json(outcome: RescheduleOutcome) -> dict[str, Any]:
    """The outcome as JSON (its dataclass fields, nested ones included)."""
    return to_json(asdict(outcome))


def outcome_from_json(data: dict[str, Any]) -> RescheduleOutcome:
    """The outcome ``outcome_to_json`` wrote."""
    return RescheduleOutcome(
        **data
        | {
            "day": date.fromisoformat(data["day"]),
            "changes": tuple(
                Change(
                    **change
                    | {
                        "start_before": _instant(change["start_before"]),
                        "start_after": _instant(change["start_after"]),
                    }
                )
                for change in data["changes"]
            ),
            "dropped": tuple(
                DroppedVisit(
                    **dropped | {"start_before": datetime.fromisoformat(dropped["start_before"])}
                )
                for dropped in data["dropped"]
            ),
            "clinicians_to_tell": tuple(data["clinicians_to_tell"]),
            "patients_to_tell": tuple(data["patients_to_tell"]),
            "kpis_before": Kpis(**data["kpis_before"]),
            "kpis_after": Kpis(**data["kpis_after"]),
        }
    )


def _instant(text: str | None) -> datetime | None:
    """An ISO instant, or ``None``."""
    return None if text is None else datetime.fromisoformat(text)
