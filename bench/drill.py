"""The multi-process drill (issue #19 item 14): nginx in front of two gunicorn instances, the worker,
PostgreSQL and Redis on this machine; a bounded load of reads and writes on loopback; one app instance
killed (kill -9) mid-load and brought back. Reports lost writes (must be 0), duplicate reminders (0) and
whether errors happened only on the requests in flight at the kill.

    make drill                      # installs nginx (Debian) when missing, then runs this
    .venv/bin/python bench/drill.py [--seconds 40] [--writers 3] [--readers 3] [--json FILE]

Needs PostgreSQL (DRILL_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres: the database
banli_drill is dropped and created) and Redis (DRILL_REDIS_URL, default redis://127.0.0.1:6379/5).
Everything else lives under /tmp/banli-drill. Results: docs/operations.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WORK = Path("/tmp/banli-drill")
NGINX_PORT, APP_PORTS = 8180, (8181, 8182)
DB_NAME = "banli_drill"
PASSWORD = "Banli#2024test"  # tests/cast.py


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- set-up --------------------------------------------------------------------------------------


def pg_urls() -> tuple[str, str]:
    admin = os.environ.get("DRILL_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return admin, admin.rsplit("/", 1)[0] + f"/{DB_NAME}"


def app_env(db_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("DRILL_REDIS_URL", "redis://127.0.0.1:6379/5"),
        "BANLI_DATA_DIR": str(WORK / "data"),
        "DEBUG": "false",
        # The drill signs in with passwords only (the security gates are tested elsewhere).
        "BANLI_2FA_REQUIRED_ROLES": "",
        "BANLI_FORCE_PASSWORD_CHANGE": "0",
        "BANLI_PASSWORD_MAX_AGE_DAYS": "0",
        "PYTHONPATH": str(ROOT),
    }


def build_world() -> dict:
    """Run inside `python bench/drill.py --world` (Django set up): the test cast and a few cases."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    django.setup()
    from tests import factories as f
    from tests.cast import build_cast

    cast = build_cast()
    handling = f.signed(cast, f.assigned(cast, f.accepted(cast, title="关于演练留言的建议")))
    pending = [f.assigned(cast, f.accepted(cast, title=f"关于演练提醒第{i}件的建议")) for i in range(6)]
    return {
        "assignment": handling.pk,
        "proposal": handling.proposal_id,
        "sign_due": str(min(a.sign_due for a in pending)),
    }


def db_facts() -> dict:
    """Run inside `python bench/drill.py --facts`: what the database holds after the drill."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    django.setup()
    from collections import Counter

    from banli.audit.services import audit_verify
    from banli.deadlines.models import Reminder
    from banli.notify.models import Notification
    from banli.portal.models import PortalMessage

    reminders = Counter(Reminder.objects.values_list("assignment_id", "due_kind", "due_date", "kind", "recipient_id"))
    notes = Counter(Notification.objects.exclude(dedupe_key="").values_list("user_id", "dedupe_key"))
    return {
        "messages": sorted(PortalMessage.objects.filter(text__startswith="drill-").values_list("text", flat=True)),
        "reminders": sum(reminders.values()),
        "duplicate_reminders": sum(n - 1 for n in reminders.values() if n > 1),
        "duplicate_notifications": sum(n - 1 for n in notes.values() if n > 1),
        "audit": audit_verify(),
    }


def run_py(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, *args], cwd=ROOT, env=env, capture_output=True, text=True, **kw)


def last_json(proc: subprocess.CompletedProcess) -> dict:
    if proc.returncode != 0:
        raise SystemExit(f"failed: {proc.args}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{DB_NAME}"')


NGINX_CONF = """
user root;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {work}/nginx-access.log;
  client_body_temp_path {work}/nginx-body;
  proxy_temp_path {work}/nginx-proxy;
  fastcgi_temp_path {work}/nginx-fastcgi;
  uwsgi_temp_path {work}/nginx-uwsgi;
  scgi_temp_path {work}/nginx-scgi;
  upstream banli {{
    server 127.0.0.1:{a} max_fails=1 fail_timeout=3s;
    server 127.0.0.1:{b} max_fails=1 fail_timeout=3s;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://banli;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      # A refused connection is retried on the other instance (the request never reached the dead
      # one); a POST already sent to an instance that dies is not replayed (it may have committed).
      proxy_next_upstream error timeout;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
    }}
  }}
}}
"""


def start(args: list[str], env: dict, name: str) -> subprocess.Popen:
    with open(WORK / f"{name}.log", "ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def start_app(port: int, env: dict) -> subprocess.Popen:
    return start(
        [GUNICORN, "banli.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"],
        env,
        f"gunicorn-{port}",
    )


def kill_group(p: subprocess.Popen, sig=signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, sig)
    p.wait(timeout=30)


def port_closed(port: int) -> float:
    """The moment the killed instance's port refuses connections."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return time.time()
        time.sleep(0.01)


