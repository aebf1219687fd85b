"""The week board in Chromium: the plan's stops, KPIs, filters, left-out visits, moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from urllib.error import HTTPError
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from scheduler.errors import ConflictError
from scheduler.service.board_edits import place_visit
from scheduler.service.reschedule import reschedule_day
from scheduler.service.reschedule_events import ClinicianUnavailable
from scheduler.store.board_week import published_stop_times
from scheduler.store.database import transaction
from scheduler.store.published_days import published_plan_days
from tests.board.audit import audit_mark, audit_since
from tests.board.conftest import screenshot, sign_in
from tests.board.support import (
    DEMO_BRANCH,
    SCRIPT_NAME,
    Demo,
    leave_out_one,
    monday,
    published_stops,
    served_demo,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The tiny demo branch's week two weeks ahead, served."""
    logins = ("scheduler", "clinician c01")
    with served_demo(tmp_path_factory.mktemp("week"), start=monday(2), logins=logins) as served:
        yield served


def open_week(page: Page, demo: Demo) -> None:
    """Sign in as the scheduler and open the demo's week."""
    sign_in(page, demo, "scheduler")
    page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/week?start={demo.start}"))


def board_stops(page: Page) -> dict[tuple[str, str], set[str]]:
    """The visits drawn in each clinician's day on the board."""
    drawn: dict[tuple[str, str], set[str]] = {}
    for cell in page.locator("td.cell").all():
        visits = set(cell.locator(".block").evaluate_all("all => all.map(b => b.dataset.visit)"))
        if visits:
            key = (cell.get_attribute("data-clinician"), cell.get_attribute("data-day"))
            drawn[key] = visits
    return drawn


def test_the_board_shows_exactly_the_plans_stops(page: Page, demo: Demo):
    """Each clinician's day on the board holds exactly the published plan's visits there."""
    open_week(page, demo)
    expect(page.locator("#board")).to_be_visible()
    assert board_stops(page) == published_stops(demo)
    assert page.locator("#kpis .kpi").count() == 6
    expect(page.locator("#kpis")).to_contain_text("Continuity")
    screenshot(page, "board")


def test_a_patient_named_like_a_script_is_shown_as_text(page: Page, demo: Demo):
    """The patient named <script>alert(1)</script> is a block's text; no script runs."""
    open_week(page, demo)
    named = page.locator(".block", has_text=SCRIPT_NAME)
    expect(named.first).to_have_text(SCRIPT_NAME)
    assert page.locator("script").count() == 1  # the board's own file only


def test_filters_hide_other_disciplines_and_clinicians(page: Page, demo: Demo):
    """Unticking a discipline hides its clinicians; choosing a clinician shows only theirs."""
    open_week(page, demo)
    rows = page.locator("#board tbody tr")
    total = rows.count()
    page.locator("#discipline-filter input[value=PT]").uncheck()
    expect(page.locator("#board tbody tr:not(.hidden)")).to_have_count(total - 1)
    page.locator("#discipline-filter input[value=PT]").check()
    page.select_option("#clinician-filter", "c01")
    expect(page.locator("#board tbody tr:not(.hidden)")).to_have_count(1)
    expect(page.locator("#board tbody tr:not(.hidden)")).to_have_attribute("data-clinician", "c01")


def test_a_left_out_visit_is_assigned_from_its_options(page: Page, demo: Demo):
    """The panel gives the reason; its options are offered; assigning one publishes it."""
    visit_id = leave_out_one(demo)
    open_week(page, demo)
    item = page.locator(f"#left-out li[data-visit='{visit_id}']")
    expect(item).to_contain_text("Taken out to make room")
    screenshot(page, "left-out-panel")
    item.get_by_role("link", name="who can take it").click()
    expect(page.locator("#reason")).to_contain_text("Taken out to make room")
    options = page.locator("#options tbody tr")
    expect(options.first.get_by_role("button", name="Assign")).to_be_visible()
    screenshot(page, "left-out-options")
    mark = audit_mark(demo)
    options.first.get_by_role("button", name="Assign").click()
    expect(page.locator("#notice")).to_have_text("The change is published.")
    user = demo.user_ids["scheduler"]
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "assign", visit_id, 303)]
    expect(page.locator(f".block[data-visit='{visit_id}']")).to_have_count(1)
    expect(page.locator(f"#left-out li[data-visit='{visit_id}']")).to_have_count(0)
    assert board_stops(page) == published_stops(demo)


