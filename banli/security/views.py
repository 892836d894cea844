"""Thin views over security services: 2FA, own password, and the three administrators' pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from banli.audit.middleware import client_ip
from banli.audit.models import AuditPurge
from banli.audit.redact import summary_for_display
from banli.audit.services import audit_verify
from banli.errors import DomainError
from banli.orgs.models import ADMIN_ROLES, Org, Role, User
from banli.web.actions import attempt, form_error, run_action

from . import forms, services
from .models import Lockout, TOTPDevice


def _safe_next(request, default="web:home"):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return redirect(default).url


# --- two-factor ---------------------------------------------------------------------------------


def _second_factor_passed(request, form, check, success: str = ""):
    """Post a code through `check` (confirm a new device / verify at login). On success the
    session key is rotated and marked as past the second factor; returns the redirect to follow,
    or None to show the form again (with the error on it)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        check(actor=request.user, code=form.cleaned_data["code"], ip=client_ip(request))
    except services.LoginRefused as e:  # too many wrong codes: signed out and locked
        messages.error(request, e.message)
        return redirect("web:login")
    except DomainError as e:
        form_error(form, e)
        return None
    services.session_rotate(request)
    request.session[services.SESSION_2FA] = True
    if success:
        messages.success(request, success)
    return redirect(_safe_next(request))


def twofa_setup(request):
    user = request.user
    dev = services.totp_device(user)
    if dev is not None and dev.confirmed:
        return redirect("security:2fa_verify")
    form = forms.CodeForm(request.POST or None)
    done = _second_factor_passed(
        request, form, services.totp_confirm, "双因素认证设备已绑定，今后登录时须输入手机上的动态验证码。"
    )
    if done is not None:
        return done
    secret = services.totp_pending_secret(user)
    if secret is None:
        _, secret, _ = services.totp_begin(actor=user)
    uri = services.totp_uri(user, secret)
    import segno

    qr = mark_safe(segno.make(uri, error="m").svg_inline(scale=4, dark="#222", light="#fff", title="扫码绑定"))
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        request,
        "security/2fa_setup.html",
        {"form": form, "qr": qr, "secret": grouped, "required": services.totp_required(user)},
    )


def twofa_verify(request):
    user = request.user
    dev = services.totp_device(user)
    if dev is None or not dev.confirmed:
        return redirect("security:2fa_setup")
    if request.session.get(services.SESSION_2FA):
        return redirect(_safe_next(request))
    form = forms.CodeForm(request.POST or None)
    done = _second_factor_passed(request, form, services.totp_verify)
    if done is not None:
        return done
    return render(request, "security/2fa_verify.html", {"form": form, "next": request.GET.get("next", "")})


# --- own account: password, second factor, sessions --------------------------------------------


def account(request):
    user = request.user
    dev = services.totp_device(user)
    sec = services.password_state(user)
    sessions = user.sessions_registry.filter(ended_at__isnull=True).order_by("-created_at")[:20]
    return render(
        request,
        "security/account.html",
        {
            "device": dev if dev is not None and dev.confirmed else None,
            "required": services.totp_required(user),
            "sec": sec,
            "sessions": sessions,
            "current_key": request.session.session_key,
        },
    )


@require_POST
def sessions_end_others(request):
    n = services.sessions_end_others(user=request.user, keep_key=request.session.session_key)
    messages.success(request, f"已结束其他 {n} 个登录会话。" if n else "没有其他登录会话。")
    return redirect("security:account")


# --- own password -------------------------------------------------------------------------------


def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    reason = services.password_change_reason(request.user)
    changed = (
        request.method == "POST"
        and form.is_valid()
        and attempt(request, lambda: services.password_change(actor=request.user, **form.cleaned_data), form=form)
    )
    if changed:
        # Other sessions of this user end; this one goes on with a new key.
        from django.contrib.auth import update_session_auth_hash

        services.sessions_end_all(user=request.user, reason="password_change")
        update_session_auth_hash(request, request.user)
        services.session_register(user=request.user, request=request)
        request.session[services.SESSION_2FA] = True
        messages.success(request, "密码已修改。")
        return redirect("web:home")
    from django.contrib.auth.password_validation import password_validators_help_texts

    return render(
        request,
        "security/password_change.html",
        {"form": form, "reason": reason, "rules": password_validators_help_texts()},
    )


# --- sysadmin: users and orgs -------------------------------------------------------------------


def users(request):
    q = request.GET.get("q", "").strip()
    qs = User.objects.select_related("org").prefetch_related("role_grants").order_by("username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(org__name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "security/users.html",
        {"page": page, "q": q, "form": forms.UserCreateForm(), "admin_roles": set(ADMIN_ROLES)},
    )


def user_create(request):
    form = forms.UserCreateForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.user_admin_create(actor=request.user, **form.cleaned_data),
            ok=lambda u: f"已创建用户 {u.username}。请由安全管理员授予角色；用户首次登录须修改密码。",
            form=form,
        )
    ):
        return redirect("security:users")
    return render(request, "security/user_create.html", {"form": form})


