from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "banli.demo"
    verbose_name = "演示数据"
