"""The security administrator's page for integration tokens (/api/tokens/): issue, rotate,
revoke. A new secret is shown once, on the page that made it, and never stored in clear."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from banli.web.actions import attempt, run_action

from . import tokens as svc
from .forms import TokenIssueForm
from .models import IntegrationToken


def _page(request, form, secret=None, status=200):
    rows = IntegrationToken.objects.select_related("org", "created_by").order_by("-created_at")[:200]
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": rows, "secret": secret, "now": timezone.now()},
        status=status,
    )


@login_required
def tokens(request):
    if request.method == "POST":
        form = TokenIssueForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            done = attempt(
                request,
                lambda: svc.token_issue(
                    actor=request.user, name=d["name"], org=d["org"], actions=d["actions"], days=d["days"]
                ),
                form=form,
            )
            if done:
                token, secret = done.value
                messages.success(request, f"已签发接口令牌“{token.name}”。请立即复制令牌，关闭页面后无法再次查看。")
                return _page(request, TokenIssueForm(), secret=(token, secret))
        return _page(request, form, status=400)
    return _page(request, TokenIssueForm())


@login_required
@require_POST
def token_rotate_view(request, pk):
    token = svc.access_token(request.user, pk)
    done = attempt(request, lambda: svc.token_rotate(actor=request.user, token=token))
    if done:
        t, secret = done.value
        messages.success(request, f"已轮换“{t.name}”的令牌，旧令牌立即失效。请立即复制新令牌。")
        return _page(request, TokenIssueForm(), secret=(t, secret))
    return redirect("api:tokens")


@login_required
@require_POST
def token_revoke_view(request, pk):
    token = svc.access_token(request.user, pk)
    return run_action(
        request,
        lambda: svc.token_revoke(actor=request.user, token=token),
        ok=f"已吊销“{token.name}”的令牌，其事件订阅同时停止。",
        redirect_to="api:tokens",
    )
