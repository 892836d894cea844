"""The annual work summary (办理工作总结) of a unit or an org subtree for one session (SPEC §7).

Structure and phrasing follow the seeds (000 / 001 / 002 / 003): 一、基本情况 is written entirely
from `stats_for` (the same numbers as the dashboards and the ledger); 二 and 四 are the saved
editable texts plus data-backed sentences; 三 lists the showcase proposals as 《title》（number）;
五 states the B-class replies and commitments, or the seeds' sentence that there are none.
Rates follow `formatting.pct` (two decimals; exact 100% as “100%”).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from banli.cases.models import Contact, ContactStage, Proposal, ReplyState, ResultClass, Session
from banli.deadlines.models import Supervision
from banli.formatting import cn_date, pct
from banli.handling.models import CoOpinion, FollowUp, FollowUpState
from banli.orgs.models import BODY_KINDS, Org, OrgKind
from banli.stats import data as d

from . import gbt9704 as g

CLASS_PHRASES = {
    "A": "所提问题已经解决或者基本解决的（A类）",
    "B": "所提问题正在解决或者已列入计划逐步解决的（B类）",
    "C": "所提问题因条件限制或者其他原因暂时不能解决的（C类）",
    "D": "所提建议留作参考的（D类）",
}
ROLE_PHRASES = (("lead", "主办件"), ("separate", "分办件"), ("co", "会办件"), ("sole", "承办件"))
NUMERALS = "一二三四五六七八九十"
B_LIST_LIMIT = 30  # beyond this the summary points to the B-class ledger (.xlsx) instead


@dataclass
class Texts:
    title: str = ""
    intro: str = ""
    practices: str = ""
    showcases: str = ""
    problems: str = ""
    other: str = ""


@dataclass
class Summary:
    title: str
    org_name: str
    date: dt.date
    sections: list[tuple[str, list[str]]] = field(default_factory=list)  # (heading, paragraphs)
    intro: list[str] = field(default_factory=list)
    # The government-system version's per-unit table (header row first), after the 落款 as 附表.
    unit_table: list[list[str]] = field(default_factory=list)

    def all_text(self) -> str:
        parts = [self.title, *self.intro]
        for heading, paras in self.sections:
            parts.append(heading)
            parts.extend(paras)
        parts.extend("\t".join(row) for row in self.unit_table)
        return "\n".join(parts)


def subject_name(org: Org | None, session: Session) -> str:
    """How the summary names the handling side: 市工业和信息化局, 市政府系统, 各承办单位."""
    if org is None:
        return "各承办单位"
    if org.kind == OrgKind.COORDINATOR:
        for suffix in ("办公厅", "办公室"):
            if org.name.endswith(suffix):
                return org.name[: -len(suffix)] + "系统"
        if org.name.endswith("人民政府"):
            return org.name[: -len("人民政府")] + "政府系统"
    return org.name


def self_name(org: Org | None, session: Session) -> str:
    """How the unit speaks of itself, as the seeds do: 我局, 我厅, 我委, 我办, 我区, 市政府."""
    if org is None:
        return subject_name(org, session)
    name = org.name
    if org.kind == OrgKind.COORDINATOR:
        return subject_name(org, session)
    if name.endswith("人民政府"):
        place = name[: -len("人民政府")]
        return f"我{place[-1]}" if place.endswith(("区", "县")) else place[:1] + "政府"
    for ending, word in (("局", "我局"), ("厅", "我厅"), ("委员会", "我委"), ("委", "我委"), ("办公室", "我办")):
        if name.endswith(ending):
            return word
    return name


def _is_system(org: Org | None) -> bool:
    return org is None or org.kind in (OrgKind.COORDINATOR, *BODY_KINDS)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def basic_paragraphs(s: dict, *, session: Session, org: Org | None) -> list[str]:
    kind = "建议" if session.is_npc else "提案"
    who = "代表" if session.is_npc else "委员"
    subject = subject_name(org, session)
    paras: list[str] = []

    if _is_system(org):
        ch = s["by_channel"]
        review = f"经审查立案{s['accepted']}件"
        if s["not_accepted"]:
            review += f"，不予立案{s['not_accepted']}件"
        if s["merged"]:
            review += f"，并案{s['merged']}件"
        paras.append(
            f"据统计，{session.name}共收到{kind}{s['received']}件，其中大会{kind}{ch['plenary']}件，"
            f"平时{kind}{ch['interim']}件，{review}，交付{subject}办理{s['assigned']}件，"
            f"占立案{kind}总数的{pct(s['assigned_share'])}。"
        )

    roles = s["by_role"]
    role_text = "、".join(f"{label}{roles[key]}件" for key, label in ROLE_PHRASES if roles.get(key))
    role_total = sum(roles.get(key, 0) for key, _ in ROLE_PHRASES)
    me = self_name(org, session)
    handled = f"{session.year}年，{me}共承办{session.name}{kind}{s['assigned']}件"
    if role_text:
        handled += f"，其中{role_text}" if role_total == s["assigned"] else f"，共{role_total}件次，其中{role_text}"
    handled += "。"
    due, sent = s["replies_due"], s["replies_sent"]
    split_note = f"（部分{kind}需多个单位分办）" if due > s["assigned"] else ""
    done = "已全部答复完毕" if due and sent == due else f"已答复{sent}件"
    who_handled = subject if _is_system(org) else ""
    reply = f"{who_handled}办理的{s['assigned']}件{kind}应有答复{due}件{split_note}，{done}，"
    reply += f"办复率{pct(s['reply_rate'])}。"
    paras.append(handled + reply)

    classes = [
        f"{CLASS_PHRASES[c]}{s['class_counts'][c]}件，占{pct(s['class_rates'][c])}"
        for c in "ABCD"
        if s["class_counts"].get(c)
    ]
    timing = f"按时签收率{pct(s['on_time_sign_rate'])}，按时答复率{pct(s['on_time_reply_rate'])}"
    if s["overdue"]:
        timing += f"，目前尚有{s['overdue']}件次超过办理期限"
    cls = ("其中，" + "；".join(classes) + "。") if classes else ""
    paras.append(cls + timing + "。")

    if s["evaluated"]:
        parts = [f"满意件{s['satisfied']}件"]
        if s["basically_satisfied"]:
            parts.append(f"基本满意件{s['basically_satisfied']}件")
        if s["unsatisfied"]:
            parts.append(f"不满意件{s['unsatisfied']}件")
        ev = f"{who}已评价的有{s['evaluated']}件，其中{'、'.join(parts)}，满意率为{pct(s['satisfaction_rate'])}"
        if s["basically_satisfied"]:
            ev += f"（其中满意{pct(s['full_satisfaction_rate'])}）"
        ev += "。"
    else:
        ev = f"目前尚无{who}评价。"
    ev += (
        f"全年实现沟通率{pct(s['contact_rate'])}、见面率{pct(s['face_to_face_rate'])}、"
        f"办复率{pct(s['reply_rate'])}、满意率{pct(s['satisfaction_rate'])}。"
    )
    if s.get("adoption_rate") is not None:
        ev += f"所提建议条目的采纳率为{pct(s['adoption_rate'])}。"
    paras.append(ev)
    return paras


def practice_paragraphs(texts: Texts, *, sessions, session: Session, org: Org | None, s: dict) -> list[str]:
    who = "代表" if session.is_npc else "委员"
    kind = "建议" if session.is_npc else "提案"
    subject = subject_name(org, session)
    paras = _lines(texts.practices)
    methods, total, f2f = d.contacts_by_method(sessions=sessions, org=org)
    if total:
        by = "、".join(f"{label}{n}次" for _, label, n in methods)
        paras.append(
            f"办理过程中，{subject}共与{who}沟通联系{total}次，其中{by}；面对面沟通{f2f}次，"
            f"办前沟通率{pct(s['contact_rate'])}、见面率{pct(s['face_to_face_rate'])}。"
        )
    else:
        paras.append(f"本届{kind}办理中尚未登记与{who}的沟通记录。")
    me = self_name(org, session)
    scope = d.scope_assignments(sessions=sessions, org=org)
    stages = dict(Contact.objects.filter(assignment__in=scope).order_by().values_list("stage").annotate(n=Count("id")))
    if total and stages:
        by_stage = "、".join(f"{label}沟通{stages[k]}次" for k, label in ContactStage.choices if stages.get(k))
        paras.append(f"坚持全过程沟通，{by_stage}，做到办前问需、办中问计、办后问效。")
    key, led_contacts = d.leader_led(sessions=sessions, org=org)
    keys = list(
        Proposal.objects.filter(pk__in=scope.values("proposal_id"), is_key=True)
        .exclude(key_leader="")
        .order_by("number")
        .values_list("title", "key_leader")[:5]
    )
    if keys:
        named = "；".join(f"《{t}》由{leader}领衔督办" for t, leader in keys)
        paras.append(f"坚持领导领办，{key}件重点{kind}由市领导领衔督办：{named}。")
    if led_contacts:
        paras.append(f"{me}领导带队走访、座谈{who}{led_contacts}次，面对面听取意见。")
    checks = Supervision.objects.filter(assignment__in=scope).count()
    if checks:
        paras.append(f"实行分阶段督办，办理过程中开展督查督办{checks}次，及时协调解决办理中的问题。")
    co = CoOpinion.objects.filter(assignment__in=scope)
    n_co = co.count()
    if n_co:
        late = co.filter(assignment__opinion_due__isnull=False, submitted_on__gt=F("assignment__opinion_due")).count()
        on_time = "均按时" if not late else f"其中{n_co - late}件按时"
        paras.append(f"作为会办单位，{me}向主办单位提出会办意见{n_co}件，{on_time}送达。")
    if s.get("adoption_rate") is not None:
        paras.append(f"认真吸收{who}意见，所提建议条目采纳率达到{pct(s['adoption_rate'])}。")
    return paras


def showcase_paragraphs(texts: Texts, *, sessions, session: Session, org: Org | None) -> list[str]:
    kind = "建议" if session.is_npc else "提案"
    who = "代表" if session.is_npc else "委员"
    rows = d.showcases(sessions=sessions, org=org)
    paras = []
    for i, row in enumerate(rows):
        n = NUMERALS[i] if i < len(NUMERALS) else str(i + 1)
        proposer = row["lead"] + (f"等{row['cosigners'] + 1}位{who}" if row["cosigners"] else "")
        line = f"（{n}）{proposer}提出的《{row['title']}》（{row['number']}）"
        roles = row["by_role"]
        handled = []
        for key, word in (("lead", "主办"), ("sole", "承办"), ("separate", "分办"), ("co", "会办")):
            if roles[key]:
                handled.append(f"{'、'.join(roles[key])}{word}")
        if handled:
            line += "，由" + "；".join(handled)
        paras.append(line + "。")
    if not rows:
        proposed = showcase_candidates(sessions=sessions, org=org)
        if proposed:
            paras.append("（以下为根据办理数据建议的典型案例，请确认或修改后在本页标记：）")
            for i, (p, why) in enumerate(proposed):
                paras.append(f"（{NUMERALS[i]}）{p.lead.name}{who}提出的《{p.title}》（{p.number}），{why}。")
        else:
            paras.append(f"本届暂无标记为典型案例的{kind}。")
    paras.extend(_lines(texts.showcases))
    return paras


def showcase_candidates(*, sessions, org: Org | None, limit: int = 3) -> list[tuple]:
    """Showcases to propose when none is marked: key proposals led by a leader and answered A, then
    A replies whose points were adopted."""
    scope = d.scope_assignments(sessions=sessions, org=org)
    a_cases = scope.filter(result_class=ResultClass.A, replies__state=ReplyState.SENT)
    out, seen = [], set()
    key = Proposal.objects.filter(pk__in=a_cases.values("proposal_id"), is_key=True).exclude(key_leader="")
    for p in key.select_related("lead").order_by("number")[:limit]:
        out.append((p, f"由{p.key_leader}领衔督办，已解决（A类）"))
        seen.add(p.pk)
    adopted = (
        Proposal.objects.filter(pk__in=a_cases.values("proposal_id"))
        .exclude(pk__in=seen)
        .annotate(n=Count("points", filter=Q(points__decisions__decision="adopted"), distinct=True))
        .filter(n__gt=0)
        .select_related("lead")
        .order_by("-n", "number")
    )
    for p in adopted[: limit - len(out)]:
        out.append((p, f"所提{p.n}条建议被采纳，已解决（A类）"))
    return out


def problem_paragraphs(texts: Texts, *, sessions, session: Session, org: Org | None, s: dict) -> list[str]:
    """The saved text, or a draft from the measured weaknesses for the clerk to edit."""
    paras = _lines(texts.problems)
    if paras:
        return paras
    scope = d.scope_assignments(sessions=sessions, org=org)
    s = {
        **s,
        "late_opinions": CoOpinion.objects.filter(
            assignment__in=scope, assignment__opinion_due__isnull=False, submitted_on__gt=F("assignment__opinion_due")
        ).count(),
        "open_b": d.b_class_counts(sessions=sessions, org=org)[0].get(FollowUpState.OPEN, 0),
    }
    kind = "建议" if session.is_npc else "提案"
    who = "代表" if session.is_npc else "委员"
    found = []
    if s["contact_rate"] is not None and s["contact_rate"] < 1:
        found.append(f"部分{kind}答复前与{who}沟通不够充分（沟通率{pct(s['contact_rate'])}）")
    if s["face_to_face_rate"] is not None and s["face_to_face_rate"] < 1:
        found.append(f"面对面沟通仍需加强（见面率{pct(s['face_to_face_rate'])}）")
    if s.get("on_time_sign_rate") is not None and s["on_time_sign_rate"] < 1:
        found.append(f"个别{kind}签收不够及时（按时签收率{pct(s['on_time_sign_rate'])}）")
    if s.get("on_time_reply_rate") is not None and s["on_time_reply_rate"] < 1:
        found.append(f"部分{kind}未能在期限内答复（按时答复率{pct(s['on_time_reply_rate'])}）")
    if s.get("late_opinions"):
        found.append(f"{s['late_opinions']}件会办意见未按时送达主办单位")
    if s.get("open_b"):
        found.append(f"{s['open_b']}件B类{kind}的承诺事项尚在落实中")
    if s["overdue"]:
        found.append(f"尚有{s['overdue']}件逾期未办")
    if s["unsatisfied"]:
        found.append(f"{s['unsatisfied']}件答复{who}评价为不满意")
    if found:
        return [
            "（以下根据办理数据起草，请修改完善：）",
            "从办理数据看，" + "；".join(found) + "。",
            f"下一步，将进一步压实办理责任，加强与{who}的面对面沟通，严格按期限签收、答复，"
            "对B类承诺事项逐项跟踪落实，确保件件有着落、事事有回音。",
        ]
    return ["（存在问题和改进措施待填写。）"]


def other_paragraphs(texts: Texts, *, sessions, session: Session, org: Org | None) -> list[str]:
    subject = subject_name(org, session)
    counts, dropped = d.b_class_counts(sessions=sessions, org=org)
    total = sum(counts.values())
    if not total:
        paras = [
            f"{session.year}年度{subject}无办理结果类型列为“B类”的答复，也无承诺的事项因客观条件发生较大变化"
            f"致使承诺事项不能落实或者需要调整实施的情况。"
        ]
    else:
        rows = d.b_class_replies(sessions=sessions, org=org, limit=B_LIST_LIMIT)
        head = f"{session.year}年度{subject}办理结果类型列为“B类”的答复共{total}件"
        bits = []
        if counts.get("converted"):
            bits.append(f"已解决并转为A类{counts['converted']}件")
        if counts.get("open"):
            bits.append(f"正在跟踪落实{counts['open']}件")
        if counts.get("explained"):
            bits.append(f"已作出说明{counts['explained']}件")
        more = total > B_LIST_LIMIT
        paras = [
            head
            + ("，其中" + "、".join(bits) if bits else "")
            + (f"。逐件情况见B类跟踪台账，前{B_LIST_LIMIT}件如下：" if more else "：")
        ]
        for row in rows:
            p = row["proposal"]
            line = f"《{p.title}》（{p.number}，{row['unit'].name}）"
            if row["commitments"]:
                line += "，承诺事项：" + "；".join(
                    f"{c.text}（{cn_date(c.due)}前，{c.get_state_display()}）" for c in row["commitments"]
                )
            paras.append(line + "。")
        if dropped:
            paras.append(
                f"承诺的事项因客观条件发生较大变化致使不能落实或者需要调整实施的有{dropped}项，"
                f"已向{('代表' if session.is_npc else '委员')}作出说明。"
            )
        else:
            paras.append("无承诺的事项因客观条件发生较大变化致使承诺事项不能落实或者需要调整实施的情况。")
    paras.extend(_lines(texts.other))
    return paras


def earlier_b_paragraphs(*, session: Session, org: Org | None) -> list[str]:
    """Earlier years' B-class follow-up, as seed 001 writes it (“2018年纳入B类4件，2019年纳入B类9件
    … 均已转为A类件”): from the follow-ups of the body's earlier sessions, which an office starting
    with Banli brings in through the ledger's 现类别 and 转A日期 columns."""
    kind = "建议" if session.is_npc else "提案"
    me = self_name(org, session)
    earlier = Session.objects.filter(body=session.body, year__lt=session.year).order_by("year")
    years: dict[int, dict] = {}
    for s in earlier:
        fus = FollowUp.objects.filter(assignment__in=d.scope_assignments(sessions=[s], org=org))
        counts = dict(fus.order_by().values_list("state").annotate(n=Count("id")))
        if counts:
            y = years.setdefault(s.year, {"total": 0, "converted": 0, "open": [], "explained": 0})
            y["total"] += sum(counts.values())
            y["converted"] += counts.get(FollowUpState.CONVERTED, 0)
            y["explained"] += counts.get(FollowUpState.EXPLAINED, 0)
            y["open"] += list(
                fus.filter(state=FollowUpState.OPEN).select_related("assignment__proposal", "assignment__unit")
            )
    if not years:
        return []
    head = "，".join(f"{y}年纳入B类{v['total']}件" for y, v in years.items())
    names = "、".join(str(y) for y in years)
    total = sum(v["total"] for v in years.values())
    converted = sum(v["converted"] for v in years.values())
    still = [f for v in years.values() for f in v["open"]]
    paras = [f"{me}严格区分办理类别，建立B类{kind}跟踪办理台账，逐件跟踪落实。{head}。"]
    if converted == total:
        paras.append(f"截至目前，{names}年{me}所有B类{kind}所提问题已经解决或基本解决，均已转为A类件。")
    else:
        bits = [f"已转为A类{converted}件"] if converted else []
        explained = sum(v["explained"] for v in years.values())
        if explained:
            bits.append(f"已向{'代表' if session.is_npc else '委员'}说明{explained}件")
        bits.append(f"正在跟踪落实{len(still)}件")
        paras.append(f"截至目前，{names}年的{total}件B类{kind}中，" + "，".join(bits) + "：")
        for f in still[:B_LIST_LIMIT]:
            a = f.assignment
            paras.append(f"《{a.proposal.title}》（{a.proposal.number}，{a.unit.name}），继续跟踪落实。")
    return paras


