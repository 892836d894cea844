from django.apps import AppConfig


class TextintelConfig(AppConfig):
    name = "banli.textintel"
    verbose_name = "文本智能"
