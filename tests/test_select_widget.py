"""The project's select writes each plain option itself: the same markup as WTForms'."""
from __future__ import annotations

from wtforms import SelectChoice, SelectField, widgets

from auth.form_base import SELECT, Form, Select


def _choice(value, label, selected=False, **render_kw):
    choice = SelectChoice(value, label, render_kw=render_kw)
    choice.selected = selected
    return choice


def test_every_option_is_written_as_wtforms_writes_it():
    cases = [_choice("7b0c3a4e", "Anna Andersson (Polisen)"),
             _choice("7b0c3a4e", "Anna Andersson (Polisen)", selected=True),
             _choice("", "— välj —"),
             _choice(True, "Ja"), _choice(False, "Nej", selected=True),
             _choice('"><script>alert(1)</script>', "<b>Å & Ö</b> \"citat\" 'apostrof'"),
             _choice("x", None),
             _choice("x", "med attribut", disabled=True)]
    for choice in cases:
        assert str(Select.render_option(choice)) == str(widgets.Select.render_option(choice))
    assert "<script>" not in str(Select.render_option(cases[5]))


def test_every_single_select_of_a_form_uses_it(app):
    class Pick(Form):
        one = SelectField("One", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])

    with app.test_request_context():
        form = Pick(meta={"csrf": False}, data={"one": "b"})
        assert form.one.widget is SELECT
        assert str(form.one()) == str(widgets.Select()(form.one))


def test_wtforms_own_messages_follow_the_request_language(app):
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    class Pick(Form):
        one = SelectField("One", choices=[SelectChoice("a", "A")])

    with app.test_request_context():
        form = Pick(MultiDict({"one": "z"}), meta={"csrf": False})
        assert not form.validate() and form.one.errors == ["Inte ett giltigt val"]
        with force_locale("en"):
            form = Pick(MultiDict({"one": "z"}), meta={"csrf": False})
            assert not form.validate() and form.one.errors == ["Not a valid choice."]


def test_a_whole_select_is_written_as_wtforms_writes_it(app):
    """Required, disabled, a class, a selected value, yes/no values, labels that need
    escaping, choices from a function; an option with attributes and a list with groups
    fall back to WTForms' own writer."""
    from wtforms.validators import DataRequired

    from auth.form_base import PLACEHOLDER

    class Pick(Form):
        plain = SelectField("Plain", choices=[PLACEHOLDER, SelectChoice("a", "<A & B>"),
                                              SelectChoice('"b"', "B")],
                            validators=[DataRequired()])
        later = SelectField("Later", choices=lambda: [SelectChoice("x", "X"),
                                                      SelectChoice("y", None)])
        yes_no = SelectField("Yes/no", choices=[SelectChoice(True, "Ja"),
                                                SelectChoice(False, "Nej")], coerce=bool)
        marked = SelectField("Marked", choices=[SelectChoice("m", "M",
                                                             render_kw={"disabled": True})])
        grouped = SelectField("Grouped", choices=[
            SelectChoice("p1", "P 1", optgroup="Polisen"),
            SelectChoice("s1", "S 1", optgroup="Skolan")])

    with app.test_request_context():
        form = Pick(meta={"csrf": False}, data={"plain": '"b"', "later": "y",
                                                "yes_no": False, "grouped": "s1"})
        for field in form:
            assert field.widget is SELECT
            for extra in ({}, {"disabled": True, "class_": "wide"}, {"required": False}):
                assert str(field(**extra)) == str(widgets.Select()(field, **extra)), (
                    field.name, extra)
        assert "required" in str(form.plain())
        assert "&lt;A &amp; B&gt;" in str(form.plain())
