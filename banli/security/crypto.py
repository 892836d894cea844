"""SM4-GCM encryption of sensitive fields at rest, with the key outside the database.

The 128-bit key comes from the environment (`BANLI_FIELD_KEY`, 32 hex digits) or from the key
file `<BANLI_DATA_DIR>/keys/field.key` (created with mode 0600 on first use outside production;
production refuses to start without one: see checks.py). Ciphertexts look like
`sm4gcm:1:<base64 of nonce ‖ ciphertext ‖ tag>`; anything else read from the column is treated as
legacy plaintext, so a column can be switched to `EncryptedTextField` and re-saved in a data
migration.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sm4gcm:1:"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    pass


def key_file_path() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "field.key"


def _parse_key(text: str, source: str) -> bytes:
    text = text.strip()
    try:
        key = binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{source} 必须是 32 位十六进制数（128 位 SM4 密钥）。")
    if len(key) != 16:
        raise ImproperlyConfigured(f"{source} 必须是 32 位十六进制数（128 位 SM4 密钥），当前为 {len(key) * 8} 位。")
    return key


def field_key(*, create: bool | None = None) -> bytes:
    """The SM4 key. Never stored in the database."""
    env = os.environ.get("BANLI_FIELD_KEY", "")
    if env:
        return _parse_key(env, "BANLI_FIELD_KEY")
    path = key_file_path()
    if path.exists():
        return _parse_key(path.read_text(), str(path))
    if create is None:
        create = not getattr(settings, "PRODUCTION", False)
    if not create:
        raise ImproperlyConfigured(f"缺少字段加密密钥：请设置环境变量 BANLI_FIELD_KEY 或提供密钥文件 {path}。")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = os.urandom(16)
    # Write a temporary file, then link it into place: atomic, and never overwrites a key.
    tmp = path.with_name(f".field.key.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:  # another process created it first
        key = _parse_key(path.read_text(), str(path))
    finally:
        os.unlink(tmp)
    return key


def key_id(key: bytes | None = None) -> str:
    """A short fingerprint of the key (SM3), to tell operators which key is in use."""
    return hashlib.new("sm3", key or field_key()).hexdigest()[:8]


def encrypt(plaintext: str, *, key: bytes | None = None) -> str:
    key = key or field_key()
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    ct = enc.update(plaintext.encode("utf-8")) + enc.finalize()
    return PREFIX + base64.b64encode(nonce + ct + enc.tag).decode("ascii")


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def decrypt(token: str, *, key: bytes | None = None) -> str:
    if not is_encrypted(token):
        raise DecryptionError("不是 SM4-GCM 密文")
    key = key or field_key()
    try:
        raw = base64.b64decode(token[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("密文格式错误")
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("密文长度错误")
    nonce, ct, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (dec.update(ct) + dec.finalize()).decode("utf-8")
    except InvalidTag:
        raise DecryptionError("密文已被篡改或密钥不匹配")


class EncryptedTextField(models.TextField):
    """A text column stored SM4-GCM encrypted; reads decrypt, writes encrypt.

    The empty string stays empty (so `blank=True` fields and "has a phone" filters still work);
    exact-match lookups on the value are impossible by design (random nonce per write).
    Legacy plaintext rows are returned as they are until re-saved.
    """

    description = "SM4-GCM encrypted text"

    def from_db_value(self, value, expression, connection):
        if value is None or not is_encrypted(value):
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and is_encrypted(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or is_encrypted(value):
            return value
        return encrypt(str(value))


def encrypt_existing_rows(model, field_names: list[str]) -> int:
    """Encrypt the plaintext values of `field_names` in place; return the rows changed.

    For a data migration's RunPython, after the AlterField to EncryptedTextField (a ciphertext is
    longer than e.g. a CharField(30) phone). Reads the raw column values, so it is idempotent.
    """
    from django.db import connections

    conn = connections[model.objects.db]
    table = conn.ops.quote_name(model._meta.db_table)
    pk_col = conn.ops.quote_name(model._meta.pk.column)
    cols = [model._meta.get_field(f).column for f in field_names]
    n = 0
    with conn.cursor() as cur:
        cur.execute(f"SELECT {pk_col}, {', '.join(conn.ops.quote_name(c) for c in cols)} FROM {table}")
        rows = cur.fetchall()
    for pk, *values in rows:
        changes = {c: encrypt(v) for c, v in zip(cols, values) if v and not is_encrypted(v)}
        if changes:
            sets = ", ".join(f"{conn.ops.quote_name(c)} = %s" for c in changes)
            with conn.cursor() as cur:
                cur.execute(f"UPDATE {table} SET {sets} WHERE {pk_col} = %s", [*changes.values(), pk])
            n += 1
    return n