def test_a_move_breaking_a_rule_is_refused_naming_it(page: Page, demo: Demo):
    """A nurse's visit moved to the physical therapist is refused: qualification."""
    open_week(page, demo)
    before = board_stops(page)
    visit_id = sorted(next(v for (c, _), v in before.items() if c == "c01"))[0]
    day = next(d for (c, d), v in before.items() if visit_id in v)
    page.fill("#move-visit", visit_id)
    page.select_option("#move-clinician", "c02")
    page.fill("#move-day", day)
    page.fill("#move-time", "10:00")
    page.click("#move-form button[type=submit]")
    expect(page.locator("#refusal")).to_contain_text("qualification")
    assert board_stops(page) == before == published_stops(demo)


def test_a_block_dragged_to_a_day_is_moved_there(page: Page, demo: Demo):
    """Dropping a block on its own day at its own time sends the move: published again."""
    open_week(page, demo)
    revision = page.locator(".revision").inner_text()
    block = page.locator("td.cell[data-clinician='c01'] .block").first
    visit_id = block.get_attribute("data-visit")
    cell = page.locator(f"td.cell:has(.block[data-visit='{visit_id}'])")
    box, cell_box = block.bounding_box(), cell.bounding_box()
    mark = audit_mark(demo)
    block.drag_to(cell, target_position={"x": box["x"] - cell_box["x"] + 1, "y": 10})
    expect(page.locator("#notice")).to_have_text("The change is published.")
    assert page.locator(".revision").inner_text() != revision
    user = demo.user_ids["scheduler"]
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "move", visit_id, 303)]
    expect(page.locator(f".block[data-visit='{visit_id}']")).to_have_count(1)
    assert board_stops(page) == published_stops(demo)


def test_a_change_from_a_stale_page_is_refused(page: Page, demo: Demo):
    """A move sent from a page older than the schedule's last change is refused, not saved."""
    open_week(page, demo)
    stale = page.context.new_page()
    stale.goto(page.url)
    block = page.locator("td.cell .block").first
    visit_id = block.get_attribute("data-visit")
    cell = page.locator(f"td.cell:has(.block[data-visit='{visit_id}'])")
    box, cell_box = block.bounding_box(), cell.bounding_box()
    block.drag_to(cell, target_position={"x": box["x"] - cell_box["x"] + 1, "y": 10})
    expect(page.locator("#notice")).to_have_text("The change is published.")
    before = published_stops(demo)
    stale.fill("#move-visit", visit_id)  # where it is: a move the rules allow
    stale.select_option("#move-clinician", cell.get_attribute("data-clinician"))
    stale.fill("#move-day", cell.get_attribute("data-day"))
    title = page.locator(f".block[data-visit='{visit_id}']").get_attribute("title")
    stale.fill("#move-time", title[:5])
    stale.click("#move-form button[type=submit]")
    expect(stale.locator("#refusal")).to_contain_text("The schedule changed since")
    assert published_stops(demo) == before


def fetch(url: str) -> tuple[int, str, str]:
    """Status, content type and text of ``url`` fetched as a calendar app would: no cookie."""
    try:
        with urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers["content-type"], answer.read().decode()
    except HTTPError as error:
        return error.code, error.headers["content-type"], ""


def test_my_day_gives_the_clinician_a_calendar_feed_of_their_own_days(page: Page, demo: Demo):
    """c01's feed address (shown once) serves c01's published visits as ICS with no cookie.

    Making a new address kills the old one, stopping kills the new one; each step is audited
    (the address itself never).
    """
    user = demo.user_ids["clinician c01"]
    sign_in(page, demo, "clinician c01")
    day_page = demo.url(f"/board/clinicians/c01/days/{demo.start}")
    page.goto(day_page)
    mark = audit_mark(demo)
    page.click("#feed-reset")
    address = page.locator("#feed-url").input_value()
    webcal = "webcal" + address[address.index(":") :]
    expect(page.locator("#feed-subscribe")).to_have_attribute("href", webcal)
    screenshot(page, "my-day-calendar-feed")
    assert audit_since(demo, mark) == [
        (user, "clinician", "POST", "calendar-feed-reset", user, 200)
    ]
    mark = audit_mark(demo)
    status, kind, text = fetch(address)
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    events = Calendar.from_ical(text).walk("VEVENT")
    mine = {
        visit for (c, _), visits in published_stops(demo).items() if c == "c01" for visit in visits
    }
    assert {str(event["uid"]).split("@")[0] for event in events} == mine and mine
    assert audit_since(demo, mark) == [(user, "clinician", "GET", "calendar-feed", user, 200)]
    page.goto(day_page)
    expect(page.locator("#feed-state")).to_contain_text("was made on")
    page.click("#feed-reset")
    new = page.locator("#feed-url").input_value()
    mark = audit_mark(demo)
    assert fetch(address)[0] == 404
    assert audit_since(demo, mark) == [(None, None, "GET", "calendar-feed", None, 404)]
    assert fetch(new)[0] == 200
    page.goto(day_page)
    mark = audit_mark(demo)
    page.click("#feed-stop")
    expect(page.locator("#feed-reset")).to_have_text("Get my calendar address")
    assert audit_since(demo, mark) == [(user, "clinician", "POST", "calendar-feed-stop", user, 303)]
    assert fetch(new)[0] == 404


