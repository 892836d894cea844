# UnitDocSettings and LetterNumber now belong to the handling app (handling 0003 took them over).
# State only: the tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_assessmentweights_moved"),
        ("handling", "0003_doc_settings_letter_number_from_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="LetterNumber"),
                migrations.DeleteModel(name="UnitDocSettings"),
            ],
            database_operations=[],
        ),
    ]
