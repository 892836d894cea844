"""Writes of the proposer portal and of public disclosure (SPEC §6).

Each action: permission check, transition guard, write, audit — in one transaction. A refused
action raises DomainError and writes nothing. Evaluation and contact records are the handling
app's (banli.handling.services); this module calls them, it never re-implements them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from banli.audit.services import audit_record
from banli.calendar import workdays
from banli.cases.models import (
    AssignmentState,
    Channel,
    ContactMethod,
    ContactStage,
    Disclosure,
    Proposal,
    Proposer,
    Reply,
    ReplyState,
    Session,
)
from banli.cases.services import next_number, proposal_create
from banli.errors import Conflict, DomainError, NotFound
from banli.handling.services import contact_add_nested
from banli.notify.services import notify
from banli.orgs.models import Role, User
from banli.web.once import claim_once

from . import selectors as sel
from .lifecycle import PUBLICATION
from .models import PUBLISH_WORKDAYS, PortalMessage, PrivateReason, Publication, PublicationState, PublicSearch
from .redact import PLACEHOLDER_RE, PLACEHOLDERS, redact

S = PublicationState


# The disclosure lifecycle (banli.portal.lifecycle.PUBLICATION).
def guard(pub: Publication, to: str, action: str) -> None:
    PUBLICATION.check(pub.state, to, action=action)


def today() -> dt.date:
    return timezone.localdate()


def publish_due(sent_on: dt.date) -> dt.date:
    """The latest day a reply sent on `sent_on` must be public: 20 working days later."""
    return workdays.add_workdays(sent_on, PUBLISH_WORKDAYS)


def redaction_names(reply: Reply) -> list[str]:
    """Names of unit staff in the reply that are not the signer's (contact person, drafter)."""
    names = {reply.contact_name.strip()}
    if reply.created_by_id and reply.created_by:
        names.add(reply.created_by.display_name.strip())
    names.discard(reply.signer.strip())
    return [n for n in names if len(n) >= 2]


def _unit_names(reply: Reply) -> list[str]:
    unit = reply.assignment.unit
    return [unit.name, unit.short_name]


def redaction_preview(reply: Reply) -> tuple[str, list]:
    """What would be published of `reply` if nobody edits it."""
    return redact(reply.text, names=redaction_names(reply), public_names=_unit_names(reply))


def _removals(reply: Reply, text: str, spans) -> list[dict]:
    """Every placeholder of the published `text`, in order, with what it replaced.

    The reviewer usually submits the preview, whose placeholders are already in place, so
    redacting it again finds nothing new: those placeholders are matched to the preview's removals.
    A placeholder typed by hand is listed as “其他” (what it replaced is not known)."""
    found = {s.start: s for s in spans}
    pending = list(redaction_preview(reply)[1])
    out = []
    for m in PLACEHOLDER_RE.finditer(text):
        s = found.get(m.start())
        if s is None:
            s = next((p for p in pending if PLACEHOLDERS[p.kind] == m.group(0)), None)
            if s is not None:
                pending.remove(s)
        if s is None:
            out.append({"kind": "other", "label": "其他", "original": ""})
        else:
            out.append({"kind": s.kind, "label": s.label, "original": s.original})
    return out


def _locked_pub(actor, reply: Reply, *, for_review: bool) -> tuple[Reply, Publication]:
    """The reply (in the actor's disclosure scope) and its Publication row, created if missing, locked."""
    r = sel.disclosure_reply_get(actor, reply.pk)
    if for_review and not sel.can_review_disclosure(actor, r.assignment):
        raise DomainError("只有督查协调人员或人大/政协工作人员可以审核答复公开。")
    if not for_review and not sel.can_propose_disclosure(actor, r.assignment):
        raise DomainError("只有承办单位联络员或领导可以提出公开意见。")
    pub = Publication.objects.select_for_update().filter(reply=r).first()
    if pub is None:
        pub = Publication.objects.create(
            reply=r,
            proposed=r.disclosure,
            proposed_reason=r.disclosure_reason,
            publish_on=publish_due(r.sent_on or today()),
        )
    return r, pub


