"""Travel matrices on a road network, in bulk, cached on disk.

Each place is snapped to its nearest road node (the walk from the road is counted at a slow
speed). One multi-source Dijkstra pass (scipy) from the snapped nodes gives every pair at once:
arc weights are ``TIME_SCALE * deciseconds + metres``, integers, so the pass finds the fastest
path (the shortest among equally fast ones) and each sum splits back exactly into its time and
its length. Matrices are cached keyed by the network and the places.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from scheduler.domain import Location, TravelMatrix
from scheduler.errors import TravelError
from scheduler.geo.road_network import RoadNetwork

TIME_SCALE = 1 << 24  # metres of any path stay below this: time and length never mix
METRES_PER_DEGREE = 111_320.0


def road_matrix(
    locations: Sequence[Location],
    network: RoadNetwork,
    *,
    access_speed_kmh: float,
    cache_dir: Path | None = None,
) -> TravelMatrix:
    """Travel seconds and metres between ``locations`` on ``network``.

    Parameters
    ----------
    access_speed_kmh
        Speed of the leg between a place and its nearest road node.
    cache_dir
        Where matrices are kept, keyed by the network and the places; ``None``: no cache.
    """
    ids = tuple(location.id for location in locations)
    cached = _cache_path(cache_dir, network, locations, access_speed_kmh)
    if cached is not None and cached.is_file():
        with np.load(cached) as arrays:
            return TravelMatrix(ids, arrays["seconds"], arrays["metres"])
    nodes, access_metres = snap_to_roads(locations, network)
    sources, inverse = np.unique(nodes, return_inverse=True)
    combined = dijkstra(network.weights(TIME_SCALE), directed=True, indices=sources)
    between = combined[inverse][:, nodes]
    if not np.isfinite(between).all():
        raise TravelError("some places cannot reach each other on this road network")
    totals = between.astype(np.int64)
    access_seconds = access_metres / (access_speed_kmh / 3.6)
    seconds = np.rint(
        (totals // TIME_SCALE) / 10 + access_seconds[:, None] + access_seconds[None, :]
    ).astype(np.int64)
    metres = np.rint(totals % TIME_SCALE + access_metres[:, None] + access_metres[None, :]).astype(
        np.int64
    )
    np.fill_diagonal(seconds, 0)
    np.fill_diagonal(metres, 0)
    matrix = TravelMatrix(ids, seconds, metres)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial.npz")
        np.savez(partial, seconds=matrix.seconds, metres=matrix.metres)
        partial.replace(cached)
    return matrix


def snap_to_roads(
    locations: Sequence[Location], network: RoadNetwork
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest road node of each place, and the metres to it (local flat projection)."""
    scale = np.cos(np.radians(np.mean(network.latitudes)))
    roads = np.column_stack((network.longitudes * scale, network.latitudes)) * METRES_PER_DEGREE
    places = np.array([(loc.longitude * scale, loc.latitude) for loc in locations])
    distance, nodes = cKDTree(roads).query(places * METRES_PER_DEGREE)
    return nodes.astype(np.int64), distance


def _cache_path(
    cache_dir: Path | None,
    network: RoadNetwork,
    locations: Sequence[Location],
    access_speed_kmh: float,
) -> Path | None:
    """Cache file for these places on this network."""
    if cache_dir is None:
        return None
    digest = hashlib.sha256(f"{network.fingerprint}:{access_speed_kmh}".encode())
    for location in locations:
        digest.update(f"{location.id}:{location.latitude:.7f},{location.longitude:.7f};".encode())
    return cache_dir / f"matrix-{digest.hexdigest()[:24]}.npz"


def road_paths(
    network: RoadNetwork, legs: Sequence[tuple[Location, Location]]
) -> list[list[tuple[float, float]]]:
    """The road geometry of each leg: (latitude, longitude) points from origin to destination.

    Each leg follows the fastest path between the places' nearest road nodes, with the places
    themselves at both ends. One Dijkstra pass per distinct origin.
    """
    if not legs:
        return []
    origins = [origin for origin, _ in legs]
    destinations = [destination for _, destination in legs]
    start_nodes, _ = snap_to_roads(origins, network)
    end_nodes, _ = snap_to_roads(destinations, network)
    sources, inverse = np.unique(start_nodes, return_inverse=True)
    _, predecessors = dijkstra(
        network.weights(TIME_SCALE), directed=True, indices=sources, return_predecessors=True
    )
    paths = []
    for leg, (origin, destination) in enumerate(legs):
        row, node = predecessors[inverse[leg]], int(end_nodes[leg])
        nodes = [node]
        while node != start_nodes[leg] and row[node] >= 0:
            node = int(row[node])
            nodes.append(node)
        points = [
            (float(network.latitudes[n]), float(network.longitudes[n])) for n in reversed(nodes)
        ]
        paths.append(
            [
                (origin.latitude, origin.longitude),
                *points,
                (destination.latitude, destination.longitude),
            ]
        )
    return paths
