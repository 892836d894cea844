# UnitDocSettings and LetterNumber now belong to the handling app: 签发 gives the 发文字号.
# State only: the tables keep their names (reports_unitdocsettings, reports_letternumber) and their
# rows; reports 0003 lets go of them, handling 0004 changes LetterNumber.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("handling", "0002_submittoken_to_web"),
        ("reports", "0002_assessmentweights_moved"),
        ("cases", "0007_keydates_from_deadlines"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UnitDocSettings",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "issuer",
                            models.CharField(
                                blank=True, help_text="留空则用单位全称", max_length=100, verbose_name="发文机关标志"
                            ),
                        ),
                        (
                            "letter_prefix",
                            models.CharField(
                                blank=True, help_text="如“深工信函”", max_length=20, verbose_name="发文字号代字"
                            ),
                        ),
                        (
                            "cc",
                            models.CharField(
                                blank=True,
                                help_text="留空则抄送交办机关和人大/政协工作机构",
                                max_length=300,
                                verbose_name="抄送",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "unit",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="doc_settings",
                                to="orgs.org",
                                verbose_name="单位",
                            ),
                        ),
                    ],
                    options={"verbose_name": "公文设置", "db_table": "reports_unitdocsettings"},
                ),
                migrations.CreateModel(
                    name="LetterNumber",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("prefix", models.CharField(max_length=20, verbose_name="代字")),
                        ("year", models.PositiveIntegerField(verbose_name="年份")),
                        ("seq", models.PositiveIntegerField(verbose_name="序号")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "reply",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="letter_number",
                                to="cases.reply",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="orgs.org"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "发文字号",
                        "db_table": "reports_letternumber",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("unit", "prefix", "year", "seq"), name="uniq_letter_number"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
