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


# What a spreadsheet in Sweden opens correctly by double click: UTF-8 with a byte-order
# mark (or å, ä and ö turn into two characters each) and semicolons between cells (the
# comma is the decimal sign).
DELIMITER = ";"
BOM = "\ufeff"


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """``filename`` must be ASCII without quotes: it goes into a header."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=DELIMITER)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def read_csv(data: bytes) -> list[list[str]]:
    """The rows of a file :func:`csv_response` wrote (for tests and imports)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8").removeprefix(BOM)),
                           delimiter=DELIMITER))
