"""The published reply as a .docx: the redacted text in the reply-letter layout, no contact line."""

from __future__ import annotations

import io

from .models import Publication


def public_letter(pub: Publication) -> tuple[bytes, str]:
    """(.docx bytes, file name) of a published reply — built only from public fields."""
    reply = pub.reply
    a = reply.assignment
    name = f"答复_{a.proposal.session.code}_{a.proposal.number}_{a.unit.name}.docx"
    try:
        from banli.reports.letters import build_reply_letter
        from banli.reports.models import LetterNumber
        from banli.reports.services import letter_data
    except ImportError:  # pragma: no cover - the reports app is part of the project
        return _plain(pub), name
    existing = LetterNumber.objects.filter(reply=reply).first()
    data = letter_data(reply, number=str(existing) if existing else "")
    # Only what the reviewer approved for publication: the redacted text, the signer, no contact person.
    data.body = pub.redacted_text
    data.contact_name = ""
    data.contact_phone = ""
    return build_reply_letter(data), name


def _plain(pub: Publication) -> bytes:  # pragma: no cover
    from docx import Document

    doc = Document()
    a = pub.reply.assignment
    doc.add_heading(f"关于{a.proposal.session.name}第{a.proposal.number}号{a.proposal.kind_word}的答复", level=1)
    for line in pub.redacted_text.splitlines():
        doc.add_paragraph(line)
    doc.add_paragraph(a.unit.name)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
