"""One disclosure path by construction: outside ``consent``, code reaches case items only
through the policy's entry points — no module imports its building blocks, and none
writes its own visibility condition on an item's origin."""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
ENTRY_POINTS = {"filtered", "shown_in_cases", "withheld", "Reading", "CaseRows", "shown_item",
                "decide", "every_item", "annotated", "Relation", "Rule", "Decision", "Withheld",
                "PolicyError", "CaseRef", "sees_case_items", "addressed_org_of", "case_of_item"}
# What only consent itself may use: the registry and the grants behind the rules.
BUILDING_BLOCKS = {"consent.items": None, "consent.grants": None,
                   "consent.policy": ENTRY_POINTS}
# Item models, whose columns in a comparison make a visibility condition in SQL.
ITEM_MODELS = {"Youth", "Guardian", "Membership", "Goal", "Action", "Change", "Meeting",
               "Participant", "MinutesEntry", "OutcomeEvent", "Referral", "Document"}
# The models' own modules declare their registration (and the migrations stand apart).
MAY_REGISTER = {"sig/youths/models.py", "sig/cases/models.py", "sig/plans/models.py",
                "sig/meetings/models.py", "sig/outcomes/models.py", "sig/referrals/models.py",
                "sig/documents/models.py"}


def modules():
    for folder in ("sig", "auth"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def test_no_module_outside_consent_imports_the_policys_building_blocks():
    offences = []
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in BUILDING_BLOCKS:
                allowed = BUILDING_BLOCKS[node.module]
                if allowed is None and name in MAY_REGISTER:
                    continue
                for alias in node.names:
                    if allowed is None or alias.name not in allowed:
                        offences.append(f"{name}: from {node.module} import {alias.name}")
            elif isinstance(node, ast.Import):
                offences += [f"{name}: import {a.name}" for a in node.names
                             if a.name in BUILDING_BLOCKS]
    assert not offences, "\n".join(offences)


def test_no_module_writes_its_own_condition_on_an_items_origin():
    """``Model.origin_org_id == …`` in SQL is a visibility rule: the policy's alone."""
    offences = []
    for name, tree in modules():
        if name.startswith("sig/statistics/") or name.startswith("sig/demo"):
            continue  # anonymous counts and demo data, never a read of a user's items
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            for side in (node.left, *node.comparators):
                if (isinstance(side, ast.Attribute) and side.attr == "origin_org_id"
                        and isinstance(side.value, ast.Name) and side.value.id in ITEM_MODELS):
                    offences.append(f"{name}:{node.lineno}")
    assert not offences, offences


def test_there_is_no_second_list_of_item_tables():
    """meeting_visible, the sharing overview's and the withheld counts' table lists are
    gone: the registry is the only list."""
    for name, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                assert node.name not in {"meeting_visible", "withheld_counts", "_tables",
                                         "visible"}, f"{name}: {node.name}"


def test_the_case_page_templates_only_read_the_read_model(app):
    """No template global reaches back into a blueprint for case data: the plan's rights,
    the consent box, the disclosure decisions and what may be recorded are sections of
    the read model, built before the access-log entry is written."""
    gone = {"plan_rights", "case_disclosures", "consent_summary", "may_record_outcomes"}
    assert not gone & set(app.jinja_env.globals)
    with app.test_request_context():
        context: dict = {}
        app.update_template_context(context)
    assert not gone & set(context)
    from sig.casework.read_model import SECTIONS

    assert set(SECTIONS) == {"overdue", "consents", "disclosures", "retention", "ownership",
                             "custody"}
