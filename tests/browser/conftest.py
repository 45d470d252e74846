"""Browser fixtures: the test app served over real HTTP, and Debian's Chromium via Playwright.

The server runs in a thread of the test process (not a forked process as in
pytest-flask's ``live_server``), so it shares the fake clock and the ``app``
fixture's database, and it is parametrized over SQLite and PostgreSQL like
every other ``app`` test.  No browser is ever downloaded: Playwright drives
``/usr/bin/chromium``.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a slow machine, short enough that a hang fails instead of stalling the run.
TIMEOUT_MS = 15_000


def _buffered(app):
    """The app with each response read to its end (and closed) before it is sent: a
    browser that moves on aborts a request mid-way (its icon, a download), and a file the
    development server was still sending would otherwise be left open."""

    def serve(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return serve


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_instance():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: run `make setup` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                  args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile per test (no cookies carried over), closed before the server."""
    context = browser.new_context(base_url=live_server, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture
def one_database(app):
    """A browser test of a flow whose every step is tested on both databases without a
    browser: in Chromium once, on SQLite (the suite stays within its time)."""
    from kernel.db import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the flow is tested on PostgreSQL without a browser")
