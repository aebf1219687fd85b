"""Drivable road networks from OpenStreetMap files, prepared once and cached on disk.

A network is read with osmnx from a local ``.osm``, ``.osm.gz``, ``.osm.bz2`` or a saved
``.graphml``; only drivable ways are kept, speeds come from ``maxspeed`` tags or a default per
road class, and only the largest strongly connected part is kept (every place can then reach
every other). The prepared network is stored as arrays (``.npz``) keyed by the source file's
hash, so the next load is fast.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

from scheduler.errors import TravelError

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger("scheduler")

# km/h where a way has no usable maxspeed tag
DEFAULT_SPEEDS = {
    "motorway": 100.0,
    "motorway_link": 50.0,
    "trunk": 80.0,
    "trunk_link": 40.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 35.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 30.0,
}
FALLBACK_SPEED = 30.0
CLOSED_ACCESS = {"no", "private"}


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road graph as arrays: node coordinates and edges with time and length.

    ``edge_deciseconds`` and ``edge_metres`` are integers, so sums along paths are exact.
    """

    fingerprint: str
    latitudes: np.ndarray
    longitudes: np.ndarray
    edge_sources: np.ndarray
    edge_targets: np.ndarray
    edge_deciseconds: np.ndarray
    edge_metres: np.ndarray

    @property
    def size(self) -> int:
        """Number of road nodes."""
        return len(self.latitudes)

    def weights(self, time_scale: int) -> csr_matrix:
        """Sparse ``time_scale * deciseconds + metres`` per arc (fastest, then shortest).

        Of parallel edges only the best counts (a sparse matrix would add them up).
        """
        combined = self.edge_deciseconds.astype(np.float64) * time_scale + self.edge_metres
        order = np.lexsort((combined, self.edge_targets, self.edge_sources))
        pairs = np.column_stack((self.edge_sources[order], self.edge_targets[order]))
        first = np.ones(len(order), dtype=bool)
        first[1:] = (pairs[1:] != pairs[:-1]).any(axis=1)
        kept = order[first]
        return csr_matrix(
            (combined[kept], (self.edge_sources[kept], self.edge_targets[kept])),
            shape=(self.size, self.size),
        )


def load_road_network(source: Path, *, cache_dir: Path) -> RoadNetwork:
    """The prepared drivable network of an OSM or GraphML file, from the cache when possible.

    Raises
    ------
    TravelError
        When the file is missing, of an unknown kind, or has no drivable roads.
    """
    if not source.is_file():
        raise TravelError(f"no road network file at {source}; give an .osm(.gz/.bz2) or .graphml")
    fingerprint = _file_hash(source)
    cached = cache_dir / f"roads-{fingerprint[:16]}.npz"
    if cached.is_file():
        with np.load(cached) as arrays:
            return RoadNetwork(fingerprint, **{name: arrays[name] for name in arrays.files})
    network = _prepare(source, fingerprint)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial.npz")
    np.savez(
        partial,
        latitudes=network.latitudes,
        longitudes=network.longitudes,
        edge_sources=network.edge_sources,
        edge_targets=network.edge_targets,
        edge_deciseconds=network.edge_deciseconds,
        edge_metres=network.edge_metres,
    )
    partial.replace(cached)
    return network


def _file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _prepare(source: Path, fingerprint: str) -> RoadNetwork:
    """Read, keep drivable ways and the largest strongly connected part, time each edge.

    The graph is not simplified: the nodes along each way are where homes snap to the road.
    """
    import osmnx as ox  # heavy: imported only when a network is built

    name = source.name.lower()
    if name.endswith(".graphml"):
        graph = ox.load_graphml(source)
    elif name.endswith((".osm", ".osm.gz", ".osm.bz2")):
        graph = _read_osm(source)
    elif name.endswith(".pbf"):
        raise TravelError(
            f"{source.name}: .osm.pbf is not read directly; convert it first, e.g. "
            "'osmium cat file.osm.pbf -o file.osm.bz2'"
        )
    else:
        raise TravelError(
            f"{source.name}: unknown road network format; use .osm(.gz/.bz2) or .graphml"
        )
    if not name.endswith(".graphml"):
        drop = [
            (u, v, k) for u, v, k, data in graph.edges(keys=True, data=True) if not _drivable(data)
        ]
        graph.remove_edges_from(drop)
        graph.remove_nodes_from([node for node, degree in graph.degree() if degree == 0])
        if graph.number_of_edges() == 0:
            raise TravelError(f"{source.name} has no drivable roads")
        graph = ox.truncate.largest_component(graph, strongly=True)
        graph = ox.routing.add_edge_speeds(
            graph, hwy_speeds=DEFAULT_SPEEDS, fallback=FALLBACK_SPEED
        )
        graph = ox.routing.add_edge_travel_times(graph)
    nodes = list(graph.nodes)
    position = {node: index for index, node in enumerate(nodes)}
    edges = list(graph.edges(data=True))
    log.info("road network %s: %d nodes, %d edges", source.name, len(nodes), len(edges))
    return RoadNetwork(
        fingerprint=fingerprint,
        latitudes=np.array([graph.nodes[n]["y"] for n in nodes], dtype=float),
        longitudes=np.array([graph.nodes[n]["x"] for n in nodes], dtype=float),
        edge_sources=np.array([position[u] for u, _, _ in edges], dtype=np.int64),
        edge_targets=np.array([position[v] for _, v, _ in edges], dtype=np.int64),
        edge_deciseconds=np.array(
            [max(1, round(10 * float(d["travel_time"]))) for *_, d in edges], dtype=np.int64
        ),
        edge_metres=np.array(
            [max(1, round(float(d["length"]))) for *_, d in edges], dtype=np.int64
        ),
    )


def _read_osm(source: Path) -> nx.MultiDiGraph:
    """An osmnx graph of every way in an OSM XML file (decompressed first when gzipped)."""
    import osmnx as ox

    if not source.name.lower().endswith(".gz"):
        return ox.graph_from_xml(source, simplify=False, retain_all=True)
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / source.name[: -len(".gz")]
        with gzip.open(source, "rb") as packed, plain.open("wb") as unpacked:
            shutil.copyfileobj(packed, unpacked)
        return ox.graph_from_xml(plain, simplify=False, retain_all=True)


def _drivable(data: dict) -> bool:
    """Whether an OSM way is open to cars."""
    highway = data.get("highway")
    highways = highway if isinstance(highway, list) else [highway]
    if not any(h in DEFAULT_SPEEDS for h in highways):
        return False
    return not ({data.get("access"), data.get("motor_vehicle")} & CLOSED_ACCESS)
