"""CalendarYear, CalendarDay and Policy now belong to the calendar app, KeyDates to cases. Only the
model state leaves this app; the tables and their rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0004_policies_supervision_reminders"),
        ("calendar", "0001_initial"),
        ("cases", "0007_keydates_from_deadlines"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarDay"),
                migrations.DeleteModel(name="CalendarYear"),
                migrations.DeleteModel(name="Policy"),
                migrations.DeleteModel(name="KeyDates"),
            ],
            database_operations=[],
        ),
    ]
