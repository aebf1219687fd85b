"""A clinician's day as a self-contained HTML map following the roads (works offline).

The streets of the road network are drawn as the background, the day's legs along their road
paths on top, stops numbered in visiting order. No tiles or scripts are fetched.
"""

from __future__ import annotations

from html import escape
from itertools import pairwise

import numpy as np

from scheduler.domain import Problem, Route, format_clock
from scheduler.geo.road_matrix import road_paths
from scheduler.geo.road_network import RoadNetwork

WIDTH, HEIGHT, MARGIN = 900, 700, 30
ATTRIBUTION = "Road data (c) OpenStreetMap contributors, ODbL"


def route_map_html(problem: Problem, route: Route, network: RoadNetwork) -> str:
    """The day of ``route`` on ``network`` as an HTML page with an inline SVG map."""
    clinician = problem.clinician_by_id[route.clinician_id]
    places = [clinician.start]
    places += [problem.patient_by_id[stop.patient_id].location for stop in route.stops]
    places.append(clinician.end_location)
    paths = road_paths(network, list(pairwise(places)))
    points = np.array([point for path in paths for point in path])
    south, west = points.min(axis=0) - 0.004
    north, east = points.max(axis=0) + 0.004
    scale = min(
        (WIDTH - 2 * MARGIN) / ((east - west) * np.cos(np.radians((north + south) / 2))),
        (HEIGHT - 2 * MARGIN) / (north - south),
    )
    shrink = np.cos(np.radians((north + south) / 2))

    def project(latitude: float, longitude: float) -> tuple[float, float]:
        return MARGIN + (longitude - west) * shrink * scale, MARGIN + (north - latitude) * scale

    def xy(latitude: float, longitude: float) -> str:
        x, y = project(latitude, longitude)
        return f"{x:.1f},{y:.1f}"

    inside = (
        (network.latitudes >= south) & (network.latitudes <= north)
        & (network.longitudes >= west) & (network.longitudes <= east)
    )  # fmt: skip
    streets = "".join(
        f'<polyline class="street" points="{xy(network.latitudes[a], network.longitudes[a])} '
        f'{xy(network.latitudes[b], network.longitudes[b])}"/>'
        for a, b in zip(network.edge_sources, network.edge_targets, strict=True)
        if inside[a] and inside[b]
    )
    legs = "".join(
        f'<polyline class="leg" points="{" ".join(xy(*p) for p in path)}"/>' for path in paths
    )
    stops = ""
    for number, place in enumerate(places[1:-1], start=1):
        x, y = project(place.latitude, place.longitude)
        stops += f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" class="stop"/>'
        stops += f'<text x="{x:.1f}" y="{y + 4:.1f}">{number}</text>'
    home_x, home_y = project(clinician.start.latitude, clinician.start.longitude)
    rows = "".join(
        f"<tr><td>{k}</td><td>{format_clock(s.start)}-{format_clock(s.end)}</td>"
        f"<td>{escape(s.patient_id)}</td><td>{s.travel_seconds // 60} min</td></tr>"
        for k, s in enumerate(route.stops, start=1)
    )
    day = problem.horizon.date_of(route.day).isoformat()
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{escape(clinician.id)} on {day}</title>
<style>
body {{ font-family: sans-serif; margin: 16px; }}
.street {{ stroke: #c8c8c8; stroke-width: 1; fill: none; }}
.leg {{ stroke: #1f6fd1; stroke-width: 3.5; fill: none; stroke-linejoin: round; opacity: .85; }}
.stop {{ fill: #fff; stroke: #d1401f; stroke-width: 3; }}
text {{ font-size: 11px; text-anchor: middle; font-weight: bold; }}
.home {{ fill: #2a9d3b; }}
table {{ border-collapse: collapse; }} td {{ padding: 2px 10px; border-bottom: 1px solid #ddd; }}
</style></head><body>
<h2>{escape(clinician.id)} ({clinician.credential}) on {day}: {len(route.stops)} visits,
{route.travel_seconds // 60} min driving</h2>
<svg width="{WIDTH}" height="{HEIGHT}" style="border:1px solid #999">{streets}{legs}
<rect class="home" x="{home_x - 8:.1f}" y="{home_y - 8:.1f}" width="16" height="16"/>
{stops}</svg>
<table><tr><th>#</th><th>visit</th><th>patient</th><th>drive</th></tr>{rows}</table>
<p><small>{ATTRIBUTION}</small></p></body></html>
"""
