# SubmitToken now belongs to the web app (banli.web.models); the table stays where it is.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("handling", "0001_initial"),
        ("web", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SubmitToken")],
            database_operations=[],
        ),
    ]
