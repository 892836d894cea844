from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "banli.notify"
    verbose_name = "消息通知"
