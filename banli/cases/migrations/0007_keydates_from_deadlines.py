"""A key proposal's own due dates (KeyDates) move here from the deadlines app. Only Django's model
state moves: the table keeps its name (deadlines_keydates) and its rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_proposer_personal_data_encrypted"),
        ("deadlines", "0004_policies_supervision_reminders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="KeyDates",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("sign_due", models.DateField(blank=True, null=True, verbose_name="签收期限")),
                        ("opinion_due", models.DateField(blank=True, null=True, verbose_name="会办意见期限")),
                        ("reply_due", models.DateField(blank=True, null=True, verbose_name="答复期限")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "proposal",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="key_dates",
                                to="cases.proposal",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deadlines_keydates",
                        "verbose_name": "重点件期限",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
