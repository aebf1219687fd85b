"""Board fixtures: one Chromium for the worker, a fresh context per test, watched requests.

Every test's context notes any request to another host than the app's own (failing the test),
and every page it loads must carry a Content-Security-Policy without inline script.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

from tests.board.support import ARTEFACTS, PASSWORD, Demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (one per test module).

    Playwright's sync API runs an event loop in the thread while it is open: kept for a whole
    session, it would make every later test's ``asyncio.run`` fail on that worker.
    """
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watch:
    """What a context asked for outside the app, and pages served without a strict CSP."""

    def __init__(self, own: str) -> None:
        self.own = own
        self.foreign: list[str] = []
        self.weak_policies: list[str] = []

    def request(self, request: Request) -> None:
        """Note a request to any other host than the app's."""
        if urlsplit(request.url).netloc != self.own:
            self.foreign.append(request.url)

    def response(self, response) -> None:
        """Note a page (a document) whose policy allows inline script or lacks one."""
        if response.request.resource_type != "document" or response.status >= 300:
            return
        policy = response.headers.get("content-security-policy", "")
        script = next((p for p in policy.split(";") if p.strip().startswith("script-src")), "")
        strict = "'self'" in script and "unsafe-inline" not in script
        if not strict or "default-src 'none'" not in policy:
            self.weak_policies.append(f"{response.url}: {policy!r}")


def open_context(browser: Browser, demo: Demo, **options) -> tuple[BrowserContext, Watch]:
    """A fresh browser context on the demo's app, watched."""
    context = browser.new_context(**options)
    watch = Watch(urlsplit(demo.base).netloc)
    context.on("request", watch.request)
    context.on("response", watch.response)
    return context, watch


@pytest.fixture
def context(browser: Browser, demo: Demo) -> Iterator[BrowserContext]:
    """A desktop-sized context; afterwards, no foreign request and no weak policy was seen."""
    context, watch = open_context(browser, demo, viewport={"width": 1400, "height": 900})
    yield context
    context.close()
    assert watch.foreign == [], "requests to other hosts"
    assert watch.weak_policies == [], "pages without a strict Content-Security-Policy"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page of the desktop context; a dialog (e.g. a script's alert) fails the test."""
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    return page


def sign_in(page: Page, demo: Demo, login: str) -> None:
    """Sign in as ``login`` through the form."""
    page.goto(demo.url("/board/sign-in"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


def screenshot(page: Page, name: str) -> None:
    """Save the page as a test artefact (``tests/board/artefacts``)."""
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
