"""The inbox moves here from the deadlines app. Only Django's model state moves: the tables keep
their names (deadlines_notification, deadlines_notificationpreference) and their rows."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("deadlines", "0005_calendar_policy_keydates_moved"),
        ("cases", "0003_assignment_due_dates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("email", models.BooleanField(default=True, verbose_name="邮件通知")),
                        ("sms", models.BooleanField(default=False, verbose_name="短信通知")),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_pref",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deadlines_notificationpreference",
                        "verbose_name": "通知偏好",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("verb", models.CharField(max_length=40, verbose_name="类型")),
                        ("text", models.CharField(max_length=500, verbose_name="内容")),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="链接")),
                        ("dedupe_key", models.CharField(blank=True, max_length=200)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("emailed", models.BooleanField(default=False)),
                        ("texted", models.BooleanField(default=False)),
                        (
                            "assignment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="cases.assignment",
                            ),
                        ),
                        (
                            "proposal",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="cases.proposal",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "deadlines_notification",
                        "verbose_name": "消息",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["user", "read_at"], name="deadlines_n_user_id_2141dd_idx")],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("dedupe_key", ""), _negated=True),
                                fields=("user", "dedupe_key"),
                                name="uniq_notification_dedupe",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
