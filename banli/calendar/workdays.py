"""Working days and due dates. One module answers every working-day question.

The calendar lives in the database (CalendarYear/CalendarDay in this app: mainland China's
public holidays and 调休 make-up workdays), seeded from the `chinesecalendar` package and edited
by the sysadmin when the State Council publishes a new year. A year with no confirmed schedule is
counted as weekdays only, and every due date that depends on it is flagged provisional.

Each year is loaded once and cached in this process for `CACHE_SECONDS`; writes through
`banli.calendar.services` clear the cache, and other processes pick the change up within that time.

A key proposal may carry its own dates instead of its body's rules: callers pass them as
`key_dates` (any object with `sign_due`, `opinion_due`, `reply_due`; see `banli.cases.deadlines`).

Periods counted in days or months whose last day is not a working day end on the next working
day (民法典第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
"""

from __future__ import annotations

import bisect
import calendar
import contextlib
import contextvars
import datetime as dt
import threading
import time
from dataclasses import dataclass

from .calendar_data import package_days, package_years
from .models import CalendarDay, CalendarYear, Policy

# SPEC §5 defaults; a body's Policy row overrides them.
SIGN_WORKDAYS = 5
ADJUST_WORKDAYS = 5
OPINION_DAYS = 30
REPLY_MONTHS = 3
REPLY_MAX_MONTHS = 6
REHANDLING_MONTHS = 1
EVAL_DAYS = 30
PROGRESS_MONTHS = 12
REMIND_BEFORE_WORKDAYS = 3

CACHE_SECONDS = 60


@dataclass(frozen=True)
class YearSchedule:
    year: int
    confirmed: bool
    exceptions: dict  # date -> is_workday
    names: dict  # date -> name
    source: str
    # cumulative[i]: working days from 1 January up to and including the year's day i (0-based), so
    # any count or step in working days is a subtraction or a bisection, never a walk day by day.
    cumulative: tuple = ()


def _with_cumulative(ys: YearSchedule) -> YearSchedule:
    first = dt.date(ys.year, 1, 1)
    count, cumulative = 0, []
    for i in range(366 if calendar.isleap(ys.year) else 365):
        day = first + dt.timedelta(days=i)
        count += ys.exceptions.get(day, day.weekday() < 5)
        cumulative.append(count)
    return YearSchedule(ys.year, ys.confirmed, ys.exceptions, ys.names, ys.source, tuple(cumulative))


_cache: dict[int, tuple[float, YearSchedule]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _load_year(year: int) -> YearSchedule:
    row = CalendarYear.objects.filter(year=year).first()
    if row is not None:
        days = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "name")
        return YearSchedule(year, row.confirmed, {d: w for d, w, _ in days}, {d: n for d, _, n in days}, row.source)
    # Not in the database (e.g. a flushed test database): the package's data if it has the year.
    if year in package_years():
        days = package_days(year)
        return YearSchedule(year, True, {d: w for d, w, _ in days}, {d: n for d, _, n in days}, "package")
    return YearSchedule(year, False, {}, {}, "")


def schedule(year: int) -> YearSchedule:
    now = time.monotonic()
    hit = _cache.get(year)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    ys = _with_cumulative(_load_year(year))
    with _lock:
        _cache[year] = (now, ys)
    return ys


# --- working-day questions ------------------------------------------------------------------------


def is_provisional(day: dt.date) -> bool:
    """Whether `day`'s year has no confirmed holiday schedule (weekdays only, may still change)."""
    return not schedule(day.year).confirmed


def is_workday(day: dt.date) -> bool:
    exc = schedule(day.year).exceptions
    if day in exc:
        return exc[day]
    return day.weekday() < 5


def day_name(day: dt.date) -> str:
    return schedule(day.year).names.get(day, "")


def _upto(day: dt.date) -> int:
    """Working days from 1 January of `day`'s year up to and including `day`."""
    return schedule(day.year).cumulative[(day - dt.date(day.year, 1, 1)).days]


