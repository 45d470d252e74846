"""Documents on a case: add one (the user's organisation's, with a category), download
one the policy shows (as a file, never rendered: no-store, nosniff; logged)."""
from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth.sent_once import once
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.cases.rights import CasePermission
from sig.cases.routes import At, Item, case_route
from sig.documents import operations
from sig.documents.forms import DocumentForm
from sig.documents.models import Document

bp = Blueprint("documents", __name__)

ERRORS = {
    "case_closed": lambda: _("The case is closed; no documents can be added."),
    "title_required": lambda: _("Write a title."),
    "unknown_category": lambda: _("Choose what the document is about."),
    "empty": lambda: _("Choose the file to add."),
    "too_large": lambda: _("The file is too large: at most %(mb)s MB.",
                           mb=operations.max_bytes() // (1024 * 1024)),
    "type": lambda: _("The file must be a whole PDF, JPEG or PNG file."),
    "active": lambda: _("The file holds web page code or a script, which is not accepted "
                        "in a document. Save or scan it to PDF again."),
}


@case_route(bp, "/cases/<id:case_id>/documents/new", needs=CasePermission.ADD_DOCUMENT,
            methods=("GET", "POST"))
def new(at: At):
    form = DocumentForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        # (a form field sent as text instead of a file is no file)
        data = upload.read(operations.max_bytes() + 1) if hasattr(upload, "read") else b""
        shown_at = url_for("cases.show", case_id=at.case.id, _anchor="documents-heading")
        try:
            with once(form, shown_at):
                operations.add(current_user, at.relation, at.case, title=form.title.data,
                               category=form.category.data, data=data)
        except operations.DocumentError as exc:
            getattr(form, exc.field).errors = [*getattr(form, exc.field).errors,
                                               ERRORS[exc.code]()]
            status = 400
        else:
            flash(_("The document is added to the case."), "success")
            return redirect(shown_at)
    elif form.is_submitted():
        status = 400
    record(AuditEvent.CASE_VIEWED, target_type="case", target_ref=at.case.id,
           details={"view": "new_document", "relation": str(at.relation)})
    db.session.commit()
    return render_template("documents/new.html", case=at.case, form=form,
                           max_mb=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024)
                           ), status


@case_route(bp, "/cases/<id:case_id>/documents/<id:document_id>", needs=CasePermission.READ,
            items={"document_id": Item(Document)})
def download(at: At, document: Document):
    data = operations.read(at.case, document)
    response = send_file(io.BytesIO(data), mimetype=document.mime, as_attachment=True,
                         download_name=document.download_name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
