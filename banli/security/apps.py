from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "banli.security"
    verbose_name = "安全"
