# Triggers that refuse UPDATE/DELETE of the audit log in the database itself, on SQLite and
# PostgreSQL (banli/audit/triggers.py; docs/decisions.md "Audit anchoring").

from django.db import migrations

from banli.audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_retention_from_security")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
