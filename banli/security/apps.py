from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "banli.security"
    verbose_name = "安全"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers system checks and login signals)
