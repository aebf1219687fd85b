"""Road travel on a hand-made 3x3 street grid (tests/data/grid_town.osm), figures by hand.

The grid's nodes are 0.002 degrees apart: 164 m east-west, 222 m north-south. Main Street
(nodes 0-1-2, the south row) is a primary road signed 36 km/h; the other streets are
residential (25 km/h by default); One Way runs north from node 2 to node 8 only. A footway
cuts diagonally from node 0 to node 8, a private drive and a one-way dead end hang off the
grid: none of the three may carry a car. Node k sits at row k // 3 (south to north), column
k % 3 (west to east).
"""

from pathlib import Path

import numpy as np
import pytest

from scheduler.domain import Location
from scheduler.geo import travel_matrix
from scheduler.geo.road_matrix import road_matrix
from scheduler.geo.road_network import RoadNetwork, load_road_network
from scheduler.settings import Settings

GRID = Path(__file__).parent.parent / "data" / "grid_town.osm"


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> RoadNetwork:
    """The prepared grid network."""
    return load_road_network(GRID, cache_dir=tmp_path_factory.mktemp("grid"))


def node(k: int) -> Location:
    """A place exactly on grid node ``k``."""
    return Location(f"n{k}", 42.500 + 0.002 * (k // 3), 1.500 + 0.002 * (k % 3))


def arcs(grid: RoadNetwork) -> dict[tuple[int, int], tuple[int, int]]:
    """(deciseconds, metres) of each arc, keyed by (from node, to node) of the grid."""
    index = {
        (round(float(lat), 3), round(float(lon), 3)): k
        for k in range(9)
        for lat, lon in [(node(k).latitude, node(k).longitude)]
    }
    at = [
        index[(round(float(lat), 3), round(float(lon), 3))]
        for lat, lon in zip(grid.latitudes, grid.longitudes, strict=True)
    ]
    return {
        (at[s], at[t]): (int(d), int(m))
        for s, t, d, m in zip(
            grid.edge_sources,
            grid.edge_targets,
            grid.edge_deciseconds,
            grid.edge_metres,
            strict=True,
        )
    }


def test_only_the_drivable_strongly_connected_grid_is_kept(grid: RoadNetwork) -> None:
    """Nine nodes: no footway arc, no private drive, no one-way dead end."""
    assert grid.size == 9
    assert (0, 8) not in arcs(grid) and (8, 0) not in arcs(grid)


def test_speeds_come_from_maxspeed_or_the_road_class(grid: RoadNetwork) -> None:
    """164 m of Main Street at 36 km/h take 16.4 s; 164 m of a residential street 23.6 s."""
    timed = arcs(grid)
    assert timed[(0, 1)] == (164, 164)
    assert timed[(3, 4)] == (236, 164)
    assert timed[(0, 3)] == (320, 222)


def test_one_way_street_is_driven_one_way_only(grid: RoadNetwork) -> None:
    """Node 2 to node 8 takes One Way (64 s); back, the car goes round by west (104 s)."""
    assert (2, 5) in arcs(grid) and (5, 2) not in arcs(grid)
    matrix = road_matrix([node(2), node(8)], grid, access_speed_kmh=5.0)
    assert matrix.seconds[0, 1] == 64 and matrix.metres[0, 1] == 444
    assert matrix.seconds[1, 0] == 104 and matrix.metres[1, 0] == 164 + 222 + 222 + 164


def test_fastest_route_avoids_the_footway(grid: RoadNetwork) -> None:
    """Node 0 to node 8 goes along Main Street then One Way: 96.8 s, 772 m, not the diagonal."""
    matrix = road_matrix([node(0), node(8)], grid, access_speed_kmh=5.0)
    assert matrix.seconds[0, 1] == 97 and matrix.metres[0, 1] == 772


def test_road_provider_reads_the_configured_file(tmp_path: Path) -> None:
    """``travel_matrix(provider="road")`` on the grid equals the direct road matrix."""
    settings = Settings(road_network=GRID, cache_dir=tmp_path)
    places = [node(k) for k in (0, 2, 4, 8)]
    matrix = travel_matrix(places, provider="road", settings=settings)
    direct = road_matrix(
        places,
        load_road_network(GRID, cache_dir=tmp_path / "direct"),
        access_speed_kmh=settings.road_access_speed_kmh,
    )
    assert np.array_equal(matrix.seconds, direct.seconds)
    assert matrix.seconds[1, 3] == 64
