"""The published reply as a .docx: the redacted text in the reply-letter layout, no contact line."""

from __future__ import annotations

from banli.handling.selectors import live_letter_number
from banli.reports.letters import build_reply_letter
from banli.reports.services import letter_data

from .models import Publication


def public_letter(pub: Publication) -> tuple[bytes, str]:
    """(.docx bytes, file name) of a published reply — built only from public fields."""
    reply = pub.reply
    a = reply.assignment
    name = f"答复_{a.proposal.session.code}_{a.proposal.number}_{a.unit.name}.docx"
    existing = live_letter_number(reply)
    data = letter_data(reply, number=str(existing) if existing else "")
    # Only what the reviewer approved for publication: the redacted text, the signer, no contact person.
    data.body = pub.redacted_text
    data.contact_name = ""
    data.contact_phone = ""
    return build_reply_letter(data), name
