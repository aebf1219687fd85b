"""Signing in and out, sessions that end, CSRF, reach, and a clinician's day on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update

from scheduler.store import models
from scheduler.store.database import transaction
from scheduler.store.models import utc_now
from tests.board.audit import audit_mark, audit_since
from tests.board.conftest import open_context, screenshot, sign_in
from tests.board.support import DEMO_BRANCH, PASSWORD, SCRIPT_NAME, Demo, monday, served_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The tiny demo branch's week two weeks ago (its visits can be reported), served."""
    logins = ("scheduler", "clinician c01", "clinician c02", "clinician c03")
    with served_demo(tmp_path_factory.mktemp("access"), start=monday(-2), logins=logins) as served:
        yield served


@pytest.fixture
def phone(browser: Browser, demo: Demo) -> Iterator[Page]:
    """A phone-sized page; afterwards no foreign request and no weak policy was seen."""
    context, watch = open_context(
        browser, demo, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()
    assert watch.foreign == [] and watch.weak_policies == []


def session_cookie(context: BrowserContext) -> dict:
    """The board's session cookie in ``context``."""
    return next(c for c in context.cookies() if c["name"] == "board_session")


def test_a_wrong_password_is_refused(page: Page, demo: Demo):
    """A wrong password answers 401 with the form again, and no cookie; it is audited."""
    page.goto(demo.url("/board/sign-in"))
    mark = audit_mark(demo)
    page.fill("input[name=login]", "scheduler")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator("#refusal")).to_have_text("Wrong name or password.")
    assert not page.context.cookies()
    row = (None, None, "POST", "sign-in", demo.user_ids["scheduler"], 401)
    assert audit_since(demo, mark) == [row]  # names whose login was tried, not who tried


def test_the_session_cookie_is_http_only_and_strict(page: Page, demo: Demo, context):
    """Signing in sets an HttpOnly, SameSite=Strict cookie that scripts cannot read; audited."""
    mark = audit_mark(demo)
    sign_in(page, demo, "scheduler")
    user = demo.user_ids["scheduler"]
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "sign-in", user, 303)]
    cookie = session_cookie(context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""
    assert page.url.endswith(f"/board/branches/{DEMO_BRANCH}/week")


def test_sign_out_ends_the_session(page: Page, demo: Demo, context, browser: Browser):
    """After signing out, the old cookie opens nothing: the board asks to sign in; audited."""
    sign_in(page, demo, "scheduler")
    cookie = session_cookie(context)
    mark = audit_mark(demo)
    page.click("#sign-out")
    page.wait_for_url("**/board/sign-in")
    user = demo.user_ids["scheduler"]
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "sign-out", user, 303)]
    replay, watch = open_context(browser, demo)
    replay.add_cookies([cookie])
    other = replay.new_page()
    other.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/week"))
    assert other.url.endswith("/board/sign-in")
    replay.close()
    assert watch.foreign == []


