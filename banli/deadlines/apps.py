from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "banli.deadlines"
    verbose_name = "期限与督办"

    def ready(self):
        from banli.calendar.services import calendar_changed

        from . import services

        calendar_changed.connect(services.on_calendar_changed, dispatch_uid="deadlines.recompute_on_calendar_change")
