"""`banli backup -o FILE` and `banli restore FILE`: the database and the uploaded files in one archive.

The archive is a tar file holding
* `manifest.json` — format, database vendor, time, the migrations applied, per-table row counts and
  checksums, the uploaded files with their SHA-256, and the field-encryption key's fingerprint;
* `database.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or
  `database.pgdump` (pg_dump's custom format, taken in the same snapshot the checksums are read in);
* `files/…` — MEDIA_ROOT.

The field-encryption key (BANLI_FIELD_KEY or $BANLI_DATA_DIR/keys/field.key) and the audit anchor
key are never in the archive: both commands say where the key must come from, and restore compares
its fingerprint. Restore goes into an empty database named by DATABASE_URL only, then prints the
same checksums, compares them with the manifest, checks the files and runs the audit verification.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from banli.audit.services import audit_verify
from banli.security.crypto import field_key, key_id

FORMAT = "banli-backup-1"
KEY_NOTE = (
    "字段加密密钥不在备份中：恢复后的系统须使用备份时的同一密钥，"
    "通过环境变量 BANLI_FIELD_KEY 或密钥文件 $BANLI_DATA_DIR/keys/field.key 提供（请与备份分开保管）；"
    "审计锚点密钥（BANLI_AUDIT_ANCHOR_KEY）同样不在备份中。"
)


class BackupError(Exception):
    pass


# --- checksums ---------------------------------------------------------------------------------


def _canon(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, decimal.Decimal | dt.date | dt.time | uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return repr(value)


def _tables(cursor) -> list[str]:
    return sorted(
        t.name
        for t in connection.introspection.get_table_list(cursor)
        if t.type == "t" and not t.name.startswith("sqlite_")
    )


def table_checksums(cursor=None) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": …}} over every table, rows in primary-key (else full-row) order."""
    own = cursor is None
    cursor = cursor or connection.cursor()
    try:
        out = {}
        for table in _tables(cursor):
            q = connection.ops.quote_name(table)
            pk = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(f"SELECT * FROM {q} LIMIT 0")
            ncols = len(cursor.description)
            order = connection.ops.quote_name(pk) if pk else ", ".join(str(i) for i in range(1, ncols + 1))
            cursor.execute(f"SELECT * FROM {q} ORDER BY {order}")
            h, n = hashlib.sha256(), 0
            while rows := cursor.fetchmany(2000):
                for row in rows:
                    h.update("\x1f".join(_canon(v) for v in row).encode("utf-8", "surrogatepass"))
                    h.update(b"\x1e")
                    n += 1
            out[table] = {"rows": n, "sha256": h.hexdigest()}
        return out
    finally:
        if own:
            cursor.close()


def checksums() -> dict[str, dict]:
    """The database's per-table checksums, computed the same way as the backup's."""
    if connection.vendor == "sqlite":
        # Through a plain sqlite3 connection, as the backup reads its copy (Django's own connection
        # converts dates and booleans, which would change the representation hashed).
        name = str(connection.settings_dict["NAME"])
        plain = sqlite3.connect(name, uri=name.startswith("file:"))
        try:
            return _sqlite_checksums(plain.cursor())
        finally:
            plain.close()
    return table_checksums()


def format_checksums(sums: dict[str, dict]) -> str:
    width = max((len(t) for t in sums), default=10)
    lines = [f"{t:<{width}}  {v['rows']:>9}  {v['sha256'][:16]}" for t, v in sums.items()]
    total = sum(v["rows"] for v in sums.values())
    return "\n".join(
        [f"{'表':<{width - 1}}  {'行数':>7}  校验和（SHA-256 前16位）", *lines, f"共 {len(sums)} 张表，{total} 行"]
    )


# --- files -------------------------------------------------------------------------------------


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- PostgreSQL helpers ------------------------------------------------------------------------


