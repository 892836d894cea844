"""Audit anchoring (issue #19 item 8): the database refuses UPDATE/DELETE of the log (triggers on SQLite and
PostgreSQL), the retention purge still works, and an anchor outside the database catches truncation."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from banli.audit import triggers
from banli.audit.anchor import audit_anchor
from banli.audit.models import AuditChainHead, AuditEvent, AuditPurge
from banli.audit.services import audit_purge, audit_record, audit_verify
from banli.site.periodic import periodic_task

KEY = "k" * 40


def sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, params)


def refused(statement, params=()):
    with pytest.raises(IntegrityError, match="append-only"):
        sql(statement, params)


@pytest.mark.django_db
def test_the_database_refuses_update_and_delete_of_the_log(cast):
    assert triggers.installed(connection)
    e = AuditEvent.objects.order_by("-seq").first()
    refused("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", ["改", e.seq])
    refused("DELETE FROM audit_auditevent WHERE seq = %s", [e.seq])
    refused("DELETE FROM audit_auditevent")
    head = AuditChainHead.objects.get(pk=1)
    refused("UPDATE audit_auditchainhead SET seq = %s, hash = %s", [head.seq - 2, e.prev_hash])
    refused("UPDATE audit_auditchainhead SET hash = %s", ["0" * 64])
    refused("DELETE FROM audit_auditchainhead")
    assert AuditEvent.objects.filter(seq=e.seq, summary=e.summary).exists()
    # Appending still works, and the head moves forward.
    audit_record(actor=None, verb="test.after", object_type="x", object_id=1)
    assert AuditChainHead.objects.get(pk=1).seq == head.seq + 1
    assert audit_verify()[0]


@pytest.mark.django_db
def test_purge_records_are_append_only_too(cast):
    first = AuditEvent.objects.order_by("seq").first()
    p = AuditPurge.objects.create(
        up_to_seq=0, anchor_hash=first.prev_hash, purged_count=0, cutoff=timezone.now(), at=timezone.now()
    )
    refused("UPDATE security_auditpurge SET up_to_seq = %s WHERE id = %s", [5, p.pk])
    refused("DELETE FROM security_auditpurge WHERE id = %s", [p.pk])


@pytest.mark.django_db
def test_retention_purge_still_deletes_below_its_boundary(cast):
    with triggers.lifted(connection), connection.cursor() as cur:  # age the log (test set-up only)
        cur.execute("UPDATE audit_auditevent SET at = %s", [timezone.now() - dt.timedelta(days=400)])
        prev = "0" * 64
        from banli.audit.services import _digest, _hashed_fields

        for e in AuditEvent.objects.order_by("seq"):
            h = _digest(prev, _hashed_fields(e))
            cur.execute("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, h, e.seq])
            prev = h
        cur.execute("UPDATE audit_auditchainhead SET hash = %s", [prev])
    assert triggers.installed(connection)
    n = AuditEvent.objects.count()
    assert audit_purge(actor=cast.auditor) == n
    assert AuditEvent.objects.filter(verb="audit.purge").count() == 1
    ok, msg = audit_verify()
    assert ok, msg


@pytest.mark.django_db
def test_flush_wipes_everything_and_puts_the_triggers_back(cast):
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers.installed(connection)


@pytest.mark.django_db
def test_truncation_is_caught_by_the_anchor_outside_the_database(cast, tmp_path):
    anchors = tmp_path / "anchors.log"
    with override_settings(BANLI_AUDIT_ANCHOR_FILE=str(anchors), BANLI_AUDIT_ANCHOR_KEY=KEY):
        for i in range(3):
            audit_record(actor=None, verb="test.x", object_type="x", object_id=i)
        call_command("audit", "anchor")
        assert audit_anchor()[0] is False  # the head did not move: no second line
        assert len(anchors.read_text().splitlines()) == 1
        ok, msg = audit_verify()
        assert ok and "外部锚点 1 个与审计链一致" in msg
        # Someone with the owner's rights deletes the last two rows and rewinds the head: the chain in
        # the database is consistent again...
        last = list(AuditEvent.objects.order_by("-seq")[:3])
        with triggers.lifted(connection), connection.cursor() as cur:
            cur.execute("DELETE FROM audit_auditevent WHERE seq >= %s", [last[1].seq])
            cur.execute("UPDATE audit_auditchainhead SET seq = %s, hash = %s", [last[2].seq, last[2].hash])
        # ...but not with the anchor.
        ok, msg = audit_verify()
        assert not ok and f"链头为 #{last[0].seq}" in msg and "截断" in msg
        with pytest.raises(CommandError, match="截断"):
            call_command("audit", "verify")
        # Appending past the anchored seq again does not hide it: the anchored entry's hash differs.
        for i in range(3):
            audit_record(actor=None, verb="test.y", object_type="x", object_id=i)
        ok, msg = audit_verify()
        assert not ok and f"#{last[0].seq}" in msg


@pytest.mark.django_db
def test_an_edited_anchor_or_a_wrong_key_is_reported(cast, tmp_path):
    anchors = tmp_path / "anchors.log"
    with override_settings(BANLI_AUDIT_ANCHOR_FILE=str(anchors), BANLI_AUDIT_ANCHOR_KEY=KEY):
        audit_anchor()
        line = json.loads(anchors.read_text())
        line["seq"] -= 1
        anchors.write_text(json.dumps(line) + "\n")
        ok, msg = audit_verify()
        assert not ok and "校验码不符" in msg
    with override_settings(BANLI_AUDIT_ANCHOR_FILE=str(anchors), BANLI_AUDIT_ANCHOR_KEY=""):
        ok, msg = audit_verify()
        assert not ok and "密钥" in msg
        with pytest.raises(CommandError, match="BANLI_AUDIT_ANCHOR_KEY"):
            call_command("audit", "anchor")


@pytest.mark.django_db
def test_anchor_needs_a_file_and_the_periodic_scan_writes_one(cast, tmp_path):
    with pytest.raises(CommandError, match="BANLI_AUDIT_ANCHOR_FILE"):
        call_command("audit", "anchor")
    key_file = tmp_path / "anchor.key"
    key_file.write_text(KEY)
    anchors = tmp_path / "sub" / "anchors.log"
    with override_settings(BANLI_AUDIT_ANCHOR_FILE=str(anchors), BANLI_AUDIT_ANCHOR_KEY_FILE=str(key_file)):
        result = periodic_task()
        assert result["audit_anchor"] is True
        head = AuditChainHead.objects.get(pk=1)
        assert 0 < json.loads(anchors.read_text())["seq"] <= head.seq
        assert audit_verify()[0]
