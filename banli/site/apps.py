from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "banli.site"
    label = "site"
    verbose_name = "站点"
