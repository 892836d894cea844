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
