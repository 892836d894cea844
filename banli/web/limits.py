"""How long a text a person may enter: one table, enforced on every write.

A proposal of two million characters once made every search that matched it run for minutes.
Real proposals and replies run to a few thousand characters. Every text field with a Chinese
label (what people type) is bound here: a CharField by its max_length, a TextField by
`BODY_MAX`, or by a smaller limit in `SHORT` (reasons, comments, messages, summaries).

The check runs on every model save (`check_lengths`, a pre_save receiver connected in
WebConfig.ready), so the portal, the staff forms, the command line and a later API refuse the
same text with the same message, inside the action's transaction (nothing is written). Forms
show the same limit before that (`length_validator`); the ledger checks its cells against
`limit_of` before it writes (bulk_create sends no signal).
"""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

from banli.errors import DomainError

TITLE_MAX = 300
BODY_MAX = 20_000  # a proposal's content, a reply, a handling plan, a work summary section
NOTE_MAX = 2_000  # reasons, comments, opinions on a decision, messages
SUMMARY_MAX = 5_000  # a contact's summary, a commitment, its progress

SHORT = {
    "cases.proposer.phone": 100,
    "cases.proposer.id_number": 100,
    "cases.proposer.address": 500,
    "cases.proposal.review_reason": NOTE_MAX,
    "cases.proposal.key_plan": 4_000,
    "cases.reply.correction_reason": NOTE_MAX,
    "cases.reply.missing_opinion_reason": NOTE_MAX,
    "cases.reply.return_comment": NOTE_MAX,
    "cases.contact.summary": SUMMARY_MAX,
    "cases.evaluation.comment": NOTE_MAX,
    "deadlines.extension.reason": NOTE_MAX,
    "deadlines.extension.decision_note": NOTE_MAX,
    "deadlines.supervision.note": SUMMARY_MAX,
    "handling.adjustmentrequest.reason": NOTE_MAX,
    "handling.adjustmentrequest.decision_note": NOTE_MAX,
    "handling.pointdecision.measure": SUMMARY_MAX,
    "handling.followup.note": NOTE_MAX,
    "handling.commitment.text": SUMMARY_MAX,
    "handling.commitmentprogress.text": SUMMARY_MAX,
    "handling.handover.note": NOTE_MAX,
    "portal.portalmessage.text": NOTE_MAX,
    "portal.portalmessage.answer": NOTE_MAX,
}

EXEMPT_APPS = {"audit", "textintel"}  # machine-written: the audit chain, segmented search text


def too_long(label: str, limit: int, length: int) -> str:
    return f"{label}不能超过 {limit} 字（现为 {length} 字），请删减后再提交。"


def limit_of(field) -> int | None:
    """The most characters `field` (a model field) accepts, or None if it is not bound here."""
    if not isinstance(field, models.CharField | models.TextField) or field.choices:
        return None
    if str(field.verbose_name).isascii():  # no Chinese label: not typed by a person
        return None
    key = f"{field.model._meta.label_lower}.{field.name}"
    if key in SHORT:
        return SHORT[key]
    if isinstance(field, models.CharField):
        return field.max_length
    return BODY_MAX


def check_text(value, *, label: str, limit: int, field: str | None = None) -> None:
    """Refuse `value` longer than `limit` characters (DomainError naming both lengths)."""
    if isinstance(value, str) and len(value) > limit:
        raise DomainError(too_long(label, limit, len(value)), field=field)


def check_lengths(instance) -> None:
    """Refuse to save `instance` if a text it holds is longer than its field allows."""
    for field in instance._meta.concrete_fields:
        limit = limit_of(field)
        if limit is not None:
            check_text(
                getattr(instance, field.attname, None), label=str(field.verbose_name), limit=limit, field=field.name
            )


def _on_pre_save(sender, instance, raw=False, **kwargs):
    meta = sender._meta
    if raw or not sender.__module__.startswith("banli.") or meta.app_label in EXEMPT_APPS:
        return
    check_lengths(instance)


def connect() -> None:
    from django.db.models.signals import pre_save

    pre_save.connect(_on_pre_save, dispatch_uid="banli_text_limits")


def length_validator(label: str, limit: int) -> MaxLengthValidator:
    """A form validator with the same limit and message (no maxlength attribute, so a pasted
    text is not cut silently: the person sees how much to remove)."""
    return MaxLengthValidator(limit, message=f"{label}不能超过 {limit} 字（现为 %(show_value)d 字），请删减后再提交。")
