"""Notification and NotificationPreference now belong to the notify app. Only the model state leaves
this app; the tables and their rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0005_calendar_policy_keydates_moved"),
        ("notify", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationPreference"),
            ],
            database_operations=[],
        ),
    ]
