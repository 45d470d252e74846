"""The accessibility statement (DOS-lagen) is reachable from every page's footer, without
logging in, says how to report a problem and names the supervisory authority; the
managers find the statistics in the main menu."""
from __future__ import annotations

from tests.case_helpers import text_of
from tests.helpers import login


def test_the_statement_is_linked_from_every_page_and_open_to_all(app, client, sara):
    for page in ("/login", "/start"):
        if page == "/start":
            login(client, sara)
        body = client.get(page).get_data(as_text=True)
        assert 'href="/accessibility">Tillgänglighetsredogörelse</a>' in body, page
    anonymous = app.test_client()
    response = anonymous.get("/accessibility")
    assert response.status_code == 200
    text = text_of(response)
    assert "Tillgänglighetsredogörelse för SIG" in text and "Anmäl ett problem" in text
    assert app.config["ACCESSIBILITY_CONTACT"] in text and "DIGG" in text


def test_managers_find_the_statistics_in_the_main_menu(app, maria, sara):
    manager = app.test_client()
    login(manager, maria)
    assert 'href="/statistics/">Statistik</a>' in manager.get("/start").get_data(as_text=True)
    worker = app.test_client()
    login(worker, sara)
    assert 'href="/statistics/"' not in worker.get("/start").get_data(as_text=True)