def _check_version(pub: Publication, version) -> None:
    if version not in (None, "") and int(version) != pub.version:
        raise Conflict("该答复的公开状态已被他人修改，请刷新页面后再操作。")


def _snapshot(pub: Publication) -> dict:
    return {
        "state": pub.state,
        "proposed": pub.proposed,
        "proposed_reason": pub.proposed_reason,
        "decision_reason": pub.decision_reason,
    }


def _clean_private_reason(reason: str) -> str:
    reason = (reason or "").strip()
    kind = reason.split("：", 1)[0]
    if kind not in PrivateReason.values:
        raise DomainError("不公开须选择理由：国家秘密、工作秘密、敏感信息、个人隐私或其他。", field="reason")
    if kind == PrivateReason.OTHER and len(reason) <= len(kind) + 1:
        raise DomainError("理由为“其他”时请写明具体原因。", field="reason")
    return reason[:200]


def private_reason(kind: str, detail: str = "") -> str:
    """The stored form of a 不公开 reason: “个人隐私” or “其他：具体原因”."""
    detail = (detail or "").strip()
    return f"{kind}：{detail}" if detail else kind


def publication_propose(
    *, actor, reply: Reply, decision: str, reason: str = "", version=None, once: str | None = None
) -> Publication:
    """The handling unit proposes 公开 or 不公开 (with a reason) for its sent reply."""
    if decision not in (Disclosure.PUBLIC, Disclosure.PRIVATE):
        raise DomainError("请选择“公开”或“不公开”。", field="decision")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        r, pub = _locked_pub(actor, reply, for_review=False)
        _check_version(pub, version)
        if pub.state not in (S.PENDING, S.PRIVATE):
            raise DomainError(f"该答复已{pub.get_state_display()}，不能再修改单位意见；如需调整请联系审核人员。")
        old = _snapshot(pub)
        pub.proposed = decision
        pub.proposed_reason = _clean_private_reason(reason) if decision == Disclosure.PRIVATE else ""
        pub.proposed_by, pub.proposed_at = actor, timezone.now()
        if pub.state == S.PRIVATE:
            PUBLICATION.move(pub, S.PENDING, action="重新提出公开意见")
        pub.version = F("version") + 1
        pub.save()
        pub.refresh_from_db()
        a = r.assignment
        audit_record(
            actor=actor,
            verb="publication.propose",
            obj=pub,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=(f"提出答复{'公开' if decision == Disclosure.PUBLIC else '不公开'}意见"),
            old=old,
            new=_snapshot(pub),
        )
    return pub


