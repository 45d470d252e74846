"""Junk into every POST route (and every GET route's query and ids): no answer is a 500,
on either database.

Every form field name the app knows (read from the form classes, plus the per-row names
of attendance and follow-up) is sent with junk — very long text, NUL and other control
characters, invalid UTF-8, huge numbers, impossible dates, a field twice, nothing at all —
to every POST route, with real ids in the URL, as the case owner, a police member and the
admin (each reaches different code before the form is read)."""
from __future__ import annotations

import urllib.parse

import pytest
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from auth.form_base import Form
from kernel.db import db
from sig.cases.models import Membership
from sig.meetings.models import Participant
from tests.helpers import csrf, fill_rule, login
from tests.worlds import case_with_every_record

JUNK = {
    "long": "å" * 5_000,  # over every field's maximum
    "nul": "a\x00b",
    "control": "\x01\x02\x1b[31m\x7f",
    "huge": "9" * 400,
    "negative": "-99999999999999999999",
    "date": "0000-00-00",
    "far_date": "99999-12-31T25:61",
    "tiny_date": "0001-01-01T00:00",
    "script": "<script>alert(1)</script>",
}


def _form_fields() -> set[str]:
    names: set[str] = set()
    todo = [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(name for name in dir(cls)
                     if isinstance(getattr(cls, name, None), UnboundField))
    return names


@pytest.fixture
def fuzz_world(app, personas, orgs):
    with app.app_context():
        ids = case_with_every_record(personas, orgs)
        participant = db.session.query(Participant).filter_by(
            meeting_id=ids["meeting_id"]).first()
        ids["membership_id"] = db.session.scalar(select(Membership.id).where(
            Membership.case_id == ids["case_id"]))
        extra = [f"attendance-{participant.id}" if participant else "attendance-x",
                 f"action-{ids['action_id']}-status", f"action-{ids['action_id']}-follow_up",
                 f"action-{ids['action_id']}-version", f"action-{ids['action_id']}-csrf_token"]
    return ids, sorted(_form_fields() | set(extra))


def _bodies(token: str, fields: list[str]) -> list[bytes]:
    bodies = [urllib.parse.urlencode({"csrf_token": token}).encode()]  # nothing at all
    for value in JUNK.values():
        pairs = [("csrf_token", token)] + [(name, value) for name in fields
                                            if name != "csrf_token"]
        bodies.append(urllib.parse.urlencode(pairs).encode())
    # every field twice, different values
    pairs = [("csrf_token", token)] + [(n, v) for n in fields if n != "csrf_token"
                                       for v in ("1", "2")]
    bodies.append(urllib.parse.urlencode(pairs).encode())
    # invalid UTF-8 in every field
    raw = "&".join(f"{urllib.parse.quote(n)}=%FF%FE%C3%28" for n in fields if n != "csrf_token")
    bodies.append(f"csrf_token={urllib.parse.quote(token)}&{raw}".encode())
    return bodies


@pytest.mark.parametrize("persona", ["sara", "per", "ali"])
def test_no_junk_post_gets_a_500(app, personas, fuzz_world, fake_clock, persona):
    ids, fields = fuzz_world
    client = app.test_client()
    login(client, personas[persona], fake_clock=fake_clock)
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods
             and set(r.arguments) <= set(ids) and not r.rule.startswith("/logout")]
    assert len(rules) >= 40
    if persona == "per":  # a member reaches the forms of the case routes only
        rules = [r for r in rules if "case_id" in r.arguments]
    failures = []
    for rule in rules:
        path = fill_rule(rule, ids)
        for body in _bodies(csrf(client, "/account"), fields):
            response = client.post(path, data=body,
                                   content_type="application/x-www-form-urlencoded")
            if response.status_code >= 500 and response.status_code != 503:
                failures.append(f"{rule.endpoint} {body[:60]!r}: {response.status_code}")
            elif response.status_code == 503:
                failures.append(f"{rule.endpoint} {body[:60]!r}: 503 (a database error)")
    assert failures == [], "\n".join(failures[:40])


# Every name a page reads from its query string (``request.args`` and the filter forms).
QUERY_NAMES = ("format", "year", "month", "quarter", "from", "to", "period", "sort", "dir",
               "q", "page", "before", "after", "owner", "n", "user", "organisation", "event",
               "case", "date_from", "date_to", "next", "search")
# ("å" * 600: over every filter field's maximum; a longer one costs the test client's URL
# parsing seconds, not the app)
QUERY_JUNK = ("", "-1", "9" * 400, "a\x00b", "%FF%FE", "2025-02-30", "å" * 600)


@pytest.mark.parametrize("persona", ["sara", "fred", "maria", "eva"])
def test_no_junk_query_or_id_gets_a_500(app, personas, fuzz_world, fake_clock, persona):
    """Every GET route, with real ids and junk in every query name at once, and with junk
    in place of every id (each persona reaches different code: the owner, Fred outside
    the group, the manager's statistics, the log reviewer's filters).  Junk ids are sent
    as the owner and as Fred: the manager and the log reviewer reach no route with an id
    further than the owner or Fred does."""
    ids, _fields = fuzz_world
    client = app.test_client()
    login(client, personas[persona], fake_clock=fake_clock)
    bad_ids = ("x", "9" * 50, "00000000-0000-0000-0000-000000000000", "%FF")
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/static"):
            continue
        paths = [fill_rule(rule, {a: bad for a in rule.arguments})
                 for bad in bad_ids if rule.arguments and persona in ("sara", "fred")]
        if set(rule.arguments) <= set(ids):
            real = fill_rule(rule, ids)
            paths += [real + "?" + "&".join(f"{name}={urllib.parse.quote(value, safe='%')}"
                                            for name in QUERY_NAMES)
                      for value in QUERY_JUNK]
        for path in paths:
            status = client.get(path).status_code
            if status >= 500:  # (503 included: a statement the database refused)
                failures.append(f"{rule.endpoint} {path[:100]}: {status}")
    assert failures == [], "\n".join(failures[:40])
