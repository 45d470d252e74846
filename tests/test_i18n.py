"""Languages: the Swedish catalogue is complete, and the locale follows the user.

The interface text is English in the code and Swedish by default in the product;
a user can choose English on their account page, which changes only their pages.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.helpers import login, post

ROOT = Path(__file__).resolve().parent.parent
SV_PO = ROOT / "sig" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
SV_MO = SV_PO.with_suffix(".mo")
# The same keywords as `make extract-messages` (-k _l -k lazy_gettext on top of the defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def _ids(message_id) -> tuple[str, ...]:
    """A catalogue or extraction id as a tuple (singular, and plural if any)."""
    return tuple(message_id) if isinstance(message_id, (tuple, list)) else (message_id,)


@cache
def source_messages() -> dict[str, list[str]]:
    """Every translatable text in the source tree (per babel.cfg), with where it is used;
    plural texts by their singular id, which is how the catalogue knows them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(ROOT / "babel.cfg"))
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        text = _ids(message)[0]  # a plural entry is found by its singular id
        if text:
            found.setdefault(text, []).append(f"{filename}:{lineno}")
    return found


@cache
def swedish_catalogue():
    with open(SV_PO, "rb") as po:
        return read_po(po, locale="sv")


def placeholders(text: str) -> list[tuple[str, str]]:
    """The %-placeholders of a text as (name, conversion), sorted; ``%%`` is not one."""
    return sorted((name, conv) for name, conv in PLACEHOLDER.findall(text) if conv != "%")


# --- the catalogue --------------------------------------------------------------------------


def test_source_tree_has_translatable_texts():
    """Guards the completeness test below against silently extracting nothing."""
    texts = source_messages()
    assert "Log in" in texts  # a template (Jinja extractor)
    assert "Case owner" in texts  # _l() in auth/roles.py
    assert "Wrong username or password." in texts  # _() in Python code


def test_every_source_text_has_a_swedish_translation():
    catalogue = swedish_catalogue()
    missing = []
    for text, where in sorted(source_messages().items()):
        entry = catalogue.get(text)
        strings = _ids(entry.string) if entry is not None else ("",)
        if not all(s.strip() for s in strings):
            missing.append(f"{text!r} ({where[0]})")
    assert not missing, (
        f"{len(missing)} text(s) lack a Swedish translation in {SV_PO.relative_to(ROOT)} "
        "(run `make extract-messages`, translate, then `make translations`):\n  "
        + "\n  ".join(missing))


def test_no_swedish_translation_is_fuzzy():
    catalogue = swedish_catalogue()
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, "fuzzy (unchecked) translations, shown in English until fixed:\n  " + \
        "\n  ".join(repr(f) for f in fuzzy)
    assert not catalogue.fuzzy, "the catalogue header is marked fuzzy"


def test_placeholders_in_translations_match_the_english_text():
    wrong = []
    for message in swedish_catalogue():
        if not message.id:
            continue
        ids, strings = _ids(message.id), _ids(message.string)
        expected = placeholders(ids[-1])
        for translated in strings:
            if translated and placeholders(translated) != expected:
                wrong.append(f"{ids[0]!r}: {translated!r}")
    assert not wrong, "placeholders differ from the English text:\n  " + "\n  ".join(wrong)


def test_compiled_catalogue_is_up_to_date():
    """The app reads the .mo file; a stale one shows English where the .po has Swedish."""
    assert SV_MO.exists(), "sig/translations is not compiled: run `make translations`"
    with open(SV_MO, "rb") as mo:
        compiled = {(m.context, _ids(m.id)): _ids(m.string) for m in read_mo(mo) if m.id}
    stale = [m.id for m in swedish_catalogue()  # (pgettext: the same text in two contexts)
             if m.id and m.string and compiled.get((m.context, _ids(m.id))) != _ids(m.string)]
    assert not stale, "the compiled catalogue is out of date (run `make translations`):\n  " + \
        "\n  ".join(repr(s) for s in stale)


# --- the locale in the running app ----------------------------------------------------------


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, "no lang attribute on <html>"
    return match.group(1)


def test_login_page_is_swedish_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert html_lang(page) == "sv"
    assert "Logga in i SIG" in page
    assert "Användarnamn" in page  # a lazy form label
    assert "Hoppa till innehållet" in page
    assert "Log in" not in page and "Username" not in page


def test_logged_in_user_sees_swedish_by_default(app, client, per, fake_clock):
    assert login(client, per, fake_clock=fake_clock).location.endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    assert html_lang(page) == "sv"
    assert "<dd>Gruppmedlem</dd>" in page
    assert "Mitt konto" in page


def test_user_can_switch_to_english_and_others_stay_swedish(app, client, sara, per,
                                                             fake_clock):
    assert login(client, sara, fake_clock=fake_clock).location.endswith("/start")
    response = post(client, "/account/language", {"locale": "en"})
    assert response.status_code == 302 and response.location.endswith("/account")

    account = client.get("/account").get_data(as_text=True)
    assert html_lang(account) == "en"
    assert "My account" in account and "Mitt konto" not in account
    start = client.get("/start").get_data(as_text=True)
    assert html_lang(start) == "en"
    # Lazy texts (the role label) are translated per request, not once at import.
    assert "<dd>Case owner</dd>" in start

    # Per, logged in at the same time, still gets Swedish ...
    other = app.test_client()
    assert login(other, per, fake_clock=fake_clock).location.endswith("/start")
    page = other.get("/start").get_data(as_text=True)
    assert html_lang(page) == "sv"
    assert "<dd>Gruppmedlem</dd>" in page and "My account" not in page
    # ... and so does the login page for someone not logged in.
    assert html_lang(app.test_client().get("/login").get_data(as_text=True)) == "sv"

    # The choice is stored with Sara's account: it holds in a new session too.
    again = app.test_client()
    assert login(again, sara, fake_clock=fake_clock).location.endswith("/start")
    assert html_lang(again.get("/start").get_data(as_text=True)) == "en"

    # And she can switch back.
    post(client, "/account/language", {"locale": "sv"})
    assert html_lang(client.get("/account").get_data(as_text=True)) == "sv"


