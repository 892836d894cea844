"""How numbers and dates are written everywhere in Banli: documents, dashboards, pages, messages.

Rates: SPEC §9 keeps them as fractions; documents and the UI show percentages with two
decimals (74.84%), rounded half up, except that an exact 100% is written “100%” as the seeds
write it (满意率100%) and an exact 0 as “0%”. A rate with a zero denominator (None) is “—”.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal


def pct(rate: float | None) -> str:
    if rate is None:
        return "—"
    if rate == 1:
        return "100%"
    if rate == 0:
        return "0%"
    value = (Decimal(repr(float(rate))) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def cn_date(day: dt.date | None) -> str:
    """2023年6月20日 (GB/T 9704: Arabic numerals, no leading zeros)."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def letter_number(prefix: str, year: int, seq: int) -> str:
    """发文字号: 深工信函〔2023〕123号 (六角括号, no leading zeros)."""
    return f"{prefix}〔{year}〕{seq}号"


# --- Spreadsheet cells ---------------------------------------------------------------------------
# A text that a spreadsheet might run: openpyxl writes a str starting with "=" as a formula, and
# Excel/WPS re-evaluate "+", "-", "@" (and tab/CR-led) text once a user edits the cell.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def xlsx_row(ws, values) -> list:
    """The cells of one worksheet row, every str written as a text cell, never a formula.

    Every .xlsx writer appends rows through this (`ws.append(xlsx_row(ws, values))`), in
    normal and write-only workbooks alike. Text that looks like a formula is also marked
    quotePrefix, so editing the cell in Excel keeps it text. Other values (numbers, dates,
    ready-made cells) pass through unchanged.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    out = []
    for v in values:
        if isinstance(v, str):
            c = WriteOnlyCell(ws, value=None)
            c._value = v  # set directly: assigning .value would turn "=…" into a formula
            c.data_type = "s"
            if v.startswith(FORMULA_PREFIXES):
                c.quotePrefix = True
            out.append(c)
        elif isinstance(v, Cell):
            out.append(v)
        else:
            out.append(v)
    return out


def csv_text(value):
    """A CSV cell that a spreadsheet opening the file will not run (a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
