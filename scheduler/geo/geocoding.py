"""Addresses to coordinates with geopy, behind a persistent cache and a rate limiter.

Offline (the default) only the cache answers: an address without coordinates and not cached
is an error that says how to fix it. Online lookups are opt-in (``geocoding_online``); only
the address is sent, never a name, and logs name location ids, never addresses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scheduler.errors import TravelError
from scheduler.settings import Settings

log = logging.getLogger("scheduler")

Lookup = Callable[[str], Any]  # geopy's geocode: address -> object with latitude/longitude


class GeocodeCache:
    """Address -> (latitude, longitude), kept in a JSON file; only good answers are stored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list[float]] = (
            json.loads(path.read_text()) if path.is_file() else {}
        )

    def get(self, address: str) -> tuple[float, float] | None:
        """The cached coordinates of an address."""
        found = self._entries.get(_normalise(address))
        return (found[0], found[1]) if found else None

    def put(self, address: str, latitude: float, longitude: float) -> None:
        """Store an answer and write the file whole."""
        self._entries[_normalise(address)] = [latitude, longitude]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(self._entries, indent=0, sort_keys=True))
        partial.replace(self.path)


def geocode(
    location_id: str,
    address: str,
    *,
    settings: Settings,
    cache: GeocodeCache | None = None,
    lookup: Lookup | None = None,
) -> tuple[float, float]:
    """Coordinates of ``address`` (of the location ``location_id``, named in errors and logs).

    Raises
    ------
    TravelError
        Offline with no cached answer, or when the geocoder finds nothing.
    """
    cache = cache or GeocodeCache(settings.cache_dir / "geocode.json")
    cached = cache.get(address)
    if cached is not None:
        return cached
    if not settings.geocoding_online:
        raise TravelError(
            f"location {location_id!r} has an address but no coordinates, and geocoding is "
            "offline: give its latitude and longitude, or set SCHEDULER_GEOCODING_ONLINE=true"
        )
    found = (lookup or _online_lookup(settings))(address)
    if found is None:
        raise TravelError(f"the geocoder found no place for location {location_id!r}'s address")
    log.info("geocoded location %s", location_id)
    cache.put(address, float(found.latitude), float(found.longitude))
    return float(found.latitude), float(found.longitude)


def _online_lookup(settings: Settings) -> Lookup:
    """The settings' geopy geocoder, limited to one request per ``geocoding_delay``."""
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    geocoder = get_geocoder_for_service(settings.geocoder)(user_agent=settings.geocoder_user_agent)
    return RateLimiter(geocoder.geocode, min_delay_seconds=settings.geocoding_delay)


def _normalise(address: str) -> str:
    """One cache key for the same address written with other spacing or case."""
    return " ".join(address.lower().split())
