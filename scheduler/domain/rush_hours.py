"""Rush hours: bands of the day in which every leg that leaves takes longer.

A leg's time depends on when it leaves: off-peak seconds times the largest factor of the bands
its departure falls in (1 outside them), rounded to a second. The clock is the horizon's
seconds modulo a day: horizon seconds are local wall-clock time (see ``Horizon``), so a band
stays at its local hours on both sides of a daylight-saving change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scheduler.domain.time_window import DAY, HOUR, MINUTE
from scheduler.errors import TravelError

MAX_FACTOR = 5.0
BAND = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*[x*]\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class RushHour:
    """Legs leaving from ``start`` up to (not including) ``end`` take ``factor`` times as long.

    ``start`` and ``end`` are seconds after midnight; a band does not cross midnight.
    """

    start: int
    end: int
    factor: float

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY:
            raise TravelError(
                f"rush hour [{self.start}, {self.end}) must lie within one day, start before end"
            )
        if not 1.0 <= self.factor <= MAX_FACTOR:
            raise TravelError(
                f"rush hour factor {self.factor} must be between 1 and {MAX_FACTOR} (slower)"
            )


@dataclass(frozen=True)
class RushHours:
    """The rush hours of every day; none means a leg takes the same time all day."""

    bands: tuple[RushHour, ...] = ()

    def factor_between(self, earliest: int, latest: int) -> float:
        """The largest factor of a leg leaving at any horizon second in ``[earliest, latest]``."""
        if latest - earliest >= DAY:
            return max((1.0, *(band.factor for band in self.bands)))
        first = earliest % DAY
        last = first + latest - earliest
        return max(
            (
                1.0,
                *(
                    band.factor
                    for band in self.bands
                    for day in (0, DAY)
                    if band.start + day <= last and first < band.end + day
                ),
            )
        )

    def seconds_leaving(self, seconds: int, departure: int, *, latest: int | None = None) -> int:
        """Seconds of a leg taking ``seconds`` off peak that leaves at ``departure``.

        With ``latest``, the leg may leave at any second up to it: priced at the slowest.
        """
        end = departure if latest is None else latest
        return round(seconds * self.factor_between(departure, end))


def parse_rush_hours(text: str) -> RushHours:
    """Rush hours from ``"07:00-09:00 x1.3, 16:00-18:30 x1.3"`` (empty: none).

    Raises
    ------
    TravelError
        For a band not written ``HH:MM-HH:MM xFACTOR``, or out of range.
    """
    bands = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = BAND.fullmatch(part)
        if match is None:
            raise TravelError(
                f"rush hour {part!r} is not written HH:MM-HH:MM xFACTOR, e.g. '07:00-09:00 x1.3'"
            )
        start_h, start_m, end_h, end_m, factor = match.groups()
        bands.append(
            RushHour(
                int(start_h) * HOUR + int(start_m) * MINUTE,
                int(end_h) * HOUR + int(end_m) * MINUTE,
                float(factor),
            )
        )
    return RushHours(tuple(bands))
