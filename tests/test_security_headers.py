"""HTTP headers and deployment settings (ASVS V14.4, V3.4; Django's deployment checklist)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent.parent / "banli" / "templates"


@pytest.mark.django_db
def test_csp_forbids_inline_scripts(client):
    r = client.get(reverse("web:login"))
    csp = r["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached(cast, login):
    r = login(cast.liaison_gx).get(reverse("cases:list"))
    assert "no-store" in r["Cache-Control"]


def test_no_template_has_inline_scripts_or_event_handlers():
    """Strict CSP would block them; every template must load JS from static files."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", text, re.I):
            if "src=" not in m.group(1):
                offenders.append(f"{path.relative_to(TEMPLATES)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: inline event handler")
        if re.search(r"\shx-on[:-]|hx-vals=[\"']js:|hx-vars=", text, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: htmx attribute that needs eval")
        if re.search(r"javascript:", text, re.I):
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert not offenders, offenders


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BANLI_2FA", "DATABASE_URL"))}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.gov.cn",
        BANLI_FIELD_KEY="00112233445566778899aabbccddeeff",
        DJANGO_SETTINGS_MODULE="banli.settings",
    )
    env.update(extra)
    return env


def _check(env):
    return subprocess.run(
        [sys.executable, "-m", "banli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=TEMPLATES.parent.parent,
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    # As after `banli collectstatic` (without its manifest check --deploy fails: test_production_start.py).
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    r = _check(_production_env(BANLI_DATA_DIR=str(tmp_path)))
    assert r.returncode == 0, r.stdout + r.stderr


def test_deploy_check_fails_without_the_field_key_or_admin_two_factor(tmp_path):
    env = _production_env(BANLI_DATA_DIR=str(tmp_path), BANLI_2FA_REQUIRED_ROLES="body_staff")
    del env["BANLI_FIELD_KEY"]
    r = _check(env)
    assert r.returncode != 0
    assert "banli.security.E003" in r.stderr and "banli.security.W001" in r.stderr


def test_production_cookies_and_hsts(tmp_path):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','banli.settings'); django.setup();"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_NAME.startswith('__Host-'), s.DEBUG)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        env=_production_env(BANLI_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.stdout.split() == ["True", "True", "True", "True", "True", "False"], r.stderr
