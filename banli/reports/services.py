"""Actions of the reports app: documents, saved summary texts, assessment weights, archives.

Every generated file of a case is scope-checked and audited (SPEC §8: downloads of non-public
files). `actor=None` is the command line run by the server's operator (no scope limit), never
a web request.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from banli.audit.services import audit_record
from banli.cases.models import Assignment, ProposerKind, Reply, ReplyState, Session
from banli.cases.selectors import access_reply, parse_id
from banli.errors import Conflict, DomainError, NotFound
from banli.handling import selectors as handling_selectors
from banli.handling.models import UnitDocSettings
from banli.ledger.services import ledger_rows
from banli.orgs.models import Org, OrgKind, Role
from banli.stats import scope as report_scope
from banli.stats.data import scope_assignments
from banli.stats.ranking import grouped_stats, ranked_units
from banli.stats.selectors import stats_for

from .exports import archive_zip, b_ledger_rows, responsibility_rows, xlsx
from .letters import LetterData, addressee_line, addressees_line, build_reply_letter, reply_title
from .models import SummaryText
from .ofd import build_reply_letter_ofd
from .render import docx_to_pdf
from .summary import Texts, build_summary, render_docx, unit_table


def today() -> dt.date:
    return timezone.localdate()


# --- reply letter ------------------------------------------------------------------------------


def reply_get(actor, pk) -> Reply:
    """A reply whose letter `actor` may generate: the case scope's `access_reply` (sent replies for
    everyone who sees the case, unsent ones only for those who see the unit's internal work);
    `actor` None is the system itself (archive export)."""
    if actor is not None:
        pk = access_reply(actor, pk).pk
    reply = (
        Reply.objects.select_related(
            "assignment__proposal__session__body", "assignment__proposal__lead", "assignment__unit", "approved_by"
        )
        .filter(pk=parse_id(pk))
        .first()
    )
    if reply is None:
        raise NotFound()
    return reply


def latest_reply(assignment: Assignment) -> Reply | None:
    sent = assignment.replies.filter(state=ReplyState.SENT).order_by("-seq", "-id").first()
    return sent or assignment.replies.order_by("-seq", "-id").first()


default_prefix = handling_selectors.default_letter_prefix
_doc_settings = handling_selectors.doc_settings

NUMBER_PENDING = "（发文字号签发后生成）"


def letter_number_of(reply: Reply) -> str:
    """The reply's 发文字号 as given at 签发; a download never gives one."""
    number = handling_selectors.live_letter_number(reply)
    return str(number) if number else NUMBER_PENDING


def letter_cc(assignment: Assignment) -> list[str]:
    settings = _doc_settings(assignment.unit)
    if settings.cc.strip():
        return [x.strip() for x in settings.cc.replace(",", "，").replace("、", "，").split("，") if x.strip()]
    cc = [assignment.proposal.session.body.name]
    coord = assignment.unit.nearest(OrgKind.COORDINATOR)
    if coord is not None:
        cc.append(coord.name)
    if assignment.parent_id and assignment.parent.unit.name not in cc:
        cc.append(assignment.parent.unit.name)
    return cc


def letter_addressees(reply: Reply) -> list:
    """Everyone the reply is addressed to (SPEC §3): the lead proposer, the co-signers, and the
    proposers of the proposals merged into this one — each may get the letter in their name."""
    p = reply.assignment.proposal
    people = [p.lead, *p.cosigners.order_by("pk")]
    for m in p.merged_from.select_related("lead").prefetch_related("cosigners").order_by("number"):
        people += [m.lead, *m.cosigners.order_by("pk")]
    seen, out = set(), []
    for x in people:
        if x.pk not in seen:
            seen.add(x.pk)
            out.append(x)
    return out


