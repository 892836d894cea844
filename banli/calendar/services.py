"""Writes of the working-day calendar: one year's holiday schedule at a time (sysadmin only).

Apps whose stored dates depend on the calendar listen to `calendar_changed`, sent inside the
writing transaction (the deadlines app recomputes open due dates there).
"""

from __future__ import annotations

import django.dispatch
from django.db import transaction

from banli.audit.services import audit_record
from banli.errors import DomainError
from banli.orgs.models import Role

from . import workdays
from .calendar_data import package_days, package_years
from .models import CalendarDay, CalendarSource, CalendarYear

# Sent with `actor` and `reason` inside the transaction that changed a year's schedule.
calendar_changed = django.dispatch.Signal()


def _require_sysadmin(actor) -> None:
    # actor None = the command line, run by the operator on the server.
    if actor is not None and not actor.has_role(Role.SYSADMIN):
        raise DomainError("只有系统管理员可以维护节假日安排。")


def calendar_year_set(
    *, actor, year: int, days, confirmed: bool = True, source: str = CalendarSource.MANUAL, note: str = ""
) -> CalendarYear:
    """Replace one year's holidays and make-up workdays; recompute open due dates that depend on it."""
    _require_sysadmin(actor)
    if not 2000 <= int(year) <= 2100:
        raise DomainError(f"年份 {year} 无效。")
    days = list(days)
    wrong = [d for d, _, _ in days if d.year != int(year)]
    if wrong:
        raise DomainError(f"{wrong[0]} 不属于 {year} 年，请分年录入。")
    if confirmed and not any(not w for _, w, _ in days):
        raise DomainError(f"{year} 年没有任何放假日期；若国务院尚未公布安排，请不要勾选“已确认”。")
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        old = None
        if row is not None:
            old = {"confirmed": row.confirmed, "days": len(CalendarDay.objects.filter(date__year=year))}
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d, is_workday=w, name=n) for d, w, n in days])
        row, _ = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "confirmed": confirmed,
                "source": source,
                "note": note[:200],
                "updated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        audit_record(
            actor=actor,
            verb="calendar.set",
            obj=row,
            summary=f"{year}年节假日安排（{len(days)}天，{'已确认' if confirmed else '暂定'}）",
            old=old,
            new={"confirmed": confirmed, "days": len(days), "source": source},
        )
        transaction.on_commit(workdays.clear_cache)
        workdays.clear_cache()
        calendar_changed.send(sender=CalendarYear, actor=actor, reason=f"{year}年节假日安排变更")
    workdays.clear_cache()
    return row


def calendar_seed_from_package(*, actor=None, years=None) -> int:
    """(Re)load the chinesecalendar package's years into the calendar table."""
    n = 0
    for y in years or package_years():
        calendar_year_set(
            actor=actor, year=y, days=package_days(y), source=CalendarSource.PACKAGE, note="chinesecalendar"
        )
        n += 1
    return n
