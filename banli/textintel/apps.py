from django.apps import AppConfig


class TextintelConfig(AppConfig):
    name = "banli.textintel"
    verbose_name = "文本智能"

    def ready(self):
        # Receivers, not calls in other apps' services: see docs/decisions.md (search index sync).
        from . import index, services

        index.connect()
        services.connect()
