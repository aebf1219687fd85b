"""Road travel on the real Andorra extract: bulk matrices equal independent shortest paths.

OSM data (c) OpenStreetMap contributors, ODbL.
"""

from itertools import pairwise
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from scheduler.domain import Location
from scheduler.errors import TravelError
from scheduler.geo import travel_matrix
from scheduler.geo.road_matrix import TIME_SCALE, road_matrix, road_paths, snap_to_roads
from scheduler.geo.road_network import load_road_network
from scheduler.settings import Settings

ANDORRA = Settings().shared_dir / "osm" / "andorra.osm.gz"
needs_andorra = pytest.mark.skipif(not ANDORRA.is_file(), reason=f"no OSM extract at {ANDORRA}")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory):
    """The prepared Andorra network (built once for the module)."""
    if not ANDORRA.is_file():
        pytest.skip(f"no OSM extract at {ANDORRA}")
    return load_road_network(ANDORRA, cache_dir=tmp_path_factory.mktemp("roads"))


def at_nodes(network, count: int, seed: int = 3) -> list[Location]:
    """Places exactly on random road nodes (no walk from the road)."""
    picks = np.random.default_rng(seed).choice(network.size, size=count, replace=False)
    return [
        Location(f"n{k}", float(network.latitudes[k]), float(network.longitudes[k])) for k in picks
    ]


@needs_andorra
def test_network_keeps_only_a_strongly_connected_drivable_part(network) -> None:
    """Every road node reaches every other, and edges carry positive time and length."""
    graph = nx.DiGraph()
    graph.add_edges_from(
        zip(network.edge_sources.tolist(), network.edge_targets.tolist(), strict=True)
    )
    assert nx.is_strongly_connected(graph) and graph.number_of_nodes() == network.size > 1000
    assert (network.edge_deciseconds > 0).all() and (network.edge_metres > 0).all()


@needs_andorra
def test_matrix_equals_independent_shortest_paths_on_50_pairs(network) -> None:
    """50 random pairs: the bulk matrix equals networkx Dijkstra on the same arcs, exactly."""
    places = at_nodes(network, 60)
    matrix = road_matrix(places, network, access_speed_kmh=5.0)
    graph = nx.DiGraph()
    for u, v, t, m in zip(
        network.edge_sources,
        network.edge_targets,
        network.edge_deciseconds,
        network.edge_metres,
        strict=True,
    ):
        weight = int(t) * TIME_SCALE + int(m)
        if not graph.has_edge(u, v) or graph[u][v]["w"] > weight:
            graph.add_edge(int(u), int(v), w=weight, t=int(t), m=int(m))
    nodes, _ = snap_to_roads(places, network)
    rng = np.random.default_rng(9)
    for i, j in rng.choice(len(places), size=(50, 2)):
        if i == j:
            continue
        path = nx.dijkstra_path(graph, int(nodes[i]), int(nodes[j]), weight="w")
        deciseconds = sum(graph[a][b]["t"] for a, b in pairwise(path))
        metres = sum(graph[a][b]["m"] for a, b in pairwise(path))
        assert matrix.seconds[i, j] == round(deciseconds / 10)
        assert matrix.metres[i, j] == metres


@needs_andorra
def test_walk_from_the_road_is_counted(network) -> None:
    """A place 100 m off its road node adds the walk at the access speed to both directions."""
    on, off = at_nodes(network, 2)
    moved = Location("off", off.latitude + 100 / 111_320, off.longitude)
    base = road_matrix([on, off], network, access_speed_kmh=5.0)
    away = road_matrix([on, moved], network, access_speed_kmh=5.0)
    assert away.metres[0, 1] > base.metres[0, 1] and away.seconds[0, 1] > base.seconds[0, 1]


@needs_andorra
def test_matrix_cache_returns_the_same_matrix(network, tmp_path: Path) -> None:
    """The second build of the same places comes from the disk cache, identical."""
    places = at_nodes(network, 20)
    first = road_matrix(places, network, access_speed_kmh=5.0, cache_dir=tmp_path)
    assert list(tmp_path.glob("matrix-*.npz"))
    again = road_matrix(places, network, access_speed_kmh=5.0, cache_dir=tmp_path)
    assert np.array_equal(first.seconds, again.seconds) and np.array_equal(
        first.metres, again.metres
    )


def test_road_provider_without_a_network_says_how_to_fix_it() -> None:
    """Asking for road travel with no network configured names the setting."""
    with pytest.raises(TravelError, match="SCHEDULER_ROAD_NETWORK"):
        travel_matrix(
            [Location("a", 42.5, 1.5)], provider="road", settings=Settings(road_network=None)
        )


def test_missing_or_unsupported_network_files_are_clear(tmp_path: Path) -> None:
    """A missing file and a .pbf each get a message, not a stack trace."""
    with pytest.raises(TravelError, match="no road network file"):
        load_road_network(tmp_path / "none.osm", cache_dir=tmp_path)
    pbf = tmp_path / "x.osm.pbf"
    pbf.write_bytes(b"\x00")
    with pytest.raises(TravelError, match="convert it first"):
        load_road_network(pbf, cache_dir=tmp_path)


@needs_andorra
def test_road_paths_follow_network_arcs_between_the_places(network) -> None:
    """A leg's geometry starts and ends at the places and steps only along road arcs."""
    origin, destination = at_nodes(network, 2, seed=7)
    (path,) = road_paths(network, [(origin, destination)])
    assert path[0] == (origin.latitude, origin.longitude)
    assert path[-1] == (destination.latitude, destination.longitude)
    position = {
        (float(lat), float(lon)): k
        for k, (lat, lon) in enumerate(zip(network.latitudes, network.longitudes, strict=True))
    }
    arcs = set(zip(network.edge_sources.tolist(), network.edge_targets.tolist(), strict=True))
    nodes = [position[point] for point in path[1:-1]]
    assert all((a, b) in arcs for a, b in pairwise(nodes))
