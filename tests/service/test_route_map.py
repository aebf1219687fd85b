"""The offline HTML map of a day draws the streets, the legs and the stops, with attribution."""

import pytest

from scheduler.bench.roads import plan_week_on_roads
from scheduler.service.route_map import route_map_html
from scheduler.settings import Settings

ANDORRA = Settings().shared_dir / "osm" / "andorra.osm.gz"


@pytest.mark.skipif(not ANDORRA.is_file(), reason=f"no OSM extract at {ANDORRA}")
def test_day_map_follows_the_roads(tmp_path) -> None:
    """A planned Andorra day renders as SVG polylines over the street grid, every stop drawn."""
    settings = Settings(cache_dir=tmp_path)
    week = plan_week_on_roads(ANDORRA, settings=settings, time_limit=4.0)
    route = max(week.plan.routes, key=lambda r: len(r.stops))
    html = route_map_html(week.problem, route, week.network)
    assert html.count('class="leg"') == len(route.stops) + 1
    assert html.count('class="stop"') == len(route.stops)
    assert html.count('class="street"') > 100
    assert "OpenStreetMap contributors, ODbL" in html and "<script" not in html
