from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "banli.site"
    label = "site"
    verbose_name = "站点"

    def ready(self):
        from . import startup  # noqa: F401  (registers the deploy check on collected static files)
