"""What the production start path checks before it serves a page.

With DEBUG off, WhiteNoise's manifest storage answers 500 on every page that names a static file
when `collectstatic` never ran (the manifest is missing). `banli serve` runs collectstatic itself;
the gunicorn entry (`banli.wsgi`) refuses to start with a message saying what to run, and
`banli check --deploy` reports it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


def static_manifest_problem() -> str | None:
    """A message when static files would fail to resolve, else None."""
    if settings.DEBUG:
        return None
    storage = staticfiles_storage  # a lazy object; isinstance sees the configured class
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return None
    where = Path(settings.STATIC_ROOT) / storage.manifest_name
    return (
        f"静态文件清单 {where} 不存在，每个页面都会出错（500）。"
        "请先运行 banli collectstatic --noinput（每次升级后都要运行），再启动网站。"
    )


def refuse_without_static_manifest() -> None:
    problem = static_manifest_problem()
    if problem:
        raise ImproperlyConfigured(problem)


@register(Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs):
    problem = static_manifest_problem()
    return [Error(problem, id="banli.site.E001")] if problem else []
