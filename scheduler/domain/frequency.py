"""Frequency orders as agencies write them (``SN 3W2, 2W3 + 2 PRN``), parsed and expanded.

An order is a sequence of segments counted from the start of care. Each segment asks for
``min_visits``..``max_visits`` visits in each of ``periods`` consecutive periods of
``period_days`` days: ``3W2`` is 3 visits a week for 2 weeks, ``2-3W4`` 2 to 3 a week for 4
weeks, ``QD x7`` one a day for 7 days, ``QOD x14`` one every other day for 14 days, ``BIW x4``
twice a week for 4 weeks, ``1M2`` once a month (30 days) for 2 months. ``+ 3 PRN`` allows 3
visits as needed, which are never scheduled in advance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain.clinician import Discipline
from scheduler.errors import ProblemError

WEEK = 7
MONTH = 30

# Words for a count of visits per period, with the period length in days.
_NAMED_RATES = {
    "QD": (1, 1),  # every day
    "DAILY": (1, 1),
    "QOD": (1, 2),  # every other day
    "QW": (1, WEEK),  # weekly
    "WEEKLY": (1, WEEK),
    "BIW": (2, WEEK),  # twice a week
    "TIW": (3, WEEK),  # three times a week
    "Q2W": (1, 2 * WEEK),  # every other week
    "QM": (1, MONTH),  # monthly
    "MONTHLY": (1, MONTH),
}
_UNIT_DAYS = {"D": 1, "W": WEEK, "M": MONTH}
_DISCIPLINES = "|".join(d.value for d in Discipline)

_PRN = re.compile(r"^\+?\s*(\d+)\s*PRN\b.*$")
# "3W2", "2-3W4", "3WK2", "3 W 2", "3X/WK X 2 WKS", "1D7", "1M2"
_RATE = re.compile(
    r"^(\d+)(?:\s*-\s*(\d+))?\s*(?:X\s*)?/?\s*(W|WK|WKS|WEEK|WEEKS|D|DAY|DAYS|M|MO|MONTH|MONTHS)"
    r"\s*(?:X\s*)?(\d+)\s*(?:W|WK|WKS|WEEK|WEEKS|D|DAYS?|M|MO|MONTHS?)?$"
)
# "QD x7", "QOD X 14 DAYS", "BIW x4", "BIW X 4 WKS", "QW x 6 weeks"
_NAMED = re.compile(
    r"^(" + "|".join(_NAMED_RATES) + r")\s*(?:X\s*)?(\d+)?\s*(D|DAY|DAYS|W|WK|WKS|WEEK|WEEKS)?$"
)
_SEPARATORS = re.compile(r"\s*(?:,|;|\bTHEN\b|\bFOLLOWED BY\b)\s*")


@dataclass(frozen=True)
class FrequencySegment:
    """``min_visits``..``max_visits`` visits in each of ``periods`` periods of ``period_days``."""

    min_visits: int
    max_visits: int
    period_days: int
    periods: int

    @property
    def days(self) -> int:
        """Days the segment lasts."""
        return self.period_days * self.periods


@dataclass(frozen=True)
class FrequencyOrder:
    """A parsed order: discipline (when written), segments in sequence, PRN allowance."""

    text: str
    discipline: Discipline | None
    segments: tuple[FrequencySegment, ...]
    prn: int = 0

    @property
    def days(self) -> int:
        """Days from the start of care to the end of the last segment."""
        return sum(segment.days for segment in self.segments)


@dataclass(frozen=True)
class Period:
    """One period of an order in calendar dates: ``first``..``last`` inclusive."""

    first: date
    last: date
    min_visits: int
    max_visits: int


def parse_frequency(text: str) -> FrequencyOrder:
    """Parse an order such as ``"SN 3W2, 2W3 + 2 PRN"`` or ``"PT 2-3w4"``.

    Raises
    ------
    ProblemError
        Naming the part that could not be read; nothing is guessed.
    """
    cleaned = " ".join(text.upper().replace("×", "X").split())
    if not cleaned:
        raise ProblemError("empty frequency order; write e.g. '3W2, 2W3'")
    discipline = None
    match = re.match(rf"^({_DISCIPLINES})\b[\s:]*", cleaned)
    if match:
        discipline = Discipline(match.group(1))
        cleaned = cleaned[match.end() :]
    cleaned, prn = _split_prn(cleaned, text)
    segments = []
    for part in _SEPARATORS.split(cleaned):
        if part:
            segments.extend(_parse_part(part, text))
    if not segments and not prn:
        raise ProblemError(f"frequency order {text!r} orders no visits")
    return FrequencyOrder(text=text, discipline=discipline, segments=tuple(segments), prn=prn)


def order_periods(order: FrequencyOrder, start_of_care: date) -> list[Period]:
    """The order's periods as calendar dates, counted from the start of care."""
    periods = []
    first = start_of_care
    for segment in order.segments:
        for _ in range(segment.periods):
            last = first + timedelta(days=segment.period_days - 1)
            periods.append(Period(first, last, segment.min_visits, segment.max_visits))
            first = last + timedelta(days=1)
    return periods


