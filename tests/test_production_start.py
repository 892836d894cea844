"""The production start path refuses to serve without collected static files (issue #19 item 11)."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from banli.site.startup import check_static_manifest, static_manifest_problem

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}


def test_missing_manifest_is_reported_and_fails_the_deploy_check(tmp_path):
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, **MANIFEST}
    with override_settings(DEBUG=False, STATIC_ROOT=str(tmp_path), STORAGES=storages):
        assert "collectstatic" in static_manifest_problem()
        assert [e.id for e in check_static_manifest()] == ["banli.site.E001"]
        try:
            call_command("check", "--deploy", "--tag", "staticfiles", verbosity=0)
        except SystemCheckError as e:
            assert "banli.site.E001" in str(e)
        else:
            raise AssertionError("check --deploy passed without a static manifest")
        (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
        assert static_manifest_problem() is None
    with override_settings(DEBUG=True, STATIC_ROOT=str(tmp_path / "none"), STORAGES=storages):
        assert static_manifest_problem() is None  # development serves from the app folders


def _start_wsgi(data_dir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "BANLI_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir}/db.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "-c", "import banli.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_gunicorn_entry_refuses_to_start_without_collectstatic(tmp_path):
    run = _start_wsgi(tmp_path)
    assert run.returncode != 0
    assert "banli collectstatic --noinput" in run.stderr
    # Once the files are collected (as the README's deployment steps say), it starts.
    (tmp_path / "staticfiles").mkdir(exist_ok=True)
    (tmp_path / "staticfiles" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    run = _start_wsgi(tmp_path)
    assert run.returncode == 0, run.stderr
