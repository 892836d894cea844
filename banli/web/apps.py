from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "banli.web"
    verbose_name = "界面"
