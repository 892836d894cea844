from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "banli.deadlines"
    verbose_name = "期限与督办"
