"""The audit log: append-only, SM3 hash chain, tamper detection, retention (等保2.0 §8.1.4.3; ASVS V7)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from banli.audit import triggers
from banli.audit.models import AppendOnlyError, AuditEvent, AuditPurge
from banli.audit.services import _digest, _hashed_fields, audit_record, audit_verify
from banli.errors import DomainError
from banli.security import services


def raw(sql, params=()):
    """SQL as someone with the database owner's rights sends it: the append-only triggers dropped first
    (banli/audit/triggers.py refuses these statements otherwise; test_audit_anchoring.py)."""
    with triggers.lifted(connection), connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused(cast):
    e = AuditEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=e.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=e.pk).delete()
    with pytest.raises(AppendOnlyError):
        e.delete()
    e.summary = "changed"
    with pytest.raises(AppendOnlyError):
        e.save()


@pytest.mark.django_db
def test_chain_uses_sm3(cast):
    e = AuditEvent.objects.order_by("seq").first()
    assert e.hash == _digest(e.prev_hash, _hashed_fields(e), "sm3")


@pytest.mark.django_db
def test_verify_command_passes_on_an_intact_chain(cast, capsys):
    call_command("audit", "verify")
    assert "审计链完整" in capsys.readouterr().out


@pytest.mark.django_db
def test_raw_sql_edit_is_caught_and_named(cast):
    target = AuditEvent.objects.order_by("seq")[5]
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", ["篡改", target.seq])
    with pytest.raises(CommandError, match=f"#{target.seq} 被篡改"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_exits_non_zero_from_the_shell(cast):
    """`banli audit verify` as an operator runs it: exit status 1 and the entry on stderr."""
    from django.core.management import ManagementUtility

    target = AuditEvent.objects.order_by("seq")[2]
    raw("UPDATE audit_auditevent SET actor_name = %s WHERE seq = %s", ["别人", target.seq])
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["banli", "audit", "verify"]).execute()
    assert exc.value.code == 1


@pytest.mark.django_db
def test_deleted_entry_is_caught_and_named(cast):
    target = AuditEvent.objects.order_by("seq")[3]
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [target.seq])
    ok, msg = audit_verify()
    assert not ok and f"#{target.seq} 缺失" in msg


@pytest.mark.django_db
def test_deleted_tail_is_caught(cast):
    last = AuditEvent.objects.order_by("-seq").first()
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    ok, msg = audit_verify()
    assert not ok and f"#{last.seq}" in msg


@pytest.mark.django_db
def test_recomputed_single_hash_still_breaks_the_link(cast):
    events = list(AuditEvent.objects.order_by("seq")[:4])
    e = events[1]
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", ["伪造", e.seq])
    e.refresh_from_db()
    raw("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", [_digest(e.prev_hash, _hashed_fields(e)), e.seq])
    ok, msg = audit_verify()
    assert not ok and f"#{events[2].seq}" in msg


def _age_everything(days):
    raw("UPDATE audit_auditevent SET at = %s", [timezone.now() - dt.timedelta(days=days)])


def _rehash_all():
    """Rebuild the chain after ageing rows (test set-up only)."""
    prev = "0" * 64
    for e in AuditEvent.objects.order_by("seq"):
        h = _digest(prev, _hashed_fields(e))
        raw("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s", [prev, h, e.seq])
        prev = h
    raw("UPDATE audit_auditchainhead SET hash = %s", [prev])


@pytest.mark.django_db
def test_retention_cannot_go_below_180_days(cast):
    with pytest.raises(DomainError, match="180"):
        services.retention_set(actor=cast.auditor, days=179)
    services.retention_set(actor=cast.auditor, days=365)
    assert services.retention_policy().days == 365


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "staff_npc"])
def test_only_the_auditor_sets_retention_or_purges(cast, who):
    _age_everything(400)
    _rehash_all()
    n = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        services.retention_set(actor=getattr(cast, who), days=200)
    with pytest.raises(DomainError):
        services.audit_purge(actor=getattr(cast, who))
    assert AuditEvent.objects.count() == n


@pytest.mark.django_db
def test_purge_keeps_young_entries_and_the_chain_verifies(cast):
    _age_everything(200)
    _rehash_all()
    old_count = AuditEvent.objects.count()
    audit_record(actor=cast.staff_npc, verb="test.young", object_type="x", object_id=1)
    n = services.audit_purge(actor=cast.auditor)
    assert n == old_count
    assert AuditEvent.objects.filter(verb="test.young").exists()
    assert AuditEvent.objects.filter(verb="audit.purge").exists()
    ok, msg = audit_verify()
    assert ok, msg
    # Entries younger than the policy are never purged.
    assert services.audit_purge(actor=cast.auditor) == 0


@pytest.mark.django_db
def test_nothing_younger_than_180_days_is_purged(cast):
    _age_everything(179)
    _rehash_all()
    n = AuditEvent.objects.count()
    assert services.audit_purge(actor=cast.auditor) == 0
    assert AuditEvent.objects.count() == n


@pytest.mark.django_db
def test_a_forged_purge_anchor_is_caught(cast):
    events = list(AuditEvent.objects.order_by("seq")[:5])
    raw("DELETE FROM audit_auditevent WHERE seq <= %s", [events[3].seq])
    AuditPurge.objects.create(
        up_to_seq=events[3].seq, anchor_hash=events[3].hash, purged_count=4, cutoff=timezone.now(), at=timezone.now()
    )
    ok, msg = audit_verify()
    assert not ok and "清理" in msg


@pytest.mark.django_db
def test_auditor_reads_the_log_and_nobody_else(cast, login):
    url = reverse("security:audit_log")
    assert login(cast.auditor).get(url).status_code == 200
    for who in ("sysadmin", "secadmin", "staff_npc", "liaison_gx"):
        assert login(getattr(cast, who)).get(url).status_code == 403


@pytest.mark.django_db
def test_auditor_page_runs_the_verification(cast, login):
    target = AuditEvent.objects.order_by("seq")[1]
    raw("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", ["x", target.seq])
    r = login(cast.auditor).get(reverse("security:audit_log") + "?verify=1")
    assert f"#{target.seq} 被篡改" in r.content.decode()


@pytest.mark.django_db
def test_permission_changes_are_audited(cast):
    services.role_grant(actor=cast.secadmin, user=cast.handler_gx_sme, role="unit_liaison")
    e = AuditEvent.objects.get(verb="role.grant")
    assert e.actor == cast.secadmin and e.new["roles"] == ["handler", "unit_liaison"] and e.old["roles"] == ["handler"]
    services.role_revoke(actor=cast.secadmin, user=cast.handler_gx_sme, role="unit_liaison")
    assert AuditEvent.objects.filter(verb="role.revoke").exists()


@pytest.mark.django_db
def test_purge_command_applies_the_policy_and_refuses_a_broken_chain(cast, capsys):
    _age_everything(200)
    _rehash_all()
    call_command("audit", "purge", "--dry-run")
    assert "将清理" in capsys.readouterr().out
    assert AuditPurge.objects.count() == 0
    call_command("audit", "purge")
    assert AuditPurge.objects.count() == 1
    e = AuditEvent.objects.get(verb="audit.purge")
    assert e.actor is None
    call_command("audit", "verify")
    # A tampered chain is not purged (the evidence would go with it).
    audit_record(actor=None, verb="test.x", object_type="x", object_id=1)
    raw("UPDATE audit_auditevent SET summary = %s WHERE verb = %s", ["改", "test.x"])
    with pytest.raises(CommandError, match="拒绝清理"):
        call_command("audit", "purge")


def test_bulk_appended_events_form_the_same_verifiable_chain(cast):
    """audit_record_many (the ledger import's path) chains exactly like one-by-one appends."""
    from banli.audit.models import AuditEvent
    from banli.audit.services import audit_record, audit_record_many, audit_verify

    before = AuditEvent.objects.count()
    audit_record_many(
        actor=cast.staff_npc,
        entries=[{"verb": "test.bulk", "object_type": "x", "object_id": i, "new": {"i": i}} for i in range(1200)],
    )
    audit_record(actor=cast.staff_npc, verb="test.after", object_type="x", object_id="last")
    assert AuditEvent.objects.count() == before + 1201
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert audit_verify()[0]