def letter_data(reply: Reply, *, number: str, addressee=None) -> LetterData:
    a = reply.assignment
    p = a.proposal
    session = p.session
    unit = a.unit
    settings = _doc_settings(unit)
    to = [addressee] if addressee is not None else letter_addressees(reply)
    signer = reply.signer or (reply.approved_by.display_name if reply.approved_by_id else "")
    return LetterData(
        issuer=settings.issuer or unit.name,
        number=number,
        signer=signer,
        title=reply_title(session.name, p.number, "建议" if session.is_npc else "提案"),
        addressee=addressees_line(
            [addressee_line(x.name, is_npc=session.is_npc, collective=x.kind == ProposerKind.COLLECTIVE) for x in to]
        ),
        proposal_title=p.title,
        body=reply.text,
        unit_name=settings.issuer or unit.name,
        date=reply.sent_on or today(),
        contact_name=reply.contact_name,
        contact_phone=reply.contact_phone,
        result_class=reply.result_class,
        cc=letter_cc(a),
        is_suggestion=session.is_npc,
    )


LETTER_FORMATS = ("docx", "pdf", "ofd")


def letter_filename(reply: Reply, fmt: str = "docx") -> str:
    p = reply.assignment.proposal
    return f"答复函_{p.number}_{reply.assignment.unit.name}_{reply.seq}.{fmt}"


def reply_letter_render(
    *, actor, reply: Reply, addressee_id=None, audit: bool = True, fmt: str = "docx"
) -> tuple[bytes, str]:
    """The reply letter of `reply` (SPEC §7) as .docx, .pdf (LibreOffice) or .ofd, and its file
    name; audited as a download. Never gives a 发文字号: that happens at 签发.

    Addressed to every proposer (the lead, co-signers and the proposers of merged proposals), or
    to `addressee_id` alone; a proposer who downloads it gets the letter in their own name."""
    if fmt not in LETTER_FORMATS:
        raise DomainError("答复函只能生成 .docx、.pdf 或 .ofd 文件。")
    reply = reply_get(actor, reply.pk)
    people = letter_addressees(reply)
    addressee = None
    if addressee_id not in (None, ""):
        addressee = next((x for x in people if str(x.pk) == str(addressee_id)), None)
        if addressee is None:
            raise NotFound()
    elif actor is not None and actor.has_role(Role.PROPOSER):
        addressee = next((x for x in people if x.user_id == actor.pk), None)
    number = letter_number_of(reply)
    data = letter_data(reply, number=number, addressee=addressee)
    if fmt == "ofd":
        content = build_reply_letter_ofd(data)
    else:
        content = build_reply_letter(data)
        if fmt == "pdf":
            content = docx_to_pdf(content)
    if audit:
        audit_record(
            actor=actor,
            verb="reply.letter_download",
            obj=reply,
            proposal_id=reply.assignment.proposal_id,
            assignment_id=reply.assignment_id,
            summary=f"下载答复函 {number}（{fmt}）",
        )
    return content, letter_filename(reply, fmt)


def unit_doc_settings_save(
    *, actor, unit: Org, issuer: str = "", letter_prefix: str = "", cc: str = ""
) -> UnitDocSettings:
    """A unit's liaison or leader sets its 发文机关标志, 发文字号 prefix and 抄送."""
    if actor is not None:
        report_scope.check(actor, sessions=[], org=unit)
        if not actor.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER):
            raise DomainError("只有单位联络员或单位领导可以修改本单位的公文设置。")
    if unit.kind != OrgKind.UNIT:
        raise DomainError("公文设置只能针对承办单位。")
    prefix = letter_prefix.strip()
    if prefix and ("〔" in prefix or any(ch.isdigit() for ch in prefix)):
        raise DomainError("发文字号代字只填机关代字，如“深工信函”，年份和序号由系统生成。", field="letter_prefix")
    with transaction.atomic():
        obj = UnitDocSettings.objects.select_for_update().filter(unit=unit).first() or UnitDocSettings(unit=unit)
        old = {"issuer": obj.issuer, "letter_prefix": obj.letter_prefix, "cc": obj.cc}
        obj.issuer, obj.letter_prefix, obj.cc = issuer.strip(), prefix, cc.strip()
        obj.save()
        audit_record(
            actor=actor,
            verb="reports.doc_settings",
            obj=obj,
            summary=f"{unit.name} 公文设置",
            old=old,
            new={"issuer": obj.issuer, "letter_prefix": obj.letter_prefix, "cc": obj.cc},
        )
    return obj