def _pg_env() -> tuple[list[str], dict]:
    """Connection arguments for pg_dump/pg_restore from Django's settings (password through the env)."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", s["HOST"]]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装与数据库服务器同版本的 postgresql-client（make system-deps）。")
    return path


# --- backup ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    checksums: dict
    files: int
    vendor: str


def _applied_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [list(r) for r in cursor.fetchall()]


def backup(output: Path) -> BackupResult:
    """Write the archive to `output` (atomically: a temporary file renamed into place)."""
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库：{vendor}")
    if connection.in_atomic_block:
        # SQLite's backup would wait forever on our own uncommitted writes; a backup is a snapshot
        # of committed data anyway.
        raise BackupError("备份须在事务之外运行。")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="banli-backup-") as tmp:
        tmp = Path(tmp)
        if vendor == "sqlite":
            db_name, checksums, migrations = _backup_sqlite(tmp)
        else:
            db_name, checksums, migrations = _backup_postgresql(tmp)
        files = []
        for p in _media_files():
            files.append(
                {"path": p.relative_to(settings.MEDIA_ROOT).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
            )
        try:
            fingerprint = key_id(field_key(create=False))
        except ImproperlyConfigured:
            fingerprint = None
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "database_file": db_name,
            "migrations": migrations,
            "tables": checksums,
            "files": files,
            "field_key_id": fingerprint,
            "key_note": KEY_NOTE,
        }
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(tmp / db_name, arcname=db_name)
            for f in files:
                tar.add(Path(settings.MEDIA_ROOT) / f["path"], arcname=f"files/{f['path']}")
        os.replace(partial, output)
    return BackupResult(output, checksums, len(files), vendor)


def _backup_sqlite(tmp: Path):
    connection.ensure_connection()
    target = tmp / "database.sqlite3"
    dst = sqlite3.connect(target)
    try:
        connection.connection.backup(dst)  # the online backup API: consistent while others write
    finally:
        dst.close()
    # Checksums from the copy itself, so they describe exactly what is in the archive.
    copy = sqlite3.connect(target)
    try:
        cur = copy.cursor()
        sums = _sqlite_checksums(cur)
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [list(r) for r in cur.fetchall()]
    finally:
        copy.close()
    return target.name, sums, migrations


def _sqlite_checksums(cur) -> dict:
    """table_checksums over a plain sqlite3 cursor (a file that is not Django's connection)."""
    cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    tables = [r[0] for r in cur.fetchall()]
    out = {}
    for table in tables:
        q = '"' + table.replace('"', '""') + '"'
        cur.execute(f"PRAGMA table_info({q})")
        info = cur.fetchall()
        pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
        order = (
            ", ".join('"' + c + '"' for c in pk) if len(pk) == 1 else ", ".join(str(i + 1) for i in range(len(info)))
        )
        cur.execute(f"SELECT * FROM {q} ORDER BY {order}")
        h, n = hashlib.sha256(), 0
        while rows := cur.fetchmany(2000):
            for row in rows:
                h.update("\x1f".join(_canon(v) for v in row).encode("utf-8", "surrogatepass"))
                h.update(b"\x1e")
                n += 1
        out[table] = {"rows": n, "sha256": h.hexdigest()}
    return out


def _backup_postgresql(tmp: Path):
    target = tmp / "database.pgdump"
    args, env = _pg_env()
    with transaction.atomic(), connection.cursor() as cur:
        # One snapshot for the dump and the checksums: pg_dump joins the exported snapshot.
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        run = subprocess.run(
            [
                _pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
                *args,
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            raise BackupError(f"pg_dump 失败：{run.stderr.strip()}")
        sums = table_checksums(cur)
        migrations = _applied_migrations(cur)
    return target.name, sums, migrations


# --- restore -----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    checksums: dict
    mismatched: list[str]
    files: int
    bad_files: list[str]
    audit: tuple[bool, str]
    key_message: str


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError("不是 Banli 备份文件（缺少 manifest.json）。")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    return manifest


def _target_tables() -> list[str]:
    with connection.cursor() as cur:
        return _tables(cur)


def restore(archive: Path) -> RestoreResult:
    archive = Path(archive)
    with tarfile.open(archive, "r") as tar:
        manifest = _read_manifest(tar)
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"备份来自 {manifest['vendor']} 数据库，DATABASE_URL 指向 {connection.vendor}：请恢复到同类数据库。"
            )
        existing = _target_tables()
        if existing:
            raise BackupError(
                f"目标数据库不是空的（已有 {len(existing)} 张表，如 {existing[0]}）：恢复只写入空数据库，"
                "请新建一个空数据库并让 DATABASE_URL 指向它。"
            )
        media = Path(settings.MEDIA_ROOT)
        clashes = [f["path"] for f in manifest["files"] if (media / f["path"]).exists()]
        if clashes:
            raise BackupError(f"上传文件目录 {media} 中已有同名文件（如 {clashes[0]}），拒绝覆盖。")
        with tempfile.TemporaryDirectory(prefix="banli-restore-") as tmp:
            tmp = Path(tmp)
            member = tar.getmember(manifest["database_file"])
            tar.extract(member, tmp, filter="data")
            if connection.vendor == "sqlite":
                _restore_sqlite(tmp / member.name)
            else:
                _restore_postgresql(tmp / member.name)
            for f in manifest["files"]:
                m = tar.getmember(f"files/{f['path']}")
                tar.extract(m, tmp, filter="data")
                dest = media / f["path"]
                dest.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
                shutil.move(tmp / m.name, dest)
                os.chmod(dest, 0o640)
    connection.close()
    sums = checksums()
    expected = manifest["tables"]
    mismatched = sorted(t for t in set(sums) | set(expected) if sums.get(t) != expected.get(t))
    bad_files = [
        f["path"]
        for f in manifest["files"]
        if not (media / f["path"]).exists() or _sha256(media / f["path"]) != f["sha256"]
    ]
    return RestoreResult(sums, mismatched, len(manifest["files"]), bad_files, audit_verify(), _key_message(manifest))


def _key_message(manifest: dict) -> str:
    want = manifest.get("field_key_id")
    try:
        have = key_id(field_key(create=False))
    except ImproperlyConfigured:
        have = None
    if want is None:
        return KEY_NOTE
    if have is None:
        return f"{KEY_NOTE}当前没有配置密钥；备份时密钥指纹为 {want}。"
    if have != want:
        return f"{KEY_NOTE}注意：当前密钥指纹 {have} 与备份时 {want} 不同，加密字段将无法解密。"
    return f"{KEY_NOTE}当前密钥指纹 {have} 与备份时一致。"


def _restore_sqlite(source: Path) -> None:
    connection.ensure_connection()
    src = sqlite3.connect(source)
    try:
        src.backup(connection.connection)
    finally:
        src.close()


def _restore_postgresql(source: Path) -> None:
    args, env = _pg_env()
    connection.close()  # pg_restore writes through its own connection
    run = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise BackupError(f"pg_restore 失败：{run.stderr.strip()}")