def _on(year: int, target: int) -> dt.date:
    """The working day of `year` on which the year's count of working days reaches `target`."""
    i = bisect.bisect_left(schedule(year).cumulative, target)
    return dt.date(year, 1, 1) + dt.timedelta(days=i)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The date `n` working days after `start` (n ≥ 0; 0 gives `start` itself; negative counts back).

    Constant work per year crossed: a bisection in each year's cumulative count."""
    if n == 0:
        return start
    if n > 0:
        year, target = start.year, _upto(start) + n
        while target > schedule(year).cumulative[-1]:
            target -= schedule(year).cumulative[-1]
            year += 1
        return _on(year, target)
    # Back: the working day d with exactly |n| working days in [d, start).
    before = start - dt.timedelta(days=1)
    year, target = before.year, _upto(before) + n + 1
    while target <= 0:
        year -= 1
        target += schedule(year).cumulative[-1]
    return _on(year, target)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative if end < start)."""
    if end < start:
        return -workdays_between(end, start)
    if start.year == end.year:
        return _upto(end) - _upto(start)
    whole_years = sum(schedule(y).cumulative[-1] for y in range(start.year + 1, end.year))
    return schedule(start.year).cumulative[-1] - _upto(start) + whole_years + _upto(end)


def next_workday(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the next working day."""
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    month0 = start.month - 1 + months
    year = start.year + month0 // 12
    month = month0 % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def any_provisional(start: dt.date, end: dt.date) -> bool:
    """Whether a period from `start` to `end` touches a year without a confirmed schedule."""
    lo, hi = min(start, end), max(start, end)
    return any(not schedule(y).confirmed for y in range(lo.year, hi.year + 1))


# --- due dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    sign_workdays: int = SIGN_WORKDAYS
    adjust_workdays: int = ADJUST_WORKDAYS
    opinion_days: int = OPINION_DAYS
    reply_months: int = REPLY_MONTHS
    reply_max_months: int = REPLY_MAX_MONTHS
    rehandling_months: int = REHANDLING_MONTHS
    eval_days: int = EVAL_DAYS
    progress_months: int = PROGRESS_MONTHS
    remind_before_workdays: int = REMIND_BEFORE_WORKDAYS


_rules_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("banli_rules_memo", default=None)


@contextlib.contextmanager
def rules_memo():
    """Within this block each body's rules are read once (bulk recomputation, the reminder scan)."""
    token = _rules_memo.set({})
    try:
        yield
    finally:
        _rules_memo.reset(token)


def rules_for(body=None) -> Rules:
    """The deadline rules of a body (its Policy row, or the SPEC §5 defaults)."""
    if body is None:
        return Rules()
    memo = _rules_memo.get()
    if memo is not None and body.pk in memo:
        return memo[body.pk]
    p = Policy.objects.filter(body=body).first()
    rules = Rules() if p is None else Rules(**{f: getattr(p, f) for f in Policy.FIELDS})
    if memo is not None:
        memo[body.pk] = rules
    return rules


def sign_due(assigned_on: dt.date, *, body=None, key_dates=None) -> dt.date:
    if key_dates is not None and key_dates.sign_due:
        return key_dates.sign_due
    return add_workdays(assigned_on, rules_for(body).sign_workdays)


def adjust_due(assigned_on: dt.date, *, body=None) -> dt.date:
    return add_workdays(assigned_on, rules_for(body).adjust_workdays)


def opinion_due(assigned_on: dt.date, *, body=None, key_dates=None) -> dt.date:
    if key_dates is not None and key_dates.opinion_due:
        return key_dates.opinion_due
    return next_workday(assigned_on + dt.timedelta(days=rules_for(body).opinion_days))


def reply_due(assigned_on: dt.date, *, body=None, key_dates=None) -> dt.date:
    if key_dates is not None and key_dates.reply_due:
        return key_dates.reply_due
    return next_workday(add_months(assigned_on, rules_for(body).reply_months))


def reply_max_due(assigned_on: dt.date, *, body=None) -> dt.date:
    """The latest reply due date an extension may grant (SPEC §5: up to 6 months)."""
    return next_workday(add_months(assigned_on, rules_for(body).reply_max_months))


def rehandling_due(evaluated_on: dt.date, *, body=None) -> dt.date:
    return next_workday(add_months(evaluated_on, rules_for(body).rehandling_months))


def eval_due(replied_on: dt.date, *, body=None) -> dt.date:
    return next_workday(replied_on + dt.timedelta(days=rules_for(body).eval_days))


def progress_due(last_report_on: dt.date, *, body=None) -> dt.date:
    return next_workday(add_months(last_report_on, rules_for(body).progress_months))


def assignment_due_dates(assigned_on: dt.date, *, role: str, body=None, key_dates=None, parent=None) -> dict:
    """Every due date a new assignment starts with, and whether any depends on an unconfirmed year.

    A sub-assignment (a district's own units) never gets more time than its parent has.
    """
    dues = {
        "sign_due": sign_due(assigned_on, body=body, key_dates=key_dates),
        "adjust_due": adjust_due(assigned_on, body=body),
        "reply_due": reply_due(assigned_on, body=body, key_dates=key_dates),
        "opinion_due": opinion_due(assigned_on, body=body, key_dates=key_dates) if role == "co" else None,
    }
    if parent is not None:
        for field in ("reply_due", "opinion_due"):
            cap = getattr(parent, "reply_due", None)
            if dues[field] and cap and dues[field] > cap:
                dues[field] = cap
    latest = max(d for d in dues.values() if d)
    dues["due_provisional"] = any_provisional(assigned_on, latest)
    return dues
