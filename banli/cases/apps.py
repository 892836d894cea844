from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "banli.cases"
    verbose_name = "案件"