def test_a_session_dies_when_it_expires_or_its_user_is_disabled(page: Page, demo: Demo):
    """An expired session, then a disabled user's new one, both send the browser to sign in."""
    week = demo.url(f"/board/branches/{DEMO_BRANCH}/week")
    sign_in(page, demo, "clinician c03")
    with transaction(demo.sessions) as session:
        session.execute(
            update(models.WebSession)
            .where(models.WebSession.user_id == demo.user_ids["clinician c03"])
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
    page.goto(demo.url("/board"))
    assert page.url.endswith("/board/sign-in")
    sign_in(page, demo, "clinician c02")
    with transaction(demo.sessions) as session:
        session.get(models.User, demo.user_ids["clinician c02"]).disabled_at = utc_now()
    page.goto(week)
    assert page.url.endswith("/board/sign-in")
    page.fill("input[name=login]", "clinician c02")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#refusal")).to_have_text("Wrong name or password.")


def test_a_change_without_the_csrf_token_is_refused(page: Page, demo: Demo):
    """A signed-in POST without the form's token, or with a wrong one, answers 403."""
    sign_in(page, demo, "scheduler")
    form = {"visit_id": "v", "clinician_id": "c01", "day": str(demo.start), "at": "09:00"}
    form |= {"revision": "1", "back": str(demo.start)}
    url = demo.url(f"/board/branches/{DEMO_BRANCH}/placements")
    assert page.request.post(url, form=form).status == 403
    assert page.request.post(url, form=form | {"csrf": "forged"}).status == 403
    mark = audit_mark(demo)
    assert page.request.post(demo.url("/board/sign-out")).status == 403
    user = demo.user_ids["scheduler"]
    row = (user, "scheduler", "POST", "sign-out", None, 403)
    assert audit_since(demo, mark) == [row]  # a refused change is audited too


def test_a_clinician_opening_another_clinicians_day_gets_nothing(page: Page, demo: Demo):
    """c01 signed in sees their own day; c03's day and the branch's week answer 403/404."""
    sign_in(page, demo, "clinician c01")
    assert "/board/clinicians/c01/days/" in page.url
    day = str(demo.start + timedelta(days=2))
    other = page.goto(demo.url(f"/board/clinicians/c03/days/{day}"))
    assert other.status == 404
    assert "stop" not in page.content() and "Wei Patel" not in page.content()
    assert page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/week")).status == 403
    assert page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/planning")).status == 403


def test_my_day_on_a_phone_lists_the_stops_and_reports_them(phone: Page, demo: Demo):
    """A clinician's day on a phone: stops, navigation, calendar, map; done, missed (audited)."""
    sign_in(phone, demo, "clinician c01")
    days = [demo.start + timedelta(days=k) for k in range(5)]
    for day in days:
        phone.goto(demo.url(f"/board/clinicians/c01/days/{day}"))
        if phone.locator("#stops li").count() >= 2:
            break
    stops = phone.locator("#stops li")
    first = stops.first
    expect(first.locator(".stop-time")).to_have_text(re.compile(r"\d\d:\d\d-\d\d:\d\d"))
    expect(first.locator(".navigate")).to_have_attribute("href", re.compile("^geo:"))
    expect(phone.locator("#feed-reset")).to_have_text("Get my calendar address")
    expect(phone.locator("#day-map svg")).to_be_visible()
    screenshot(phone, "my-day-phone")
    visit_id = first.get_attribute("data-visit")
    mark = audit_mark(demo)
    first.get_by_role("button", name="Done").click()
    expect(phone.locator("#stops li").first.locator(".status")).to_have_text("completed")
    user = demo.user_ids["clinician c01"]
    row = (user, "clinician", "POST", "visit-completed", visit_id, 303)
    assert audit_since(demo, mark) == [row]
    second = phone.locator("#stops li").nth(1)
    visit_id = second.get_attribute("data-visit")
    mark = audit_mark(demo)
    second.get_by_role("button", name="Missed").click()
    expect(phone.locator("#stops li").nth(1).locator(".status")).to_have_text("missed")
    row = (user, "clinician", "POST", "visit-missed", visit_id, 303)
    assert audit_since(demo, mark) == [row]
    expect(phone.locator("#stops li").first.get_by_role("button")).to_have_count(0)


def test_a_patient_named_like_a_script_is_text_on_the_day(page: Page, demo: Demo):
    """The scheduler opens the day of the patient named like a script: shown as text."""
    sign_in(page, demo, "scheduler")
    for clinician in ("c01", "c02", "c03"):
        for k in range(5):
            page.goto(demo.url(f"/board/clinicians/{clinician}/days/{demo.start + timedelta(k)}"))
            named = page.locator(".patient", has_text=SCRIPT_NAME)
            if named.count():
                expect(named.first).to_have_text(SCRIPT_NAME)
                return
    pytest.fail("the patient named like a script has no visit in the week")


def test_the_day_on_a_map_draws_every_leg_with_leaflet(page: Page, demo: Demo):
    """The day's map (vendored Leaflet, no tiles) draws a line per leg; names stay text."""
    sign_in(page, demo, "scheduler")
    for k in range(5):
        day = demo.start + timedelta(days=k)
        page.goto(demo.url(f"/board/clinicians/c01/days/{day}"))
        if page.locator("#map-link").count():
            break
    stops = page.locator("#stops li").count()
    page.click("#map-link")
    expect(page.locator("#map")).to_have_attribute("data-drawn", str(stops + 1))
    expect(page.locator("#map .stop-icon")).to_have_count(stops)
    assert page.locator("#map path.leaflet-interactive").count() == stops + 1
    screenshot(page, "day-map")


def test_a_form_from_another_site_is_refused(page: Page, demo: Demo):
    """A sign-in or change posted cross-site (Sec-Fetch-Site) answers 403, token or not."""
    sign_in(page, demo, "scheduler")
    cross = {"Sec-Fetch-Site": "cross-site"}
    form = {"login": "scheduler", "password": PASSWORD}
    assert page.request.post(demo.url("/board/sign-in"), form=form, headers=cross).status == 403
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    sign_out = demo.url("/board/sign-out")
    assert page.request.post(sign_out, form={"csrf": csrf}, headers=cross).status == 403
