"""The access log read by a person: Eva finds who read a case by its pseudonym, reads
each entry as a Swedish sentence (no JSON, no English codes, no raw ids, nothing
personal about the youth), and a date range given backwards is refused with a message
that keeps what she typed.  Fred, and everyone but the auditor, is refused the log."""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from kernel.db import db
from sig.cases.models import Case
from tests.case_helpers import add_member, open_case, register_youth, text_of
from tests.helpers import login

YOUTH = "Alva Loggsson"


@pytest.fixture
def reads(app, sara, per, fred, eva, fake_clock) -> dict:
    """Sara's case for Alva with Per in the group, read by both; Fred tries it; another
    case of Sara's is read too.  Then Eva logs in."""
    sara_client = app.test_client()
    login(sara_client, sara, fake_clock=fake_clock)
    case_id = open_case(sara_client, register_youth(sara_client, name=YOUTH))
    add_member(sara_client, case_id, per, function="kontaktpolis")
    assert sara_client.get(f"/cases/{case_id}").status_code == 200
    per_client = app.test_client()
    login(per_client, per, fake_clock=fake_clock)
    assert per_client.get(f"/cases/{case_id}").status_code == 200
    fred_client = app.test_client()
    login(fred_client, fred, fake_clock=fake_clock)
    assert fred_client.get(f"/cases/{case_id}").status_code == 404
    eva_client = app.test_client()
    login(eva_client, eva, fake_clock=fake_clock)
    with app.app_context():
        pseudonym = db.session.get(Case, case_id).reference
    return {"eva": eva_client, "case": case_id, "pseudonym": pseudonym}


def rows(page: str) -> list[str]:
    """The sentences of the listed entries (third cell of each body row)."""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in
            re.findall(r"<tr>\s*<td>\d+</td>\s*<td[^>]*>.*?</td>\s*<td>(.*?)</td>", page,
                       flags=re.S)]


def test_eva_finds_who_read_the_case_by_its_pseudonym(app, reads, sara, per, fred):
    response = reads["eva"].get("/audit/", query_string={"case": reads["pseudonym"].lower()})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    sentences = rows(page)
    assert sentences and all(reads["pseudonym"] in s for s in sentences), sentences
    read_by_per = [s for s in sentences if s.startswith("Per ") and "Ärende visat" in s]
    assert read_by_per, sentences
    assert "(Polisen" in read_by_per[0] and "Som gruppmedlem." in read_by_per[0]
    assert "Visades:" in read_by_per[0] and "Undanhölls:" in read_by_per[0]
    assert any(s.startswith("Sara ") and "Som ärendeansvarig." in s for s in sentences)
    refused = [s for s in sentences if s.startswith("Fred ")]
    assert refused and "Skäl: inte med i ärendets grupp." in refused[0]
    # a person's log: no JSON, no English codes, no raw ids, nothing about the youth
    text = " ".join(sentences)
    assert "{" not in text and "not_in_group" not in text and "case_viewed" not in text
    # (the pseudonym is the id's first eight characters in capitals: an id that starts
    # with eight digits shows them inside the pseudonym, which is not a raw id)
    assert reads["case"] not in page
    assert reads["case"][:8] not in text.replace(reads["pseudonym"], "")
    assert YOUTH not in page and "Alva" not in page


