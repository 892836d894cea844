"""The auditor sees who did what to which object, never the case's content or personal data (三权分立).

Every audited action that takes free text is walked through the real services with a secret
sentence holding a phone number and an ID number; afterwards no audit row (summary, old, new) and
no page of the auditor's log contains any of them."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.audit.redact import mask_pii, summary_for_display
from banli.audit.services import audit_record
from banli.cases.models import AssignmentRole as R
from banli.cases.models import Disclosure, ReviewState
from banli.cases.services import assignment_create, assignment_withdraw, attachment_add, proposal_review
from banli.deadlines import services as deadlines
from banli.handling import services as handling
from banli.handling.models import AdjustmentRequest, FollowUp
from banli.portal import services as portal
from banli.portal.models import PortalMessage
from tests import factories as f

SECRET = "机密事项甲乙丙丁"
PHONE = "13912345678"
ID_NUMBER = "440301199001011234"
TEXT = f"{SECRET}，联系电话{PHONE}，身份证{ID_NUMBER}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORBIDDEN = (SECRET, PHONE, ID_NUMBER, "0755-88886666")


def _walk(cast):
    """Every action that takes free text, each given TEXT."""
    o = cast.orgs
    day = dt.date.today()
    # Registration with content, a refusal with a reason.
    p = f.registered(cast, content=TEXT, title="关于城市更新的建议")
    refused = f.registered(cast, title="关于另一件事的建议")
    proposal_review(actor=cast.staff_npc, proposal=refused, decision=ReviewState.NOT_ACCEPTED, reason=TEXT)
    f.accepted(cast, p)
    lead, co = assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.gx, R.LEAD), (o.sw, R.CO)])
    # A withdrawal with a reason (a third unit, withdrawn before signing).
    (extra,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.court, R.CO)])
    # (Its reason is the office's own note, kept in the row with personal data masked; not shown.)
    assignment_withdraw(actor=cast.staff_npc, assignment=extra, reason=f"选错单位，联系{PHONE}")
    # An adjustment asked for and refused with a note.
    req = handling.adjustment_request(actor=cast.liaison_sw, assignment=co, reason=TEXT)
    handling.adjustment_decide(
        actor=cast.staff_npc, request=AdjustmentRequest.objects.get(pk=req.pk), approve=False, note=TEXT
    )
    f.planned(cast, lead)
    f.opinion_sent(cast, co, text=TEXT)
    # The handler's work handed over with a note.
    handling.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=cast.handler_gx_sme, note=TEXT)
    handling.contact_add(
        actor=cast.liaison_gx,
        assignment=lead,
        on=day,
        stage="before",
        method="phone",
        participants=TEXT,
        summary=TEXT,
    )
    attachment_add(
        actor=cast.staff_npc, proposal=p, file=SimpleUploadedFile(f"{SECRET}{PHONE}.pdf", PDF, "application/pdf")
    )
    ext = deadlines.extension_request(
        actor=cast.liaison_gx, assignment=lead, reason=TEXT, requested_due=lead.reply_due + dt.timedelta(days=30)
    )
    deadlines.extension_decide(actor=cast.staff_npc, extension=ext, approve=False, note=TEXT)
    deadlines.reminder_send(actor=cast.staff_npc, assignment=lead, message=TEXT)
    deadlines.supervision_record(actor=cast.staff_npc, assignment=lead, kind="regular", note=TEXT)
    # The proposer writes, the unit answers (the answer is recorded as a contact too).
    m = portal.message_send(actor=cast.deputy_user, assignment=lead, text=TEXT)
    portal.message_answer(actor=cast.liaison_gx, message=PortalMessage.objects.get(pk=m.pk), text=TEXT)
    # A reply draft with text and contact data, returned with a comment, then sent as class B.
    r = f.drafted(
        cast,
        lead,
        text=TEXT,
        contact_name="张三丰",
        contact_phone="0755-88886666",
        result_class="B",
        commitments=[(TEXT, dt.date(day.year + 1, 12, 31))],
    )
    r = f.submitted(cast, r)
    handling.reply_return(actor=cast.leader_gx, reply=r, comment=TEXT)
    r = f.sent(
        cast, f.drafted(cast, lead, text=TEXT, result_class="B", commitments=[(TEXT, dt.date(day.year + 1, 12, 31))])
    )
    handling.evaluation_submit(
        actor=cast.deputy_user,
        assignment=lead,
        verdict="satisfied",
        attitude="satisfied",
        result="satisfied",
        comment=TEXT,
    )
    fu = FollowUp.objects.get(assignment=lead)
    commitment = fu.reply.commitments.first()
    handling.commitment_progress_add(actor=cast.liaison_gx, commitment=commitment, text=TEXT)
    handling.followup_explain(
        actor=cast.liaison_gx, commitment=commitment, explanation=TEXT, new_due=dt.date(day.year + 2, 6, 30)
    )
    handling.followup_convert_to_a(
        actor=cast.liaison_gx, followup=fu, note=TEXT, outcomes={commitment.pk: ("done", TEXT, day)}
    )
    handling.reply_correct(actor=cast.leader_gx, reply=r, text=TEXT + "更正", reason=TEXT)
    # Publication: proposed private with a detail, then public, published and withdrawn with a reason.
    sw_reply = f.sent(cast, f.assigned(cast, units=[(o.sw, R.SOLE)]), text=TEXT)
    portal.publication_propose(
        actor=cast.liaison_sw,
        reply=sw_reply,
        decision=Disclosure.PRIVATE,
        reason=portal.private_reason("个人隐私", TEXT),
    )
    f.published(cast, sw_reply)
    portal.publication_withdraw(actor=cast.staff_npc, reply=sw_reply, reason=TEXT)
    # A proposal submitted through the portal.
    portal.proposal_submit(actor=cast.deputy_user, title="关于公园管理的建议", content=TEXT)


def _leaks(text: str) -> list[str]:
    return [s for s in FORBIDDEN if s in text]


@pytest.mark.django_db
def test_no_audited_action_writes_case_text_or_personal_data(cast, login):
    before = AuditEvent.objects.count()
    _walk(cast)
    rows = list(AuditEvent.objects.filter(seq__gt=before).values("verb", "summary", "old", "new"))
    assert len(rows) > 40  # the walk reached the actions it means to check
    verbs = {r["verb"] for r in rows}
    for expected in (
        "contact.add",
        "portal.message",
        "reply.correct",
        "extension.request",
        "assignment.remind",
        "assignment.withdraw",
        "evaluation.submit",
        "followup.convert",
        "publication.withdrawn",
    ):
        assert expected in verbs, expected
    leaks = [(r["verb"], _leaks(json.dumps(r, ensure_ascii=False, default=str))) for r in rows]
    assert [x for x in leaks if x[1]] == []
    page = login(cast.auditor).get(reverse("security:audit_log")).content.decode()
    assert _leaks(page) == []
    assert "选错单位" not in page


@pytest.mark.django_db
def test_rows_written_before_the_rule_are_masked_on_the_auditors_page(cast, login):
    """Old rows keep their text (the chain covers it); the auditor's page cuts it on display."""
    e = audit_record(actor=cast.liaison_gx, verb="test.x", object_type="x", object_id=1)
    with connection.cursor() as cur:  # as a row from before the rule: free text in the summary
        columns = "seq, at, actor_name, verb, object_type, object_id, summary, prev_hash, hash"
        cur.execute(
            f"INSERT INTO audit_auditevent ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [e.seq + 1000, e.at, "x", "contact.add", "contact", "1", f"办前沟通（电话）：{TEXT}", "0", "0"],
        )
    page = login(cast.auditor).get(reverse("security:audit_log")).content.decode()
    assert "办前沟通（电话）：" in page
    assert _leaks(page) == []


def test_masking_rules():
    assert mask_pii(f"电话{PHONE}") == "电话139****5678"
    assert ID_NUMBER not in mask_pii(ID_NUMBER)
    assert mask_pii("0755-88886666") == "〔电话〕"
    # Hashes, timestamps and dates are left alone.
    ts = "2024-10-01T08:00:00.000000+00:00"
    assert mask_pii(ts) == ts
    assert mask_pii("a0755123456789b" * 3) == "a0755123456789b" * 3
    assert summary_for_display("role.grant", "授予 x 角色“联络员”") == "授予 x 角色“联络员”"
    assert SECRET not in summary_for_display("proposal.register", f"登记 2023-0001《{SECRET}》")
