# The audit log's retention policy and purges now belong to the audit app (banli/audit/models.py).
# State only: the tables keep their names (security_auditpurge, security_auditretentionpolicy) and
# their rows; audit 0003 takes them over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditPurge"),
                migrations.DeleteModel(name="AuditRetentionPolicy"),
            ],
            database_operations=[],
        ),
    ]
