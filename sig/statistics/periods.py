"""The periods a manager can choose: a month, a quarter, a year, or a custom range of
whole months.  Dates never go finer than a month (DESIGN §7).

Months, quarters and years nest (a laminar family), and the suppression of a year's
figures is decided once for the year and all its quarters and months together, so
choosing overlapping periods cannot reveal a hidden number.  A custom range is
answered from those same aligned blocks (whole years, then quarters, then months):
its figure is shown only when every block's figure is shown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Kind = Literal["month", "quarter", "year", "custom"]
# Aligned period keys used by the suppression: ("Y", year), ("Q", year, q), ("M", year, m).
Block = tuple[str, int] | tuple[str, int, int]

EARLIEST_YEAR = 2000
MAX_CUSTOM_MONTHS = 12 * 10


class PeriodError(ValueError):
    """The chosen period is not valid; ``code`` names the problem for the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def block_days(block: Block) -> tuple[dt.date, dt.date]:
    """The first and the last day of an aligned block."""
    if block[0] == "Y":
        return month_start(block[1], 1), month_end(block[1], 12)
    if block[0] == "Q":
        quarter = block[2]  # type: ignore[misc]
        return month_start(block[1], 3 * quarter - 2), month_end(block[1], 3 * quarter)
    return month_start(block[1], block[2]), month_end(block[1], block[2])  # type: ignore[misc]


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: dt.date  # the first day of the first month
    last: dt.date   # the last day of the last month

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        _check_year(year)
        if not 1 <= month <= 12:
            raise PeriodError("month")
        return cls("month", month_start(year, month), month_end(year, month))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise PeriodError("quarter")
        return cls("quarter", month_start(year, 3 * quarter - 2), month_end(year, 3 * quarter))

    @classmethod
    def year(cls, year: int) -> Period:
        _check_year(year)
        return cls("year", month_start(year, 1), month_end(year, 12))

    @classmethod
    def custom(cls, first: dt.date, last: dt.date) -> Period:
        """From the month of ``first`` to the month of ``last``, both included."""
        _check_year(first.year)
        _check_year(last.year)
        if (last.year, last.month) < (first.year, first.month):
            raise PeriodError("order")
        period = cls("custom", month_start(first.year, first.month),
                     month_end(last.year, last.month))
        if len(period.months()) > MAX_CUSTOM_MONTHS:
            raise PeriodError("too_long")
        return period

    def months(self) -> list[tuple[int, int]]:
        out, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def years(self) -> list[int]:
        return list(range(self.first.year, self.last.year + 1))

    def blocks(self) -> list[Block]:
        """The period as aligned blocks: whole years, then whole quarters, then months."""
        blocks: list[Block] = []
        months = self.months()
        i = 0
        while i < len(months):
            year, month = months[i]
            if month == 1 and i + 12 <= len(months):
                blocks.append(("Y", year))
                i += 12
            elif month % 3 == 1 and i + 3 <= len(months):
                blocks.append(("Q", year, (month + 2) // 3))
                i += 3
            else:
                blocks.append(("M", year, month))
                i += 1
        return blocks

    def widened(self, grain: str) -> Period:
        """This period, or the smallest run of whole quarters ("Q") or years ("Y")
        around it, for tables that are not counted any finer."""
        if grain == "M":
            return self
        first_month = 1 if grain == "Y" else self.first.month - (self.first.month - 1) % 3
        last_month = 12 if grain == "Y" else self.last.month + (3 - self.last.month % 3) % 3
        first = month_start(self.first.year, first_month)
        last = month_end(self.last.year, last_month)
        if (first, last) == (self.first, self.last):
            return self
        if grain == "Y" and first.year == last.year:
            return Period.year(first.year)
        if grain == "Q" and (first.year, first.month + 2) == (last.year, last.month):
            return Period.quarter(first.year, (first.month + 2) // 3)
        return Period("custom", first, last)

    def sub_blocks(self, grain: str = "M") -> list[Block]:
        """The rows of a time series for this period: the quarters of a year, the
        months of a quarter (when the table has months), the blocks of a custom range."""
        if self.kind == "year":
            return [("Q", self.first.year, q) for q in range(1, 5)]
        if self.kind == "quarter":
            return [("M", y, m) for y, m in self.months()] if grain == "M" else []
        if self.kind == "month":
            return []
        return self.blocks()

    def year_earlier(self) -> Period | None:
        """The same months a year earlier (None before the earliest year)."""
        if self.first.year - 1 < EARLIEST_YEAR:
            return None
        first = month_start(self.first.year - 1, self.first.month)
        last = month_end(self.last.year - 1, self.last.month)
        return Period(self.kind, first, last)

    def query_args(self) -> dict[str, str]:
        """The URL query that selects this period (no personal data: dates are months)."""
        if self.kind == "month":
            return {"period": "month", "month": self.first.strftime("%Y-%m")}
        if self.kind == "quarter":
            return {"period": "quarter", "year": str(self.first.year),
                    "quarter": str((self.first.month + 2) // 3)}
        if self.kind == "year":
            return {"period": "year", "year": str(self.first.year)}
        return {"period": "custom", "from": self.first.strftime("%Y-%m"),
                "to": self.last.strftime("%Y-%m")}


def _check_year(year: int) -> None:
    if year < EARLIEST_YEAR or year > 2100:
        raise PeriodError("year")


def _parse_month(text: str | None) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
    except ValueError:
        raise PeriodError("month_format") from None
    if not 1 <= month <= 12:
        raise PeriodError("month_format")
    return year, month


def _int(text: str | None, code: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise PeriodError(code) from None


def from_args(args: dict[str, str], today: dt.date) -> Period:
    """Read the period from a request's query; the current year when nothing is chosen.

    :raises PeriodError: with a code for the user's message.
    """
    kind = args.get("period") or "year"
    if kind == "year":
        return Period.year(_int(args.get("year") or str(today.year), "year"))
    if kind == "quarter":
        return Period.quarter(_int(args.get("year"), "year"), _int(args.get("quarter"), "quarter"))
    if kind == "month":
        return Period.month(*_parse_month(args.get("month")))
    if kind == "custom":
        first, last = _parse_month(args.get("from")), _parse_month(args.get("to"))
        return Period.custom(month_start(*first), month_start(*last))
    raise PeriodError("kind")
