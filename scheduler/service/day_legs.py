"""The legs of a clinician's day as lines to draw: on the road network when roads are on."""

from __future__ import annotations

from itertools import pairwise

from scheduler.domain import Location, Problem, Route
from scheduler.geo.road_matrix import road_paths
from scheduler.geo.road_network import load_road_network
from scheduler.render.route_map import route_places
from scheduler.settings import Settings

Path = list[tuple[float, float]]


def day_legs(
    problem: Problem, route: Route, *, settings: Settings
) -> tuple[list[Location], list[Path]]:
    """The day's places (start, stops, end) and each leg between two of them.

    With the road provider (``settings.travel_provider == "road"``) a leg follows the fastest
    road path; otherwise it is the straight (geodesic) line between its ends.
    """
    places = list(route_places(problem, route))
    legs = list(pairwise(places))
    if settings.travel_provider == "road" and settings.road_network is not None:
        network = load_road_network(settings.road_network, cache_dir=settings.cache_dir)
        return places, road_paths(network, legs)
    return places, [[(a.latitude, a.longitude), (b.latitude, b.longitude)] for a, b in legs]
