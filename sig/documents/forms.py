"""The form for adding a document."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from auth.form_base import NO_DEFAULT, choices_of, must_choose
from auth.sent_once import SavedOnce
from consent.categories import CATEGORY_LABELS


class DocumentForm(SavedOnce):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    # what the document is about decides who may read it: chosen, never assumed
    category = SelectField(_l("What the document is about"), description=NO_DEFAULT,
                           choices=lambda: choices_of(CATEGORY_LABELS, placeholder=True),
                           validators=[must_choose(_l("Choose what the document is about."))])
    file = FileField(_l("File (PDF, JPEG or PNG)"))
