"""The unit assessment weights move here from the reports app. Only Django's model state moves: the
table keeps its name (reports_assessmentweights) and its rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reports", "0001_initial"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AssessmentWeights",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("weights", models.JSONField(default=dict, verbose_name="权重")),
                        (
                            "overdue_penalty",
                            models.DecimalField(
                                decimal_places=2, default=1, max_digits=5, verbose_name="每件逾期扣分"
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "owner",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="assessment_weights",
                                to="orgs.org",
                                verbose_name="考核机关",
                            ),
                        ),
                        (
                            "updated_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "reports_assessmentweights",
                        "verbose_name": "考核权重",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
