"""Browser tests: Debian's chromium driven by Playwright against Corridor served from this process, with the demo.

- The server is Django's own live-server thread (static files included), started once per module, over the
  test database; the demo corridor is loaded once per module and the database flushed afterwards, so other
  tests never see it. Celery runs tasks inline (tests/conftest.py), so a step credential or a capture job is
  done by the time the request that caused it has answered: the test is its own worker.
- ``login(username)`` gives a page logged in through the login form (each user once per module; later
  pages reuse the session).
- Chromium at /usr/bin/chromium, Playwright (Python) and axe-core (``npm ci --prefix tests/browser``) are
  needed: without them the tests are skipped with the reason, a failure under CORRIDOR_REQUIRE_ALL_TESTS=1.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings, setup_databases, teardown_databases
from pytest_django.fixtures import _get_databases_for_setup

from tests.conftest import skip_or_fail
from tests.core.test_worker import _forget_broker_connections

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "docs" / "screenshots"
PASSWORD = "corridor-demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        skip_or_fail("Playwright is not installed: pip install -r requirements.txt")
    return sync_playwright


@pytest.fixture(scope="module")
def needs_browser() -> None:
    if not CHROMIUM.exists():
        skip_or_fail(f"chromium is absent ({CHROMIUM}): apt-get install chromium")
    _playwright()


@contextmanager
def _test_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """The test database: pytest-django's when a collected test asked for one, else made here for these tests.

    pytest-django creates test databases only for tests that use its ``db`` fixtures or marker, and those
    would empty the database after each test; the browser tests share one demo over the module instead.
    """
    aliases, _ = _get_databases_for_setup(request.session.items)
    if DEFAULT_DB_ALIAS in aliases:
        yield
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="module")
def live_url(request, needs_browser, django_db_setup, django_db_blocker) -> Iterator[str]:
    """Corridor with the demo corridor loaded, at http://127.0.0.1:<port>; the database is emptied afterwards."""
    settings = override_settings(
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    settings.enable()
    # A real-worker test earlier in the session may have left the app's broker pools bound elsewhere or closed.
    _forget_broker_connections()
    with django_db_blocker.unblock(), _test_database(request):
        call_command("demo_corridor", stdout=io.StringIO())
        # An in-memory SQLite test database is one connection, shared with the server's thread.
        shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
        for connection in shared.values():
            connection.inc_thread_sharing()
        server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        try:
            if server.error:
                raise server.error
            yield f"http://127.0.0.1:{server.port}"
        finally:
            server.terminate()
            server.join()
            for connection in shared.values():
                connection.dec_thread_sharing()
            call_command("flush", interactive=False, verbosity=0)
            settings.disable()


@pytest.fixture(scope="module")
def chromium(needs_browser, live_url) -> Iterator[Any]:
    """The browser, closed before the server stops (its open connections would keep database sessions alive)."""
    # Playwright's sync API keeps an asyncio loop on this thread; the tests' own ORM calls (seeding an alert,
    # reading what a page wrote) are plain synchronous code all the same, so Django is told to allow them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with _playwright()() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                yield browser
            finally:
                browser.close()
                # The tests' own queries ran while Playwright's loop was running, on connections of that context
                # (Django's connections are context-local): closed here, or their sessions outlive the tests.
                connections.close_all()


@pytest.fixture(scope="module")
def sessions() -> dict[str, Any]:
    """Storage states of the users logged in so far (a person logs in once, then comes back)."""
    return {}


@pytest.fixture
def login(chromium, live_url, sessions) -> Iterator[Callable[..., Any]]:
    """``login(username, viewport=DESKTOP)``: a page of a fresh browser context logged in as ``username``."""
    contexts: list[Any] = []

    def make(username: str | None, viewport: dict[str, int] = DESKTOP, locale: str = "en-GB") -> Any:
        state = sessions.get(username)
        context = chromium.new_context(
            base_url=live_url, viewport=viewport, locale=locale, storage_state=state, timezone_id="Asia/Taipei"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if username and state is None:
            page.goto("/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login/" not in url)
            sessions[username] = context.storage_state()
        return page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page as it stands."""
    if not AXE.exists():
        skip_or_fail("axe-core is absent: npm ci --prefix tests/browser")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    assert result["passes"], "axe-core checked nothing: was it injected?"
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sideways_scroll(page: Any) -> dict[str, Any] | None:
    """None if the page fits its window's width; else the widths and the elements that stick out."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth, doc = document.documentElement;
          if (doc.scrollWidth <= width) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + (e.getAttribute('class') || ''));
          return {scrollWidth: doc.scrollWidth, innerWidth: width, wide};
        }"""
    )
