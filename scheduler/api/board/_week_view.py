"""The week board as rows to draw: one per clinician, a cell per day, blocks placed by time.

It reads the stored itineraries' data as they are (ISO 8601 local times), not through the
itinerary model: a busy week holds thousands of stops and the board must draw in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from markupsafe import Markup

from scheduler.domain import Credential
from scheduler.store import models
from scheduler.store.board_week import PublishedWeek

FIRST_HOUR = 6
LAST_HOUR = 20
_SPAN = (LAST_HOUR - FIRST_HOUR) * 3600


@dataclass(frozen=True)
class Block:
    """A visit on the board: where it and the drive arriving there sit, and its label."""

    visit_id: str
    patient_name: str
    discipline: str
    joint: bool
    style: Markup
    drive_style: Markup
    label: str


@dataclass
class Cell:
    """A clinician's day: the visits, the lunch, and minutes past the shift's end."""

    day: date
    blocks: list[Block] = field(default_factory=list)
    lunch_style: Markup | None = None
    overtime_minutes: int = 0


@dataclass(frozen=True)
class Row:
    """A clinician's week."""

    clinician_id: str
    name: str
    discipline: str
    cells: list[Cell]

    @property
    def visits(self) -> int:
        """Visits in the week."""
        return sum(len(cell.blocks) for cell in self.cells)


def week_rows(
    week: PublishedWeek, clinicians: Sequence[models.Clinician], days: Sequence[date]
) -> list[Row]:
    """One row per clinician (by name), one cell per day, each visit a block."""
    routes = {
        (itinerary["clinician_id"], day): itinerary
        for day, itineraries in week.itineraries.items()
        for itinerary in itineraries
    }
    rows = []
    for clinician in clinicians:
        hours = {h["weekday"]: h for h in clinician.weekly_hours}
        cells = []
        for day in days:
            shift = hours.get(day.weekday())
            end = shift["end"] if shift else None
            cells.append(_cell(day, routes.get((clinician.id, day)), end))
        discipline = Credential(clinician.credential).discipline.value
        rows.append(Row(clinician.id, clinician.name, discipline, cells))
    return rows


def _cell(day: date, itinerary: dict[str, Any] | None, shift_end: str | None) -> Cell:
    """A clinician's day drawn from their itinerary's data (empty without one)."""
    cell = Cell(day)
    if itinerary is None or not itinerary["stops"]:
        return cell
    for stop in itinerary["stops"]:
        arrival = _seconds(day, stop["arrival"])
        start, end = _seconds(day, stop["start"]), _seconds(day, stop["end"])
        clock = f"{stop['start'][11:16]}-{stop['end'][11:16]}"
        cell.blocks.append(
            Block(
                visit_id=stop["visit_id"],
                patient_name=stop["patient_name"],
                discipline=stop["discipline"],
                joint=stop["linked"] is not None,
                style=_style(start, end),
                drive_style=_style(arrival - 60 * stop["travel_minutes"], arrival),
                label=f"{clock} {stop['patient_name']} ({stop['discipline']} {stop['visit_type']})",
            )
        )
    if itinerary["lunch_start"] and itinerary["lunch_end"]:
        lunch = _seconds(day, itinerary["lunch_start"]), _seconds(day, itinerary["lunch_end"])
        cell.lunch_style = _style(*lunch)
    if itinerary["back"] and shift_end:
        over = _seconds(day, itinerary["back"]) - _clock_seconds(time.fromisoformat(shift_end))
        cell.overtime_minutes = max(0, round(over / 60))
    return cell


def _seconds(day: date, moment: str) -> int:
    """Local wall-clock seconds of an ISO 8601 local time since ``day``'s midnight."""
    local = datetime.fromisoformat(moment)
    return (local.date() - day).days * 86_400 + _clock_seconds(local.time())


def _clock_seconds(clock: time) -> int:
    """Seconds since midnight of a time of day."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def _style(start: int, end: int) -> Markup:
    """Where ``start`` to ``end`` (seconds of the day) sits in the day's span, as CSS."""
    left = 100 * (start - FIRST_HOUR * 3600) / _SPAN
    return Markup(f"left:{left:.2f}%;width:{100 * (end - start) / _SPAN:.2f}%")  # numbers only