def publication_decide(
    *,
    actor,
    reply: Reply,
    decision: str,
    redacted_text: str | None = None,
    reason: str = "",
    version=None,
    once: str | None = None,
) -> Publication:
    """The coordinator or body staff decides: publish the redacted text now, or keep the reply private.

    Whatever text the reviewer submits is redacted again, so a phone number typed or left in by
    hand is never published.
    """
    if decision not in (S.PUBLISHED, S.PRIVATE):
        raise DomainError("请选择“批准公开”或“不予公开”。", field="decision")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        r, pub = _locked_pub(actor, reply, for_review=True)
        _check_version(pub, version)
        a = r.assignment
        old = _snapshot(pub)
        if decision == S.PUBLISHED:
            guard(pub, S.PUBLISHED, "公开")
            if Reply.objects.filter(correction_of=r, state=ReplyState.SENT).exists():
                raise DomainError("该答复已有更正版本，请公开更正后的版本。")
            source = r.text if redacted_text is None else redacted_text
            if not source.strip():
                raise DomainError("公开文本不能为空。", field="redacted_text")
            text, spans = redact(source, names=redaction_names(r), public_names=_unit_names(r))
            pub.redacted_text = text
            pub.redactions = _removals(r, text, spans)
            pub.published_on = today()
            pub.decision_reason = (reason or "").strip()[:300]
            summary = f"批准公开答复（隐去{len(pub.redactions)}处个人信息）"
        else:
            guard(pub, S.PRIVATE, "改为不公开")
            pub.decision_reason = _clean_private_reason(reason)
            pub.redacted_text, pub.redactions, pub.published_on = "", [], None
            summary = "决定答复不公开"
        PUBLICATION.move(pub, decision, action="公开" if decision == S.PUBLISHED else "改为不公开")
        pub.decided_by, pub.decided_at = actor, timezone.now()
        pub.version = F("version") + 1
        pub.save()
        pub.refresh_from_db()
        if pub.state == S.PUBLISHED:
            PublicSearch.objects.update_or_create(
                publication=pub,
                defaults={
                    "published_on": pub.published_on,
                    "tokens": sel.search_form(a.proposal.title, pub.redacted_text),
                },
            )
        else:
            PublicSearch.objects.filter(publication=pub).delete()
        transaction.on_commit(sel.public_cache_clear, robust=True)
        audit_record(
            actor=actor,
            verb=f"publication.{decision}",
            obj=pub,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=summary,
            old=old,
            new=_snapshot(pub),
        )
        if decision == S.PUBLISHED and r.correction_of_id:
            # The corrected version replaces what it corrects on the public site.
            prev = (
                Publication.objects.select_for_update().filter(reply_id=r.correction_of_id, state=S.PUBLISHED).first()
            )
            if prev is not None:
                prev_old, prev_new = PUBLICATION.move(prev, S.WITHDRAWN, action="撤回公开")
                prev.decision_reason = "已由更正后的答复替代"
                prev.version = F("version") + 1
                prev.save()
                PublicSearch.objects.filter(publication=prev).delete()
                audit_record(
                    actor=actor,
                    verb="publication.withdrawn",
                    obj=prev,
                    proposal_id=a.proposal_id,
                    assignment_id=a.pk,
                    summary="撤回公开：已由更正后的答复替代",
                    old={"state": prev_old},
                    new={"state": prev_new},
                )
    return pub


def publication_withdraw(*, actor, reply: Reply, reason: str, version=None, once: str | None = None) -> Publication:
    """Take a published reply off the public site (e.g. personal data found after publishing)."""
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        r, pub = _locked_pub(actor, reply, for_review=True)
        _check_version(pub, version)
        guard(pub, S.WITHDRAWN, "撤回公开")
        if not reason:
            raise DomainError("撤回公开须填写理由。", field="reason")
        old = _snapshot(pub)
        PUBLICATION.move(pub, S.WITHDRAWN, action="撤回公开")
        pub.decision_reason = reason[:300]
        pub.decided_by, pub.decided_at = actor, timezone.now()
        pub.version = F("version") + 1
        pub.save()
        pub.refresh_from_db()
        a = r.assignment
        audit_record(
            actor=actor,
            verb="publication.withdrawn",
            obj=pub,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary="撤回公开",
            old=old,
            new=_snapshot(pub),
        )
        PublicSearch.objects.filter(publication=pub).delete()
        transaction.on_commit(sel.public_cache_clear, robust=True)
    return pub


# --- the proposer's own actions ----------------------------------------------------------------


