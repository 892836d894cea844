"""`banli workdays …`: ask the working-day calendar, or load a year's holiday schedule."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banli.calendar import workdays as cal
from banli.calendar.calendar_data import format_days, parse_days
from banli.calendar.models import CalendarDay, CalendarSource, CalendarYear
from banli.calendar.services import calendar_seed_from_package, calendar_year_set
from banli.errors import DomainError


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise CommandError(f"日期“{s}”无效，应写作 2024-09-27。")


class Command(BaseCommand):
    requires_system_checks: list = []  # a calendar question or a scan does not depend on the web stack

    help = "工作日计算与节假日安排：add DATE N | between A B | is DATE | import FILE | export YEAR | years | seed"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("add", help="DATE 之后第 N 个工作日")
        p.add_argument("date")
        p.add_argument("n", type=int)
        p = sub.add_parser("between", help="两个日期之间的工作日数")
        p.add_argument("start")
        p.add_argument("end")
        p = sub.add_parser("is", help="某天是否工作日")
        p.add_argument("date")
        p = sub.add_parser("import", help="导入一年的节假日安排（每行：日期 休/班 名称）")
        p.add_argument("file")
        p.add_argument("--year", type=int, help="年份（默认取文件中的日期）")
        p.add_argument("--provisional", action="store_true", help="暂定，不标记为已确认")
        p = sub.add_parser("export", help="导出一年的节假日安排")
        p.add_argument("year", type=int)
        sub.add_parser("years", help="列出已录入的年份")
        p = sub.add_parser("seed", help="从 chinesecalendar 数据包重新载入")
        p.add_argument("years", nargs="*", type=int)

    def handle(self, *args, action, **o):
        if action == "add":
            day = cal.add_workdays(_date(o["date"]), o["n"])
            self.stdout.write(day.isoformat())
            if cal.any_provisional(_date(o["date"]), day):
                self.stderr.write(f"注意：{day.year}年节假日安排尚未确认，结果按周一至周五计算，为暂定日期。")
        elif action == "between":
            self.stdout.write(str(cal.workdays_between(_date(o["start"]), _date(o["end"]))))
        elif action == "is":
            day = _date(o["date"])
            name = cal.day_name(day)
            self.stdout.write(
                ("工作日" if cal.is_workday(day) else "休息日")
                + (f"（{name}）" if name else "")
                + ("（暂定）" if cal.is_provisional(day) else "")
            )
        elif action == "import":
            path = Path(o["file"])
            if not path.exists():
                raise CommandError(f"找不到文件 {path}")
            try:
                days = parse_days(path.read_text(encoding="utf-8-sig"))
                years = {d.year for d, _, _ in days} if o["year"] is None else {o["year"]}
                if len(years) != 1:
                    raise CommandError(
                        f"文件包含多个年份（{'、'.join(map(str, sorted(years)))}），请每个文件只写一年。"
                    )
                (year,) = years
                calendar_year_set(
                    actor=None,
                    year=year,
                    days=days,
                    confirmed=not o["provisional"],
                    source=CalendarSource.IMPORT,
                    note=path.name,
                )
            except DomainError as e:
                raise CommandError(e.message)
            self.stdout.write(
                f"已导入 {year} 年节假日安排：{sum(not w for _, w, _ in days)}"
                f" 天放假，{sum(w for _, w, _ in days)} 天调休上班。"
            )
        elif action == "export":
            rows = CalendarDay.objects.filter(date__year=o["year"]).values_list("date", "is_workday", "name")
            self.stdout.write(format_days(rows))
        elif action == "years":
            for y in CalendarYear.objects.order_by("year"):
                self.stdout.write(f"{y.year}\t{'已确认' if y.confirmed else '暂定'}\t{y.get_source_display()}")
        elif action == "seed":
            n = calendar_seed_from_package(actor=None, years=o["years"] or None)
            self.stdout.write(f"已从 chinesecalendar 载入 {n} 个年份。")