def move(page: Page, visit_id: str, clinician_id: str, day: str, at: str) -> None:
    """Send the keyboard move form: ``visit_id`` to ``clinician_id`` on ``day`` at ``at``."""
    page.fill("#move-visit", visit_id)
    page.select_option("#move-clinician", clinician_id)
    page.fill("#move-day", day)
    page.fill("#move-time", at)
    page.click("#move-form button[type=submit]")


def movable(demo: Demo, day: date) -> tuple[str, str, str]:
    """A visit of ``day`` that may move to where it is (its clinician, its start's minute).

    Its start, to the minute, may not fit exactly where it was: each is tried (and undone).
    """
    zone = ZoneInfo(demo.problem.horizon.timezone)
    with demo.sessions() as session:
        slots = published_stop_times(session, branch_id=DEMO_BRANCH, days=[day])
    for visit_id, (clinician, start) in sorted(slots.items()):
        at = start.astimezone(zone).replace(second=0)
        with demo.sessions() as session:
            try:
                place_visit(
                    session, branch_id=DEMO_BRANCH, visit_id=visit_id, clinician_id=clinician,
                    start=at, settings=demo.settings, expected_revision=None,
                )  # fmt: skip
                return visit_id, clinician, at.strftime("%H:%M")
            except ConflictError:
                pass
            finally:
                session.rollback()
    raise AssertionError(f"no visit of {day} may move to where it is")


def versions_of(demo: Demo, days: list[date]) -> dict[date, str]:
    """The plan version published for each of ``days``."""
    with demo.sessions() as session:
        published = published_plan_days(session, branch_id=DEMO_BRANCH, days=days)
    return {day: plan_id for plan_id, its_days in published.items() for day in its_days}


def test_a_published_day_is_edited_whichever_versions_publish_the_other_days(
    page: Page, demo: Demo
):
    """After a call-out republishes Tuesday, a Wednesday visit of the week's version moves.

    Wednesday alone is published again (the other days keep their versions); a move to a day
    nobody published, and one from Tuesday's version to Wednesday, are refused saying why.
    """
    days = [demo.start + timedelta(days=k) for k in range(5)]
    zone = ZoneInfo(demo.problem.horizon.timezone)
    with transaction(demo.sessions) as session:
        reschedule_day(
            session, branch_id=DEMO_BRANCH, day=days[1],
            events=(ClinicianUnavailable("c03", None),),
            now=datetime.combine(days[1], time(), zone), settings=demo.settings, time_limit=1.0,
        )  # fmt: skip
    before = versions_of(demo, days)
    assert before[days[1]] != before[days[2]] == before[days[3]]
    visit_id, clinician, at = movable(demo, days[2])
    open_week(page, demo)
    stops = board_stops(page)
    wednesday = str(days[2])
    move(page, visit_id, clinician, wednesday, at)  # where it is: a move the rules allow
    expect(page.locator("#notice")).to_have_text("The change is published.")
    after = versions_of(demo, days)
    assert after[days[2]] not in before.values()
    assert {d: p for d, p in after.items() if d != days[2]} == {
        d: p for d, p in before.items() if d != days[2]
    }
    assert board_stops(page) == published_stops(demo)
    unpublished = str(demo.start + timedelta(days=14))
    move(page, visit_id, clinician, unpublished, at)
    expect(page.locator("#refusal")).to_contain_text(f"no plan is published on {unpublished}")
    tuesday = str(days[1])
    other = sorted(next(v for (c, d), v in sorted(stops.items()) if d == tuesday))[0]
    move(page, other, clinician, wednesday, at)
    expect(page.locator("#refusal")).to_contain_text("published from another plan version")
    assert versions_of(demo, days) == after
