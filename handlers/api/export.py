"""The outcome figures as a file to save, for the admin API and the console's dashboard alike:
CSV (bot.domain.figures.as_csv) or a spreadsheet."""

from __future__ import annotations

import io

from aiohttp import web
from openpyxl import Workbook

from bot.domain.figures import Figures, as_csv

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("csv", "xlsx")


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


def download(figures: Figures, kind: str) -> web.Response:
    """The figures as `figures.csv` or `figures.xlsx` (`kind`, one of KINDS), an attachment."""
    headers = {"Content-Disposition": f'attachment; filename="figures.{kind}"'}
    if kind == "csv":
        return web.Response(
            text=as_csv(figures), content_type="text/csv", charset="utf-8", headers=headers
        )
    return web.Response(body=as_xlsx(figures), content_type=XLSX, headers=headers)
