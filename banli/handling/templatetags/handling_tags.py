"""Template helpers of the assignment panel.

`{% handling_panel assignment as h %}` loads the data of every panel of the proposal once per
request (a fixed number of queries, however many assignments the case has) and returns this
assignment's PanelData.
"""

import contextlib
import uuid

from django import template

from banli.handling.selectors import PanelData, panel_data_for

register = template.Library()


@register.simple_tag(takes_context=True)
def handling_panel(context, assignment) -> PanelData | None:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    holder = request if request is not None else context
    cache = getattr(holder, "_handling_panels", None)
    if cache is None:
        cache = {}
        with contextlib.suppress(AttributeError):
            holder._handling_panels = cache
    return panel_data_for(user, assignment.proposal_id, cache).get(assignment.pk)


@register.simple_tag
def once_token() -> str:
    """A fresh one-time token for a form: the server acts on it once."""
    return uuid.uuid4().hex


@register.filter
def has(actions, name) -> bool:
    return name in (actions or ())
