"""`banli backup` / `banli restore` (issue #19 item 12): one archive with the database and the uploaded
files; restore into an empty database only, with the same per-table checksums, a verifying audit chain and
files that open. Runs on SQLite and on PostgreSQL (pg_dump/pg_restore)."""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from banli.cases.models import Attachment
from banli.cases.services import attachment_add
from banli.security.crypto import field_key
from banli.site.backup import FORMAT
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.match(r"^\S+\s+\d+\s+[0-9a-f]{16}$", line)]


def _empty_database(tmp_path) -> tuple[str, callable]:
    """A DATABASE_URL naming a new, empty database of the same vendor, and its clean-up."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path}/restored.sqlite3", lambda: None
    import psycopg

    s = connection.settings_dict
    name = f"ops_restore_{uuid.uuid4().hex[:8]}"
    admin = dict(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{name}", drop


def _banli(*args, url, data_dir):
    env = {**os.environ, "DATABASE_URL": url, "BANLI_DATA_DIR": str(data_dir), "BANLI_FIELD_KEY": field_key().hex()}
    return subprocess.run(
        [sys.executable, "-m", "banli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_an_empty_database_with_the_same_checksums(cast, tmp_path):
    p = f.accepted(cast, content="联系电话13912345678")  # an encrypted field or two, and an audit trail
    att = attachment_add(actor=cast.staff_npc, proposal=p, file=SimpleUploadedFile("说明.pdf", PDF, "application/pdf"))
    archive = tmp_path / "banli.tar"
    out = io.StringIO()
    call_command("backup", "-o", str(archive), stdout=out)
    backup_out = out.getvalue()
    assert "BANLI_FIELD_KEY" in backup_out and "上传文件 1 个" in backup_out
    lines = _table_lines(backup_out)
    assert any(line.startswith("audit_auditevent ") for line in lines) and len(lines) > 30

    url, drop = _empty_database(tmp_path)
    data_dir = tmp_path / "restored-data"
    try:
        run = _banli("restore", str(archive), url=url, data_dir=data_dir)
        assert run.returncode == 0, run.stderr
        assert _table_lines(run.stdout) == lines  # the same rows in every table
        assert "审计链完整" in run.stdout and "BANLI_FIELD_KEY" in run.stdout and "一致" in run.stdout
        # A second restore into the now non-empty database is refused.
        again = _banli("restore", str(archive), url=url, data_dir=tmp_path / "other-data")
        assert again.returncode != 0 and "不是空的" in again.stderr
        # The audit chain verifies; the file opens through the model; the encrypted content reads back.
        assert _banli("audit", "verify", url=url, data_dir=data_dir).returncode == 0
        code = (
            "from banli.cases.models import Attachment, Proposal;"
            f"a = Attachment.objects.get(pk={att.pk}); print(a.file.open('rb').read() == {PDF!r});"
            f"print(Proposal.objects.get(pk={p.pk}).content)"
        )
        opened = _banli("shell", "-v", "0", "-c", code, url=url, data_dir=data_dir)
        assert opened.stdout.split() == ["True", "联系电话13912345678"], opened.stderr
    finally:
        drop()
    assert Attachment.objects.filter(pk=att.pk).exists()


def _archive(path: Path, manifest: dict) -> Path:
    data = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(cast, tmp_path):
    archive = _archive(tmp_path / "b.tar", {"format": FORMAT, "vendor": connection.vendor, "files": []})
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(archive), stdout=io.StringIO())
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    archive = _archive(tmp_path / "c.tar", {"format": FORMAT, "vendor": other, "files": []})
    with pytest.raises(CommandError, match="同类数据库"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    bogus = tmp_path / "x.tar"
    with tarfile.open(bogus, "w"):
        pass
    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(bogus), stdout=io.StringIO())
