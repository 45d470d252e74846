"""Test worlds by direct inserts, for tests where the pages that write them are not what
is tested."""
from __future__ import annotations

import datetime as dt
import json

from consent.categories import Category
from kernel import clock
from kernel.db import db
from sig.cases.models import Deputy, Handover
from sig.documents.models import Document
from sig.extracts.models import SubjectExtract
from sig.plans.models import Action, Goal
from tests.test_policy_table import (
    SPECS,
    add_case,
    add_consent,
    add_disclosure,
    add_entry,
    add_meeting,
    born,
)

ASSESSMENT = "Bedömning"


def case_with_every_record(users, orgs) -> dict[str, str]:
    """A case owned by Sara with Per and Kim in the group and one record of every kind a
    case URL names: a consent with its signed form, a held meeting, a minutes entry
    (social services' assessment, text ``ASSESSMENT``) named in a disclosure decision to
    the police, a goal and an action for the police, and a released register extract.
    Returns the ids by URL argument."""
    today = clock.now().date()
    case, guardians = add_case(users, orgs, born(16, today), 1, members=("per", "kim"))
    consent = add_consent(users, orgs, case, guardians, SPECS["full"])
    consent.form, consent.form_filename = b"%PDF-1.4 underskrift", "samtycke.pdf"
    consent.form_mime = "application/pdf"
    meeting = add_meeting(users, orgs, case)
    entry = add_entry(users, orgs, case, meeting, "social", "social_assessment",
                      text=ASSESSMENT)
    goal = Goal(case_id=case.id, life_area="school", origin_org_id=orgs["social"].id,
                category=Category.COORDINATION.value, created_by_id=users["sara"].id)
    goal.description = "Går i skolan"
    db.session.add(goal)
    db.session.flush()
    action = Action(case_id=case.id, goal_id=goal.id, origin_org_id=orgs["social"].id,
                    category=Category.COORDINATION.value, responsible_org_id=orgs["police"].id,
                    created_by_id=users["sara"].id, status="planned")
    action.what = "Kontaktpolis"
    db.session.add(action)
    db.session.flush()
    disclosure = add_disclosure(users, orgs, case, [entry])
    # a released register extract of the youth (what it holds is the youth's)
    extract = SubjectExtract(case_id=case.id, subject_kind="youth", subject_id=case.youth_id,
                             released_by_id=users["sara"].id)
    extract.content = json.dumps({"subject": {"name": case.youth.name}, "cases": []},
                                 ensure_ascii=False)
    db.session.add(extract)
    # an open offer of the case and a deputy named for next week (to a colleague: the rows
    # only need to exist for the URLs that name them)
    colleague = users["maria"].id
    handover = Handover(case_id=case.id, from_owner_id=users["sara"].id,
                        to_owner_id=colleague, proposed_by_id=users["sara"].id)
    deputy = Deputy(case_id=case.id, user_id=colleague, named_by_id=users["sara"].id,
                    from_date=today + dt.timedelta(days=7),
                    to_date=today + dt.timedelta(days=14))
    document = Document(case_id=case.id, origin_org_id=orgs["social"].id,
                        category=Category.SOCIAL_ASSESSMENT.value,
                        created_by_id=users["sara"].id, mime="application/pdf",
                        extension="pdf", size=20)
    document.title, document.content = ASSESSMENT, b"%PDF-1.4\n%%EOF\n"
    db.session.add_all([handover, deputy, document])
    db.session.commit()
    return {"case_id": case.id, "youth_id": case.youth_id, "goal_id": goal.id,
            "action_id": action.id, "meeting_id": meeting.id, "entry_id": entry.id,
            "consent_id": consent.id, "party_id": consent.parties[0].id,
            "grant_id": consent.grants[0].id, "disclosure_id": disclosure.id,
            "org_id": orgs["police"].id, "user_id": users["per"].id,
            "extract_id": extract.id, "handover_id": handover.id, "deputy_id": deputy.id,
            "document_id": document.id}