def wait_up(url: str, seconds: float = 90) -> None:
    end = time.time() + seconds
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not come up")


# --- load ----------------------------------------------------------------------------------------


class Client:
    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name.endswith("csrftoken") or "csrf" in c.name), "")

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        headers = {"Referer": self.base + "/"}
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self._csrf()}
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def login(self) -> None:
        for _ in range(20):
            try:
                self.request("/login/")
                status, body = self.request("/login/", {"username": self.username, "password": PASSWORD})
                if status == 200 and "退出" in body:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.username} could not sign in")


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[dict] = []

    def add(self, **row) -> None:
        with self.lock:
            self.rows.append(row)


def writer(n: int, base: str, world: dict, stop: threading.Event, rec: Recorder) -> None:
    c = Client(base, "deputy")
    c.login()
    i = 0
    while not stop.is_set():
        i += 1
        marker = f"drill-{n}-{i}"
        t0 = time.time()
        try:
            status, body = c.request(f"/portal/a/{world['assignment']}/message/", {"text": marker})
            ok = status == 200 and "留言已发送" in body
            rec.add(kind="write", marker=marker, start=t0, end=time.time(), status=status, ok=ok)
        except Exception as e:  # connection reset, timeout: the request was in flight
            rec.add(kind="write", marker=marker, start=t0, end=time.time(), status=type(e).__name__, ok=False)
        time.sleep(random.uniform(0.05, 0.2))


def reader(n: int, base: str, world: dict, stop: threading.Event, rec: Recorder) -> None:
    c = Client(base, "staff_npc")
    c.login()
    paths = ["/cases/", f"/cases/{world['proposal']}/", "/"]
    while not stop.is_set():
        path = random.choice(paths)
        t0 = time.time()
        try:
            status, _ = c.request(path)
            rec.add(kind="read", path=path, start=t0, end=time.time(), status=status, ok=status == 200)
        except Exception as e:
            rec.add(kind="read", path=path, start=t0, end=time.time(), status=type(e).__name__, ok=False)
        time.sleep(random.uniform(0.02, 0.1))


