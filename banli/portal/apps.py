from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "banli.portal"
    verbose_name = "代表委员与公开门户"
