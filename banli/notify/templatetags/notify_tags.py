"""The inbox badge for the navbar."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from ..services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_badge(context):
    """A navbar link to the inbox with the unread count: `{% inbox_badge %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return ""
    n = context.get("inbox_unread")
    if n is None:
        n = unread_count(user)
    badge = (
        format_html(' <span class="badge rounded-pill bg-warning text-dark" aria-label="未读消息">{}</span>', n)
        if n
        else ""
    )
    return format_html('<a class="nav-link text-white" href="{}">消息{}</a>', reverse("notify:inbox"), badge)