# --- the drill -----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--writers", type=int, default=3)
    ap.add_argument("--readers", type=int, default=3)
    ap.add_argument("--json", default="")
    ap.add_argument("--world", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--facts", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.world:
        print(json.dumps(build_world()))
        return
    if a.facts:
        print(json.dumps(db_facts(), ensure_ascii=False))
        return
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed: run `make drill` (installs the Debian package).")

    admin_url, db_url = pg_urls()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    env = app_env(db_url)
    log(f"database {DB_NAME}: create and migrate")
    recreate_database(admin_url)
    subprocess.run([PY, "-m", "banli", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    world = last_json(run_py(["bench/drill.py", "--world"], env))
    log(f"world: {world}")

    procs: dict[str, subprocess.Popen] = {}
    try:
        for port in APP_PORTS:
            procs[f"app{port}"] = start_app(port, env)
        procs["worker"] = start([PY, "-m", "banli", "worker", "--interval", "1"], env, "worker")
        (WORK / "nginx.conf").write_text(NGINX_CONF.format(work=WORK, a=APP_PORTS[0], b=APP_PORTS[1], port=NGINX_PORT))
        procs["nginx"] = start(["nginx", "-c", str(WORK / "nginx.conf"), "-g", "daemon off;"], env, "nginx")
        for port in APP_PORTS:
            wait_up(f"http://127.0.0.1:{port}/login/")
        base = f"http://127.0.0.1:{NGINX_PORT}"
        wait_up(base + "/login/")
        log("nginx → 2 × gunicorn (2 workers each), worker (RQ on Redis), PostgreSQL: up")

        rec, stop = Recorder(), threading.Event()
        threads = [threading.Thread(target=writer, args=(i, base, world, stop, rec)) for i in range(a.writers)]
        threads += [threading.Thread(target=reader, args=(i, base, world, stop, rec)) for i in range(a.readers)]
        for t in threads:
            t.start()
        t_start = time.time()
        time.sleep(2)  # sign-ins
        remind = [PY, "-m", "banli", "remind", "--today", world["sign_due"]]
        scans = [start(remind, env, f"remind-{i}") for i in range(2)]  # two hosts' cron at once
        time.sleep(max(0.0, a.seconds * 0.35 - 2))
        victim = procs.pop(f"app{APP_PORTS[0]}")
        t_kill = time.time()
        kill_group(victim)
        t_dead = port_closed(APP_PORTS[0])
        log(f"kill -9 gunicorn on :{APP_PORTS[0]} (master and workers); port closed after {t_dead - t_kill:.2f} s")
        scans += [start(remind, env, f"remind-{i}") for i in range(2, 4)]  # and again, during the outage
        time.sleep(a.seconds * 0.25)
        procs[f"app{APP_PORTS[0]}"] = start_app(APP_PORTS[0], env)
        wait_up(f"http://127.0.0.1:{APP_PORTS[0]}/login/")
        t_back = time.time()
        log(f"gunicorn on :{APP_PORTS[0]} back after {t_back - t_kill:.1f} s")
        time.sleep(max(0.0, t_start + a.seconds - time.time()))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        for s in scans:
            s.wait(timeout=300)
        t_end = time.time()
    finally:
        for p in procs.values():
            kill_group(p, signal.SIGTERM)

    facts = last_json(run_py(["bench/drill.py", "--facts"], env))
    rows = rec.rows
    writes = [r for r in rows if r["kind"] == "write"]
    acked = {r["marker"] for r in writes if r["ok"]}
    stored = set(facts["messages"])
    failed = [r for r in rows if not r["ok"]]
    # In flight: open at some moment between the SIGKILL and the port refusing connections (the
    # instance dies over a few hundred milliseconds; a request it accepted meanwhile dies with it).
    in_flight = [r for r in failed if r["start"] <= t_dead and r["end"] >= t_kill]
    unknown = [r for r in writes if not r["ok"]]
    report = {
        "seconds": round(t_end - t_start, 1),
        "requests": len(rows),
        "reads": sum(1 for r in rows if r["kind"] == "read"),
        "writes": len(writes),
        "writes_acknowledged": len(acked),
        "lost_writes": len(acked - stored),
        "unacknowledged_writes": len(unknown),
        "unacknowledged_writes_committed": len({r["marker"] for r in unknown} & stored),
        "errors": len(failed),
        "errors_in_flight_at_kill": len(in_flight),
        "errors_outside_the_kill": len(failed) - len(in_flight),
        "error_statuses": sorted({str(r["status"]) for r in failed}),
        # Each failed request: seconds from the kill to its start, how long it ran, what it was.
        "failures": [
            {
                "kind": r["kind"],
                "what": r.get("path") or r.get("marker"),
                "status": str(r["status"]),
                "started_after_kill_s": round(r["start"] - t_kill, 2),
                "duration_s": round(r["end"] - r["start"], 2),
            }
            for r in failed
        ],
        "dying_window_s": round(t_dead - t_kill, 2),
        "outage_seconds": round(t_back - t_kill, 1),
        "reminders": facts["reminders"],
        "duplicate_reminders": facts["duplicate_reminders"],
        "duplicate_notifications": facts["duplicate_notifications"],
        "audit_chain": facts["audit"],
        "p50_ms": _pct([r["end"] - r["start"] for r in rows if r["ok"]], 50),
        "p95_ms": _pct([r["end"] - r["start"] for r in rows if r["ok"]], 95),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if report["lost_writes"] or report["duplicate_reminders"] or report["errors_outside_the_kill"]:
        raise SystemExit(1)


def _pct(values: list[float], p: int) -> int:
    if not values:
        return 0
    values = sorted(values)
    return round(1000 * values[min(len(values) - 1, int(len(values) * p / 100))])


if __name__ == "__main__":
    main()
