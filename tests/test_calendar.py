"""The working-day calendar: holidays and 调休 from the database, provisional years as weekdays only."""

import datetime as dt

import pytest

from banli.calendar import workdays as cal
from banli.calendar.calendar_data import package_days, package_years
from banli.calendar.models import CalendarDay, CalendarYear

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    cal.clear_cache()
    yield
    cal.clear_cache()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2024, 9, 27), 5, D(2024, 10, 10)),  # 国庆: 9-29 (Sun) is a workday, 10-1..7 off
        (D(2025, 1, 24), 3, D(2025, 2, 5)),  # 春节: 1-26 (Sun) works, 1-28..2-4 off
        (D(2024, 10, 11), 1, D(2024, 10, 12)),  # 10-12 Saturday is a 调休 workday
        (D(2024, 2, 9), 1, D(2024, 2, 18)),  # 春节 2024: 2-10..2-17 off, 2-18 (Sun) works
        (D(2023, 9, 28), 2, D(2023, 10, 8)),  # 中秋国庆 2023: 9-29..10-6 off, 10-7 Sat and 10-8 Sun work
        (D(2020, 1, 23), 1, D(2020, 2, 3)),  # 2020 春节 extended to 2-2 (the package has it)
        (D(2024, 10, 10), -5, D(2024, 9, 27)),  # counting back
        (D(2024, 9, 27), 0, D(2024, 9, 27)),
    ],
)
def test_working_day_sums_with_real_holidays(start, n, expected):
    assert cal.add_workdays(start, n) == expected


@pytest.mark.django_db
def test_seeded_years_cover_the_package_and_agree_with_it_every_day():
    assert set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True)) >= set(range(2004, 2027))
    import chinese_calendar

    for year in package_years():
        day = D(year, 1, 1)
        while day.year == year:
            assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
            day += dt.timedelta(days=1)


@pytest.mark.django_db
def test_every_year_national_day_week_is_off_and_named():
    for year in range(2004, 2027):
        assert not cal.is_workday(D(year, 10, 2))
        assert cal.day_name(D(year, 10, 2)) == "国庆节"


@pytest.mark.django_db
def test_a_year_without_a_schedule_is_weekdays_only_and_provisional():
    assert cal.is_provisional(D(2027, 3, 1)) and not cal.is_provisional(D(2026, 3, 1))
    # 2027-01-01 is a Friday: without a published schedule it counts as a working day.
    assert cal.is_workday(D(2027, 1, 1))
    # Across the year boundary: 2026-12-30 (Wed) + 3 → 12-31, 2027-01-01 (Fri), 01-04 (Mon).
    assert cal.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 4)
    assert cal.any_provisional(D(2026, 12, 30), D(2027, 1, 4))
    assert not cal.any_provisional(D(2026, 1, 5), D(2026, 4, 5))


@pytest.mark.django_db
def test_entering_next_years_schedule_changes_sums_and_clears_provisional():
    CalendarYear.objects.create(year=2027, confirmed=True)
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2027, 1, 1), is_workday=False, name="元旦")])
    cal.clear_cache()
    assert cal.add_workdays(D(2026, 12, 30), 3) == D(2027, 1, 5)
    assert not cal.is_provisional(D(2027, 1, 1))


@pytest.mark.django_db
def test_database_is_the_source_not_the_package():
    # A correction entered for a past year wins over the package (e.g. a one-off holiday).
    CalendarDay.objects.create(date=D(2024, 6, 3), is_workday=False, name="临时放假")
    cal.clear_cache()
    assert not cal.is_workday(D(2024, 6, 3))


@pytest.mark.django_db
def test_holidays_package_cross_check_for_recent_years():
    try:
        import holidays
    except ImportError:  # pragma: no cover - a broken environment, not a reason to skip
        pytest.fail("the holidays package is missing: the Makefile failed to install the test dependencies")
    cn = holidays.country_holidays("CN", years=range(2019, 2026))
    for day in cn:
        # Every statutory holiday the holidays package lists is off in our calendar.
        assert not cal.is_workday(day), day


@pytest.mark.django_db
def test_month_periods_ending_on_a_holiday_move_to_the_next_working_day():
    # 2024-07-01 + 3 months = 2024-10-01 (国庆) → 2024-10-08.
    assert cal.reply_due(D(2024, 7, 1)) == D(2024, 10, 8)
    assert cal.reply_due(D(2024, 3, 11)) == D(2024, 6, 11)
    assert cal.sign_due(D(2024, 9, 27)) == D(2024, 10, 10)


