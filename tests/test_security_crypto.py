"""SM4-GCM encryption of sensitive fields, key outside the database (等保2.0 §8.1.4.8; ASVS V6.2)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from banli.security import crypto
from banli.security.crypto import DecryptionError, EncryptedTextField, decrypt, encrypt, is_encrypted
from banli.security.models import TOTPDevice

KEY = bytes.fromhex("00112233445566778899aabbccddeeff")


def test_round_trip_and_random_nonce():
    a, b = encrypt("13800138000", key=KEY), encrypt("13800138000", key=KEY)
    assert a != b and is_encrypted(a) and "13800138000" not in a
    assert decrypt(a, key=KEY) == decrypt(b, key=KEY) == "13800138000"


def test_sm4_gcm_known_vector():
    """The cipher is SM4 (GB/T 32907-2016): the standard's example block, through GCM's counter mode."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    enc = Cipher(algorithms.SM4(bytes.fromhex("0123456789abcdeffedcba9876543210")), modes.ECB()).encryptor()
    assert (
        enc.update(bytes.fromhex("0123456789abcdeffedcba9876543210")) + enc.finalize()
    ).hex() == "681edf34d206965e86b3e94f536e4246"


def test_tampered_ciphertext_is_refused():
    token = encrypt("广东省深圳市福田区", key=KEY)
    raw = bytearray(__import__("base64").b64decode(token[len(crypto.PREFIX) :]))
    raw[14] ^= 1
    forged = crypto.PREFIX + __import__("base64").b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionError):
        decrypt(forged, key=KEY)


def test_wrong_key_is_refused():
    with pytest.raises(DecryptionError):
        decrypt(encrypt("440301199001011234", key=KEY), key=bytes(16))


def test_key_from_environment(monkeypatch):
    monkeypatch.setenv("BANLI_FIELD_KEY", KEY.hex())
    assert crypto.field_key() == KEY
    monkeypatch.setenv("BANLI_FIELD_KEY", "short")
    with pytest.raises(ImproperlyConfigured):
        crypto.field_key()


def test_key_file_is_created_private_outside_production(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("BANLI_FIELD_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    settings.PRODUCTION = False
    key = crypto.field_key()
    path = tmp_path / "keys" / "field.key"
    assert path.read_text().strip() == key.hex()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert crypto.field_key() == key


def test_production_refuses_to_invent_a_key(monkeypatch, settings, tmp_path):
    monkeypatch.delenv("BANLI_FIELD_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        crypto.field_key()
    from banli.security.checks import check_crypto

    assert [e.id for e in check_crypto()] == ["banli.security.E003"]


def test_field_encrypts_on_write_and_decrypts_on_read():
    f = EncryptedTextField()
    stored = f.get_prep_value("13800138000")
    assert is_encrypted(stored)
    assert f.from_db_value(stored, None, connection) == "13800138000"
    assert f.get_prep_value("") == "" and f.get_prep_value(None) is None
    # Legacy plaintext (before a column was switched) is read as it is.
    assert f.from_db_value("13900000000", None, connection) == "13900000000"


@pytest.mark.django_db
def test_encrypted_column_in_the_database_holds_no_plaintext(cast):
    TOTPDevice.objects.create(user=cast.deputy_user, secret="JBSWY3DPEHPK3PXP")
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM security_totpdevice")
        raw = cur.fetchone()[0]
    assert raw.startswith("sm4gcm:1:") and "JBSWY3DPEHPK3PXP" not in raw
    assert TOTPDevice.objects.get(user=cast.deputy_user).secret == "JBSWY3DPEHPK3PXP"
    # The key is nowhere in the database.
    key_hex = crypto.field_key().hex()
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM security_totpdevice")
        assert all(key_hex not in row[0] for row in cur.fetchall())


@pytest.mark.django_db
def test_encrypt_existing_rows_for_a_data_migration(cast):
    """Rows written before a column was switched are plaintext; the migration helper encrypts them."""
    dev = TOTPDevice.objects.create(user=cast.deputy_user, secret="x")
    with connection.cursor() as cur:
        cur.execute("UPDATE security_totpdevice SET secret = %s WHERE id = %s", ["JBSWY3DPEHPK3PXP", dev.pk])
    assert crypto.encrypt_existing_rows(TOTPDevice, ["secret"]) == 1
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM security_totpdevice WHERE id = %s", [dev.pk])
        raw = cur.fetchone()[0]
    assert is_encrypted(raw) and decrypt(raw) == "JBSWY3DPEHPK3PXP"
    assert crypto.encrypt_existing_rows(TOTPDevice, ["secret"]) == 0  # idempotent
