"""Writing contacts: one per 沟通方式 of a row, dated on signing (or assignment)."""

from __future__ import annotations

from banli.cases.models import FACE_TO_FACE_METHODS, Contact, ContactStage

from ..plan import RowAssignment


def create_contacts(rows: list[RowAssignment], actor) -> int:
    contacts = [
        Contact(
            assignment=ra.obj,
            on=ra.signed_on or ra.assigned_on,
            stage=ContactStage.BEFORE,
            method=m,
            face_to_face=m in FACE_TO_FACE_METHODS,
            summary="台账导入",
            created_by=actor,
        )
        for ra in rows
        for m in ra.methods
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)
    return len(contacts)
