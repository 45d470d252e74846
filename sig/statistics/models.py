"""The statistics' own tables: the data version and the stored counts
(``sig.statistics.store``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base


class StatisticsChange(Base):
    """One flush that changed what the statistics count."""

    __tablename__ = "statistics_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StatisticsResult(Base):
    """A measure's counts for a span of whole years, counted on one day."""

    __tablename__ = "statistics_results"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))  # "newest change id:change rows"
    counts: Mapped[str] = mapped_column(Text)  # JSON: [[block, row, column, n], ...]
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
