"""Geocoding answers from the cache offline, refuses unknown addresses offline, caches lookups.

No network here: the online path is exercised with a lookup function standing in for geopy's
(the real geocoder is unreachable from tests by design).
"""

from pathlib import Path
from types import SimpleNamespace

import pytest

from scheduler.errors import TravelError
from scheduler.geo.geocoding import GeocodeCache, geocode
from scheduler.settings import Settings


def test_offline_uses_the_cache_and_explains_a_miss(tmp_path: Path) -> None:
    """A cached address answers offline; an unknown one names the location and the fix."""
    cache = GeocodeCache(tmp_path / "geo.json")
    cache.put("1 Main St, Columbus OH", 39.96, -82.99)
    offline = Settings(cache_dir=tmp_path, geocoding_online=False)
    assert geocode("p1", "1  main st, columbus oh", settings=offline, cache=cache) == (
        39.96,
        -82.99,
    )
    with pytest.raises(TravelError, match=r"location 'p2'.*SCHEDULER_GEOCODING_ONLINE"):
        geocode("p2", "2 Elm St", settings=offline, cache=cache)


def test_online_lookup_is_cached_on_disk(tmp_path: Path) -> None:
    """An online answer is written to the cache file and not asked for again."""
    asked = []

    def lookup(address: str) -> SimpleNamespace:
        asked.append(address)
        return SimpleNamespace(latitude=42.5, longitude=1.52)

    online = Settings(cache_dir=tmp_path, geocoding_online=True)
    assert geocode("p1", "Av. Meritxell 1", settings=online, lookup=lookup) == (42.5, 1.52)
    assert geocode("p1", "Av. Meritxell 1", settings=online, lookup=lookup) == (42.5, 1.52)
    assert asked == ["Av. Meritxell 1"]
    assert GeocodeCache(tmp_path / "geocode.json").get("av. meritxell 1") == (42.5, 1.52)


def test_nothing_found_is_an_error_and_not_cached(tmp_path: Path) -> None:
    """When the geocoder finds nothing, the error names the location and nothing is stored."""
    online = Settings(cache_dir=tmp_path, geocoding_online=True)
    with pytest.raises(TravelError, match="no place for location 'p9'"):
        geocode("p9", "Nowhere 0", settings=online, lookup=lambda _address: None)
    assert not (tmp_path / "geocode.json").exists()
