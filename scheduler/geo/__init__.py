"""Travel times between places: ``travel_matrix(locations, provider=...)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from scheduler.domain import Location, TravelMatrix
from scheduler.errors import TravelError
from scheduler.geo.geodesic import geodesic_matrix
from scheduler.settings import Settings


def _geodesic(locations: Sequence[Location], settings: Settings) -> TravelMatrix:
    return geodesic_matrix(
        locations, circuity=settings.geodesic_circuity, speed_kmh=settings.geodesic_speed_kmh
    )


PROVIDERS: dict[str, Callable[[Sequence[Location], Settings], TravelMatrix]] = {
    "geodesic": _geodesic,
}


def travel_matrix(
    locations: Sequence[Location], *, provider: str = "geodesic", settings: Settings | None = None
) -> TravelMatrix:
    """Travel seconds and metres between every pair of ``locations``.

    Parameters
    ----------
    locations
        Places; a repeated id keeps its first occurrence.
    provider
        ``"geodesic"`` (straight line x circuity at an average speed).
    settings
        ``None`` reads ``Settings()``.

    Raises
    ------
    TravelError
        For an unknown provider.
    """
    if provider not in PROVIDERS:
        raise TravelError(f"unknown travel provider {provider!r}; use one of {sorted(PROVIDERS)}")
    unique: dict[str, Location] = {}
    for location in locations:
        unique.setdefault(location.id, location)
    return PROVIDERS[provider](list(unique.values()), settings or Settings())
