"""The signed-in user's inbox: list, open (marks read), mark all read, and notification preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from banli.errors import NotFound

from . import inbox as inbox_sel

# --- inbox ------------------------------------------------------------------------------------------


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    qs = inbox_sel.notifications_of(request.user, unread_only=unread_only).select_related("proposal")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_only": unread_only, "pref": inbox_sel.preference_of(request.user)},
    )


@login_required
def inbox_open(request, pk):
    try:
        n = inbox_sel.notification_get(request.user, pk)
    except NotFound:
        raise Http404
    inbox_sel.notification_mark_read(actor=request.user, notification=n)
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notify:inbox")


@login_required
@require_POST
def inbox_read_all(request):
    n = inbox_sel.notification_mark_read(actor=request.user)
    messages.success(request, f"已将 {n} 条消息标为已读。")
    return redirect("notify:inbox")


@login_required
@require_POST
def inbox_preferences(request):
    inbox_sel.preference_set(
        actor=request.user, email=bool(request.POST.get("email")), sms=bool(request.POST.get("sms"))
    )
    messages.success(request, "通知方式已保存。")
    return redirect("notify:inbox")
