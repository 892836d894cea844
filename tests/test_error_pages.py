"""Error pages in Chinese with DEBUG off, and `banli serve` (what `make run` starts) as deployed
(issue #12, defect 10)."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

from banli.site.management.commands import serve

ROOT = Path(__file__).resolve().parent.parent


def test_server_error_page_is_chinese_and_standalone():
    resp = defaults.server_error(RequestFactory().get("/x/"))
    html = resp.content.decode()
    assert resp.status_code == 500 and "系统出错" in html and "Traceback" not in html


def test_bad_request_page_is_chinese():
    bad = defaults.bad_request(RequestFactory().get("/x/"), Exception("boom"))
    assert bad.status_code == 400 and "请求有误" in bad.content.decode()


def test_forbidden_page_is_chinese(cast):
    req = RequestFactory().get("/x/")
    req.user = cast.handler_gx
    resp = defaults.permission_denied(req, PermissionDenied())
    assert resp.status_code == 403 and "无权访问" in resp.content.decode()


def test_csrf_failure_page_is_chinese(db):
    c = Client(enforce_csrf_checks=True)
    resp = c.post("/login/", {"username": "x", "password": "y"})
    assert resp.status_code == 403 and "页面已过期" in resp.content.decode()


def test_serve_with_debug_off_gathers_static_files_for_whitenoise(settings, monkeypatch):
    calls = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **kw: calls.append(a[0]))
    settings.DEBUG = False
    serve.Command().handle(port=8000, host="127.0.0.1")
    assert calls == ["collectstatic", "runserver"]
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_make_run_serves_with_debug_off():
    run = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DEBUG=false $(BIN)/banli serve" in run
