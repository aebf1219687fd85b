"""The road matrix benchmark: bulk Dijkstra against one networkx query per pair.

OSM data (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import numpy as np

from scheduler.demo.week import generate_agency_week
from scheduler.domain import Location, Plan, Problem
from scheduler.domain.kpis import reprice_travel
from scheduler.geo import travel_matrix
from scheduler.geo.road_matrix import METRES_PER_DEGREE, TIME_SCALE, road_matrix, snap_to_roads
from scheduler.geo.road_network import RoadNetwork, load_road_network
from scheduler.service.planning import plan_problem
from scheduler.settings import Settings
from scheduler.solver import SolveParams


@dataclass(frozen=True)
class RoadBench:
    """Seconds for each step, and the baseline's per-pair cost scaled to the full matrix."""

    road_nodes: int
    locations: int
    first_load: float
    saved_load: float
    matrix: float
    baseline_pairs: int
    baseline_per_pair: float

    @property
    def baseline_full(self) -> float:
        """Seconds the per-pair baseline would take for every pair."""
        return self.baseline_per_pair * self.locations * (self.locations - 1)

    @property
    def speedup(self) -> float:
        """How many times faster the bulk matrix is than the per-pair baseline."""
        return self.baseline_full / self.matrix


def bench_roads(source: Path, *, locations: int, baseline_pairs: int, seed: int) -> RoadBench:
    """Time the network's first and saved loads, the bulk matrix, and the per-pair baseline."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        load_road_network(source, cache_dir=Path(folder))
        first = time.perf_counter() - started
        started = time.perf_counter()
        network = load_road_network(source, cache_dir=Path(folder))
        saved = time.perf_counter() - started
    places = random_places(network, locations, seed=seed)
    started = time.perf_counter()
    road_matrix(places, network, access_speed_kmh=5.0)
    matrix = time.perf_counter() - started
    return RoadBench(
        network.size, locations, first, saved, matrix, baseline_pairs,
        _per_pair_seconds(network, places, baseline_pairs, seed),
    )  # fmt: skip


def random_places(network: RoadNetwork, count: int, *, seed: int) -> list[Location]:
    """Places up to ~300 m from random road nodes (homes near the streets)."""
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, network.size, size=count)
    jitter = rng.uniform(-300, 300, size=(count, 2)) / METRES_PER_DEGREE
    return [
        Location(f"x{k}", float(network.latitudes[n] + dy), float(network.longitudes[n] + dx))
        for k, (n, (dy, dx)) in enumerate(zip(nodes, jitter, strict=True))
    ]


def _per_pair_seconds(network: RoadNetwork, places: list[Location], pairs: int, seed: int) -> float:
    """Mean seconds of one networkx Dijkstra query between two snapped places."""
    graph = nx.DiGraph()
    weights = network.weights(TIME_SCALE).tocoo()
    graph.add_weighted_edges_from(
        zip(weights.row.tolist(), weights.col.tolist(), weights.data.tolist(), strict=True)
    )
    nodes, _ = snap_to_roads(places, network)
    chosen = np.random.default_rng(seed).integers(0, len(places), size=(pairs, 2))
    started = time.perf_counter()
    for i, j in chosen:
        nx.shortest_path_length(graph, int(nodes[i]), int(nodes[j]), weight="weight")
    return (time.perf_counter() - started) / pairs


@dataclass(frozen=True)
class RoadWeek:
    """A week planned on roads, and the same plan priced with straight lines."""

    problem: Problem
    plan: Plan
    network: RoadNetwork
    visits_planned: int
    road_seconds: int
    road_metres: int
    geodesic_seconds: int
    geodesic_metres: int


def plan_week_on_roads(source: Path, *, settings: Settings, time_limit: float) -> RoadWeek:
    """Plan the Andorra demo week on the road network, homes moved onto their nearest road.

    Generated homes fall anywhere in the valleys; real ones stand on a street. Each place is
    moved to its nearest road node first, so the comparison is roads against straight lines,
    not a walk up the mountain.
    """
    road_settings = settings.model_copy(update={"road_network": source})
    network = load_road_network(source, cache_dir=road_settings.cache_dir)
    problem = _on_the_roads(
        generate_agency_week(clinicians=12, patients=160, region="andorra"), network
    )
    params = SolveParams(time_limit=time_limit, workers=settings.solve_workers)
    plan = plan_problem(problem, settings=road_settings, provider="road", params=params).result.plan
    geodesic = travel_matrix(problem.locations(), provider="geodesic", settings=settings)
    straight_seconds, straight_metres = reprice_travel(problem, plan.routes, geodesic)
    return RoadWeek(
        problem,
        plan,
        network,
        plan.kpis.visits_planned,
        plan.kpis.travel_seconds,
        plan.kpis.travel_metres,
        straight_seconds,
        straight_metres,
    )


def _on_the_roads(problem: Problem, network: RoadNetwork) -> Problem:
    """The problem with every place moved onto its nearest road node."""
    places = problem.locations()
    nodes, _ = snap_to_roads(places, network)
    moved = {
        place.id: replace(
            place, latitude=float(network.latitudes[n]), longitude=float(network.longitudes[n])
        )
        for place, n in zip(places, nodes, strict=True)
    }
    clinicians = tuple(
        replace(c, start=moved[c.start.id], end=c.end and moved[c.end.id])
        for c in problem.clinicians
    )
    patients = tuple(replace(p, location=moved[p.location.id]) for p in problem.patients)
    return replace(problem, clinicians=clinicians, patients=patients)
