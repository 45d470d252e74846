"""The access log read by a person: Eva finds who read a case by its pseudonym, reads
each entry as a Swedish sentence (no JSON, no English codes, no raw ids, nothing
personal about the youth), and a date range given backwards is refused with a message
that keeps what she typed.  Fred, and everyone but the auditor, is refused the log."""
from __future__ import annotations

import re

import pytest

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
    assert reads["case"] not in page and reads["case"][:8] not in text
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

    from sig.audit.sentences import CLAUSES, COUNTS, RECORDS

    named = set(CLAUSES) | set(RECORDS) | set(COUNTS) | {"from", "to", "minutes"}
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
    missing = {key: where for key, where in keys.items() if key not in named}
    assert missing == {}, sorted(missing.items())
