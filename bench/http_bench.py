"""Banli's pages and actions under load, as ratios to bare Django measured in the same run.

    .venv/bin/python bench/http_bench.py [--proposals 150000] [--data-dir DIR] [--seconds 10] [--clients 32]

1. Builds the national archive (bench/national.py) in DIR (a fresh temporary one unless --data-dir
   names one that already holds it; then it is reused), or in the PostgreSQL database named by
   DATABASE_URL (an EMPTY scratch database).
2. Serves Banli with gunicorn (sync workers = cores) under the production settings (DEBUG off,
   collected static files, secure cookies; nginx's X-Forwarded-Proto is sent by the client), and bare
   Django (bench/bare: a template over hand-written SQL, and one UPDATE + one INSERT) the same way.
3. Signs the benchmark accounts in through the real login form and second factor, then drives each
   page with wrk (bench/report.lua) on loopback: `--clients` connections for `--seconds` each.
4. Writes every figure to bench/results/latest.json, a list of
   {"name", "value", "unit", "baseline", "ratio", "goal", "meets", …} (with p95, errors, the load
   average at the time and the database), and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

GOALS = {  # name prefix -> (goal text, test on the ratio)
    "list": ("≥ 20 % of bare Django req/s", lambda r: r >= 0.20),
    "case": ("≥ 20 % of bare Django req/s", lambda r: r >= 0.20),
    "sign": ("≥ 30 % of bare Django's UPDATE + INSERT req/s, 0 errors", lambda r: r >= 0.30),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds} s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser for the login form: cookies by hand (the production cookies are
    Secure and __Host- prefixed, which urllib's jar would not send over plain loopback HTTP)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def _send(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        req.add_header("X-Forwarded-Proto", "https")
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if data is not None:
            req.add_header("Origin", self.base.replace("http://", "https://"))
            req.add_header("Referer", self.base.replace("http://", "https://") + path)
        try:
            resp = self.opener.open(req, timeout=30)
            status, headers, text = resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, headers, text = e.code, e.headers, e.read().decode(errors="replace")
        for raw in headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return status, headers.get("Location", ""), text

    def form_token(self, path: str) -> str:
        _, _, html = self._send(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def sign_in(self, username: str, password: str, code_for) -> None:
        token = self.form_token("/login/")
        status, where, _ = self._send(
            "/login/", {"csrfmiddlewaretoken": token, "username": username, "password": password}
        )
        assert status == 302, f"login of {username} answered {status}"
        if "2fa" not in where:  # the second-factor gate speaks on the next page
            _, where, _ = self._send("/cases/")
        if "2fa" in where:
            path = urllib.parse.urlparse(where).path
            token = self.form_token(where)
            status, where, _ = self._send(path, {"csrfmiddlewaretoken": token, "code": code_for(username)})
            assert status == 302, f"second factor of {username} answered {status}"

    def header(self) -> str:
        return "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def serve(app: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wrk(url: str, *, seconds: int, clients: int, headers=(), env_extra=None) -> dict:
    cmd = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "30s", "-s", str(ROOT / "bench" / "report.lua")]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(
        cmd + [url], capture_output=True, text=True, env={**os.environ, **(env_extra or {})}, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers), in MB."""
    total = 0
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text().split()
            if int(p.name) == pid or int(stat[3]) == pid:
                total = max(total, int(stat[23]) * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, IndexError):
            continue
    return total / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=150_000)
    ap.add_argument("--assignment-day", type=int, default=9_000)
    ap.add_argument("--data-dir")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=32)
    args = ap.parse_args()

    tmp = None
    data_dir = args.data_dir or (tmp := tempfile.mkdtemp(prefix="banli-bench-http-"))
    env = {
        **os.environ,
        "BANLI_DATA_DIR": data_dir,
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "BANLI_FIELD_KEY": os.environ.get("BANLI_FIELD_KEY", "00" * 16),
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    os.environ["DJANGO_SETTINGS_MODULE"] = "banli.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from banli.cases.models import Assignment, Proposal
    from banli.demo.build import demo_totp_code
    from banli.orgs.models import User

    procs: list[subprocess.Popen] = []
    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        if not User.objects.filter(username="bench_staff").exists():
            from bench.national import generate

            out = generate(proposals=args.proposals, assignment_day=args.assignment_day)
            print(f"archive generated in {out['seconds']:.0f} s: {out['counts']}", flush=True)
        for u in User.objects.filter(username__startswith="bench_"):  # an archive made by an older generator
            if not u.password.startswith("pbkdf2"):
                u.set_password("Bench#2024pass")
                u.save(update_fields=["password"])
        call_command("collectstatic", verbosity=0, interactive=False)
        with connection.cursor() as c:
            c.execute("CREATE TABLE IF NOT EXISTS bare_counter (id integer PRIMARY KEY, n integer NOT NULL)")
            c.execute("CREATE TABLE IF NOT EXISTS bare_log (id integer PRIMARY KEY, note varchar(20))")
            c.execute("DELETE FROM bare_counter")
            c.execute("INSERT INTO bare_counter (id, n) VALUES (1, 0)")
        if connection.vendor == "postgresql":
            with connection.cursor() as c:
                c.execute("DROP TABLE bare_log")
                c.execute("CREATE TABLE bare_log (id serial PRIMARY KEY, note varchar(20))")
        connection.close()

        workers = os.cpu_count() or 2
        banli_port, bare_port = free_port(), free_port()
        procs.append(serve("banli.wsgi:application", banli_port, env, workers))
        procs.append(
            serve(
                "django.core.wsgi:get_wsgi_application()",
                bare_port,
                {**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"},
                workers,
            )
        )
        banli, bare = f"http://127.0.0.1:{banli_port}", f"http://127.0.0.1:{bare_port}"
        wait_for(banli + "/login/")
        wait_for(bare + "/list/")

        people = {}
        for who in ("staff", "liaison"):
            b = Browser(banli)
            b.sign_in(f"bench_{who}", "Bench#2024pass", demo_totp_code)
            people[who] = b
        proxy = "X-Forwarded-Proto: https"
        load = dict(seconds=args.seconds, clients=args.clients)
        liaison = User.objects.get(username="bench_liaison")
        unit = liaison.org.get_parent()
        newest = max(s for s in Proposal.objects.values_list("session__year", flat=True).distinct() if s < 2025)
        case = (
            Proposal.objects.filter(session__year=newest, assignments__unit=unit, assignments__role="lead")
            .order_by("number")
            .first()
        )
        n_case = Assignment.objects.filter(proposal=case).count()

        figures = []

        def drain():
            """Wait until the requests wrk left queued are served, so they do not slow the next measure."""
            end = time.monotonic() + 300
            while time.monotonic() < end:
                t = time.monotonic()
                urllib.request.urlopen(banli + "/static/banli/favicon.svg", timeout=300)
                if time.monotonic() - t < 0.5:
                    return

        def measure(name, url, who, baseline, label, env_extra=None, extra_headers=()):
            if who and not env_extra:  # wrk counts a redirect as an answer: make sure the page itself is served
                status, where, html = people[who]._send(url.removeprefix(banli))
                if status != 200 or "<main" not in html:
                    raise SystemExit(f"{label}: {url} answered {status} {where} for {who}, not the page")
            hdrs = [proxy, people[who].header(), *extra_headers] if who else []
            r = wrk(url, headers=hdrs, env_extra=env_extra, **load)
            drain()
            ratio = r["rps"] / baseline["rps"] if baseline["rps"] else None
            goal, test = next((g for k, g in GOALS.items() if name.startswith(k)), (None, None))
            ok = bool(test(ratio)) if test and ratio is not None else None
            if name.startswith("list") and ok:
                ok = r["p95_ms"] <= 10 * baseline["p95_ms"]
            if name.startswith("sign"):
                ok = bool(ok) and r["status_errors"] == 0 and r["socket_errors"] == 0
            figures.append(
                {
                    "name": name,
                    "label": label,
                    "value": round(r["rps"], 1),
                    "unit": "req/s",
                    "p95_ms": round(r["p95_ms"], 1),
                    "errors": r["status_errors"] + r["socket_errors"],
                    "baseline": round(baseline["rps"], 1),
                    "baseline_p95_ms": round(baseline["p95_ms"], 1),
                    "ratio": round(ratio, 4) if ratio is not None else None,
                    "goal": goal,
                    "meets": ok,
                    "load_average": round(os.getloadavg()[0], 2),
                }
            )
            f = figures[-1]
            print(
                f"{label:44s} {f['value']:8.1f} req/s  p95 {f['p95_ms']:8.1f} ms  "
                f"bare {f['baseline']:8.1f}  ratio {100 * (f['ratio'] or 0):6.2f} %  "
                f"errors {f['errors']}  load {f['load_average']}",
                flush=True,
            )

        bare_read = wrk(bare + "/list/", **load)
        print(
            f"{'bare Django, 50 rows by hand-written SQL':44s} {bare_read['rps']:8.1f} req/s"
            f"  p95 {bare_read['p95_ms']:.1f} ms",
            flush=True,
        )
        pages = [
            ("list_staff_all", "/cases/", "staff", "case list, body staff, unfiltered"),
            ("list_staff_status", "/cases/?status=in_handling", "staff", "case list, body staff, status=办理中"),
            (
                "list_staff_title",
                "/cases/?status=in_handling&sort=title",
                "staff",
                "case list, staff, 办理中 by title",
            ),
            ("list_liaison_all", "/cases/", "liaison", "case list, unit liaison, unfiltered"),
            ("list_liaison_status", "/cases/?status=in_handling", "liaison", "case list, unit liaison, status=办理中"),
            ("case_staff", f"/cases/{case.pk}/", "staff", f"case page, body staff ({n_case} assignments)"),
            ("case_liaison", f"/cases/{case.pk}/", "liaison", f"case page, unit liaison ({n_case} assignments)"),
        ]
        for name, path, who, label in pages:
            measure(name, banli + path, who, bare_read, label)

        # Writes: 签收 by the liaison, each request on its own pending assignment of the assignment day.
        ids = list(
            Assignment.objects.filter(unit=unit, state="pending_sign", proposal__session__year=2025).values_list(
                "pk", flat=True
            )
        )
        connection.close()
        ids_file = Path(data_dir) / "sign_ids.txt"
        ids_file.write_text("\n".join(map(str, ids)) + "\n")
        drain()
        bare_write = wrk(
            bare + "/write/", env_extra={"BENCH_POST_IDS": str(ids_file), "BENCH_POST_PATH": "/write/"}, **load
        )
        print(
            f"{'bare Django, UPDATE + INSERT':44s} {bare_write['rps']:8.1f} req/s  p95 {bare_write['p95_ms']:.1f} ms",
            flush=True,
        )
        csrf = people["liaison"].cookies.get(settings.CSRF_COOKIE_NAME) or ""
        if not csrf:
            people["liaison"].form_token("/cases/")
            csrf = people["liaison"].cookies.get(settings.CSRF_COOKIE_NAME, "")
        measure(
            "sign",
            banli + "/",
            "liaison",
            bare_write,
            f"签收, unit liaison, {args.clients} clients",
            env_extra={
                "BENCH_POST_IDS": str(ids_file),
                "BENCH_POST_PATH": "/handling/a/%d/sign/",
                "BENCH_POST_BODY": "",
            },
            extra_headers=[
                f"X-CSRFToken: {csrf}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Origin: {banli.replace('http://', 'https://')}",
                f"Referer: {banli.replace('http://', 'https://')}/cases/",
            ],
        )
        signed = Assignment.objects.filter(pk__in=ids).exclude(state="pending_sign").count()
        requests_made = figures[-1]
        print(f"  signed {signed} of {len(ids)} offered", flush=True)
        requests_made["signed"] = signed
        figures.append(
            {
                "name": "gunicorn_rss",
                "label": "gunicorn worker RSS after the load",
                "value": round(rss_mb(procs[0].pid), 1),
                "unit": "MB",
                "baseline": None,
                "ratio": None,
                "goal": "≤ 150 MB",
                "meets": rss_mb(procs[0].pid) <= 150,
            }
        )
        print(f"{'gunicorn worker RSS after the load':44s} {figures[-1]['value']:8.1f} MB")

        RESULTS.mkdir(exist_ok=True)
        for f in figures:
            f.update(database=connection.vendor, clients=args.clients, seconds=args.seconds)
            f["when"] = time.strftime("%Y-%m-%d %H:%M:%S")
        (RESULTS / "latest.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n")
        print("written: bench/results/latest.json")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