def test_package_days_are_named_in_chinese():
    days = {d: (w, n) for d, w, n in package_days(2024)}
    assert days[D(2024, 10, 1)] == (False, "国庆节")
    assert days[D(2024, 9, 29)] == (True, "国庆节调休上班")


@pytest.mark.django_db
def test_workdays_command_add_and_import(tmp_path, capsys):
    from django.core.management import call_command

    call_command("workdays", "add", "2024-09-27", "5")
    assert capsys.readouterr().out.strip() == "2024-10-10"
    call_command("workdays", "add", "2025-01-24", "3")
    assert capsys.readouterr().out.strip() == "2025-02-05"
    call_command("workdays", "add", "2026-12-30", "3")
    out = capsys.readouterr()
    assert out.out.strip() == "2027-01-04" and "暂定" in out.err
    f = tmp_path / "2027.txt"
    f.write_text("日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n", encoding="utf-8")
    call_command("workdays", "import", str(f))
    assert "1 天放假，1 天调休上班" in capsys.readouterr().out
    cal.clear_cache()
    assert (
        not cal.is_provisional(D(2027, 1, 1)) and cal.is_workday(D(2027, 2, 6)) and not cal.is_workday(D(2027, 1, 1))
    )
    call_command("workdays", "add", "2026-12-30", "3")
    assert capsys.readouterr().out.strip() == "2027-01-05"


@pytest.mark.django_db
def test_workdays_import_rejects_bad_files_and_changes_nothing(tmp_path):
    from django.core.management import CommandError, call_command

    f = tmp_path / "bad.txt"
    f.write_text("2027-01-01 休 元旦\n2027-02-30 休 春节\n2027-03-03 班 周三\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"第2行.*无效.*第3行.*无需登记"):
        call_command("workdays", "import", str(f))
    assert not CalendarYear.objects.filter(year=2027).exists()
    f.write_text("2027-01-01 休 元旦\n2028-01-01 休 元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="多个年份"):
        call_command("workdays", "import", str(f))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("workdays", "import", str(tmp_path / "none.txt"))


@pytest.mark.django_db
def test_only_sysadmin_may_set_a_year(cast):
    from banli.calendar.services import calendar_year_set
    from banli.errors import DomainError

    for user in (cast.staff_npc, cast.coordinator, cast.secadmin, cast.liaison_gx):
        with pytest.raises(DomainError, match="只有系统管理员"):
            calendar_year_set(actor=user, year=2027, days=[(D(2027, 1, 1), False, "元旦")])
    assert not CalendarYear.objects.filter(year=2027).exists()
    calendar_year_set(actor=cast.sysadmin, year=2027, days=[(D(2027, 1, 1), False, "元旦")])
    assert CalendarYear.objects.get(year=2027).confirmed


def _walk_add(start, n):
    """The definition, one day at a time: the reference the arithmetic must agree with."""
    day, step, left = start, (1 if n >= 0 else -1), abs(n)
    while left:
        day += dt.timedelta(days=step)
        left -= cal.is_workday(day)
    return day


def _walk_between(start, end):
    if end < start:
        return -_walk_between(end, start)
    return sum(cal.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


@pytest.mark.django_db
def test_working_day_arithmetic_agrees_with_walking_the_calendar_day_by_day():
    import random

    rng = random.Random(9704)
    starts = [D(2019, 12, 31), D(2024, 2, 9), D(2025, 1, 24), D(2026, 12, 30), D(2027, 12, 31)]
    starts += [D(2018, 1, 1) + dt.timedelta(days=rng.randrange(11 * 365)) for _ in range(120)]
    for start in starts:
        for n in (0, 1, 5, -1, -5, 22, -22, 300, -300, rng.randrange(-900, 900)):
            assert cal.add_workdays(start, n) == _walk_add(start, n), (start, n)
        end = start + dt.timedelta(days=rng.randrange(-1500, 1500))
        assert cal.workdays_between(start, end) == _walk_between(start, end), (start, end)


@pytest.mark.django_db
def test_a_ten_year_span_is_counted_without_walking_its_days(monkeypatch):
    calls = []
    monkeypatch.setattr(cal, "is_workday", lambda day: calls.append(day) or True)
    assert cal.workdays_between(D(2016, 3, 1), D(2026, 3, 1)) > 2400
    assert cal.add_workdays(D(2016, 3, 1), 2500) > D(2026, 1, 1)
    assert calls == []  # the per-year cumulative counts answer; no day is looked at one by one
