from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "banli.audit"
    verbose_name = "审计"
