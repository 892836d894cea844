from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "banli.stats"
    verbose_name = "统计"
