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


# --- every other widget's attributes -------------------------------------------------------


def test_attributes_are_written_as_wtforms_writes_them():
    from markupsafe import Markup

    from auth.form_base import attributes

    shapes = [{}, {"name": "a"}, {"id": "f", "class_": "wide", "for_": "x"},
              {"checked": True, "readonly": False, "name": "text1", "abc": "hello"},
              {"data_user_name": "user.name", "aria_describedby": "a-hint b-error"},
              {"value": '"><script>alert(1)</script>', "title": "Å & Ö 'x'"},
              {"value": Markup('<b class="x">safe</b>'), "placeholder": Markup("a&amp;b")},
              {"maxlength": 4000, "min": 0, "step": 1.5, "value": None},
              {"required": True, "disabled": True, "multiple": False}]
    for shape in shapes:
        assert str(attributes(**shape)) == str(widgets.html_params(**shape)), shape
        assert isinstance(attributes(**shape), Markup)


def _every_form():
    from auth.form_base import Form

    todo, found = [Form], []
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        found.append(cls)
    return found


def test_every_field_and_label_of_every_form_is_written_as_wtforms_writes_it(app):
    """Each field of each of the project's forms — text, dates, hidden versions, the CSRF
    token, text areas, check boxes, selects — with and without extra attributes, and
    its label, in the same markup as WTForms' own widget and label write."""
    from wtforms.fields import Label as WTFormsLabel

    import sig  # noqa: F401 - every form module is imported with the app
    from auth.form_base import TEXT_AREA, Label

    compared = set()
    with app.test_request_context():
        for cls in _every_form():
            form = cls()
            for field in form:
                widget = field.widget
                own = type(widget).__mro__[1] if widget is TEXT_AREA else type(widget)
                original = own.__new__(own)
                original.__dict__.update({k: v for k, v in vars(widget).items()
                                          if k != "html_params"})
                for extra in ({}, {"class_": "wide", "aria_describedby": "x-hint"},
                              {"required": False, "disabled": True}):
                    if widget is TEXT_AREA or "html_params" in vars(widget):
                        given = {**(field.render_kw or {}), **extra}
                        assert str(field(**extra)) == str(original(field, **given)), (
                            cls.__name__, field.name, extra)
                        compared.add(type(original).__name__)
                assert type(field.label) is Label
                wt_label = WTFormsLabel(field.label.field_id, field.label.text)
                assert str(field.label()) == str(wt_label())
                assert str(field.label("Å <b>", class_="x")) == \
                    str(wt_label("Å <b>", class_="x"))
    # the kinds of inputs the forms have, each compared
    assert {"TextArea", "TextInput", "HiddenInput", "PasswordInput", "CheckboxInput",
            "FileInput", "NumberInput"} <= compared, compared
