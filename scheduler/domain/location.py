"""Places: clinicians' homes or offices and patients' homes."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.errors import ProblemError


@dataclass(frozen=True)
class Location:
    """A point on the map.

    Parameters
    ----------
    id
        Stable identifier; travel matrices are indexed by it.
    latitude, longitude
        WGS84 degrees.
    address
        Optional postal address, for itineraries only (never logged).
    """

    id: str
    latitude: float
    longitude: float
    address: str | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            raise ProblemError(
                f"location {self.id!r} has coordinates out of range "
                f"({self.latitude}, {self.longitude}); give WGS84 latitude then longitude"
            )
