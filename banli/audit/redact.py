"""What the audit log may hold: who did what to which object, never the case's content (三权分立).

The auditor reads every entry, so an entry carries no free text written by or about a proposer
(proposal content, contact summaries, messages, reply text, comments, reasons) and no personal data
(phone numbers, ID numbers, e-mail addresses; proposers' names are shortened to the surname).

Enforced where events are recorded (`audit_record`, `audit_record_many`): values under the keys
below are replaced by a marker with their length, and phone/ID/e-mail patterns are masked in the
summary and in every string of old/new. Callers also keep free text out of their summaries (the
case pages that show them name the object instead). Rows written before this rule are not
rewritten — the hash chain covers them — so the auditor's page masks on display too
(`summary_for_display`).
"""

from __future__ import annotations

import re
from typing import Any

# Keys of old/new whose values are case content or personal data: replaced by a length marker.
FREE_TEXT_KEYS = frozenset(
    {
        "content",
        "text",
        "texts",
        "summary",
        "comment",
        "comments",
        "reason",
        "review_reason",
        "disclosure_reason",
        "proposed_reason",
        "decision_reason",
        "decision_note",
        "missing_opinion_reason",
        "return_comment",
        "answer",
        "note",
        "notes",
        "message",
        "reply",
        "explanation",
        "participants",
        "opinion",
        "commitments",
        "points",
        "contact_name",
        "contact_phone",
        "phone",
        "mobile",
        "id_number",
        "email",
        "address",
    }
)
# Keys holding a proposer's name: kept as the surname and one mark per further character.
NAME_KEYS = frozenset({"lead", "proposer", "cosigners"})

# Longer strings in old/new are free text whatever their key (names, numbers and choices are short).
LONG_TEXT = 120

# Bounded by anything but a letter or digit, so hashes, dates and timestamps are left alone.
_MOBILE = re.compile(r"(?<![0-9A-Za-z.])(1[3-9]\d)(\d{4})(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z.])0\d{2,3}[-－ ]?\d{7,8}(?![0-9A-Za-z])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def mask_pii(text: str) -> str:
    """Phone numbers, ID numbers and e-mail addresses masked in free-standing text."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _LANDLINE.sub("〔电话〕", text)
    return _EMAIL.sub("〔邮箱〕", text)


def mask_name(name: Any) -> Any:
    if isinstance(name, list | tuple):
        return [mask_name(n) for n in name]
    if not isinstance(name, str) or len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def redacted_marker(value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    n = len(value) if isinstance(value, str | list | tuple | dict) else len(str(value))
    return f"〔已略去，{n}{'字' if isinstance(value, str) else '项'}〕"


def redact_values(value: Any, key: str | None = None) -> Any:
    """old/new as stored: free-text keys replaced by a marker, names shortened, PII masked."""
    if key in FREE_TEXT_KEYS:
        return redacted_marker(value) or value
    if key in NAME_KEYS:
        return mask_name(value)
    if isinstance(value, dict):
        return {k: redact_values(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(v) for v in value]
    if isinstance(value, str):
        # A safety net for free text under a key not listed above: nothing the log needs is this long.
        return redacted_marker(value) if len(value) > LONG_TEXT else mask_pii(value)
    return value


# Verbs whose summaries carried free text after the first "：" before this rule (contact summaries,
# messages, reasons, notes). The auditor's page cuts them there on display; the rows stay as written.
LEGACY_FREE_TEXT_VERBS = frozenset(
    {
        "proposal.review",
        "assignment.withdraw",
        "assignment.remind",
        "assignment.supervise",
        "assignment.handover",
        "adjustment.request",
        "adjustment.approve",
        "adjustment.reject",
        "contact.add",
        "reply.return",
        "reply.send",
        "reply.correct",
        "evaluation.submit",
        "followup.progress",
        "followup.explain",
        "followup.convert",
        "portal.message",
        "extension.request",
        "extension.decide",
        "publication.propose",
        "publication.private",
        "publication.withdrawn",
    }
)


def summary_for_display(verb: str, summary: str) -> str:
    """A stored summary as the auditor's page shows it (old rows may still hold free text)."""
    summary = summary or ""
    if verb in LEGACY_FREE_TEXT_VERBS or "\n" in summary:
        summary = summary.split("\n", 1)[0]
        for sep in ("：", ":"):
            if sep in summary:
                summary = summary.split(sep, 1)[0] + sep + "〔内容不在审计日志中显示〕"
                break
    if verb in ("proposal.register", "ledger.import"):
        summary = re.sub(r"《[^》]*》", "", summary)  # the proposal's title
    elif verb.startswith("attachment."):
        summary = re.sub(r"“[^”]*”", "", summary)  # the file's name
    return mask_pii(summary)
