"""The managers' dashboard and its CSV exports.  Only anonymised, suppressed counts
leave here: no person, case, free text or exact date (DESIGN §7)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from auth.permissions import Permission, requires
from kernel.audit import AuditEvent, record
from kernel.db import db
from sig.statistics import charts, dashboard, tables
from sig.statistics.periods import Period, PeriodError, from_args
from sig.statistics.tables import TOTAL, TableView
from sig.web.spreadsheet import csv_response

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

PERIOD_ERRORS = {
    "kind": lambda: _("Choose a month, a quarter, a year or a custom period."),
    "year": lambda: _("Enter a year between 2000 and 2100."),
    "quarter": lambda: _("Choose a quarter from 1 to 4."),
    "month": lambda: _("Choose a month."),
    "month_format": lambda: _("Enter the month as YYYY-MM, for example 2025-03."),
    "order": lambda: _("The custom period ends before it starts. Swap the months."),
    "too_long": lambda: _("A custom period can be at most ten years long."),
}


def _period() -> tuple[Period, str | None]:
    """The chosen period, or the current year with the reason the choice was refused."""
    today = dashboard.today()
    try:
        return from_args(request.args.to_dict(), today), None
    except PeriodError as error:
        return Period.year(today.year), PERIOD_ERRORS[error.code]()


def _period_label(period: Period) -> str:
    return tables.label(period, dashboard.block_label)


@bp.route("/")
@requires(Permission.VIEW_STATISTICS)
def index():
    period, error = _period()
    views, earlier = dashboard.build(period), dashboard.year_on_year(period)
    record(AuditEvent.STATISTICS_VIEWED, details={"period": period.query_args()})
    db.session.commit()
    return render_template(
        "statistics/index.html", views=views, period=period, error=error,
        period_label=_period_label(period), args=request.args.to_dict(),
        threshold=dashboard.threshold(), charts=charts, earlier=earlier)


@bp.route("/report")
@requires(Permission.VIEW_STATISTICS)
def report():
    """The year's report for the social welfare board (nämndrapport): every measure for
    one calendar year as on the dashboard, with definitions, the suppression rule and
    the year before, laid out for print.  Last year unless another is chosen."""
    today = dashboard.today()
    typed = request.args.get("year", "")
    try:
        period, error = from_args({"period": "year", "year": typed or str(today.year - 1)},
                                  today), None
    except PeriodError as exc:
        period, error = Period.year(today.year - 1), PERIOD_ERRORS[exc.code]()
    views, earlier = dashboard.build(period), dashboard.year_on_year(period)
    record(AuditEvent.STATISTICS_VIEWED, details={"period": period.query_args()})
    db.session.commit()
    return render_template(
        "statistics/report.html", views=views, year=period.first.year, error=error,
        typed=typed or str(period.first.year), period_label=_period_label(period),
        threshold=dashboard.threshold(), charts=charts, printed_on=today, earlier=earlier)


def csv_rows(table: TableView, period_label: str) -> list[list[Any]]:
    """The table as shown: the same "<5" and "–", shares, and the period."""
    spec = table.spec
    header = [_("Period"), str(spec.title)] + [str(spec.columns.label(c))
                                              for c in table.parts[0].column_codes]
    header += [str(s.label) for s in spec.shares]
    rows = [header]
    for part in table.parts:
        for r in part.row_codes:
            rows.append([str(part.caption or period_label), str(spec.rows.label(r))]
                        + [part.cell(r, c).display() for c in part.column_codes]
                        + [v if v is not None else "–" for v in part.shares.get(r, [])])
    columns = table.parts[0].column_codes
    at = columns.index(TOTAL) if TOTAL in columns else 0
    for label, cell in table.parts[0].series:
        rows.append([str(label), _("Total")] + [""] * at + [cell.display()])
    return rows


@bp.route("/<name>.csv")
@requires(Permission.VIEW_STATISTICS)
def export(name: str):
    if dashboard.find(name) is None:
        abort(404)
    period, error = _period()
    if error is not None:  # the dashboard says what is wrong, with what was typed
        return redirect(url_for("statistics.index", **request.args.to_dict()))
    table = dashboard.MEASURES[name](period)
    record(AuditEvent.STATISTICS_EXPORTED,
           details={"table": name, "period": period.query_args()})
    db.session.commit()
    label = _period_label(period)
    suffix = "-".join(period.query_args().values())
    return csv_response(csv_rows(table, label), f"sig-{name}-{suffix}.csv")
