"""Holiday schedules as data: from the `chinesecalendar` package, and from the text clerks type or import.

The text format is one day per line, as the State Council's notice lists them:

    2027-01-01 休 元旦
    2027-02-07 班 春节调休

(separators: spaces, tabs or commas; 休/放假/holiday/0 = a day off, 班/上班/workday/1 = a make-up
workday). Blank lines and lines starting with # are ignored; a header line 日期,类型,名称 is skipped.
"""

from __future__ import annotations

import datetime as dt
import re

from banli.errors import DomainError

OFF_WORDS = {"休", "放假", "假", "holiday", "off", "0"}
ON_WORDS = {"班", "上班", "调休上班", "workday", "work", "1"}


def package_years() -> list[int]:
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays})


def package_days(year: int) -> list[tuple[dt.date, bool, str]]:
    """(date, is_workday, name) of one year as the chinesecalendar package has it."""
    from chinese_calendar import constants

    def chinese(english: str) -> str:
        try:
            return constants.Holiday(english).chinese
        except ValueError:
            return english

    days = [(d, False, chinese(v)) for d, v in constants.holidays.items() if d.year == year]
    days += [(d, True, f"{chinese(v)}调休上班") for d, v in constants.workdays.items() if d.year == year]
    return sorted(days)


def seed_from_package(CalendarYear, CalendarDay, years: list[int] | None = None) -> int:
    """Write the package's years into the tables (model classes passed in, so migrations can use it)."""
    count = 0
    for year in years or package_years():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n) for d, w, n in package_days(year)])
        CalendarYear.objects.update_or_create(
            year=year, defaults={"confirmed": True, "source": "package", "note": "chinesecalendar"}
        )
        count += 1
    return count


def parse_days(text: str) -> list[tuple[dt.date, bool, str]]:
    """Parse the text format above; raise DomainError listing every bad line."""
    days: dict[dt.date, tuple[dt.date, bool, str]] = {}
    errors: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [p for p in re.split(r"[\s,，\t]+", line, maxsplit=2) if p]
        if lineno == 1 and parts and parts[0] in ("日期", "date"):
            continue
        if len(parts) < 2:
            errors.append(f"第{lineno}行：应为“日期 休/班 名称”，实际为“{line}”")
            continue
        try:
            day = dt.date.fromisoformat(parts[0].replace("/", "-"))
        except ValueError:
            errors.append(f"第{lineno}行：日期“{parts[0]}”无效，应写作 2027-01-01")
            continue
        kind = parts[1].lower()
        if kind in OFF_WORDS:
            is_workday = False
        elif kind in ON_WORDS:
            is_workday = True
        else:
            errors.append(f"第{lineno}行：类型“{parts[1]}”无效，应为“休”（放假）或“班”（调休上班）")
            continue
        if day in days:
            errors.append(f"第{lineno}行：日期 {day} 重复")
            continue
        name = parts[2].strip() if len(parts) > 2 else ""
        if is_workday and day.weekday() < 5:
            errors.append(f"第{lineno}行：{day} 是工作日，无需登记为调休上班")
            continue
        days[day] = (day, is_workday, name[:50])
    if errors:
        raise DomainError("；".join(errors[:20]) + ("……" if len(errors) > 20 else ""))
    return sorted(days.values())


def format_days(days) -> str:
    return "\n".join(f"{d.isoformat()} {'班' if w else '休'} {n}".rstrip() for d, w, n in days)
