"""Travel times and distances between locations, as integer matrices."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from scheduler.domain.rush_hours import RushHours
from scheduler.errors import TravelError


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel between ``location_ids``: ``seconds[i, j]`` and ``metres[i, j]`` from i to j.

    Both matrices are square integer arrays in the order of ``location_ids``; ``seconds`` are
    off peak, and a leg leaving in one of the ``rush_hours`` takes longer.
    """

    location_ids: tuple[str, ...]
    seconds: np.ndarray
    metres: np.ndarray
    rush_hours: RushHours = field(default_factory=RushHours)

    def __post_init__(self) -> None:
        size = len(self.location_ids)
        for name in ("seconds", "metres"):
            matrix = getattr(self, name)
            if matrix.shape != (size, size):
                raise TravelError(f"{name} matrix is {matrix.shape}, expected ({size}, {size})")
            if not np.issubdtype(matrix.dtype, np.integer):
                raise TravelError(f"{name} matrix must hold integers, got {matrix.dtype}")
            if (matrix < 0).any():
                raise TravelError(f"{name} matrix has negative entries")

    @cached_property
    def index(self) -> dict[str, int]:
        """Row/column of each location id."""
        return {location_id: row for row, location_id in enumerate(self.location_ids)}

    def seconds_between(self, origin: str, destination: str) -> int:
        """Travel seconds from one location id to another."""
        return int(self.seconds[self.index[origin], self.index[destination]])

    def seconds_leaving(
        self, origin: str, destination: str, departure: int, *, latest: int | None = None
    ) -> int:
        """Travel seconds leaving at ``departure`` (the slowest up to ``latest`` if given)."""
        seconds = self.seconds_between(origin, destination)
        return self.rush_hours.seconds_leaving(seconds, departure, latest=latest)

    def metres_between(self, origin: str, destination: str) -> int:
        """Travel metres from one location id to another."""
        return int(self.metres[self.index[origin], self.index[destination]])

    def require(self, location_ids: tuple[str, ...] | list[str]) -> None:
        """Raise ``TravelError`` naming the first locations the matrix does not cover."""
        missing = [location_id for location_id in location_ids if location_id not in self.index]
        if missing:
            raise TravelError(
                f"travel matrix lacks {len(missing)} location(s), e.g. {missing[:3]}; "
                "build it from problem.locations()"
            )
