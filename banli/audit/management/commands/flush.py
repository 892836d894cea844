"""`banli flush` — Django's flush, with the audit log's append-only triggers lifted for the wipe.

Emptying every table on purpose (a development reset; the test runner after each transactional
test) is the one operation besides the retention purge that removes audit rows; the triggers
(banli/audit/triggers.py) are put back afterwards, whatever happens."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from banli.audit import triggers


class Command(FlushCommand):
    def handle(self, **options):
        with triggers.lifted(connections[options["database"]]):
            return super().handle(**options)