def proposal_submit(
    *, actor, title: str, content: str, topic: str = "", cosigner_names: Sequence[str] = ()
) -> Proposal:
    """A deputy or member submits a proposal between sessions (平时/闭会期间).

    It lands in the body's current (latest) session with channel 平时 and review state 待审查,
    numbered like any registration. Co-signers must be proposers the body already knows.
    """
    me = sel.own_proposer(actor)
    if me is None:
        raise DomainError("您的账号尚未关联代表/委员身份，请联系人大/政协工作人员。")
    session = Session.objects.filter(body=me.body).order_by("-year", "-start_date", "-id").first()
    if session is None:
        raise DomainError("本届会议尚未设立，暂不能提交。请联系人大/政协工作人员。")
    content = (content or "").strip()
    if len(content) < 20:
        raise DomainError("请填写内容（不少于20字），写明问题和具体建议。", field="content")
    names = [n for n in dict.fromkeys(n.strip() for n in cosigner_names) if n and n != me.name]
    known = {p.name: p for p in Proposer.objects.filter(body=me.body, name__in=names)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DomainError(
            f"联名人“{'、'.join(unknown)}”不在"
            f"本{'届人大代表' if session.is_npc else '届政协委员'}名单中，请核对姓名。",
            field="cosigners",
        )

    try:
        with transaction.atomic():
            number = next_number(session)
            p = proposal_create(
                actor=actor,
                session=session,
                title=title,
                lead=me,
                content=content,
                number=number,
                cosigners=[known[n] for n in names],
                channel=Channel.INTERIM,
                topic=(topic or "").strip()[:50],
                summary=f"通过代表委员平台提交 {number}（平时）",
            )
            _notify_body(p)
    except IntegrityError:
        raise DomainError("编号被同时提交的另一件占用，请再提交一次。")
    return p


def _notify_body(p: Proposal) -> None:
    staff = User.objects.filter(
        is_active=True, org__path__startswith=p.session.body.path, role_grants__role=Role.BODY_STAFF
    ).distinct()
    notify(
        users=staff,
        verb="proposal.submitted",
        text=f"{p.lead.name}提交了平时{p.kind_word}{p.number}《{p.title[:40]}》，待审查",
        proposal=p,
    )


def message_send(*, actor, assignment, text: str, once: str | None = None) -> PortalMessage:
    """A proposer writes to a unit handling their proposal; the unit answers in the portal."""
    text = (text or "").strip()
    a = sel.portal_assignment_get(actor, assignment.pk)
    who = sel.proposer_for(actor, a.proposal)
    if who is None:
        raise NotFound()
    if not text:
        raise DomainError("请填写留言内容。", field="text")
    if len(text) > 2000:
        raise DomainError("留言不能超过2000字。", field="text")
    if a.state in (AssignmentState.CLOSED, AssignmentState.WITHDRAWN):
        raise DomainError(f"{a.unit.name}对该件的办理已{a.get_state_display()}，如有新的意见请联系人大/政协工作人员。")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        m = PortalMessage.objects.create(assignment=a, proposer=who, author=actor, text=text)
        audit_record(
            actor=actor,
            verb="portal.message",
            obj=m,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=f"给{a.unit.name}留言",
        )
        notify(
            users=sel.unit_answerers(a),
            verb="portal.message",
            text=f"{who.name}就{a.proposal.number}给本单位留言，请在平台回复",
            url=sel.message_url(m),
            assignment=a,
        )
    return m


def message_answer(
    *, actor, message: PortalMessage, text: str, stage: str = "", once: str | None = None
) -> PortalMessage:
    """The unit answers a proposer's message; the exchange is recorded as a 书面 contact.

    The contact goes through banli.handling.services.contact_add, so the same rules apply
    (liaison or a handler of the case, signed assignment).
    """

    text = (text or "").strip()
    m = sel.unit_message_get(actor, message.pk)
    if m.answered_at is not None:
        raise DomainError("该留言已回复。")
    if not text:
        raise DomainError("请填写回复内容。", field="text")
    a = m.assignment
    stage = stage or (
        ContactStage.AFTER if a.first_reply_on and a.state != AssignmentState.REHANDLING else ContactStage.DURING
    )
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        locked = PortalMessage.objects.select_for_update().get(pk=m.pk)
        if locked.answered_at is not None:
            raise DomainError("该留言已回复。")
        contact = contact_add_nested(
            actor=actor,
            assignment=a,
            on=today(),
            stage=stage,
            method=ContactMethod.WRITTEN,
            participants=m.proposer.name,
            summary=f"代表委员平台留言：{m.text}\n单位回复：{text}",
        )
        locked.answer, locked.answered_by, locked.answered_at, locked.contact = text, actor, timezone.now(), contact
        locked.save()
        audit_record(
            actor=actor,
            verb="portal.answer",
            obj=locked,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary="回复代表委员平台留言",
        )
        if m.proposer.user_id:
            notify(
                users=[m.proposer.user],
                verb="portal.answer",
                text=f"{a.unit.name}回复了您关于{a.proposal.number}的留言",
                url=sel.portal_url(a.proposal),
                assignment=a,
            )
    return locked
