from django.urls import path

from . import views

app_name = "security"
urlpatterns = [
    path("2fa/setup/", views.twofa_setup, name="2fa_setup"),
    path("2fa/verify/", views.twofa_verify, name="2fa_verify"),
    path("password/", views.password_change, name="password_change"),
    path("account/", views.account, name="account"),
    path("account/sessions/end/", views.sessions_end_others, name="sessions_end_others"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/reset-password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path("orgs/", views.orgs, name="orgs"),
    path("grants/", views.grants, name="grants"),
    path("grants/<int:pk>/", views.grant, name="grant"),
    path("grants/<int:pk>/2fa-reset/", views.twofa_reset, name="2fa_reset"),
    path("unlock/", views.unlock, name="unlock"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/retention/", views.retention, name="retention"),
    path("audit/purge/", views.purge, name="purge"),
]