UNIT_TABLE_HEAD = ["序号", "承办单位", "承办件数", "应答复", "已答复", "办复率", "沟通率", "见面率", "满意率"]


def unit_table(grouped: dict, units: list[Org]) -> list[list[str]]:
    """附表 of the government-system version (seed 002): one row per unit, rates as in the text."""
    rows = [UNIT_TABLE_HEAD]
    for i, u in enumerate(units, start=1):
        x = grouped[u.pk]
        rows.append(
            [
                str(i),
                u.name,
                str(sum(x["by_role"].values())),
                str(x["replies_due"]),
                str(x["replies_sent"]),
                pct(x["reply_rate"]),
                pct(x["contact_rate"]),
                pct(x["face_to_face_rate"]),
                pct(x["satisfaction_rate"]),
            ]
        )
    return rows


def build_summary(*, session: Session, org: Org | None, stats: dict, texts: Texts, today: dt.date) -> Summary:
    kind = "建议" if session.is_npc else "提案"
    org_name = org.name if org is not None else session.body.name
    title = texts.title.strip() or f"{org_name}关于{session.name}{kind}办理工作的总结"
    intro = _lines(texts.intro) or [f"现将{org_name}办理{session.name}{kind}工作情况总结如下："]
    sessions = [session]
    summary = Summary(title=title, org_name=org_name, date=today, intro=intro)
    summary.sections = [
        ("一、基本情况", basic_paragraphs(stats, session=session, org=org)),
        ("二、主要做法", practice_paragraphs(texts, sessions=sessions, session=session, org=org, s=stats)),
        ("三、典型案例", showcase_paragraphs(texts, sessions=sessions, session=session, org=org)),
        ("四、存在问题和改进措施", problem_paragraphs(texts, sessions=sessions, session=session, org=org, s=stats)),
    ]
    earlier = earlier_b_paragraphs(session=session, org=org)
    if earlier:
        summary.sections.append((f"五、往年B类{kind}跟踪落实情况", earlier))
    n = NUMERALS[len(summary.sections)]
    summary.sections.append(
        (f"{n}、其他说明事项", other_paragraphs(texts, sessions=sessions, session=session, org=org))
    )
    return summary


