"""Time windows in integer seconds from the start of the planning horizon."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.errors import ProblemError

MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True, order=True)
class TimeWindow:
    """A closed interval ``[start, end]`` of seconds.

    Parameters
    ----------
    start, end
        Seconds from the horizon start (or from local midnight, for weekly availability).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ProblemError(f"time window ends before it starts: [{self.start}, {self.end}]")

    @property
    def length(self) -> int:
        """Seconds between start and end."""
        return self.end - self.start

    def contains(self, instant: int) -> bool:
        """Whether ``instant`` lies inside the window (bounds included)."""
        return self.start <= instant <= self.end

    def shifted(self, seconds: int) -> TimeWindow:
        """The same window moved by ``seconds``."""
        return TimeWindow(self.start + seconds, self.end + seconds)

    def intersection(self, other: TimeWindow) -> TimeWindow | None:
        """The overlap of two windows, or ``None`` when they do not meet."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return TimeWindow(start, end) if start <= end else None


def format_clock(seconds: int) -> str:
    """Render seconds from the horizon start as ``d+HH:MM`` (day omitted on day 0)."""
    day, rest = divmod(seconds, DAY)
    clock = f"{rest // HOUR:02d}:{rest % HOUR // MINUTE:02d}"
    return clock if day == 0 else f"d{day}+{clock}"
