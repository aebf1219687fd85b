"""Planning and call-outs in Chromium: a job's progress, the diff, publishing; a call-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.board.audit import audit_mark, audit_since
from tests.board.conftest import screenshot, sign_in
from tests.board.support import DEMO_BRANCH, Demo, monday, published_stops, served_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The tiny demo branch's week three weeks ahead, served."""
    with served_demo(tmp_path_factory.mktemp("planning"), start=monday(3)) as served:
        yield served


def test_a_planning_job_runs_to_done_and_its_version_is_published(page: Page, demo: Demo):
    """Start a job; its bar reaches done; the diff names clinicians; publishing shows it.

    Starting the job and publishing each leave their audit row.
    """
    user = demo.user_ids["scheduler"]
    sign_in(page, demo, "scheduler")
    page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/planning"))
    form = page.locator("#planning-form")
    form.locator("input[name=start]").fill(str(demo.start + timedelta(days=1)))
    form.locator("input[name=days]").fill("2")
    form.locator("input[name=time_limit]").fill("1")
    mark = audit_mark(demo)
    form.get_by_role("button").click()
    expect(page.locator("#job-progress")).to_be_visible()
    job_id = page.url.rsplit("/", 1)[1]
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "planning-job", job_id, 303)]
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=60_000)
    assert page.locator("#job-progress").get_attribute("value") == "1.0"
    page.click("#job-plan")
    expect(page.locator("#plan-summary")).to_contain_text("visits placed")
    screenshot(page, "plan-diff")
    plan_id = page.url.rsplit("/", 1)[1]
    mark = audit_mark(demo)
    page.locator("#publish-form button").click()
    expect(page.locator("#notice")).to_have_text("The plan is published.")
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "publish", plan_id, 303)]
    page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/planning"))
    expect(page.locator("#plans tbody tr").first).to_contain_text("published")


def test_a_call_out_dry_run_then_apply(page: Page, demo: Demo):
    """A clinician's call-out: the dry run lists who moves and whom to tell; applying publishes.

    The dry run and the call-out applied each leave their audit row.
    """
    user = demo.user_ids["scheduler"]
    sign_in(page, demo, "scheduler")
    before = published_stops(demo)
    clinician, day = max(before, key=lambda key: len(before[key]))
    page.goto(demo.url(f"/board/branches/{DEMO_BRANCH}/call-out"))
    page.select_option("#call-out-clinician", clinician)
    page.fill("#call-out-day", day)
    page.fill("#call-out-seconds", "1")
    mark = audit_mark(demo)
    page.locator("#call-out-form button").click()
    diff = page.locator("#call-out-diff")
    expect(diff).to_contain_text("Dry run")
    dry_run = (user, "scheduler", "POST", "call-out-dry-run", clinician, 200)
    assert audit_since(demo, mark) == [dry_run]
    assert diff.locator("tbody tr").count() >= len(before[clinician, day])
    expect(page.locator("#who-to-tell")).to_contain_text("Tell:")
    assert published_stops(demo) == before  # nothing changed yet
    screenshot(page, "call-out-diff")
    mark = audit_mark(demo)
    page.locator("#apply-form button").click()
    expect(page.locator("#notice")).to_have_text("The call-out is applied and the day published.")
    assert audit_since(demo, mark) == [(user, "scheduler", "POST", "call-out", clinician, 303)]
    assert (clinician, day) not in published_stops(demo)
    cell = page.locator(f"td.cell[data-clinician='{clinician}'][data-day='{day}']")
    expect(cell.locator(".block")).to_have_count(0)
