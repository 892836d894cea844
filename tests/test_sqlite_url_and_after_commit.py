"""SQLite chosen through DATABASE_URL behaves like the default, and work after a commit is retried
(issue #19 item 2).

The options (WAL, immediate transactions, busy timeout) are built in one place in settings.py, for
the default file and for any sqlite:// URL. Concurrent writers on a file database named by
DATABASE_URL then all succeed. A reindex that fails after an action committed neither fails the
action nor is lost: the periodic scan catches the index up.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from banli.textintel import index
from banli.textintel.models import SearchDoc

from . import factories as f

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "banli.settings", **env}
    full.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=timeout
    )


def test_sqlite_through_database_url_gets_the_default_options(tmp_path):
    code = "import json; from django.conf import settings as s; print(json.dumps(s.DATABASES['default'], default=str))"
    via_url = json.loads(_run(code, {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}).stdout)
    default = json.loads(_run(code, {"DATABASE_URL": "", "BANLI_DATA_DIR": str(tmp_path)}).stdout)
    for db in (via_url, default):
        opts = db["OPTIONS"]
        assert opts["transaction_mode"] == "IMMEDIATE"
        assert opts["timeout"] >= 20
        assert "journal_mode=WAL" in opts["init_command"]
        assert "busy_timeout" in opts["init_command"] or opts["timeout"] >= 20
    assert via_url["OPTIONS"] == default["OPTIONS"]
    assert via_url["NAME"].endswith("x.sqlite3")


WRITERS = textwrap.dedent(
    """
    import threading, django, json
    django.setup()
    from django.db import connection, transaction
    from banli.orgs.models import Org, OrgKind
    from banli.orgs.services import org_add

    errors, done = [], []

    def work(t):
        for i in range(8):
            try:
                # read, then write in one transaction: in SQLite's default deferred mode two such
                # writers upgrade their read locks and one fails at once with "database is locked"
                with transaction.atomic():
                    Org.objects.count()
                    org_add(name=f"并发单位{t}-{i}", kind=OrgKind.UNIT)
                done.append(1)
            except Exception as e:
                errors.append(repr(e))
        connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    print(json.dumps({"errors": errors[:3], "n_errors": len(errors), "done": len(done),
                      "rows": Org.objects.filter(name__startswith="并发单位").count(), "mode": mode}))
    """
)


def test_concurrent_writes_on_a_file_sqlite_named_by_database_url(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3", "BANLI_DATA_DIR": str(tmp_path)}
    mig = _run(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0)",
        env,
        timeout=600,
    )
    assert mig.returncode == 0, mig.stderr[-2000:]
    out = _run(WRITERS, env)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["n_errors"] == 0, got
    assert got["done"] == got["rows"] == 48
    assert got["mode"] == "wal"


def test_a_failed_reindex_after_commit_is_caught_up_by_the_periodic_scan(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    real = index.reindex

    def broken(kind, pks):
        raise RuntimeError("index down")

    monkeypatch.setattr(index, "reindex", broken)
    with django_capture_on_commit_callbacks(execute=True):
        p = f.registered(cast, title="关于索引失败后补建的建议")  # the action stands
    assert not SearchDoc.objects.filter(kind="proposal", object_id=p.pk).exists()
    monkeypatch.setattr(index, "reindex", real)
    assert index.catch_up() >= 1
    doc = SearchDoc.objects.get(kind="proposal", object_id=p.pk)
    assert doc.title == p.title
    assert index.catch_up() == 0  # nothing left behind


def test_an_edit_whose_reindex_failed_is_caught_up(cast, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        p = f.registered(cast, title="关于旧标题的建议")
    monkeypatch.setattr(index, "reindex", lambda kind, pks: (_ for _ in ()).throw(RuntimeError("down")))
    with django_capture_on_commit_callbacks(execute=True):
        p.title = "关于新标题的建议"
        p.save()
    monkeypatch.undo()
    assert SearchDoc.objects.get(kind="proposal", object_id=p.pk).title == "关于旧标题的建议"
    index.catch_up()
    assert SearchDoc.objects.get(kind="proposal", object_id=p.pk).title == "关于新标题的建议"