def _user(pk) -> User:
    u = User.objects.filter(pk=pk).first()
    if u is None:
        raise Http404
    return u


@require_POST
def user_reset_password(request, pk):
    u = _user(pk)
    form = forms.PasswordResetForm(request.POST)

    def reset():
        if not form.is_valid():
            raise DomainError("请填写临时密码。")
        services.user_password_reset(actor=request.user, user=u, new_password=form.cleaned_data["new_password"])

    return run_action(
        request,
        reset,
        ok=f"已重置 {u.username} 的密码，其所有会话已结束；用户下次登录须修改密码。",
        redirect_to="security:users",
    )


@require_POST
def user_set_active(request, pk):
    u = _user(pk)
    active = request.POST.get("active") == "1"
    return run_action(
        request,
        lambda: services.user_set_active(actor=request.user, user=u, active=active),
        ok=f"已{'启用' if active else '停用'}账户 {u.username}。",
        redirect_to="security:users",
    )


def orgs(request):
    form = forms.OrgCreateForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: services.org_admin_create(actor=request.user, **form.cleaned_data),
            ok=lambda o: f"已新增组织“{o.name}”。",
            form=form,
        )
    ):
        return redirect("security:orgs")
    page = Paginator(Org.objects.order_by("path"), 100).get_page(request.GET.get("page"))
    return render(request, "security/orgs.html", {"page": page, "form": form})


# --- secadmin: role grants, lockouts, 2FA resets -------------------------------------------------


def grants(request):
    q = request.GET.get("q", "").strip()
    qs = User.objects.filter(is_active=True).select_related("org").prefetch_related("role_grants").order_by("username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(org__name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    from django.utils import timezone

    locks = Lockout.objects.filter(until__gt=timezone.now(), released_at__isnull=True)[:50]
    with_2fa = set(
        TOTPDevice.objects.filter(confirmed_at__isnull=False, user__in=[u.pk for u in page]).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "security/grants.html",
        {"page": page, "q": q, "roles": Role.choices, "locks": locks, "with_2fa": with_2fa},
    )


@require_POST
def grant(request, pk):
    u = _user(pk)
    role, action = request.POST.get("role", ""), request.POST.get("action", "grant")
    change = services.role_revoke if action == "revoke" else services.role_grant
    return run_action(
        request,
        lambda: change(actor=request.user, user=u, role=role),
        ok=lambda _: f"已{'撤销' if action == 'revoke' else '授予'} {u.username} 的角色“{Role(role).label}”。",
        redirect_to=request.POST.get("back") or "security:grants",
    )


@require_POST
def unlock(request):
    return run_action(
        request,
        lambda: services.lockout_release(actor=request.user, username=request.POST.get("username", "")),
        ok="已解除锁定。",
        redirect_to="security:grants",
    )


@require_POST
def twofa_reset(request, pk):
    u = _user(pk)
    return run_action(
        request,
        lambda: services.totp_reset(actor=request.user, user=u),
        ok=f"已重置 {u.username} 的双因素认证，其下次登录时须重新绑定。",
        redirect_to="security:grants",
    )


# --- auditor: the log ----------------------------------------------------------------------------


def audit_log(request):
    qs = services.audit_events_for_auditor(actor=request.user).order_by("-seq")
    f = {k: request.GET.get(k, "").strip() for k in ("verb", "actor", "object", "date_from", "date_to")}
    if f["verb"]:
        qs = qs.filter(verb__startswith=f["verb"])
    if f["actor"]:
        qs = qs.filter(actor_name__icontains=f["actor"]) | qs.filter(actor__username=f["actor"])
    if f["object"]:
        qs = qs.filter(Q(object_id=f["object"]) | Q(summary__icontains=f["object"]))
    if f["date_from"]:
        qs = qs.filter(at__date__gte=f["date_from"])
    if f["date_to"]:
        qs = qs.filter(at__date__lte=f["date_to"])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    for e in page:
        # Rows written before free text was kept out of the log are masked here (banli.audit.redact).
        e.summary_shown = summary_for_display(e.verb, e.summary)
    verify = None
    if request.GET.get("verify") == "1":
        verify = audit_verify()
    return render(
        request,
        "security/audit_log.html",
        {
            "page": page,
            "f": f,
            "verify": verify,
            "policy": services.retention_policy(),
            "purges": AuditPurge.objects.all()[:10],
            "form": forms.RetentionForm(initial={"days": services.retention_policy().days}),
        },
    )


@require_POST
def retention(request):
    form = forms.RetentionForm(request.POST)

    def save():
        if not form.is_valid():
            raise DomainError("保留天数须为正整数。")
        services.retention_set(actor=request.user, days=form.cleaned_data["days"])

    return run_action(request, save, ok="保留策略已保存。", redirect_to="security:audit_log")


@require_POST
def purge(request):
    return run_action(
        request,
        lambda: services.audit_purge(actor=request.user),
        ok=lambda n: f"已按保留策略清理 {n} 条审计记录。" if n else "没有超过保留期的审计记录。",
        redirect_to="security:audit_log",
    )
