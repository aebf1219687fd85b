"""Geodesic travel: ellipsoidal distance times a circuity factor, over an average speed.

Distances are WGS84 geodesics (Karney's algorithm, as in geopy's ``geodesic``) computed in
bulk with pyproj's vectorised ``Geod.inv``: one call for all pairs, not one per pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyproj import Geod

from scheduler.domain import Location, TravelMatrix

_WGS84 = Geod(ellps="WGS84")


def geodesic_metres(locations: Sequence[Location]) -> np.ndarray:
    """Straight-line (geodesic) metres between every pair of locations, as floats."""
    size = len(locations)
    latitudes = np.array([location.latitude for location in locations], dtype=float)
    longitudes = np.array([location.longitude for location in locations], dtype=float)
    rows, columns = np.triu_indices(size, k=1)
    metres = np.zeros((size, size))
    if len(rows):
        _, _, upper = _WGS84.inv(
            longitudes[rows], latitudes[rows], longitudes[columns], latitudes[columns]
        )
        metres[rows, columns] = upper
        metres[columns, rows] = upper
    return metres


def geodesic_matrix(
    locations: Sequence[Location], *, circuity: float, speed_kmh: float
) -> TravelMatrix:
    """Travel between ``locations``: geodesic metres x ``circuity`` at ``speed_kmh``.

    Returns
    -------
    TravelMatrix
        Integer seconds and metres, rounded, zero on the diagonal.
    """
    road_metres = geodesic_metres(locations) * circuity
    seconds = road_metres / (speed_kmh / 3.6)
    return TravelMatrix(
        location_ids=tuple(location.id for location in locations),
        seconds=np.rint(seconds).astype(np.int64),
        metres=np.rint(road_metres).astype(np.int64),
    )