@pytest.mark.parametrize("locale", ["de", "", "sv_SE", "en;q=1"])
def test_unknown_locale_is_refused(app, client, sara, fake_clock, locale):
    login(client, sara, fake_clock=fake_clock)
    post(client, "/account/language", {"locale": locale})
    assert html_lang(client.get("/account").get_data(as_text=True)) == "sv"


def test_language_cannot_be_changed_without_csrf_token(app, client, sara, fake_clock):
    login(client, sara, fake_clock=fake_clock)
    client.post("/account/language", data={"locale": "en"})
    assert html_lang(client.get("/account").get_data(as_text=True)) == "sv"


def test_a_code_is_named_in_each_language_from_names_kept_per_language(app):
    """The label filters keep each language's names once translated: a page in
    Swedish after one in English (and the reverse) still names codes in its own."""
    from flask_babel import force_locale

    from sig.labels import CASE_STATUS, MEETING_STATUS, label_filter

    status, meeting = label_filter(CASE_STATUS), label_filter(MEETING_STATUS)
    with app.test_request_context():
        for _round in range(2):
            with force_locale("sv"):
                assert (status("active"), meeting("cancelled")) == ("Aktivt", "Inställt")
            with force_locale("en"):
                assert (status("active"), meeting("cancelled")) == ("Active", "Cancelled")
        assert status("no_such_code") == "no_such_code"
        assert status(None) == "—"
    assert status("active") == "Active"  # outside a request: the source text


def test_templates_translate_in_the_request_language_and_escape_what_is_put_in(app):
    """``_()`` in templates: each language's own text, page after page in alternating
    languages (texts without variables are kept translated per language), variables
    escaped in HTML, ``%%`` a per cent sign, and plain text (mail) left unescaped."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = ('{{ _("Active") }}|{{ _("Status of “%(what)s”", what=what) }}|'
            '{{ _("100%% sure") }}')
    with app.test_request_context():
        for _round in range(2):
            with force_locale("sv"):
                assert render_template_string(page, what="<b>") == (
                    "Aktivt|Status för ”&lt;b&gt;”|100% sure")
            with force_locale("en"):
                assert render_template_string(page, what="<b>") == (
                    "Active|Status of “&lt;b&gt;”|100% sure")
        with force_locale("sv"):
            assert render_template_string(
                '{% autoescape false %}{{ _("Status of “%(what)s”", what=what) }}'
                '{% endautoescape %}', what="<b>") == "Status för ”<b>”"


def test_moments_in_iso_patterns_are_written_as_babel_writes_them(app):
    """The ``datetimeformat`` filter writes ISO dates and times itself: the same text as
    Flask-Babel's for every moment — around both of the year's clock changes, midnight
    in Sweden on another UTC day, naive (stored, UTC) and aware moments — in both
    languages; any other pattern, no moment (now) and no rebasing are Flask-Babel's own.
    (For moments of 1900 and before, the app's clock and pytz disagree on Stockholm's local
    mean time; the clock is the app's, as for days and months everywhere.)"""
    import datetime as dt

    from flask_babel import force_locale, format_datetime

    from sig.i18n import datetimeformat

    base = [dt.datetime(2026, 3, 29, 0, 59), dt.datetime(2026, 3, 29, 1, 0),
            dt.datetime(2026, 3, 29, 1, 30), dt.datetime(2026, 10, 25, 0, 59),
            dt.datetime(2026, 10, 25, 1, 0), dt.datetime(2026, 10, 25, 1, 59),
            dt.datetime(2026, 12, 31, 23, 30), dt.datetime(2026, 6, 30, 22, 15),
            dt.datetime(1990, 1, 5, 12, 0), dt.datetime(2026, 1, 1, 0, 0, 59, 999999)]
    moments = base + [m.replace(tzinfo=dt.UTC) for m in base[:8]] + [
        dt.datetime(2026, 7, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))]
    with app.test_request_context():
        assert app.jinja_env.filters["datetimeformat"] is datetimeformat
        for locale in ("sv", "en"):
            with force_locale(locale):
                for moment in moments:
                    for pattern in ("yyyy-MM-dd", "yyyy-MM-dd HH:mm"):
                        assert datetimeformat(moment, pattern) == \
                            format_datetime(moment, pattern), (locale, moment, pattern)
                    long = "EEEE d MMMM yyyy, HH:mm"
                    assert datetimeformat(moment, long) == format_datetime(moment, long)
                    assert datetimeformat(moment, "yyyy-MM-dd HH:mm", rebase=False) == \
                        format_datetime(moment, "yyyy-MM-dd HH:mm", rebase=False)
        assert datetimeformat(moments[0], "yyyy-MM-dd HH:mm") == "2026-03-29 01:59"
        assert datetimeformat(moments[1], "yyyy-MM-dd HH:mm") == "2026-03-29 03:00"
        assert datetimeformat(moments[6], "yyyy-MM-dd") == "2027-01-01"
        assert datetimeformat(dt.datetime(999, 1, 5, 3, 0), "yyyy-MM-dd") == "0999-01-05"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", datetimeformat(None, "yyyy-MM-dd"))
