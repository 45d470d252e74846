"""Reflow (WCAG 2.1 1.4.10) and axe on every page of every persona, at 1280 and 375 px.

On the demo, each persona follows the links from the start page and the case list (one
page per kind of address: the ids do not change the layout), and on each page, at both
widths, axe-core (WCAG 2.0/2.1 A and AA rules) finds no violation and the page is no
wider than the window — wide tables scroll inside their own focusable, labelled region.
The layout does not depend on the database: this runs on SQLite."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from sig.demo import DEMO_PASSWORD, PERSONAS
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_case_path import width_after_resize

pytestmark = pytest.mark.browser

LINK = re.compile(r'href="(/[^"#?]*)"')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
WIDTHS = (1280, 375)
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SKIP = ("/static", "/logout", "/download", ".csv", ".json")


def _pages_of(page, username: str) -> list[str]:
    """One address of each kind the persona reaches from the start page."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator('form button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r"/start$"), timeout=TIMEOUT_MS)
    kinds: dict[str, str] = {}
    queue = ["/start", "/cases"]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        kind = UUID.sub("ID", url)
        if url in seen or kind in kinds or any(s in url for s in SKIP):
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status != 200 or \
                "text/html" not in (response.headers.get("content-type") or ""):
            continue
        kinds[kind] = url
        queue += [u for u in LINK.findall(page.content()) if u not in seen]
    return list(kinds.values())


def test_no_page_of_any_persona_overflows_or_fails_axe_at_either_width(app, browser,
                                                                        live_server):
    from kernel.db import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the layout is the same on both databases (run on SQLite)")
    app.config["MFA_REQUIRED"] = False  # as the demo's instance config does
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    axe = Axe()
    problems: list[str] = []
    checked = 0
    # the role decides a page's layout (the ids and the organisation only its content):
    # a kind of page another persona of the same role has been checked on is not again
    done: set[tuple[str, str]] = set()
    for username, _name, _org, role, _title in PERSONAS:
        context = browser.new_context(base_url=live_server, locale="sv-SE",
                                      viewport={"width": WIDTHS[0], "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            urls = _pages_of(page, username)
            assert len(urls) >= 3, (username, urls)
            for url in urls:
                if (role, UUID.sub("ID", url)) in done:
                    continue
                done.add((role, UUID.sub("ID", url)))
                page.goto(url)
                for width in WIDTHS:
                    wide = width_after_resize(page, width, 900)
                    if wide > width:
                        problems.append(f"{username} {width}px {url}: {wide}px wide")
                    for violation in axe.run(page, options=WCAG).response["violations"]:
                        problems.append(f"{username} {width}px {url}: {violation['id']} "
                                        f"{[n['target'] for n in violation['nodes'][:3]]}")
                    checked += 1
        finally:
            context.close()
    assert checked > 60
    assert problems == [], "\n".join(problems)
