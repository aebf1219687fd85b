"""Travel times between places: ``travel_matrix(locations, provider=...)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from scheduler.domain import Location, TravelMatrix
from scheduler.errors import TravelError
from scheduler.geo.geodesic import geodesic_matrix
from scheduler.geo.road_matrix import road_matrix
from scheduler.geo.road_network import load_road_network
from scheduler.settings import Settings


def _geodesic(locations: Sequence[Location], settings: Settings) -> TravelMatrix:
    return geodesic_matrix(
        locations, circuity=settings.geodesic_circuity, speed_kmh=settings.geodesic_speed_kmh
    )


def _road(locations: Sequence[Location], settings: Settings) -> TravelMatrix:
    if settings.road_network is None:
        raise TravelError(
            "the road provider needs a network: set SCHEDULER_ROAD_NETWORK to an .osm(.gz/.bz2) "
            "or .graphml file"
        )
    network = load_road_network(settings.road_network, cache_dir=settings.cache_dir)
    return road_matrix(
        locations,
        network,
        access_speed_kmh=settings.road_access_speed_kmh,
        cache_dir=settings.cache_dir,
    )


PROVIDERS: dict[str, Callable[[Sequence[Location], Settings], TravelMatrix]] = {
    "geodesic": _geodesic,
    "road": _road,
}


def travel_matrix(
    locations: Sequence[Location], *, provider: str | None = None, settings: Settings | None = None
) -> TravelMatrix:
    """Travel seconds and metres between every pair of ``locations``.

    Parameters
    ----------
    locations
        Places; a repeated id keeps its first occurrence.
    provider
        ``"geodesic"`` (straight line x circuity at an average speed) or ``"road"`` (the
        settings' road network); ``None`` uses the settings' provider.
    settings
        ``None`` reads ``Settings()``; its ``rush_hours`` go with the matrix.

    Raises
    ------
    TravelError
        For an unknown provider.
    """
    settings = settings or Settings()
    provider = provider or settings.travel_provider
    if provider not in PROVIDERS:
        raise TravelError(f"unknown travel provider {provider!r}; use one of {sorted(PROVIDERS)}")
    unique: dict[str, Location] = {}
    for location in locations:
        unique.setdefault(location.id, location)
    matrix = PROVIDERS[provider](list(unique.values()), settings)
    return replace(matrix, rush_hours=settings.rush_hours)
