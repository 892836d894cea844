"""/api/: the versioned REST API, its OpenAPI schema and Swagger UI (assets served locally by
drf-spectacular-sidecar), and the security administrator's token page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import endpoints as e
from . import views

app_name = "api"

READS = [
    ("proposals/", e.ProposalRegister, "proposals"),
    ("proposals/<int:pk>/", e.ProposalDetail, "proposal"),
    ("proposals/<int:pk>/similar/", e.Similar, "similar"),
    ("proposals/<int:pk>/recommendations/", e.Recommend, "recommend"),
    ("assignments/<int:pk>/", e.AssignmentDetail, "assignment"),
    ("assignments/<int:pk>/reply/", e.ReplyDraft, "reply_draft"),
    ("assignments/<int:pk>/plan/", e.Plan, "plan"),
    ("stats/", e.Stats, "stats"),
    ("ledger/export/", e.LedgerExport, "ledger_export"),
    ("webhooks/", e.Webhooks, "webhooks"),
    ("webhooks/<int:pk>/", e.WebhookDetail, "webhook"),
]

urlpatterns = (
    [path(f"v1/{route}", view.as_view(), name=name) for route, view, name in READS]
    + [path(f"v1/{a.path}", e.action_view(a).as_view(), name=a.name) for a in e.ACTIONS]
    + [
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
        path("tokens/", views.tokens, name="tokens"),
        path("tokens/<int:pk>/rotate/", views.token_rotate_view, name="token_rotate"),
        path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    ]
)
