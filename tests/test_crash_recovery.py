"""kill -9 at several points leaves a consistent database, and re-running finishes the work without
duplicates (issue #19 item 13).

Each scenario runs the real command in a subprocess against its own database (SQLite file, or a
PostgreSQL database when the suite runs on PostgreSQL), with BANLI_CRASH_AT naming the point where
the process dies by os._exit(137) (banli/crashpoints.py) — to the database the same as kill -9.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
KILLED = 137


class Database:
    """A database the subprocesses share: created by migrate once, copied for each scenario."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.vendor = connection.vendor
        self.s = connection.settings_dict
        self.created = []

    def url(self, name: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.tmp / name}.sqlite3"
        auth = self.s["USER"] + (f":{self.s['PASSWORD']}" if self.s["PASSWORD"] else "")
        return f"postgres://{auth}@{self.s['HOST']}:{self.s['PORT'] or 5432}/{name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        kw = dict(host=self.s["HOST"], port=self.s["PORT"] or 5432, user=self.s["USER"])
        with psycopg.connect(dbname="postgres", autocommit=True, password=self.s["PASSWORD"] or None, **kw) as c:
            c.execute(sql)

    def new(self, template: str | None = None) -> str:
        name = f"ops_crash_{uuid.uuid4().hex[:8]}"
        if self.vendor == "sqlite":
            if template:
                shutil.copy(self.tmp / f"{template}.sqlite3", self.tmp / f"{name}.sqlite3")
        else:
            self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            self.created.append(name)
        return name

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(db: str, *args, crash: str = "", dbs: Database, module=("-m", "banli")):
    env = {**os.environ, "DATABASE_URL": dbs.url(db), "BANLI_DATA_DIR": str(dbs.tmp / "data")}
    env.pop("BANLI_CRASH_AT", None)
    if crash:
        env["BANLI_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, *module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )


def driver(db: str, *args, dbs: Database, crash: str = ""):
    return run(db, *args, crash=crash, dbs=dbs, module=("-m", "tests.crash_driver"))


def out(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def check(db: str, dbs: Database) -> dict:
    state = out(driver(db, "check", dbs=dbs))
    assert state["audit_ok"], state["audit"]
    assert state["duplicate_notifications"] == state["duplicate_audit"] == state["duplicate_reminders"] == 0, state
    assert state["duplicate_numbers"] == 0, state
    return state


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    d = Database(tmp_path_factory.mktemp("crash"))
    try:
        d.migrated = d.new()
        proc = run(d.migrated, "migrate", "--noinput", "-v", "0", dbs=d)
        assert proc.returncode == 0, proc.stderr[-3000:]
        d.world_db = d.new(d.migrated)
        d.world = out(driver(d.world_db, "world", dbs=d))
        yield d
    finally:
        if d.vendor == "postgresql":
            d.drop_all()


def test_killed_reply_sends_roll_back_and_the_batch_finishes_once(dbs):
    db = dbs.new(dbs.world_db)
    before = check(db, dbs)
    base_events, base_notes = before["reply_send_events"], before["reply_send_notifications"]
    ids = json.dumps(dbs.world["approved"])
    # Killed inside the second send's transaction: the first is committed, the second left no trace.
    assert driver(db, "send", ids, dbs=dbs, crash="reply.send.before_commit:2").returncode == KILLED
    state = check(db, dbs)
    states = [state["replies"][str(pk)] for pk in dbs.world["approved"]]
    assert states == ["sent", "approved", "approved"]
    assert state["reply_send_events"] == base_events + 1
    notified = state["reply_send_notifications"] - base_notes
    assert notified > 0
    # Re-run: the rest are sent, each once.
    assert out(driver(db, "send", ids, dbs=dbs)) == {"sent": 2}
    state = check(db, dbs)
    assert [state["replies"][str(pk)] for pk in dbs.world["approved"]] == ["sent"] * 3
    assert state["reply_send_events"] == base_events + 3
    assert state["reply_send_notifications"] == base_notes + 3 * notified
    assert out(driver(db, "send", ids, dbs=dbs)) == {"sent": 0}
    assert check(db, dbs)["reply_send_events"] == base_events + 3


def test_a_killed_reminder_scan_resumes_without_sending_twice(dbs):
    day = dbs.world["sign_due"]
    control = dbs.new(dbs.world_db)
    assert run(control, "remind", "--today", day, dbs=dbs).returncode == 0
    expected = check(control, dbs)["reminders"]
    assert expected >= 3

    db = dbs.new(dbs.world_db)
    assert run(db, "remind", "--today", day, dbs=dbs, crash="remind.sent:2").returncode == KILLED
    assert check(db, dbs)["reminders"] == 2  # two committed before the kill
    # Killed inside a claim's transaction: that reminder is not half-sent.
    assert run(db, "remind", "--today", day, dbs=dbs, crash="remind.claim:1").returncode == KILLED
    assert check(db, dbs)["reminders"] == 2
    assert run(db, "remind", "--today", day, dbs=dbs).returncode == 0
    assert check(db, dbs)["reminders"] == expected
    assert run(db, "remind", "--today", day, dbs=dbs).returncode == 0
    assert check(db, dbs)["reminders"] == expected


def test_a_killed_close_due_batch_closes_the_rest_once_on_rerun(dbs):
    db = dbs.new(dbs.world_db)
    day = dbs.world["after_eval"]
    assert run(db, "close-due", "--date", day, dbs=dbs, crash="close_due.closed:2").returncode == KILLED
    assert check(db, dbs)["evaluation_none_events"] == 2
    assert run(db, "close-due", "--date", day, dbs=dbs).returncode == 0
    assert check(db, dbs)["evaluation_none_events"] == 3
    assert run(db, "close-due", "--date", day, dbs=dbs).returncode == 0
    assert check(db, dbs)["evaluation_none_events"] == 3


def test_a_killed_ledger_import_writes_nothing_and_imports_once_on_rerun(dbs):
    db = dbs.new(dbs.migrated)
    world = out(driver(db, "ledger_world", str(dbs.tmp), dbs=dbs))
    args = ("import-ledger", world["path"], "--session", world["session"])
    assert run(db, *args, dbs=dbs, crash="ledger.import.written").returncode == KILLED
    assert check(db, dbs)["ledger_proposals"] == 0
    assert run(db, *args, dbs=dbs).returncode == 0
    imported = check(db, dbs)["ledger_proposals"]
    assert imported > 10
    assert run(db, *args, dbs=dbs).returncode == 0
    assert check(db, dbs)["ledger_proposals"] == imported