def test_the_case_filter_leaves_out_other_cases_and_keeps_a_mistyped_pseudonym(app, reads):
    everything = rows(reads["eva"].get("/audit/").get_data(as_text=True))
    filtered = rows(reads["eva"].get(
        "/audit/", query_string={"case": reads["pseudonym"]}).get_data(as_text=True))
    assert len(filtered) < len(everything)
    assert any("Inloggad" in s for s in everything)
    assert not any("Inloggad" in s for s in filtered)
    response = reads["eva"].get("/audit/", query_string={"case": "SIG-12%"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="SIG-12%"' in page and "Skriv ärendets pseudonym" in text_of(response)


def test_a_backwards_date_range_is_refused_with_a_message(app, reads):
    response = reads["eva"].get("/audit/", query_string={"date_from": "2026-03-10",
                                                          "date_to": "2026-03-01"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Slutdatumet är före startdatumet." in text_of(response)
    assert 'value="2026-03-01"' in page and 'value="2026-03-10"' in page
    assert 'id="date_to-error"' in page


@pytest.mark.parametrize("name", ["sara", "per", "fred", "maria", "ali"])
def test_no_one_but_the_auditor_reads_the_log_or_filters_it_by_case(app, reads, request,
                                                                   name, fake_clock):
    client = app.test_client()
    login(client, request.getfixturevalue(name), fake_clock=fake_clock)
    for url in ("/audit/", "/audit/export.csv"):
        response = client.get(url, query_string={"case": reads["pseudonym"]})
        assert response.status_code == 403, (name, url)
        assert reads["pseudonym"] not in response.get_data(as_text=True)


def test_every_detail_the_code_records_has_a_name_in_the_sentences():
    """Statically: every key of a ``details={...}`` given to the access log, of an
    ``audit_details()`` and of a ``refuse(..., key=...)``, is one the auditor's page
    names (else it would show as recorded, with its code)."""
    import ast
    import pathlib

    from sig.audit.sentences import is_named

    root = pathlib.Path(__file__).resolve().parents[1]
    keys: dict[str, str] = {}
    for folder in ("sig", "auth", "kernel", "consent"):
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                dicts = []
                if isinstance(node, ast.Call):
                    dicts += [k.value for k in node.keywords if k.arg == "details"
                              and isinstance(k.value, ast.Dict)]
                    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                    if name == "refuse":
                        keys.update({k.arg: str(path) for k in node.keywords
                                     if k.arg not in (None, "status")})
                if isinstance(node, ast.FunctionDef) and node.name == "audit_details":
                    dicts += [n.value for n in ast.walk(node)
                              if isinstance(n, ast.Return) and isinstance(n.value, ast.Dict)]
                for found in dicts:
                    keys.update({k.value: str(path) for k in found.keys
                                 if isinstance(k, ast.Constant)})
    assert len(keys) > 40
    missing = {key: where for key, where in keys.items() if not is_named(key)}
    assert missing == {}, sorted(missing.items())


def test_an_entry_that_names_a_case_in_its_details_targets_a_part_the_filter_knows():
    """Statically: the case filter finds an entry through its target (an index), so an
    entry that names a case in its details must target the case or one of the parts the
    filter maps to their case (a consent, a proposal)."""
    import ast
    import pathlib

    from sig.audit.views import CASE_PARTS

    root = pathlib.Path(__file__).resolve().parents[1]
    targets: dict[str, str] = {}
    for folder in ("sig", "auth", "kernel", "consent"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                keywords = {k.arg: k.value for k in node.keywords}
                details = keywords.get("details")
                if not (isinstance(details, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == "case"
                        for k in details.keys)):
                    continue
                target = keywords.get("target_type")
                targets[f"{path.name}:{node.lineno}"] = (
                    target.value if isinstance(target, ast.Constant) else "?")
    assert targets
    assert {where: t for where, t in targets.items()
            if t not in {"case", *CASE_PARTS}} == {}


class LogReads:
    """The statements a block runs on the access log, and (on SQLite, where the suite
    checks plans; none elsewhere) the plan of each read."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["sig.db"].engine
        self.statements: list[tuple[str, tuple]] = []

    def __enter__(self) -> LogReads:
        event.listen(self.engine, "before_cursor_execute", self._capture)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._capture)

    def _capture(self, _conn, _cursor, statement, parameters, *_args) -> None:
        if "FROM audit_entries" in statement:
            self.statements.append((statement, parameters))

    def plans(self) -> list[str]:
        if self.engine.dialect.name != "sqlite":
            return []
        with self.engine.connect() as connection:
            return [" ".join(d for *_i, d in connection.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + statement, parameters))
                    for statement, parameters in self.statements
                    if statement.lstrip().upper().startswith("SELECT")]


def test_the_case_filter_finds_its_consents_and_reads_the_log_through_an_index(
        app, reads, sara, orgs, fake_clock):
    """A consent's entries name the case in their details: the case filter lists them
    with the case's reads, and on a fresh SQLite database it reaches the log through the
    target, not by reading every entry's text."""
    from tests.test_consents import grant, recorded
    from tests.test_consents import record as record_consent

    sara_client = app.test_client()
    login(sara_client, sara, fake_clock=fake_clock)
    recorded(record_consent(sara_client, reads["case"], today=fake_clock.current.date(),
                            grants=[grant(orgs, "social", "police", "coordination")]))
    with LogReads(app) as seen:
        page = reads["eva"].get("/audit/", query_string={"case": reads["pseudonym"]})
    sentences = rows(page.get_data(as_text=True))
    assert any("Samtycke registrerat" in s for s in sentences), sentences
    assert any(s.startswith("Per ") for s in sentences)
    for plan in seen.plans():
        assert "SCAN audit_entries" not in plan, plan


# --- the monthly log review ----------------------------------------------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at(fake_clock, day: dt.date, hour: int, minute: int = 0) -> None:
    fake_clock.current = dt.datetime.combine(day, dt.time(hour, minute),
                                             STOCKHOLM).astimezone(dt.UTC)


def _weekday(month_first: dt.date, weekday: int, week: int = 1) -> dt.date:
    """The ``week``-th ``weekday`` (0 = Monday) of the month."""
    day = month_first + dt.timedelta(days=(weekday - month_first.weekday()) % 7)
    return day + dt.timedelta(weeks=week - 1)


@pytest.fixture
def month_log(app, personas, orgs, fake_clock) -> dict:
    """A month of reads written straight into the log, as the pages would write them:
    Per reads case A in office hours, late in the evening and on a Saturday (his first
    read of A was the month before); Fred is refused A; Kim reads ten cases in one
    morning, each for the first time; Lo reads case B two days after her membership of
    it ended (the end date was set afterwards)."""
    from kernel.audit import AuditEvent, record
    from sig.cases.models import Membership
    from tests.test_policy_table import add_case, born

    real_now = fake_clock.current
    this_month = real_now.astimezone(STOCKHOLM).date().replace(day=1)
    month = (this_month - dt.timedelta(days=1)).replace(day=1)
    fake_clock.current = real_now - dt.timedelta(days=120)
    with app.app_context():
        today = fake_clock.current.date()
        a = add_case(personas, orgs, born(16, today), 1, members=("per", "lo"))[0].id
        b = add_case(personas, orgs, born(16, today), 1, members=("lo",))[0].id
        kims = [add_case(personas, orgs, born(15, today), 1, members=("kim",))[0].id
                for _ in range(10)]
        db.session.commit()

    def read(user: str, case_id: str, day: dt.date, hour: int, minute: int = 0,
             event=AuditEvent.CASE_VIEWED, outcome: str = "ok") -> None:
        _at(fake_clock, day, hour, minute)
        with app.app_context():
            record(event, actor=db.session.get(type(personas[user]), personas[user].id),
                   target_type="case", target_ref=case_id, outcome=outcome,
                   details={"relation": "member"} if outcome == "ok"
                   else {"reason": "not_in_group"})
            db.session.commit()

    tuesday = _weekday(month, 1, 2)
    read("per", a, (month - dt.timedelta(days=3)), 10)  # the month before
    read("per", a, tuesday, 10)
    read("per", a, tuesday + dt.timedelta(days=1), 22, 30)
    read("per", a, _weekday(month, 5, 2), 11)
    read("fred", a, tuesday, 14, event=AuditEvent.ACCESS_DENIED, outcome="denied")
    for n, case_id in enumerate(kims):
        read("kim", case_id, tuesday, 9, n)
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(
            Membership.case_id == b, Membership.user_id == personas["lo"].id))
        membership.to_date = tuesday
        db.session.commit()
    read("lo", b, tuesday + dt.timedelta(days=2), 13)
    fake_clock.current = real_now
    return {"month": month.strftime("%Y-%m"), "a": a, "b": b, "kims": kims,
            "tuesday": tuesday}


def _review(app, eva, fake_clock, month: str, **args):
    client = app.test_client()
    login(client, eva, fake_clock=fake_clock)
    response = client.get("/audit/review", query_string={"month": month, **args})
    assert response.status_code == 200
    return client, response.get_data(as_text=True)


def _section(page: str, name: str) -> str:
    return re.search(rf'id="report-{name}">.*?</section>', page, re.S).group(0)


def test_the_monthly_reports_find_what_a_log_review_looks_for(app, month_log, eva,
                                                              fake_clock):
    _client, page = _review(app, eva, fake_clock, month_log["month"])
    after_hours = _section(page, "after_hours")
    assert "(2)" in after_hours and after_hours.count("Per Testsson") == 2
    assert "22:30" in after_hours and "11:00" in after_hours
    refusals = _section(page, "refusals")
    assert "(1)" in refusals and "Fred Testsson" in refusals and "inte med i ärendets grupp" \
        in refusals
    many = _section(page, "many_cases")
    assert "(1)" in many and "Kim Testsson läste 10 olika ärenden den " \
        f"{month_log['tuesday'].isoformat()}" in many
    outside = _section(page, "after_membership")
    assert "(1)" in outside and "Lo Testsson" in outside
    first = _section(page, "first_access")
    assert "(11)" in first  # Kim's ten and Lo's one; Per read A the month before
    assert "Per Testsson" not in first
    for case_id in month_log["kims"]:
        assert f"SIG-{case_id[:8].upper()}" in first
    assert "Alva" not in page and "Ung Testsson" not in page  # nothing about the youths


def test_the_sample_is_the_same_on_every_load_and_only_of_reads(app, month_log, eva,
                                                                fake_clock):
    _c, first = _review(app, eva, fake_clock, month_log["month"], n=5)
    _c, again = _review(app, eva, fake_clock, month_log["month"], n=5)
    picks = re.findall(r"\(#(\d+)\)", _section(first, "sample"))
    assert len(picks) == 5 and picks == re.findall(r"\(#(\d+)\)", _section(again, "sample"))
    assert "Fred" not in _section(first, "sample")  # a refusal is not a read


def test_the_review_asks_the_database_and_reads_only_the_months_range(
        app, month_log, eva, fake_clock):
    """A month of a municipality's log is hundreds of thousands of entries: each report
    is one statement over the month's range of the index on the time — never a scan of
    the log, nor an index that walks every read the log ever held."""
    with LogReads(app) as seen:
        _client, page = _review(app, eva, fake_clock, month_log["month"])
    assert "Kim Testsson läste 10 olika ärenden" in page
    # six reports, the sample's draw, the rows listed
    assert len([st for st, _p in seen.statements if "audit_head" not in st]) <= 9
    for plan in seen.plans():
        assert "SCAN audit_entries" not in plan, plan
        assert "ix_audit_entries_event" not in plan, plan


def test_eva_signs_off_the_month_once_and_the_record_is_in_the_chain(app, month_log, eva,
                                                                     fake_clock):
    from kernel.audit.models import AuditEntry
    from kernel.audit.verify import verify_chain
    from kernel.crypto.keys import current_keyring
    from sig.audit.models import LogReview
    from sig.audit.review import Month, findings_hash
    from tests.helpers import post

    client, _page = _review(app, eva, fake_clock, month_log["month"])
    url = f"/audit/review?month={month_log['month']}"
    findings = "Kims tio ärenden samma morgon kontrolleras med enhetschefen."
    unticked = post(client, url, {"month": month_log["month"], "findings": findings},
                    page=url)
    assert unticked.status_code == 200
    assert "Kryssa i rutan" in text_of(unticked) and findings in text_of(unticked)
    for _twice in range(2):  # a double click
        done = post(client, url, {"month": month_log["month"], "findings": findings,
                                  "done": "y"}, page=url)
        assert done.status_code == 302
    page = text_of(client.get(url))
    assert "Signerad av Eva Testsson" in page and findings in page
    with app.app_context():
        signed = db.session.scalars(select(LogReview)).all()
        assert len(signed) == 1 and signed[0].findings == findings
        assert findings.encode() not in (signed[0].findings_enc or b"")
        entry = db.session.get(AuditEntry, signed[0].audit_seq)
        details = json.loads(entry.details)
        assert entry.event == "log_review_signed" and details["month"] == month_log["month"]
        assert details["findings_hash"] == findings_hash(Month.parse(month_log["month"]),
                                                         findings)
        assert details["found_many_cases"] == 1 and "Kim" not in entry.details
        assert verify_chain(db.session, current_keyring().audit_key).ok


def test_a_mistyped_or_future_month_is_refused_with_a_message(app, eva, fake_clock):
    client = app.test_client()
    login(client, eva, fake_clock=fake_clock)
    for asked, says in (("november", "Skriv månaden som ÅÅÅÅ-MM"),
                        ("2026-13", "Skriv månaden som ÅÅÅÅ-MM"),
                        ("2999-01", "Månaden har inte börjat än.")):
        response = client.get("/audit/review", query_string={"month": asked})
        assert response.status_code == 200
        assert says in text_of(response) and f'value="{asked}"' in response.get_data(
            as_text=True)


@pytest.mark.parametrize("name", ["sara", "per", "fred", "maria", "ali"])
def test_no_one_but_the_auditor_sees_or_signs_the_review(app, month_log, request, name,
                                                        fake_clock):
    from sig.audit.models import LogReview

    client = app.test_client()
    login(client, request.getfixturevalue(name), fake_clock=fake_clock)
    assert client.get("/audit/review", query_string={"month": month_log["month"]}
                      ).status_code == 403
    response = client.post("/audit/review", data={"month": month_log["month"],
                                                  "findings": "x", "done": "y"})
    assert response.status_code in (400, 403)
    with app.app_context():
        assert db.session.scalars(select(LogReview)).all() == []


@pytest.mark.parametrize("event, details", [
    *[("login_failed", {"reason": reason}) for reason in
      ("wrong_password", "unknown_or_inactive", "locked", "account_locked")],
    ("account_locked", {"minutes": 15, "scope": "username_and_address"}),
    ("account_locked", {"minutes": 15, "scope": "account"}),
    *[("access_denied", {"endpoint": "admin.users", "needs": permission})
      for permission in ("administer_accounts", "manage_cases", "manage_own_account",
                         "propose_referrals", "read_audit_log", "run_area_work",
                         "reassign_cases", "view_start_page", "view_statistics",
                         "view_statutory_rules", "work_in_cases")],
])
def test_login_and_permission_codes_read_as_swedish_sentences(app, event, details):
    """Eva read "Skäl: wrong_password." and "Kräver behörigheten: administer accounts.":
    every code the login and the permission check record is a Swedish phrase."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from auth.permissions import Permission
    from sig.audit.sentences import Names, describe

    assert {str(p) for p in Permission} >= {details.get("needs")} - {None}
    entry = SimpleNamespace(event=event, actor_user_id=None, actor_org_id=None,
                            target_type=None, target_ref=None, details=json.dumps(details))
    with app.test_request_context(), force_locale("sv"):
        sentence = describe(entry, Names({}, {}))
    code = details.get("reason") or details.get("scope") or details.get("needs")
    assert code not in sentence and code.replace("_", " ") not in sentence, sentence
    assert "_" not in sentence and not re.search(r"\b(the|account|wrong)\b", sentence), sentence


def test_an_exported_statistics_table_is_named_by_its_title_in_the_access_log(app):
    """Eva read "Tabell: meeting presence.": every table the managers can export is named
    by its Swedish title on the dashboard, none by its code."""
    from types import SimpleNamespace

    from flask_babel import force_locale

    from sig.audit.sentences import Names, describe
    from sig.statistics.measures import MEASURES

    assert len(MEASURES) > 10
    for name, (spec, _count) in MEASURES.items():
        entry = SimpleNamespace(event="statistics_exported", actor_user_id=None,
                                actor_org_id=None, target_type=None, target_ref=None,
                                details=json.dumps({"table": name, "period": {"year": "2026"}}))
        with app.test_request_context(), force_locale("sv"):
            sentence = describe(entry, Names({}, {}))
            title = str(spec.title)
        assert f"Tabell: ”{title}”." in sentence, sentence
        assert name not in sentence and name.replace("_", " ") not in sentence, sentence


def test_every_permission_has_a_name_in_the_access_log():
    from auth.permissions import Permission
    from sig.audit.sentences import PERMISSIONS

    assert set(PERMISSIONS) == {str(p) for p in Permission}
