"""The outcome figures as a spreadsheet (CSV is bot.domain.figures.as_csv)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.domain.figures import Figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_xlsx(figures: Figures) -> bytes:
    """One sheet, `figure` and `value` columns, one row per figure (None: an empty cell)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(["figure", "value"])
    for name, value in figures.rows():
        sheet.append([name, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
