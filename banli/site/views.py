from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from banli.audit.middleware import client_ip
from banli.audit.services import audit_record
from banli.cases.selectors import portal_only
from banli.errors import DomainError
from banli.orgs.models import Role
from banli.security import services as security

from . import todo as todo_items


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Password step of the login. Lockout, throttling and the audit trail live in the service;
    the second factor and forced password changes are enforced by the security middleware."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request) or "web:home")
    error = ""
    username = ""
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        try:
            user = security.login_authenticate(
                username=username, password=request.POST.get("password") or "", ip=client_ip(request), request=request
            )
        except DomainError as e:
            error = e.message
        else:
            login(request, user)
            return redirect(_next_url(request) or "web:home")
    return render(
        request, "web/login.html", {"error": error, "username": username, "next": _next_url(request)}, status=200
    )


@require_POST
def logout_view(request):
    """Signing out ends every session of the user, on every device."""
    user = request.user
    if user.is_authenticated:
        audit_record(actor=user, verb="auth.logout", obj=user, summary="退出登录")
        security.sessions_end_all(user=user, reason="logout")
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("web:login")


@login_required
def home(request):
    user = request.user
    if user.has_role(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER):
        # 我的待办: what the user's roles have to do next, each a count that opens its list.
        return render(request, "web/todo_home.html", {"items": todo_items.todo_counts(user)})
    if user.has_role(Role.PROPOSER):
        # Deputies and members read on their phones: the portal is built for them.
        return redirect("portal:home")
    links = []
    if user.has_role(Role.SYSADMIN):
        links += [("security:users", "用户管理"), ("security:orgs", "组织管理")]
    if user.has_role(Role.SECADMIN):
        links += [("security:grants", "角色授权与账户安全"), ("api:tokens", "接口令牌")]
    if user.has_role(Role.AUDITOR):
        links += [("security:audit_log", "审计日志")]
    return render(request, "web/home.html", {"admin_links": links})


TODO_PAGE = 50


@login_required
def todo_list(request, key):
    """One 我的待办 item as a list: the same queryset the home page counted, nearest due date first."""
    item = todo_items.todo_get(request.user, key)
    if item is None:
        raise Http404()
    if not item.staff and portal_only(request.user):
        return redirect("portal:todo", key=key)  # deputies and members stay on the portal
    qs = item.qs(request.user, timezone.localdate())
    page = Paginator(qs, TODO_PAGE).get_page(request.GET.get("page"))
    rows = [{"obj": obj, "url": item.url(obj)} for obj in page]
    return render(request, "web/todo_list.html", {"item": item, "page": page, "rows": rows})
