from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "banli.ledger"
    verbose_name = "台账"
