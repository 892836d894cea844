"""AssessmentWeights now belongs to the stats app. Only the model state leaves this app; the table
and its rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("stats", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AssessmentWeights")],
            database_operations=[],
        ),
    ]
