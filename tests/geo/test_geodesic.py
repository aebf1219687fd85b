"""Geodesic travel matrices: exact distances, circuity and speed, integer output."""

import numpy as np
import pytest
from geopy.distance import geodesic

from scheduler.domain import Location
from scheduler.errors import TravelError
from scheduler.geo import travel_matrix
from scheduler.geo.geodesic import geodesic_matrix, geodesic_metres
from scheduler.settings import Settings


def random_locations(count: int, *, spread_degrees: float, seed: int = 3) -> list[Location]:
    """Random places around Columbus, Ohio."""
    rng = np.random.default_rng(seed)
    return [
        Location(
            f"l{k}",
            39.96 + rng.uniform(-1, 1) * spread_degrees,
            -83.0 + rng.uniform(-1, 1) * spread_degrees,
        )
        for k in range(count)
    ]


@pytest.mark.parametrize("spread_degrees", [0.1, 1.0])
def test_bulk_distances_match_geopy_geodesic(spread_degrees: float) -> None:
    """The vectorised distances equal geopy's geodesic within a millimetre, city to 200 km."""
    locations = random_locations(30, spread_degrees=spread_degrees)
    metres = geodesic_metres(locations)
    for i in range(0, 30, 3):
        for j in range(1, 30, 4):
            a, b = locations[i], locations[j]
            reference = geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).meters
            assert metres[i, j] == pytest.approx(reference, abs=1e-3)


def test_matrix_applies_circuity_and_speed() -> None:
    """Metres are geodesic x circuity; seconds are those metres at the given speed."""
    locations = random_locations(5, spread_degrees=0.1)
    matrix = geodesic_matrix(locations, circuity=1.5, speed_kmh=36.0)
    straight = geodesic_metres(locations)
    assert matrix.metres.dtype == np.int64 and matrix.seconds.dtype == np.int64
    assert np.array_equal(matrix.metres, np.rint(straight * 1.5).astype(np.int64))
    assert np.array_equal(matrix.seconds, np.rint(straight * 1.5 / 10.0).astype(np.int64))
    assert (np.diag(matrix.seconds) == 0).all()
    assert np.array_equal(matrix.seconds, matrix.seconds.T)


def test_travel_matrix_reads_settings_and_drops_repeated_ids() -> None:
    """The provider uses the settings' circuity and speed, and keeps the first of repeated ids."""
    locations = random_locations(4, spread_degrees=0.1)
    settings = Settings(geodesic_circuity=1.2, geodesic_speed_kmh=30.0)
    matrix = travel_matrix([*locations, locations[0]], settings=settings)
    assert matrix.location_ids == tuple(location.id for location in locations)
    expected = geodesic_matrix(locations, circuity=1.2, speed_kmh=30.0)
    assert np.array_equal(matrix.seconds, expected.seconds)


def test_unknown_provider_is_a_clear_error() -> None:
    """Asking for a provider that does not exist names the known ones."""
    with pytest.raises(TravelError, match=r"unknown travel provider 'teleport'.*geodesic"):
        travel_matrix(random_locations(2, spread_degrees=0.1), provider="teleport")
