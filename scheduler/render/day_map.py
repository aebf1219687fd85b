"""A clinician's day as an interactive Leaflet map that works offline.

Leaflet (BSD-2-Clause, vendored in ``_leaflet/``) is inlined, so the page loads nothing: no
script or style links, no tiles. The road network around the day is the background, each leg
follows its road path, stops are numbered with their visit id and times (never a patient's
name or address), and the start and end base are squares.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from itertools import pairwise

import numpy as np

from scheduler.domain import DAY, Problem, Route, format_clock
from scheduler.geo.road_matrix import road_paths
from scheduler.geo.road_network import RoadNetwork
from scheduler.render.route_map import route_places

ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
STREET_MARGIN = 0.25  # share of the day's extent drawn around it
MIN_MARGIN_DEGREES = 0.01
STREET_DECIMALS = 5  # about a metre
PAGE_STYLE = """
html, body, #map { height: 100%; margin: 0; }
#map { background: #f7f6f2; font: 13px sans-serif; }
.stop-icon { background: #fff; border: 3px solid #d1401f; border-radius: 50%;
  font: bold 12px/18px sans-serif; text-align: center; box-sizing: border-box; }
.base-icon { background: #2a9d3b; border: 2px solid #fff; box-sizing: border-box; }
.day-title { background: rgba(255, 255, 255, .9); padding: 6px 10px; border-radius: 4px; }
"""
SCRIPT = """
const map = L.map("map", {preferCanvas: true, zoomSnap: 0.25});
map.attributionControl.setPrefix("Leaflet");
map.attributionControl.addAttribution(DAY.attribution);
L.polyline(DAY.streets, {color: "#bdbdbd", weight: 1, interactive: false}).addTo(map);
const legs = DAY.legs.map((leg) =>
  L.polyline(leg.path, {color: "#1f6fd1", weight: 4, opacity: 0.85}).bindTooltip(leg.label)
    .addTo(map));
for (const base of DAY.bases) {
  const icon = L.divIcon({className: "base-icon", iconSize: [16, 16]});
  L.marker(base.at, {icon: icon}).bindTooltip(base.label).addTo(map);
}
for (const stop of DAY.stops) {
  const icon = L.divIcon({className: "stop-icon", html: String(stop.number), iconSize: [24, 24]});
  L.marker(stop.at, {icon: icon}).bindPopup(stop.label)
    .bindTooltip(stop.time, {permanent: true, direction: "right", offset: [12, 0]}).addTo(map);
}
const title = L.control({position: "topright"});
title.onAdd = () => Object.assign(L.DomUtil.create("div", "day-title"), {innerHTML: DAY.title});
title.addTo(map);
map.fitBounds(L.featureGroup(legs).getBounds(), {padding: [40, 40]});
"""


def day_map_html(problem: Problem, route: Route, *, network: RoadNetwork) -> str:
    """A self-contained HTML page mapping ``route`` on the road network.

    Parameters
    ----------
    problem
        The problem the route belongs to (for the places and the date).
    route
        The clinician's day to draw.
    network
        Road network the legs follow and the background is drawn from.

    Returns
    -------
    str
        A complete HTML document with Leaflet inlined; it fetches nothing.
    """
    places = route_places(problem, route)
    paths = road_paths(network, list(pairwise(places)))
    minutes = [stop.travel_seconds // 60 for stop in route.stops]
    minutes.append(route.return_travel_seconds // 60)
    legs = [
        {"path": [list(point) for point in path], "label": f"leg {number}: {drive} min"}
        for number, (path, drive) in enumerate(zip(paths, minutes, strict=True), start=1)
    ]
    stops = [
        {
            "number": number,
            "at": [place.latitude, place.longitude],
            "time": _clock(stop.start, route.day),
            "label": escape(
                f"{number}. visit {stop.visit_id}: arrive {_clock(stop.arrival, route.day)}, "
                f"visit {_clock(stop.start, route.day)}-{_clock(stop.end, route.day)}"
            ),
        }
        for number, (stop, place) in enumerate(zip(route.stops, places[1:-1], strict=True), 1)
    ]
    start, end = places[0], places[-1]
    leaves, back = _clock(route.start, route.day), _clock(route.end, route.day)
    bases = [{"at": [start.latitude, start.longitude], "label": f"start: leaves {leaves}"}]
    if end == start:
        bases[0]["label"] = f"base: leaves {leaves}, back {back}"
    else:
        bases.append({"at": [end.latitude, end.longitude], "label": f"end: back {back}"})
    day = problem.horizon.date_of(route.day).isoformat()
    title = f"Clinician {route.clinician_id}, {day}"
    driving = (sum(stop.travel_seconds for stop in route.stops) + route.return_travel_seconds) // 60
    data = {
        "title": escape(f"{title}: {len(route.stops)} visits, {driving} min driving"),
        "attribution": ATTRIBUTION,
        "streets": _streets(network, [point for path in paths for point in path]),
        "legs": legs,
        "stops": stops,
        "bases": bases,
    }
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    leaflet = files("scheduler.render") / "_leaflet"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f"<style>{(leaflet / 'leaflet.css').read_text(encoding='utf-8')}</style>\n"
        f"<style>{PAGE_STYLE}</style>\n"
        f"<script>{(leaflet / 'leaflet.js').read_text(encoding='utf-8')}</script>\n"
        '</head><body><div id="map"></div>\n'
        f"<script>const DAY = {blob};\n{SCRIPT}</script>\n</body></html>\n"
    )


def _clock(seconds: int, day: int) -> str:
    """``HH:MM`` of a horizon second on the route's own day."""
    return format_clock(seconds - day * DAY)


def _streets(network: RoadNetwork, points: list[tuple[float, float]]) -> list[list[list[float]]]:
    """Road segments around ``points`` (each two-way street once), as latitude-longitude pairs."""
    spread = np.array(points)
    low, high = spread.min(axis=0), spread.max(axis=0)
    margin = np.maximum((high - low) * STREET_MARGIN, MIN_MARGIN_DEGREES)
    (south, west), (north, east) = low - margin, high + margin
    inside = (
        (network.latitudes >= south) & (network.latitudes <= north)
        & (network.longitudes >= west) & (network.longitudes <= east)
    )  # fmt: skip
    keep = inside[network.edge_sources] & inside[network.edge_targets]
    ends = np.sort(np.column_stack((network.edge_sources[keep], network.edge_targets[keep])))
    latitudes = network.latitudes.round(STREET_DECIMALS)
    longitudes = network.longitudes.round(STREET_DECIMALS)
    return [
        [[float(latitudes[a]), float(longitudes[a])], [float(latitudes[b]), float(longitudes[b])]]
        for a, b in np.unique(ends, axis=0)
    ]
