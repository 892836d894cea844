"""Formatting for portal and public pages: rates as percentages, dates as 2024年10月10日."""

from __future__ import annotations

import datetime as dt

from django import template

from banli import formatting
from banli.cases.models import ProposalStatus

register = template.Library()


@register.filter
def pct(rate) -> str:
    """A §9 rate (fraction or None) as “74.84%” (None → “—”)."""
    return formatting.pct(rate)


@register.filter
def cndate(day) -> str:
    return formatting.cn_date(day) if isinstance(day, dt.date) else ""


@register.filter
def get(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def due_state(day, today=None) -> str:
    """'overdue', 'soon' (≤ 3 days) or '' for a due date."""
    if not isinstance(day, dt.date):
        return ""
    today = today or dt.date.today()
    if day < today:
        return "overdue"
    if (day - today).days <= 3:
        return "soon"
    return ""


@register.filter
def status_label(status: str) -> str:
    try:
        return ProposalStatus(status).label
    except ValueError:
        return ""
