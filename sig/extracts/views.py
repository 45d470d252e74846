"""The register extract pages: the owner picks the person (the youth or a guardian),
reviews the draft, releases it; the released extract prints as a Swedish document and
downloads as JSON.  Every step is logged; the extract's content never is."""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from auth.sent_once import SavedOnce, once
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.rights import CasePermission
from sig.cases.routes import At, case_route, record_of_case
from sig.extracts import document
from sig.extracts.models import SubjectExtract
from sig.web.ids import ID_PATTERN
from sig.youths.models import Guardian, Youth

bp = Blueprint("extracts", __name__)


class ReleaseForm(SavedOnce):
    person = HiddenField()
    reviewed = BooleanField(
        _l("I have reviewed the extract: what is secret towards the person is withheld"),
        validators=[DataRequired(message=_l("Tick the box to confirm the review."))])


def _subject(at: At, person: str | None) -> tuple[str, Any, Youth] | None:
    """("youth", youth, youth) or ("guardian", guardian, youth) — of this case's youth;
    None for anything else (a malformed value never reaches a query)."""
    youth = db.session.get(Youth, at.case.youth_id)
    if person in (None, "", "youth"):
        return "youth", youth, youth
    if not re.fullmatch(ID_PATTERN, person):
        return None
    guardian = db.session.scalar(select(Guardian).where(Guardian.id == person,
                                                        Guardian.youth_id == youth.id))
    return ("guardian", guardian, youth) if guardian is not None else None


def _content(kind: str, subject: Any, youth: Youth) -> dict[str, Any]:
    if kind == "youth":
        return document.for_youth(youth, current_user)
    return document.for_guardian(subject, youth, current_user)


def _counts(content: dict[str, Any]) -> dict[str, int]:
    cases = content["cases"]
    return {"cases": len(cases), "flows": sum(len(c.get("ledger", [])) for c in cases),
            "withheld_items": sum(len(c.get("withheld", [])) for c in cases)}


def _draft(at: At, form: ReleaseForm, status: int = 200):
    person = request.values.get("person") or "youth"
    found = _subject(at, person)
    if found is None:
        abort(404)
    kind, subject, youth = found
    content = _content(kind, subject, youth)
    guardians = list(db.session.scalars(select(Guardian).where(
        Guardian.youth_id == youth.id).order_by(Guardian.created_at)))
    record(AuditEvent.EXTRACT_PREVIEWED, target_type="case", target_ref=at.case.id,
           details={"subject": kind, **_counts(content)})
    db.session.commit()
    form.person.data = person
    return render_template("extracts/draft.html", case=at.case, content=content,
                           guardians=guardians, person=person, form=form), status


@case_route(bp, "/cases/<id:case_id>/extract", needs=CasePermission.SUBJECT_ACCESS)
def draft(at: At):
    return _draft(at, ReleaseForm(formdata=None))


@case_route(bp, "/cases/<id:case_id>/extract", needs=CasePermission.SUBJECT_ACCESS,
            methods=("POST",))
def release(at: At):
    form = ReleaseForm()
    if not form.validate_on_submit():
        return _draft(at, form, 200)
    found = _subject(at, form.person.data)
    if found is None:
        abort(404)
    kind, subject, youth = found
    content = _content(kind, subject, youth)
    # (released twice, one extract: the second lands on the draft, told so)
    with once(form, url_for("extracts.draft", case_id=at.case.id, person=form.person.data)):
        extract = SubjectExtract(case_id=at.case.id, subject_kind=kind,
                                 subject_id=subject.id, released_by_id=current_user.id)
        extract.content = json.dumps(content, ensure_ascii=False, sort_keys=True)
        db.session.add(extract)
        db.session.flush()
        record(AuditEvent.EXTRACT_RELEASED, target_type="case", target_ref=at.case.id,
               details={"subject": kind, "extract": extract.id, **_counts(content)})
        db.session.commit()
    flash(_("The extract is released. Print it or download the file for the person."),
          "success")
    return redirect(url_for("extracts.show", case_id=at.case.id, extract_id=extract.id))


@case_route(bp, "/cases/<id:case_id>/extracts/<id:extract_id>",
            needs=CasePermission.SUBJECT_ACCESS,
            items={"extract_id": record_of_case(SubjectExtract)})
def show(at: At, extract: SubjectExtract):
    content = json.loads(extract.content or "{}")
    as_file = request.args.get("format") == "json"
    record(AuditEvent.EXTRACT_VIEWED, target_type="case", target_ref=at.case.id,
           details={"subject": extract.subject_kind, "extract": extract.id,
                    "file": as_file})
    db.session.commit()
    if as_file:
        return Response(json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True),
                        mimetype="application/json", headers={
                            "Content-Disposition":
                                f'attachment; filename="registerutdrag-{extract.reference}.json"'})
    return render_template("extracts/released.html", case=at.case, content=content,
                           extract=extract)
