"""The Leaflet map of a day: offline, legs on the road path, ids and times only, OSM credit.

A tiny road grid stands in for a real network: 4 x 4 nodes 0.01 degrees apart, two-way
streets between neighbours.
"""

import json
import re
from datetime import date
from itertools import pairwise

import numpy as np

from scheduler.domain import (
    HOUR,
    Clinician,
    Credential,
    Horizon,
    Location,
    Patient,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
)
from scheduler.geo.road_matrix import road_paths
from scheduler.geo.road_network import RoadNetwork
from scheduler.render.day_map import day_map_html
from scheduler.render.route_map import route_places

SIDE = 4
BASE = Location("base", 42.50, 1.50)
HOMES = (Location("h1", 42.52, 1.53), Location("h2", 42.53, 1.51))


def grid() -> RoadNetwork:
    """Two-way streets between neighbouring nodes of a 4 x 4 grid from (42.50, 1.50)."""
    rows, columns = np.divmod(np.arange(SIDE * SIDE), SIDE)
    edges = [
        (a, b)
        for a in range(SIDE * SIDE)
        for b in (a + 1, a + SIDE)
        if b < SIDE * SIDE and (b == a + SIDE or b % SIDE)
    ]
    sources = np.array([a for a, b in edges] + [b for a, b in edges])
    targets = np.array([b for a, b in edges] + [a for a, b in edges])
    return RoadNetwork(
        "grid",
        42.50 + 0.01 * rows,
        1.50 + 0.01 * columns,
        sources,
        targets,
        np.full(len(sources), 600),
        np.full(len(sources), 1000),
    )


def day() -> tuple[Problem, Route]:
    """A nurse leaving the base at 08:30 for two visits (09:00 and 10:00), back at 11:10."""
    nurse = Clinician("n1", "Nora Secret", Credential.RN, BASE, (Shift(0, TimeWindow(0, 86399)),))
    patients = tuple(
        Patient(f"p{k}", f"Patient Secret {k}", home) for k, home in enumerate(HOMES, 1)
    )
    problem = Problem(Horizon(date(2026, 12, 7)), (nurse,), patients, ())
    stops = (
        Stop("v1", "p1", 8 * HOUR + 3000, 9 * HOUR, 9 * HOUR + 2700, 1200, 4000),
        Stop("v2", "p2", 9 * HOUR + 3600, 10 * HOUR, 10 * HOUR + 2700, 900, 3000),
    )
    return problem, Route("n1", 0, 8 * HOUR + 1800, 11 * HOUR + 600, stops, 1500, 5000)


def page_data(html: str) -> dict:
    """The JSON the page draws from."""
    blob = re.search(r"const DAY = (\{.*?\});\n", html, re.DOTALL)
    assert blob is not None
    return json.loads(blob.group(1))


def test_page_holds_leaflet_inline_and_links_nothing() -> None:
    """Leaflet's code and style are in the page; no script, style or image is fetched."""
    problem, route = day()
    html = day_map_html(problem, route, network=grid())
    assert "Leaflet 1.9.4" in html and ".leaflet-container" in html
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=", html)
    assert "tileLayer(" not in html and "openstreetmap.org" not in html


def test_legs_follow_the_road_paths_and_streets_are_drawn() -> None:
    """Each leg's polyline is the road path of that leg; every grid street is drawn once."""
    problem, route = day()
    network = grid()
    data = page_data(day_map_html(problem, route, network=network))
    expected = road_paths(network, list(pairwise(route_places(problem, route))))
    assert [leg["path"] for leg in data["legs"]] == [[list(p) for p in path] for path in expected]
    assert any(len(leg["path"]) > 3 for leg in data["legs"])  # turns at street corners
    assert len(data["streets"]) == 2 * SIDE * (SIDE - 1)


def test_markers_show_ids_and_times_never_names_and_credit_osm() -> None:
    """Stops are numbered with visit ids and times; names stay out; the ODbL credit shows."""
    problem, route = day()
    html = day_map_html(problem, route, network=grid())
    data = page_data(html)
    assert [(s["number"], s["time"]) for s in data["stops"]] == [(1, "09:00"), (2, "10:00")]
    assert data["stops"][0]["label"] == "1. visit v1: arrive 08:50, visit 09:00-09:45"
    assert data["bases"] == [{"at": [42.5, 1.5], "label": "base: leaves 08:30, back 11:10"}]
    assert "Secret" not in html
    assert "© OpenStreetMap contributors, ODbL" in html
