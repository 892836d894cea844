"""Traffic lights (owned by the deadlines app); the inbox badge is in banli.notify's notify_tags."""

import datetime as dt

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from banli.cases.selectors import assignments_visible_to
from banli.orgs.models import Role

from .. import lights

register = template.Library()


def _day(today):
    """`today` as given to a tag: a date, an ISO string, or None for the real today."""
    if isinstance(today, str) and today:
        return dt.date.fromisoformat(today)
    return today or None


@register.simple_tag(takes_context=True)
def light(context, assignment, today=None):
    """The traffic light of an assignment: a coloured dot and a one-word label, linking to its
    deadlines page (due dates, extensions, reminders, supervision); details in the tooltip.

    `{% light a %}`; pass `today` to show the light as of another day.
    """
    if assignment is None:
        return ""
    lt = lights.light(assignment, _day(today))
    if not lt.shown:
        return ""
    title = "；".join([lt.text, *lt.history] + (["期限为暂定（节假日安排未公布）"] if lt.provisional else []))
    inner = format_html(
        '<span class="light {}" aria-hidden="true"></span> <span class="small">{}</span>{}',
        lt.css,
        lt.label,
        mark_safe(' <span class="badge text-bg-warning fw-normal">暂定</span>') if lt.provisional and lt.dues else "",
    )
    if not _can_open_deadlines_page(context, assignment):
        return format_html('<span class="light-link text-nowrap" title="{}">{}</span>', title, inner)
    return format_html(
        '<a class="light-link text-nowrap text-reset text-decoration-none" href="{}" title="{}">{}</a>',
        reverse("deadlines:assignment", args=[assignment.pk]),
        title,
        inner,
    )


def _can_open_deadlines_page(context, assignment) -> bool:
    """Whether the viewer may open the assignment's deadlines page: a light links there only then
    (another unit's assignment, or any for a proposer, would answer 404/403).

    One query per proposal shown (or one for the whole page when the view named the page's proposals
    with `light_scope`), never a scan of everything the viewer may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    staff = (Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)
    if not user.has_role(*staff):
        return False
    known = request.__dict__.setdefault("_banli_deadline_pages", {})  # proposal id -> visible assignment ids
    pid = assignment.proposal_id
    if pid not in known:
        page = getattr(request, "_banli_light_scope", ())
        wanted = set(page) if pid in page else {pid}
        for p in wanted:
            known.setdefault(p, set())
        rows = assignments_visible_to(user).filter(proposal_id__in=wanted).values_list("proposal_id", "pk")
        for p, a in rows:
            known[p].add(a)
    return assignment.pk in known[pid]


@register.simple_tag(takes_context=True)
def light_scope(context, proposals) -> str:
    """`{% light_scope rows %}` before a list's loop: the lights of these proposals ask which of them
    link to their deadlines page in one query for the page."""
    request = context.get("request")
    if request is not None:
        request._banli_light_scope = frozenset(p.pk for p in proposals)
    return ""


@register.simple_tag
def light_full(assignment, today=None):
    """The light with its open due dates spelled out and its history (late, extended, provisional)."""
    lt = lights.light(assignment, _day(today))
    if not lt.shown:
        return format_html('<span><strong>{}</strong> <span class="small">{}</span></span>', lt.label, lt.text)
    history = format_html_join("", ' <span class="badge text-bg-light border">{}</span>', ((h,) for h in lt.history))
    prov = (
        mark_safe(' <span class="badge text-bg-warning" title="节假日安排尚未公布，按周一至周五计算">暂定</span>')
        if lt.provisional
        else ""
    )
    return format_html(
        '<span><span class="light {}" aria-hidden="true"></span> <strong>{}</strong>'
        ' <span class="small">{}</span>{}{}</span>',
        lt.css,
        lt.label,
        lt.text,
        history,
        prov,
    )


@register.simple_tag
def light_info(assignment, today=None):
    """The Light object, for templates that lay the due dates out themselves."""
    return lights.light(assignment, _day(today))


@register.filter
def has_role(user, roles: str) -> bool:
    """`user|has_role:"body_staff,coordinator"`."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*[r.strip() for r in roles.split(",")])
