"""Proposers' phone numbers, ID numbers and addresses are SM4-GCM encrypted at rest (SPEC §13, 等保 8.1.4.8)."""

from django.db import connection

from banli.cases.models import Proposer
from banli.security.crypto import encrypt_existing_rows


def _raw(pk, column):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM cases_proposer WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_personal_fields_are_ciphertext_in_the_database_and_plain_in_the_app(cast):
    p = cast.deputy
    p.phone, p.id_number, p.address = "13812345678", "440301199001011234", "福田区深南大道1号"
    p.save()
    for column, plain in (
        ("phone", "13812345678"),
        ("id_number", "440301199001011234"),
        ("address", "福田区深南大道1号"),
    ):
        stored = _raw(p.pk, column)
        assert stored.startswith("sm4gcm:1:") and plain not in stored
    fresh = Proposer.objects.get(pk=p.pk)
    assert (fresh.phone, fresh.id_number, fresh.address) == ("13812345678", "440301199001011234", "福田区深南大道1号")


def test_legacy_plaintext_rows_are_encrypted_by_the_migration_step(cast):
    p = cast.deputy
    with connection.cursor() as cur:
        cur.execute("UPDATE cases_proposer SET phone = %s WHERE id = %s", ["0755-12345678", p.pk])
    assert _raw(p.pk, "phone") == "0755-12345678"
    assert encrypt_existing_rows(Proposer, ["phone"]) >= 1
    assert _raw(p.pk, "phone").startswith("sm4gcm:1:")
    assert Proposer.objects.get(pk=p.pk).phone == "0755-12345678"
    assert encrypt_existing_rows(Proposer, ["phone"]) == 0  # idempotent


def test_empty_values_stay_empty(cast):
    assert _raw(cast.cosigner.pk, "phone") == ""
