"""Seed the working-day calendar with every year the chinesecalendar package covers (2004–2026)."""

from django.db import migrations


def seed(apps, schema_editor):
    from banli.calendar.calendar_data import seed_from_package

    seed_from_package(apps.get_model("deadlines", "CalendarYear"), apps.get_model("deadlines", "CalendarDay"))


def unseed(apps, schema_editor):
    apps.get_model("deadlines", "CalendarDay").objects.all().delete()
    apps.get_model("deadlines", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0002_calendar")]
    operations = [migrations.RunPython(seed, unseed)]
