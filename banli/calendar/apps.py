from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "banli.calendar"
    verbose_name = "工作日历"
