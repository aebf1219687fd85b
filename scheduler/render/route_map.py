"""A clinician's day as an inline SVG map for the printable itinerary (no tiles, no scripts).

Legs are straight lines; stops are numbered in visiting order; the start (and a different end)
is a green square. ``day_map.py`` draws a day on the road network instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from scheduler.domain import Location, Problem, Route
from scheduler.errors import ProblemError

WIDTH, HEIGHT, MARGIN = 900, 700, 30
PAD_DEGREES = 0.004
STYLE = """
.leg { stroke: #1f6fd1; stroke-width: 3.5; fill: none; stroke-linejoin: round; opacity: .85; }
.stop { fill: #fff; stroke: #d1401f; stroke-width: 3; }
.home { fill: #2a9d3b; }
.number { font: bold 11px sans-serif; text-anchor: middle; }
"""


def route_places(problem: Problem, route: Route) -> tuple[Location, ...]:
    """The places of ``route`` in order: start, each stop's patient home, end."""
    clinician = problem.clinician_by_id[route.clinician_id]
    homes = tuple(problem.patient_by_id[stop.patient_id].location for stop in route.stops)
    return (clinician.start, *homes, clinician.end_location)


def route_map_svg(places: Sequence[Location]) -> str:
    """An inline SVG map of a day through ``places`` (start, stop 1, ..., stop N, end).

    Parameters
    ----------
    places
        The start, the stops in visiting order, then the end.

    Returns
    -------
    str
        An ``<svg>`` element, ready to place in an HTML page.

    Raises
    ------
    ProblemError
        When fewer than two places are given.
    """
    if len(places) < 2:
        raise ProblemError(f"a day map needs a start and an end, got {len(places)} place(s)")
    paths = [[(a.latitude, a.longitude), (b.latitude, b.longitude)] for a, b in pairwise(places)]
    points = np.array([point for path in paths for point in path])
    south, west = points.min(axis=0) - PAD_DEGREES
    north, east = points.max(axis=0) + PAD_DEGREES
    shrink = float(np.cos(np.radians((north + south) / 2)))
    scale = min(
        (WIDTH - 2 * MARGIN) / ((east - west) * shrink), (HEIGHT - 2 * MARGIN) / (north - south)
    )

    def project(latitude: float, longitude: float) -> tuple[float, float]:
        return MARGIN + (longitude - west) * shrink * scale, MARGIN + (north - latitude) * scale

    def xy(latitude: float, longitude: float) -> str:
        x, y = project(latitude, longitude)
        return f"{x:.1f},{y:.1f}"

    lines = "".join(
        f'<polyline class="leg" points="{" ".join(xy(*p) for p in path)}"/>' for path in paths
    )
    homes = ""
    ends = [places[0]] if places[-1] == places[0] else [places[0], places[-1]]
    for place in ends:
        x, y = project(place.latitude, place.longitude)
        homes += f'<rect class="home" x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16"/>'
    stops = ""
    for number, place in enumerate(places[1:-1], start=1):
        x, y = project(place.latitude, place.longitude)
        stops += f'<circle class="stop" cx="{x:.1f}" cy="{y:.1f}" r="9"/>'
        stops += f'<text class="number" x="{x:.1f}" y="{y + 4:.1f}">{number}</text>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="route-map" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="map of the day">'
        f"<style>{STYLE}</style>{lines}{homes}{stops}</svg>"
    )
