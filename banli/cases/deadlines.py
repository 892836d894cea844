"""Due dates of a case: its body's rules (banli.calendar.workdays) unless it is a key proposal
with dates of its own (KeyDates). Every other working-day question goes to banli.calendar.workdays.
"""

from __future__ import annotations

import datetime as dt

from banli.calendar import workdays

from .models import KeyDates


def key_dates_of(proposal) -> KeyDates | None:
    """The dates a key proposal carries instead of its body's rules (None for ordinary ones)."""
    if proposal is None or not getattr(proposal, "is_key", False):
        return None
    return KeyDates.objects.filter(proposal=proposal).first()


def sign_due(assigned_on: dt.date, *, body=None, proposal=None) -> dt.date:
    return workdays.sign_due(assigned_on, body=body, key_dates=key_dates_of(proposal))


def opinion_due(assigned_on: dt.date, *, body=None, proposal=None) -> dt.date:
    return workdays.opinion_due(assigned_on, body=body, key_dates=key_dates_of(proposal))


def reply_due(assigned_on: dt.date, *, body=None, proposal=None) -> dt.date:
    return workdays.reply_due(assigned_on, body=body, key_dates=key_dates_of(proposal))


def assignment_due_dates(assigned_on: dt.date, *, role: str, body=None, proposal=None, parent=None) -> dict:
    """Every due date a new assignment starts with (see workdays.assignment_due_dates)."""
    return workdays.assignment_due_dates(
        assigned_on, role=role, body=body, key_dates=key_dates_of(proposal), parent=parent
    )
