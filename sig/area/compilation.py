"""The municipality's monthly compilation for the county administrative board
(länsstyrelsen), due within a week of month end: every situation report compiled for a
period that ends in the month, question by question — the coordinator's colour, the
highest impact the organisations gave, how many organisations reported, the comment,
and what was raised with the council and its response.  No personal data (every text
passed the guard when it was saved)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from kernel.db import db
from sig.area.models import (
    QUESTIONS,
    AreaGroup,
    Assessment,
    Escalation,
    ReportPart,
    SituationReport,
)

FORMAT = "sig-lagesbild-manad/1"


@dataclass
class QuestionRow:
    question: int
    colour: str | None
    highest_impact: int | None
    organisations: int
    comment: str | None
    raised: bool
    response: str | None


@dataclass
class ReportRow:
    group: str
    period_start: dt.date
    period_end: dt.date
    questions: list[QuestionRow] = field(default_factory=list)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """:raises ValueError: unless ``month`` is YYYY-MM."""
    first = dt.date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def for_month(month: str) -> list[ReportRow]:
    first, last = month_bounds(month)
    reports = list(db.session.scalars(
        select(SituationReport).join(AreaGroup)
        .where(SituationReport.compiled_at.is_not(None),
               SituationReport.period_end >= first, SituationReport.period_end <= last)
        .order_by(AreaGroup.name, SituationReport.period_start)))
    ids = [r.id for r in reports]
    parts = list(db.session.scalars(select(ReportPart).where(ReportPart.report_id.in_(ids))))
    assessed = list(db.session.scalars(select(Assessment).where(Assessment.report_id.in_(ids))))
    raised = {e.assessment_id: e for e in db.session.scalars(
        select(Escalation).where(Escalation.assessment_id.in_([a.id for a in assessed])))}
    rows = []
    for report in reports:
        row = ReportRow(report.group.name, report.period_start, report.period_end)
        for q in QUESTIONS:
            mine = [p for p in parts if p.report_id == report.id and p.question == q]
            a = next((x for x in assessed if x.report_id == report.id and x.question == q),
                     None)
            e = raised.get(a.id) if a else None
            row.questions.append(QuestionRow(
                q, a.colour if a else None,
                max((p.impact for p in mine if p.impact), default=None),
                len({p.org_id for p in mine}), a.comment if a else None,
                e is not None, e.response if e else None))
        rows.append(row)
    return rows