def _is_subheading(line: str) -> bool:
    return (
        line.startswith("（")
        and len(line) < 40
        and line[1:2] in NUMERALS
        and "）" in line[:5]
        and not line.endswith("。")
    ) or (line[:2] in {f"{n}、" for n in NUMERALS} and len(line) < 40)


def render_docx(summary: Summary) -> bytes:
    doc = g.new_document()
    g.set_core_properties(doc, title=summary.title, author=summary.org_name, on=summary.date)
    g.paragraph(doc)
    g.paragraph(doc, summary.title, font=g.XIAOBIAOSONG, size=g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact_pt=35)
    g.paragraph(doc)
    for line in summary.intro:
        g.paragraph(doc, line, first_indent_chars=2)
    for heading, paras in summary.sections:
        # 第一层 黑体, 第二层 楷体 (GB/T 9704 §7.3.3).
        g.paragraph(doc, heading, font=g.HEITI, first_indent_chars=2)
        for line in paras:
            if _is_subheading(line):
                g.paragraph(doc, line, font=g.KAITI, first_indent_chars=2)
            else:
                g.paragraph(doc, line, first_indent_chars=2)
    # 落款 one blank line under the text and kept with its last lines: never alone on a page.
    g.keep_with_next(doc.paragraphs[-1])
    g.keep_with_next(g.paragraph(doc))
    g.keep_with_next(g.paragraph(doc, summary.org_name, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=2))
    date_text = cn_date(summary.date)
    right = max(2, 2 + g.text_width(summary.org_name) - 2 - g.text_width(date_text))
    g.paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=right)
    if summary.unit_table:
        doc.add_page_break()
        g.paragraph(doc, "附表", font=g.HEITI)
        g.paragraph(doc, "各承办单位办理情况", font=g.XIAOBIAOSONG, size=g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
        table = doc.add_table(rows=0, cols=len(summary.unit_table[0]))
        table.style = "Table Grid"
        for k, row in enumerate(summary.unit_table):
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = ""
                g.add_run(cell.paragraphs[0], value, font=g.HEITI if k == 0 else g.FANGSONG, size=Pt(10.5))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
