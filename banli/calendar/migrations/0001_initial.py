"""The calendar and the deadline policies move here from the deadlines app. Only Django's model state
moves: the tables keep their names (deadlines_calendarday, deadlines_calendaryear, deadlines_policy)
and their rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("deadlines", "0004_policies_supervision_reminders"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField(unique=True, verbose_name="日期")),
                        ("is_workday", models.BooleanField(verbose_name="上班")),
                        ("name", models.CharField(blank=True, max_length=50, verbose_name="名称")),
                    ],
                    options={
                        "db_table": "deadlines_calendarday",
                        "verbose_name": "节假日/调休日",
                        "ordering": ["date"],
                    },
                ),
                migrations.CreateModel(
                    name="CalendarYear",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveIntegerField(unique=True, verbose_name="年份")),
                        ("confirmed", models.BooleanField(default=True, verbose_name="已确认")),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("package", "chinesecalendar 数据包"),
                                    ("manual", "管理员录入"),
                                    ("import", "文件导入"),
                                ],
                                default="manual",
                                max_length=10,
                                verbose_name="来源",
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
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
                        "db_table": "deadlines_calendaryear",
                        "verbose_name": "节假日安排年度",
                        "ordering": ["-year"],
                    },
                ),
                migrations.CreateModel(
                    name="Policy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "sign_workdays",
                            models.PositiveSmallIntegerField(default=5, verbose_name="签收期限（工作日）"),
                        ),
                        (
                            "adjust_workdays",
                            models.PositiveSmallIntegerField(default=5, verbose_name="申请调整期限（工作日）"),
                        ),
                        (
                            "opinion_days",
                            models.PositiveSmallIntegerField(default=30, verbose_name="会办意见期限（天）"),
                        ),
                        ("reply_months", models.PositiveSmallIntegerField(default=3, verbose_name="答复期限（月）")),
                        (
                            "reply_max_months",
                            models.PositiveSmallIntegerField(default=6, verbose_name="延期后最长答复期限（月）"),
                        ),
                        (
                            "rehandling_months",
                            models.PositiveSmallIntegerField(default=1, verbose_name="重新办理期限（月）"),
                        ),
                        ("eval_days", models.PositiveSmallIntegerField(default=30, verbose_name="评价期限（天）")),
                        (
                            "progress_months",
                            models.PositiveSmallIntegerField(default=12, verbose_name="B类进展报告周期（月）"),
                        ),
                        (
                            "remind_before_workdays",
                            models.PositiveSmallIntegerField(default=3, verbose_name="到期前提醒（工作日）"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        (
                            "body",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deadline_policy",
                                to="orgs.org",
                                verbose_name="人大/政协",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deadlines_policy",
                        "verbose_name": "办理期限规则",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
