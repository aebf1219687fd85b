"""A FHIR ``Timing.repeat`` as one of our frequency orders (``3W2``, ``QD x7``, ``1M2``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError

_UNITS = {"d": ("D", 1), "wk": ("W", 7), "mo": ("M", 30)}
_MINUTES = {"min": 1, "h": 60}


def repeat_to_frequency(repeat: Any, *, where: str) -> tuple[str, date | None, int | None]:
    """The frequency order, first day and visit minutes of a ``Timing.repeat``.

    Parameters
    ----------
    repeat
        An R4B ``TimingRepeat`` model.
    where
        The resource and field being read, e.g. ``"ServiceRequest/sr1.occurrenceTiming"``,
        named in every error.

    Returns
    -------
    tuple
        ``(frequency, start of care or None, visit minutes or None)``: ``frequency`` per
        ``period`` ``periodUnit`` (d, wk or mo, period 1; or once every 2 days as ``QOD``) for
        as many periods as ``count`` visits or ``boundsPeriod``/``boundsDuration`` span.

    Raises
    ------
    ProblemError
        Naming ``where`` and the field that cannot be read as an order.
    """
    field = f"{where}.repeat"
    if repeat is None:
        raise ProblemError(f"{where}: repeat is missing; give frequency, period and periodUnit")
    frequency = repeat.frequency or 1
    period = float(repeat.period) if repeat.period is not None else None
    unit = repeat.periodUnit
    if period is None or unit not in _UNITS:
        raise ProblemError(f"{field}.periodUnit: give period and a periodUnit of d, wk or mo")
    start, days = _bounds(repeat, field)
    letter, unit_days = _UNITS[unit]
    if unit == "d" and period == 2 and frequency == 1 and repeat.frequencyMax is None:
        periods = _periods(repeat, days, 2, 1, field)
        text = f"QOD x{periods * 2}"
    elif period == 1:
        periods = _periods(repeat, days, unit_days, frequency, field)
        rate = str(frequency)
        if repeat.frequencyMax is not None and repeat.frequencyMax != frequency:
            rate = f"{frequency}-{repeat.frequencyMax}"
        text = f"{rate}{letter}{periods}"
    else:
        raise ProblemError(
            f"{field}.period: {period:g} {unit} is not an order we plan; give period 1 "
            "(or period 2 d, frequency 1, for every other day)"
        )
    try:
        parse_frequency(text)
    except ProblemError as error:
        raise ProblemError(f"{field}: reads as {text!r}, which is not an order: {error}") from None
    return text, start, _minutes(repeat, field)


def _bounds(repeat: Any, field: str) -> tuple[date | None, int | None]:
    """The first day and the number of days of ``boundsPeriod``/``boundsDuration``."""
    if repeat.boundsPeriod is not None:
        bounds = repeat.boundsPeriod
        start = as_day(bounds.start)
        end = as_day(bounds.end)
        if start is None:
            raise ProblemError(f"{field}.boundsPeriod.start: give the first day of care")
        if end is None:
            return start, None
        if end < start:
            raise ProblemError(f"{field}.boundsPeriod.end: comes before its start")
        return start, (end - start).days + 1
    if repeat.boundsDuration is not None:
        duration = repeat.boundsDuration
        unit = _UNITS.get(duration.code or duration.unit or "")
        if unit is None or duration.value is None:
            raise ProblemError(f"{field}.boundsDuration: give a value in d, wk or mo")
        return None, round(float(duration.value) * unit[1])
    return None, None


def _periods(repeat: Any, days: int | None, unit_days: int, per: int, field: str) -> int:
    """How many periods of ``unit_days`` the order runs (from ``count`` or the bounds)."""
    if repeat.count is not None:
        if repeat.count % per:
            raise ProblemError(
                f"{field}.count: {repeat.count} visits are not whole periods of {per}"
            )
        return max(1, repeat.count // per)
    if days is not None:
        return max(1, -(-days // unit_days))
    raise ProblemError(f"{field}.count: give count, boundsPeriod (start and end) or boundsDuration")


def _minutes(repeat: Any, field: str) -> int | None:
    """The visit's minutes from ``duration`` and ``durationUnit`` (min or h)."""
    if repeat.duration is None:
        return None
    scale = _MINUTES.get(repeat.durationUnit or "")
    if scale is None:
        raise ProblemError(f"{field}.durationUnit: give min or h")
    return round(float(repeat.duration) * scale)


def as_day(value: Any) -> date | None:
    """A FHIR date or dateTime as a date (``None`` when absent)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
