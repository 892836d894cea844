# AuditRetentionPolicy and AuditPurge move here from the security app (security 0002). State only:
# the existing tables, with their rows, are adopted under their old names. Their content types are
# relabelled too, so permissions and anything else pointing at them follow.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("auditpurge", "auditretentionpolicy")


def relabel(apps, schema_editor, old="security", new="audit"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def unrelabel(apps, schema_editor):
    relabel(apps, schema_editor, old="audit", new="security")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_initial"),
        ("security", "0002_audit_retention_to_audit_app"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditPurge",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("up_to_seq", models.BigIntegerField(unique=True)),
                        ("anchor_hash", models.CharField(max_length=64)),
                        ("purged_count", models.PositiveIntegerField()),
                        ("cutoff", models.DateTimeField()),
                        ("at", models.DateTimeField()),
                        (
                            "by",
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
                        "verbose_name": "审计日志清理",
                        "ordering": ["-up_to_seq"],
                        "db_table": "security_auditpurge",
                    },
                ),
                migrations.CreateModel(
                    name="AuditRetentionPolicy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("days", models.PositiveIntegerField(default=180, verbose_name="保留天数")),
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
                        "verbose_name": "审计日志保留策略",
                        "db_table": "security_auditretentionpolicy",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(relabel, unrelabel),
    ]
