"""The offline SVG map of a day: road legs over streets with attribution, or straight legs."""

import re

import pytest

from scheduler.bench.roads import plan_week_on_roads
from scheduler.domain import Location
from scheduler.errors import ProblemError
from scheduler.service.itinerary import build_itinerary, itinerary_to_html
from scheduler.service.route_map import route_map_svg, route_places
from scheduler.settings import Settings

ANDORRA = Settings().shared_dir / "osm" / "andorra.osm.gz"
OFFICE = Location("office", 42.5060, 1.5210)
HOMES = (Location("h1", 42.5100, 1.5300), Location("h2", 42.5000, 1.5400))


@pytest.mark.skipif(not ANDORRA.is_file(), reason=f"no OSM extract at {ANDORRA}")
def test_day_map_follows_the_roads(tmp_path) -> None:
    """A planned Andorra day renders as SVG polylines over the street grid, every stop drawn."""
    settings = Settings(cache_dir=tmp_path)
    week = plan_week_on_roads(ANDORRA, settings=settings, time_limit=4.0)
    route = max(week.plan.routes, key=lambda r: len(r.stops))
    svg = route_map_svg(route_places(week.problem, route), network=week.network)
    assert svg.count('class="leg"') == len(route.stops) + 1
    assert svg.count('class="stop"') == len(route.stops)
    assert svg.count('class="street"') > 100
    legs = re.findall(r'class="leg" points="([^"]*)"', svg)
    assert any(len(points.split()) > 2 for points in legs)  # bends with the roads
    itinerary = build_itinerary(
        week.problem, week.plan, clinician_id=route.clinician_id, day=route.day
    )
    html = itinerary_to_html(itinerary, map_svg=svg)
    assert "OpenStreetMap contributors, ODbL" in html and "<script" not in html


def test_map_without_network_draws_straight_legs_and_no_streets() -> None:
    """With ``network=None`` each leg is one straight segment; no streets, no OSM credit."""
    svg = route_map_svg([OFFICE, *HOMES, OFFICE], network=None)
    legs = re.findall(r'class="leg" points="([^"]*)"', svg)
    assert len(legs) == 3 and all(len(points.split()) == 2 for points in legs)
    assert svg.count('class="stop"') == 2 and svg.count('class="home"') == 1
    assert 'class="street"' not in svg and "OpenStreetMap" not in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_map_needs_a_start_and_an_end() -> None:
    """A single place is not a day: the error says a start and an end are needed."""
    with pytest.raises(ProblemError, match="start and an end"):
        route_map_svg([OFFICE])