def _split_prn(cleaned: str, text: str) -> tuple[str, int]:
    """Cut a trailing ``+ N PRN`` off the order."""
    parts = re.split(r"\s*\+\s*|\s*,\s*(?=\d+\s*PRN)", cleaned)
    prn = 0
    kept = []
    for part in parts:
        match = _PRN.match(part)
        if match:
            prn += int(match.group(1))
        elif "PRN" in part:
            raise ProblemError(f"cannot read the PRN part {part!r} of {text!r}; write '+ 3 PRN'")
        else:
            kept.append(part)
    return ", ".join(kept), prn


def _parse_part(part: str, text: str) -> list[FrequencySegment]:
    """One segment (or a space-separated run such as ``2W1 1W8``)."""
    part = part.strip()
    match = _RATE.match(part)
    if match:
        low, high, unit, count = match.groups()
        low_visits = int(low)
        high_visits = int(high) if high else low_visits
        if high_visits < low_visits:
            raise ProblemError(f"range {part!r} in {text!r} goes down; write the smaller first")
        periods = int(count)
        if periods == 0 or high_visits == 0:
            raise ProblemError(f"segment {part!r} in {text!r} orders zero visits or periods")
        period_days = _UNIT_DAYS[unit[0]]
        if high_visits > period_days:
            raise ProblemError(
                f"segment {part!r} in {text!r} asks {high_visits} visits in {period_days} "
                "day(s); at most one visit a day per discipline"
            )
        return [FrequencySegment(low_visits, high_visits, period_days, periods)]
    match = _NAMED.match(part)
    if match:
        name, count, unit = match.groups()
        visits, period_days = _NAMED_RATES[name]
        if count is None:
            raise ProblemError(
                f"{name} in {text!r} needs a duration, e.g. '{name} x2 wks' or '{name} x14 days'"
            )
        days = int(count) * (WEEK if unit and unit.startswith("W") else 1)
        if unit is None and period_days >= WEEK:
            days = int(count) * period_days  # "BIW x4" counts periods (weeks)
        periods, rest = divmod(days, period_days)
        if periods == 0 or rest:
            raise ProblemError(
                f"segment {part!r} in {text!r} lasts {days} days, not a whole number of "
                f"{period_days}-day periods; write a multiple of {period_days} days"
            )
        return [FrequencySegment(visits, visits, period_days, periods)]
    runs = part.split(" ")
    if len(runs) > 1 and all(_RATE.match(run) or _NAMED.match(run) for run in runs):
        return [segment for run in runs for segment in _parse_part(run, text)]
    raise ProblemError(
        f"cannot read {part!r} in frequency order {text!r}; "
        "write segments like '3W2', '2-3W4', 'QD x7', 'BIW x4', '1M2' or '+ 2 PRN'"
    )
