from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "banli.web"
    verbose_name = "界面"

    def ready(self):
        from . import limits

        limits.connect()