# --- annual work summary -----------------------------------------------------------------------


TEXT_FIELDS = ("title", "intro", "practices", "showcases", "problems", "other")


def summary_texts(*, org: Org | None, session: Session) -> SummaryText | None:
    if org is None:
        org = session.body
    return SummaryText.objects.filter(org=org, session=session).first()


def _require_summary_writer(actor, session: Session, org: Org | None) -> None:
    if actor is None:
        return
    report_scope.check(actor, sessions=[session], org=org)


def summary_text_save(
    *, actor, session: Session, org: Org | None, version: int | None = None, **fields
) -> SummaryText:
    """Save the editable parts of a summary for (org, session); optimistic version check."""
    _require_summary_writer(actor, session, org)
    if actor is not None and not actor.has_role(
        Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER
    ):
        raise NotFound()
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise DomainError(f"不能修改字段 {'、'.join(sorted(unknown))}。")
    for k, v in fields.items():
        if len(v or "") > 20000:
            raise DomainError("每部分文字不能超过20000字。", field=k)
    owner = org if org is not None else session.body
    with transaction.atomic():
        obj = SummaryText.objects.select_for_update().filter(org=owner, session=session).first()
        if obj is None:
            if version not in (None, 0, "0", ""):
                raise Conflict("该总结已被他人修改，请刷新页面查看最新内容后再提交。")
            obj = SummaryText(org=owner, session=session)
            old = {}
        else:
            if version not in (None, "") and int(version) != obj.version:
                raise Conflict(
                    "该总结已被他人修改，请刷新页面查看最新内容后再提交。您填写的内容未保存，请先复制备份。"
                )
            old = {k: getattr(obj, k) for k in TEXT_FIELDS}
            obj.version = F("version") + 1
        for k, v in fields.items():
            setattr(obj, k, (v or "").strip())
        obj.updated_by = actor if getattr(actor, "pk", None) else None
        obj.save()
        obj.refresh_from_db()
        audit_record(
            actor=actor,
            verb="summary.save",
            obj=obj,
            summary=f"保存工作总结文字：{owner.name} {session.name}",
            old=old,
            new={k: getattr(obj, k) for k in TEXT_FIELDS},
        )
    return obj


def summary_build(*, actor, session: Session, org: Org | None, on: dt.date | None = None):
    """The Summary (all sections as text) for (org, session), scope-checked."""

    _require_summary_writer(actor, session, org)
    saved = summary_texts(org=org, session=session)
    texts = Texts(**{k: getattr(saved, k) for k in TEXT_FIELDS}) if saved else Texts()
    stats = stats_for(sessions=[session], org=org, today=on)
    summary = build_summary(session=session, org=org, stats=stats, texts=texts, today=on or today())
    if org is not None and org.kind == OrgKind.COORDINATOR:  # the government-system version
        grouped = grouped_stats(sessions=[session], org=org, today=on)
        summary.unit_table = unit_table(grouped, ranked_units(sessions=[session], org=org))
    return summary


def summary_render(*, actor, session: Session, org: Org | None, on: dt.date | None = None) -> tuple[bytes, str]:
    summary = summary_build(actor=actor, session=session, org=org, on=on)
    content = render_docx(summary)
    audit_record(
        actor=actor,
        verb="summary.download",
        object_type="session",
        object_id=session.pk,
        summary=f"生成工作总结：{summary.org_name} {session.name}",
    )
    return content, f"办理工作总结_{summary.org_name}_{session.code}.docx"


# --- spreadsheets and archive ------------------------------------------------------------------


