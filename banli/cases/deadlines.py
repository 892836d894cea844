"""Working days and due dates. One module answers every working-day question.

The calendar comes from `chinesecalendar` (mainland holidays and 调休 make-up workdays);
a year it does not cover is used as weekdays only and reported as provisional.
"""
from __future__ import annotations

import calendar
import datetime as dt

import chinese_calendar

SIGN_WORKDAYS = 5
ADJUST_WORKDAYS = 5
REPLY_MONTHS = 3


def is_provisional(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return True
    return False


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The date `n` working days after `start` (n ≥ 0; 0 gives `start` itself)."""
    day = start
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative if end < start)."""
    if end < start:
        return -workdays_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)
    return count


def add_months(start: dt.date, months: int) -> dt.date:
    month0 = start.month - 1 + months
    year = start.year + month0 // 12
    month = month0 % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def sign_due(assigned_on: dt.date) -> dt.date:
    return add_workdays(assigned_on, SIGN_WORKDAYS)


def reply_due(assigned_on: dt.date) -> dt.date:
    return add_months(assigned_on, REPLY_MONTHS)
