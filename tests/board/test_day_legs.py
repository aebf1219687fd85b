"""The day's legs follow the roads when roads are on, straight lines otherwise."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from scheduler.demo.week import generate_agency_week
from scheduler.domain import Route, Stop
from scheduler.service.day_legs import day_legs
from scheduler.settings import Settings

GRID = 0.01  # degrees between the tiny network's crossings


def write_grid_osm(path: Path, south: float, west: float) -> None:
    """A 4 x 4 grid of two-way residential streets from (``south``, ``west``), as OSM XML."""
    nodes, ways = [], []
    ids = {(i, j): 1 + 4 * i + j for i in range(4) for j in range(4)}
    for (i, j), node in ids.items():
        nodes.append(f'<node id="{node}" lat="{south + i * GRID}" lon="{west + j * GRID}"/>')
    lines = [[ids[i, j] for j in range(4)] for i in range(4)]
    lines += [[ids[i, j] for i in range(4)] for j in range(4)]
    for number, line in enumerate(lines, start=100):
        refs = "".join(f'<nd ref="{node}"/>' for node in line)
        ways.append(f'<way id="{number}">{refs}<tag k="highway" v="residential"/></way>')
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
        + "".join(nodes)
        + "".join(ways)
        + "</osm>"
    )


@pytest.fixture(scope="module")
def day():
    """A tiny demo problem and a route visiting its first two patients."""
    problem = generate_agency_week(clinicians=3, patients=12, start_date=date(2026, 12, 7))
    first, second = problem.patients[:2]
    stops = tuple(
        Stop(f"v{k}", patient.id, 30_000 + k * 3600, 30_000 + k * 3600, 32_000 + k * 3600, 0, 0)
        for k, patient in enumerate((first, second))
    )
    route = Route(problem.clinicians[0].id, 0, 28_800, 40_000, stops, 0, 0)
    return problem, route


def test_legs_are_straight_lines_without_roads(day):
    """Geodesic travel: each leg is the straight line between its two places."""
    problem, route = day
    places, legs = day_legs(problem, route, settings=Settings(travel_provider="geodesic"))
    assert len(places) == 4 and len(legs) == 3
    assert all(len(leg) == 2 for leg in legs)
    assert legs[0] == [(p.latitude, p.longitude) for p in places[:2]]


def test_legs_follow_the_road_network_when_roads_are_on(day, tmp_path):
    """Road travel: a leg runs from its place along the network's crossings to the next."""
    problem, route = day
    places, _ = day_legs(problem, route, settings=Settings(travel_provider="geodesic"))
    south = min(p.latitude for p in places) - GRID
    west = min(p.longitude for p in places) - GRID
    osm = tmp_path / "grid.osm"
    write_grid_osm(osm, south, west)
    settings = Settings(travel_provider="road", road_network=osm, cache_dir=tmp_path / "cache")
    _, legs = day_legs(problem, route, settings=settings)
    assert len(legs) == 3
    for leg, (a, b) in zip(legs, pairwise(places), strict=True):
        assert leg[0] == (a.latitude, a.longitude) and leg[-1] == (b.latitude, b.longitude)
        crossings = leg[1:-1]
        assert crossings, "a road leg passes the network's crossings"
        for latitude, longitude in crossings:
            assert round((latitude - south) / GRID, 6).is_integer()
            assert round((longitude - west) / GRID, 6).is_integer()