def _require_scope(actor, sessions, org) -> None:
    if actor is not None:
        report_scope.check(actor, sessions=sessions, org=org)


def responsibility_export(*, actor, sessions, org: Org | None) -> bytes:
    _require_scope(actor, sessions, org)
    rows = responsibility_rows(sessions=sessions, org=org)
    audit_record(
        actor=actor,
        verb="reports.responsibility_export",
        object_type="session",
        object_id=",".join(str(s.pk) for s in sessions),
        summary=f"导出责任清单：{len(rows) - 1} 行" + (f"（{org.name}）" if org else ""),
    )
    return xlsx([("责任清单", rows)])


def b_ledger_export(*, actor, sessions, org: Org | None) -> bytes:
    _require_scope(actor, sessions, org)
    rows = b_ledger_rows(sessions=sessions, org=org)
    audit_record(
        actor=actor,
        verb="reports.b_ledger_export",
        object_type="session",
        object_id=",".join(str(s.pk) for s in sessions),
        summary=f"导出B类跟踪台账：{len(rows) - 1} 行" + (f"（{org.name}）" if org else ""),
    )
    return xlsx([("B类跟踪台账", rows)])


def ledger_export_scoped(*, actor, session: Session, org: Org | None) -> bytes:
    """The ledger (SPEC §11 columns) of a session or of an org's part of it — also for units,
    whom the ledger app's whole-session export does not serve. Audited as `ledger.export`."""
    _require_scope(actor, [session], org)
    rows = _archive_ledger_rows(session, org)
    audit_record(
        actor=actor,
        verb="ledger.export",
        obj=session,
        summary=f"导出台账：{session.name}，{len(rows) - 1} 行" + (f"（{org.name}范围）" if org else ""),
        new={"rows": len(rows) - 1, "scope": org.name if org else "全部"},
    )
    return xlsx([("台账", rows)])


def _archive_ledger_rows(session: Session, org: Org | None) -> list[list]:
    """The ledger's own scope rule (banli.ledger.export.export_scope) picks the rows; the caller
    has checked `org` against the actor's report scope."""
    return ledger_rows(actor=None, session=session, org=org)


WEB_ARCHIVE_MAX_REPLIES = 1000  # ≈ 0.1 s a letter: larger archives are made with the CLI


def archive_export(*, actor, session: Session, org: Org | None) -> tuple[bytes, str]:
    """The archive .zip of a session, or of an org's part of it (SPEC §7), scope-checked and audited."""

    _require_scope(actor, [session], org)
    if actor is not None and not actor.has_role(
        Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER
    ):
        raise NotFound()
    if actor is not None:
        n = Reply.objects.filter(
            assignment__in=scope_assignments(sessions=[session], org=org), state=ReplyState.SENT
        ).count()
        if n > WEB_ARCHIVE_MAX_REPLIES:
            raise DomainError(
                f"该范围共有{n}件已发答复，档案包过大，无法在网页上直接生成。请选择单个单位分别导出，"
                f"或请系统管理员在服务器上运行：banli export-archive --session {session.code}"
                + (f" --org {org.name}" if org else "")
                + " -o 文件名.zip"
            )

    def letter_for(reply):
        number = letter_number_of(reply)
        return build_reply_letter(letter_data(reply, number=number)), letter_filename(reply)

    summary = summary_build(actor=actor, session=session, org=org)
    content, files = archive_zip(
        session=session,
        org=org,
        ledger_rows=_archive_ledger_rows(session, org),
        letter_for=letter_for,
        summary=(render_docx(summary), f"办理工作总结_{summary.org_name}_{session.code}.docx"),
    )
    audit_record(
        actor=actor,
        verb="reports.archive_export",
        obj=session,
        summary=f"导出档案：{session.name}" + (f"（{org.name}）" if org else "") + f"，{files} 个文件",
        new={"org": org.name if org else None, "files": files},
    )
    return content, f"档案_{session.code}" + (f"_{org.name}" if org else "") + ".zip"
