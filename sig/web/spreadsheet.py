"""CSV downloads that are safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response


def safe_cell(value: object) -> str:
    """Neutralise spreadsheet formulas in exported cells."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """``filename`` must be ASCII without quotes: it goes into a header."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
