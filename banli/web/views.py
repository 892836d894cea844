from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render

from banli.audit.services import audit_record
from banli.orgs.models import Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "用户名或密码错误。",
    }


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), verb="auth.login", obj=form.get_user(), summary="登录")
        return response

    def form_invalid(self, form):
        audit_record(actor=None, verb="auth.login_failed", object_type="user", object_id=(form.data.get("username") or "")[:50], summary="登录失败")
        return super().form_invalid(form)


@login_required
def home(request):
    user = request.user
    if user.has_role(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER, Role.PROPOSER):
        return redirect("cases:list")
    return render(request, "web/home.html", {})
