"""The board on a big week: server time to render it, and time until Chromium can use it.

A generated agency's week (60 clinicians, the busy load: about 1,500 visits) is planned and
published in a fresh database, the API runs under uvicorn in its own process, a scheduler
signs in, then each run reads the week page (server time) and opens it in headless Chromium
until every block is drawn and a filter click has taken effect (time to usable).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from scheduler.bench.served_api import serve_api
from scheduler.demo.week import generate_agency_week
from scheduler.errors import BenchmarkError
from scheduler.service.demo_service import DEMO_BRANCH, seed_demo_branch
from scheduler.settings import Settings
from scheduler.store.database import make_engine, session_factory, transaction, upgrade_schema
from scheduler.store.plan_details import plan_routes
from scheduler.store.users import user_by_token
from scheduler.store.web_sessions import set_password

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
LOGIN = "bench scheduler"
USABLE = "document.querySelectorAll('#board tbody tr.hidden').length > 0"


@dataclass(frozen=True)
class BoardTimes:
    """The week's size and, per run, the server's render and the browser's time to usable."""

    clinicians: int
    visits: int
    render_seconds: tuple[float, ...]
    usable_seconds: tuple[float, ...]

    @staticmethod
    def spread(values: tuple[float, ...]) -> tuple[float, float, float]:
        """Min, median and max of ``values``."""
        return min(values), statistics.median(values), max(values)


def bench_board(
    *,
    settings: Settings,
    clinicians: int = 60,
    runs: int = 3,
    time_limit: float = 60.0,
    seed: int = 7,
    on_step: Callable[[str], None] | None = None,
) -> BoardTimes:
    """Plan a busy week of ``clinicians``, serve it and time the board ``runs`` times."""
    note = on_step or (lambda _message: None)
    problem = generate_agency_week(seed=seed, clinicians=clinicians, load="busy")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'board.db'}"
        engine = make_engine(url)
        try:
            upgrade_schema(engine)
            sessions = session_factory(engine)
            note(f"planning a busy week of {clinicians} clinicians ({time_limit:g} s)")
            access = seed_demo_branch(
                sessions,
                problem,
                settings=settings.model_copy(update={"database_url": url, "data_dir": folder}),
                time_limit=time_limit,
            )
            password = "bench " + access.scheduler[-12:]
            with transaction(sessions) as session:
                user = user_by_token(session, token=access.scheduler)
                set_password(session, user_id=user.id, login=LOGIN, password=password)
                visits = sum(route.visits for route in plan_routes(session, plan_id=access.plan_id))
        finally:
            engine.dispose()
        week = f"/board/branches/{DEMO_BRANCH}/week?start={problem.horizon.start_date}"
        note(f"serving the board: {visits} visits in the week")
        with serve_api(url) as server:
            cookie = _sign_in(server.url, password)
            render = tuple(_render(server.url + week, cookie, visits) for _ in range(runs + 1))
            usable = _usable(server.url, week, cookie, visits, runs=runs)
    return BoardTimes(clinicians, visits, render[1:], usable)


def _sign_in(base: str, password: str) -> str:
    """The session cookie of the bench's scheduler."""
    answer = httpx.post(f"{base}/board/sign-in", data={"login": LOGIN, "password": password})
    cookie = answer.cookies.get("board_session")
    if answer.status_code != 303 or cookie is None:
        raise BenchmarkError(f"signing in to the board answered {answer.status_code}")
    return cookie


def _render(url: str, cookie: str, visits: int) -> float:
    """Seconds the server takes to answer the week page on loopback (checked whole)."""
    started = time.perf_counter()
    answer = httpx.get(url, cookies={"board_session": cookie}, timeout=60.0)
    seconds = time.perf_counter() - started
    drawn = answer.text.count('class="block ')
    if answer.status_code != 200 or drawn != visits:
        raise BenchmarkError(f"the week page answered {answer.status_code} with {drawn} blocks")
    return seconds


def _usable(base: str, week: str, cookie: str, visits: int, *, runs: int) -> tuple[float, ...]:
    """Seconds from navigation until every block is drawn and a filter click took effect."""
    try:
        from playwright.sync_api import sync_playwright  # a dev dependency: tests and benches
    except ImportError as error:
        raise BenchmarkError("Playwright is missing: pip install -e '.[dev]'") from error

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1000})
            context.add_cookies([{"name": "board_session", "value": cookie, "url": base}])
            for _ in range(runs + 1):
                page = context.new_page()
                page.goto(base + week)
                page.locator("#discipline-filter input").first.click()
                page.wait_for_function(USABLE)
                elapsed = page.evaluate("performance.now()") / 1000
                drawn = page.locator(".block").count()
                if drawn != visits:
                    raise BenchmarkError(f"Chromium drew {drawn} blocks of {visits}")
                times.append(elapsed)
                page.close()
        finally:
            browser.close()
    return tuple(times[1:])  # the first run warms the browser's caches up
