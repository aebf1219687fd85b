"""The printable SVG map of a day: straight legs, numbered stops, the base as a square."""

import re

import pytest

from scheduler.domain import Location
from scheduler.errors import ProblemError
from scheduler.render.route_map import route_map_svg

OFFICE = Location("office", 42.5060, 1.5210)
HOMES = (Location("h1", 42.5100, 1.5300), Location("h2", 42.5000, 1.5400))


def test_map_draws_straight_legs_and_numbered_stops() -> None:
    """Each leg is one straight segment, each stop a numbered circle, the base one square."""
    svg = route_map_svg([OFFICE, *HOMES, OFFICE])
    legs = re.findall(r'class="leg" points="([^"]*)"', svg)
    assert len(legs) == 3 and all(len(points.split()) == 2 for points in legs)
    assert svg.count('class="stop"') == 2 and svg.count('class="home"') == 1
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_map_needs_a_start_and_an_end() -> None:
    """A single place is not a day: the error says a start and an end are needed."""
    with pytest.raises(ProblemError, match="start and an end"):
        route_map_svg([OFFICE])
